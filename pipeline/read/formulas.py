"""Formulas whose values were never calculated: the readers would see empty cells.

Files written by scripts (openpyxl, many exporters) carry formulas with no cached value; until a
spreadsheet program calculates them, every reader sees nothing there, so the figures would be
silently wrong. Such files are refused with a message that says how to fix them.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ooxml.parts import Package, sheet_parts

_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def check_calculated(path: Path, sheets: Iterable[str]) -> None:
    """Refuse when a sheet the analysis reads holds a formula without a calculated value."""
    try:
        with zipfile.ZipFile(path) as archive:
            _, listed = sheet_parts(Package(archive), errors="replace")
            parts = {name: part for name, _, part in listed}
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
