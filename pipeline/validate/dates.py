"""Dates as spreadsheets and exports write them, read by polars expressions.

Each parser returns null where a cell cannot be read; the caller compares with the cell's text
to report every such cell as a data issue rather than lose it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.validate.text import clean_text, fast_then_full

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 in the 1900 date system
_MAX_SERIAL = 2_958_465  # 9999-12-31
EARLIEST = dt.date(1990, 1, 1)  # older invoice dates are typos (or numbers read as dates)
FUTURE_DAYS = 366  # invoice dates more than this after the run date are typos

SLASH_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"


def parse_date(col: str | pl.Expr, day_first: bool = True) -> pl.Expr:
    """Excel dates (read as ISO text), ISO text, ``dd.mm.yyyy``, ``dd/mm/yyyy`` (or
    ``mm/dd/yyyy`` when not ``day_first``) and Excel serial numbers."""
    return date_from_clean(clean_text(col), day_first)


def date_from_clean(text: pl.Expr, day_first: bool = True) -> pl.Expr:
    """``parse_date`` of text already through ``clean_text``."""
    slashed = text.str.strptime(pl.Date, "%d/%m/%Y" if day_first else "%m/%d/%Y", strict=False)
    iso = text.str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})").str.strptime(
        pl.Date, "%Y-%m-%d", strict=False
    )
    dotted = text.str.strptime(pl.Date, "%d.%m.%Y", strict=False)
    is_serial = text.str.contains(r"^\d+(\.\d+)?$")
    serial = text.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False)
    from_serial = pl.when(is_serial & serial.is_between(1, _MAX_SERIAL)).then(
        pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)
    )
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"))
        .then(iso)
        .when(text.str.contains(r"^\d{1,2}\.\d{1,2}\.\d{4}$"))
        .then(dotted)
        .when(text.str.contains(SLASH_DATE))
        .then(slashed)
        .otherwise(from_serial.cast(pl.Date))
    )


def _iso_date(text: pl.Expr) -> pl.Expr:
    """The shape a spreadsheet reader gives a date cell (``2026-03-31`` or ``2026-03-31
    00:00:00``), the one case ``date_from_clean`` reads as its ISO branch; null otherwise."""
    return pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$")).then(
        text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    )


def parse_dates(frame: pl.DataFrame, column: str, day_first: bool = True) -> pl.Series:
    """``date_from_clean`` of a clean text column, the reader's ISO shape taken first."""
    text = pl.col(column)
    return fast_then_full(frame, column, _iso_date(text), date_from_clean(text, day_first))


def slash_order(frame: pl.DataFrame, columns: list[str]) -> bool | None:
    """Day first (True) or month first (False), as the slash dates in ``columns`` show it:
    a first field above 12 is a day, a second field above 12 is a day; None when they never say."""
    parts = pl.concat(
        [
            frame.select(pl.col(c).cast(pl.String))
            .filter(pl.col(c).str.contains("/", literal=True))
            .select(clean_text(c).str.extract_groups(SLASH_DATE).alias("p"))
            .unnest("p")
            for c in columns
        ],
        how="vertical",
    ).drop_nulls()
    if parts.height == 0:
        return None
    first, second = parts["1"].cast(pl.Int64), parts["2"].cast(pl.Int64)
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first != month_first:
        return day_first
    return None
