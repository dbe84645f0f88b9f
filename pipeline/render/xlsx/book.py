"""The analysis sheets' workbook: xlsxwriter with one format per number format, text always
written as text, and every table an Excel table.

User text is always written as a string: ``strings_to_formulas`` is off and text goes through
``write_string`` (or, in a long table's later rows, into an inline string by ``bulkrows``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_range
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.ooxml import bulkrows
from pipeline.ooxml.bulkrows import MAX_TEXT, Formula
from pipeline.ooxml.xmltext import without_controls

MONEY = "#,##0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
MONTH = "yyyy-mm"
INTEGER = "0"
DECIMAL = "0.00"
STYLE = "Table Style Medium 2"
SHEET_ROWS = 1_048_576  # rows an Excel sheet holds


LINE_POINTS = 15.0  # a line of 11-point Calibri
MAX_ROW_POINTS = 409.0  # the tallest row Excel allows
TEXT_PER_UNIT = 1.15  # characters of running text per unit of column width (a digit's width)


def wrapped_heights(texts: Sequence[str | None] | pl.Series, width: float) -> pl.Series:
    """The height (points) of each row whose text wraps in a column ``width`` characters wide:
    its characters over what a line holds, less a tenth for the words kept whole; computed
    for every row at once (twenty thousand clients' reasons in milliseconds, given as a
    column: as a list of Python text, twice as long)."""
    per_line = width * TEXT_PER_UNIT * 0.9
    column = texts if isinstance(texts, pl.Series) else pl.Series(texts, dtype=pl.String)
    lines = (
        (column.cast(pl.String).fill_null("").str.len_chars() / per_line).ceil().clip(lower_bound=1)
    )
    return (lines * LINE_POINTS).clip(upper_bound=MAX_ROW_POINTS)


def cell_text(text: str) -> str:
    """Text a cell can hold: no control characters the format forbids, within Excel's limit."""
    return without_controls(text)[:MAX_TEXT]


def quoted(sheet: str) -> str:
    """A sheet's name as a formula refers to it."""
    return "'" + sheet.replace("'", "''") + "'"


class Book:
    """An xlsxwriter workbook with one cached format per number format, and safe writes."""

    def __init__(self, buffer: io.BytesIO, when: dt.datetime, date_1904: bool = False) -> None:
        self.wb: Workbook = xlsxwriter.Workbook(
            buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,  # "=1+1" typed by a user is text
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "remove_timezone": True,
                "date_1904": date_1904,  # dates must count from the same day as the user's
            },
        )
        self.wb.set_properties({"created": when, "author": "tierbook"})
        self.wb.set_calc_mode("auto")
        self._formats: dict[tuple[str | None, bool, bool], Any] = {}
        self.later: list[bulkrows.Later] = []  # rows written once the workbook is closed
        self.header = self.wb.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F4E79",
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.title = self.wb.add_format({"bold": True, "font_size": 14})
        self.bold = self.wb.add_format({"bold": True})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})

    def fmt(self, number_format: str | None, wrap: bool = False, bold: bool = False) -> Any:
        key = (number_format, wrap, bold)
        if key not in self._formats:
            # top-aligned, so a row made tall by wrapped reasons reads from its top line
            props: dict[str, Any] = {"valign": "top"}
            if number_format:
                props["num_format"] = number_format
            if wrap:
                props.update(text_wrap=True, valign="top")
            if bold:
                props["bold"] = True
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def put(
        self,
        ws: Worksheet,
        row: int,
        col: int,
        value: Any,
        number_format: str | None = None,
        wrap: bool = False,
    ) -> None:
        """The one place a value enters a cell: text is always a string cell, never a formula."""
        fmt = self.fmt(number_format, wrap)
        if value is None or (isinstance(value, float) and value != value):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(row, col, "yes" if value else "no", fmt)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, value, self.fmt(number_format or DATE, wrap))
        else:
            ws.write_string(row, col, cell_text(str(value)), fmt)

    def table(
        self,
        ws: Worksheet,
        top: int,
        left: int,
        name: str,
        columns: Sequence[tuple[str, str | None]],
        rows: Sequence[Sequence[Any]] | pl.DataFrame,
        bulk: bool = False,
        heights: Sequence[float] | None = None,
    ) -> int:
        """Headers and rows as an Excel table; returns the last row used.

        ``bulk``: a long table whose rows after the first are written by ``bulkrows`` once
        the workbook is closed (where their values allow it); given as a frame, its columns
        go there as they are, a column of ``bulkrows.FORMULAS`` as formulas with their values.
        ``heights``: each row's height in points, for wrapped text (Excel and LibreOffice keep
        a row's stated height).
        """
        formats = [fmt for _, fmt in columns]
        count, later = len(rows), None
        if isinstance(rows, pl.DataFrame):
            later = bulkrows.typed(rows.slice(1), formats) if bulk and count else None
            formulas = [rows.schema[c] in bulkrows.FORMULAS for c in rows.columns]
            rows = [
                [
                    Formula(value["f"], value["v"]) if formula and value is not None else value
                    for value, formula in zip(row, formulas, strict=True)
                ]
                for row in ([rows.row(0)] if later is not None else rows.rows())
            ]
        body = rows or [[None] * len(columns)]
        if later is None and bulk:
            later = bulkrows.frame(body[1:], formats)
        last = top + max(count, 1)
        marked = last  # the rows xlsxwriter's add_table marks, cell by cell, against overlaps
        if later is not None and later.height:
            tall = pl.Series("ht", heights[1:], pl.Float64) if heights else None
            whole = (name, xl_range(top, left, last, left + len(columns) - 1))
            self.later.append(bulkrows.Later(ws.index, top + 2, left, later, tall, whole))
            body = body[:1]
            marked = top + 1
        for r, height in enumerate((heights or [])[: len(body)], start=top + 1):
            ws.set_row(r, height)
        for r, values in enumerate(body, start=top + 1):
            for c, (value, (_, fmt)) in enumerate(zip(values, columns, strict=True)):
                if isinstance(value, Formula):
                    ws.write_formula(r, left + c, value.text, self.fmt(fmt), value.cached)
                else:
                    self.put(ws, r, left + c, value, fmt)
        ws.add_table(
            top,
            left,
            marked,
            left + len(columns) - 1,
            {
                "name": name,
                "style": STYLE,
                "columns": [
                    {"header": header, "header_format": self.header} for header, _ in columns
                ],
            },
        )
        return last

    def figures(
        self,
        ws: Worksheet,
        top: int,
        left: int,
        name: str,
        rows: Sequence[tuple[str, Any, str | None]],
    ) -> int:
        """A Figure/Value table, each value in its own number format (a ``Formula`` written as
        one, with its value cached); returns the last row used."""
        ws.write_string(top, left, "Figure", self.header)
        ws.write_string(top, left + 1, "Value", self.header)
        for r, (label, value, fmt) in enumerate(rows, start=top + 1):
            self.put(ws, r, left, label)
            if isinstance(value, Formula):
                ws.write_formula(r, left + 1, value.text, self.fmt(fmt), value.cached)
            else:
                self.put(ws, r, left + 1, value, fmt)
        last = top + len(rows)
        ws.add_table(
            top,
            left,
            last,
            left + 1,
            {
                "name": name,
                "style": STYLE,
                "columns": [
                    {"header": "Figure", "header_format": self.header},
                    {"header": "Value", "header_format": self.header},
                ],
            },
        )
        return last
