"""The one place a value enters a worksheet cell: user text always stays text.

openpyxl turns any string starting with ``=`` into a formula; a client called ``=HYPERLINK(..)``
must not become one. Text is stored as a string cell, stripped of the control characters
the file format forbids. Only the tool's own formulas are written through ``put_formula``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

MAX_CELL_TEXT = 32_767  # Excel's limit on characters in a cell


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> None:
    cell = ws.cell(row=row, column=column)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        cell.value = None
    elif isinstance(value, bool):
        cell.value = "yes" if value else "no"
    elif isinstance(value, int | float | dt.date):
        cell.value = value
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if number_format:
        cell.number_format = number_format
