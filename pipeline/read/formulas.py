"""Formulas whose values were never calculated: the readers would see empty cells.

Files written by scripts (openpyxl, many exporters) carry formulas with no cached value; until a
spreadsheet program calculates them, every reader sees nothing there, so the figures would be
silently wrong. Such files are refused with a message that says how to fix them.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import InputError

_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]+)"', tag)
        target = re.search(r'\bTarget="([^"]+)"', tag)
        if rid and target:
            value = target.group(1)
            targets[rid.group(1)] = (
                value.lstrip("/")
                if value.startswith("/")
                else posixpath.normpath(posixpath.join("xl", value))
            )
    parts = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            parts[name.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")] = (
                targets[rid.group(1)]
            )
    return parts


def check_calculated(path: Path, sheets: Iterable[str]) -> None:
    """Refuse when a sheet the analysis reads holds a formula without a calculated value."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            for sheet in sheets:
                part = parts.get(sheet)
                if part is None or part not in archive.namelist():
                    continue
                data = archive.read(part)
                if b"<f" not in data:
                    continue
                found = _FORMULA_WITHOUT_VALUE.search(data)
                if found:
                    ref = re.search(rb'\br="([A-Z]+\d+)"', found.group(1))
                    cell = ref.group(1).decode() if ref else "a cell"
                    count = len(_FORMULA_WITHOUT_VALUE.findall(data))
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
