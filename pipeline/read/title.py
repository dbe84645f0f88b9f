"""The business a workbook belongs to, where the workbook says it: a title row above the
invoice table's header, or the title set in the document's properties.

A report titled by the business ("Client briefing: Harbor & Pine Design") reads better than
one titled by a file name ("sales_export (3).xlsx"). A Settings ``business`` row, when there
is one, names it outright and wins over both.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

import polars as pl

TITLE_LIMIT = 120  # characters; a longer line above the header is a note, not a name
_TITLE = re.compile(rb"<dc:title>([^<]{1,480})</dc:title>")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


def title_row(head: pl.DataFrame, header_index: int) -> str | None:
    """The first line above the header holding one piece of text and nothing else, as report
    exports put the company's name (QuickBooks, Xero, Sage) or a person types a title."""
    for index in range(min(header_index, head.height)):
        cells = [str(v).strip() for v in head.row(index) if v is not None and str(v).strip()]
        if not cells:
            continue
        if len(cells) == 1 and _name_like(cells[0]):
            return cells[0]
        return None  # the first line with anything in it decides
    return None


def document_title(path: Path) -> str | None:
    """The title set in the workbook's properties (File > Properties > Title), if any."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("docProps/core.xml") as handle:
            core = handle.read(64 * 1024)  # the properties part is small; never inflate more
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
        return None
    found = _TITLE.search(core)
    if found is None:
        return None
    text = found.group(1).decode("utf-8", "replace")
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    text = text.strip()
    return text if _name_like(text) else None


def _name_like(text: str) -> bool:
    """A short line with a letter in it; a date, a number or a paragraph is no name."""
    return len(text) <= TITLE_LIMIT and any(ch.isalpha() for ch in text) and "\n" not in text
