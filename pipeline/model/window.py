"""The as-of date and the analysis windows."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import polars as pl


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later (or earlier), clamped to the month's end (Feb 29 -> Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Windows:
    """The window ends at as-of and starts the day after the same date a window earlier."""

    as_of: dt.date
    start: dt.date
    prior_start: dt.date
    prior_end: dt.date

    @property
    def end(self) -> dt.date:
        return self.as_of


def month_cover(month: dt.date, w: Windows) -> tuple[int, int]:
    """(days of ``month`` inside the window, days in the month): a window that starts or ends
    inside a month covers only part of it, and a chart must not draw it as a whole one."""
    last = calendar.monthrange(month.year, month.month)[1]
    first_day, last_day = month.replace(day=1), month.replace(day=last)
    start, end = max(first_day, w.start), min(last_day, w.as_of)
    return max((end - start).days + 1, 0), last


def windows(as_of: dt.date, months: int = 12) -> Windows:
    start = add_months(as_of, -months) + dt.timedelta(days=1)
    prior_end = start - dt.timedelta(days=1)
    prior_start = add_months(prior_end, -months) + dt.timedelta(days=1)
    return Windows(as_of=as_of, start=start, prior_start=prior_start, prior_end=prior_end)


def rolling_month(day: pl.Expr, as_of: pl.Expr | dt.date) -> pl.Expr:
    """Which of a window's rolling months a day falls in: 0 for the month ending at ``as_of``
    (a date, or a column of them).

    Rolling months, not calendar months: with as-of on the 15th the window touches 13 calendar
    months but holds 12 rolling ones, so "billed in 12 of 12 months" stays true to its word.
    """
    end = pl.lit(as_of) if isinstance(as_of, dt.date) else as_of
    months = (end.dt.year().cast(pl.Int64) * 12 + end.dt.month().cast(pl.Int64)) - (
        day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64)
    )
    return months - (day.dt.day() > end.dt.day()).cast(pl.Int64)
