"""Data issues made from frames: one row per cell or row that could not be used as written."""

from __future__ import annotations

import polars as pl

from pipeline.validate.records import DataIssue, issue_frame


def issue_rows(
    frame: pl.DataFrame,
    when: pl.Expr,
    column: str,
    value: pl.Expr,
    problem: str | pl.Expr,
    action: str | pl.Expr,
) -> pl.DataFrame:
    """Issue rows for every row of ``frame`` (which carries ``sheet`` and ``row``) where ``when``."""
    return frame.filter(when.fill_null(False)).select(
        pl.col("sheet"),
        pl.col("row").cast(pl.Int64),
        pl.lit(column).alias("column"),
        value.cast(pl.String).alias("value"),
        (pl.lit(problem) if isinstance(problem, str) else problem).cast(pl.String).alias("problem"),
        (pl.lit(action) if isinstance(action, str) else action).cast(pl.String).alias("action"),
    )


def one_issue(
    sheet: str, row: int | None, column: str, value: str | None, problem: str, action: str
) -> pl.DataFrame:
    """One issue about a whole column or sheet, as a frame like ``issue_rows``'."""
    return issue_frame([DataIssue(sheet, row, column, value, problem, action)])
