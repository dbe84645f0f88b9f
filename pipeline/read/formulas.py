"""Formulas whose values were never calculated: the readers would see empty cells.

Files written by scripts (openpyxl, many exporters) carry formulas with no cached value; until a
spreadsheet program calculates them, every reader sees nothing there, so the figures would be
silently wrong. Such files are refused with a message that says how to fix them.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ooxml.parts import Package, sheet_parts
from pipeline.read.guard import parts_with_formulas

# Each formula tag, then the tags around it one at a time: every match stops at the next '<' or
# '>', and each stretch of text is looked at once, so a scan is linear in the part whatever it
# holds (a backtracking pattern over a whole cell was quadratic: a 200 KB comment took a minute).
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^<>]*>")
_TAG = re.compile(rb"<(/?)(?:\w+:)?(\w+)\b[^<>]*>")


def _next_tag(data: bytes, at: int) -> re.Match[bytes] | None:
    """The tag after ``at`` when only white space stands between, else None."""
    lt = data.find(b"<", at)
    if lt < 0 or data[at:lt].strip():
        return None
    return _TAG.match(data, lt)


def _uncalculated(data: bytes) -> Iterator[bytes]:
    """Each cell tag holding a formula with no value (or an empty one), in order.

    A cell ``<c ...>`` followed, with only white space between, by its formula ``<f .../>`` or
    ``<f ...>text</f>``, then optionally an empty ``<v/>`` or ``<v> </v>``, then ``</c>``.
    """
    for formula in _FORMULA.finditer(data):
        lt = data.rfind(b"<", 0, formula.start())
        cell = _TAG.match(data, lt) if lt >= 0 else None
        if (
            cell is None
            or cell.group(1)
            or cell.group(2) != b"c"
            or cell.group(0).endswith(b"/>")
            or data[cell.end() : formula.start()].strip()
        ):
            continue
        at = formula.end()
        if not formula.group(0).endswith(b"/>"):  # <f ...>text</f>: the text holds no '<'
            lt = data.find(b"<", at)
            close = _TAG.match(data, lt) if lt >= 0 else None
            if close is None or close.group(1) != b"/" or close.group(2) != b"f":
                continue
            at = close.end()
        tag = _next_tag(data, at)
        if tag is not None and not tag.group(1) and tag.group(2) == b"v":
            if tag.group(0).endswith(b"/>"):
                tag = _next_tag(data, tag.end())
            else:
                end = _next_tag(data, tag.end())  # <v> </v>: blank, else it holds a value
                if end is None or end.group(1) != b"/" or end.group(2) != b"v":
                    continue
                tag = _next_tag(data, end.end())
        if tag is not None and tag.group(1) == b"/" and tag.group(2) == b"c":
            yield cell.group(0)


def check_calculated(path: Path, sheets: Iterable[str]) -> None:
    """Refuse when a sheet the analysis reads holds a formula without a calculated value."""
    try:
        with zipfile.ZipFile(path) as archive:
            _, listed = sheet_parts(Package(archive), errors="replace")
            parts = {name: part for name, _, part in listed}
            marked = parts_with_formulas(path)  # seen by the guard as it inflated every part
            for sheet in sheets:
                part = parts.get(sheet)
                if part is None or part not in archive.namelist() or part not in marked:
                    continue
                data = archive.read(part)
                if b"<f" not in data:
                    continue
                found = list(_uncalculated(data))
                if found:
                    ref = re.search(rb'\br="([A-Z]+\d+)"', found[0])
                    cell = ref.group(1).decode() if ref else "a cell"
                    count = len(found)
                    raise InputError(
                        f"{path.name}, sheet '{sheet}': cell {cell} (and {count - 1} more) holds a formula "
                        "whose value was never calculated, so its value cannot be read. The file was "
                        "probably written by a program that does not calculate. Open it in Excel or "
                        "LibreOffice, save it, and run again."
                        if count > 1
                        else f"{path.name}, sheet '{sheet}': cell {cell} holds a formula whose value was "
                        "never calculated, so its value cannot be read. Open the file in Excel or "
                        "LibreOffice, save it, and run again."
                    )
    except KeyError:
        return  # not an Excel package (e.g. .ods): its reader sees cached values or none at all
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(
            f"{path.name}: the workbook is damaged ({exc}). Export or save it again from your "
            "spreadsheet program."
        ) from None
