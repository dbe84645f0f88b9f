"""A worksheet's child elements in the order the schema sets, and a new child put in its
place: cell notes add ``<legacyDrawing>``, print fitting adds ``<pageSetup>``, and Excel
refuses a sheet whose children are out of order."""

from __future__ import annotations

import re

from pipeline.ooxml.xmltext import prefix

# The children that may follow <sheetData>, in schema order (ECMA-376, CT_Worksheet).
AFTER_SHEET_DATA = (
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


def top_level(xml: str, start: int) -> list[tuple[str, int]]:
    """(local name, offset) of the worksheet's child elements that begin after ``start``."""
    found, depth = [], 0
    for match in re.finditer(r"<(/?)(?:\w+:)?(\w+)\b[^>]*?(/?)>", xml[start:]):
        closing, name, empty = match.group(1), match.group(2), match.group(3)
        if closing:
            depth -= 1
            continue
        if depth == 0:
            found.append((name, start + match.start()))
        if not empty:
            depth += 1
    return found


def insert_child(sheet: str, element: str, name: str) -> str:
    """``sheet`` with ``element`` (a ``name`` child, one of ``AFTER_SHEET_DATA``) before the
    first child the schema puts after it, else last; ``<sheetData>`` may be self-closed."""
    p = prefix(sheet, "worksheet")
    later = set(AFTER_SHEET_DATA[AFTER_SHEET_DATA.index(name) + 1 :])
    data = re.search(rf"<{p}sheetData\b[^>]*/>|</{p}sheetData>", sheet)
    for child, offset in top_level(sheet, data.end() if data else 0):
        if child in later:
            return sheet[:offset] + element + sheet[offset:]
    position = sheet.rindex(f"</{p}worksheet>")
    return sheet[:position] + element + sheet[position:]
