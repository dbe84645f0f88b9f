"""One currency per analysis: amounts in different currencies are never added together."""

from __future__ import annotations

import polars as pl

from pipeline.config import Config
from pipeline.read.sheets import RawTable
from pipeline.validate.fields import label
from pipeline.validate.issues import issue_rows


def one_currency(
    parsed: pl.DataFrame, tables: tuple[RawTable, ...], config: Config
) -> tuple[pl.DataFrame, list[pl.DataFrame], str | None]:
    """Analyse one currency: the one asked for, else the most frequent; never add others in."""
    currency = config.currency
    if currency is None:
        counts = parsed.filter(pl.col("currency").is_not_null())["currency"].value_counts(sort=True)
        currency = counts["currency"][0] if counts.height else None
    if currency is None or not any("currency" in t.columns.fields for t in tables):
        return parsed.with_columns(pl.lit(currency, pl.String).alias("currency")), [], currency
    column = next(label(t, "currency") for t in tables if "currency" in t.columns.fields)
    other = pl.col("currency").is_not_null() & (pl.col("currency") != currency)
    issues = [
        issue_rows(
            parsed,
            other,
            column,
            pl.col("currency"),
            pl.format("in {}, not the analysed currency", pl.col("currency")),
            f"row left out; amounts in other currencies are never added to {currency}",
        ),
        issue_rows(
            parsed,
            pl.col("currency").is_null(),
            column,
            pl.lit(None),
            "no currency",
            f"assumed {currency}; row kept",
        ),
    ]
    kept = parsed.filter(pl.col("currency").fill_null(currency) == currency)
    return kept.with_columns(pl.lit(currency, pl.String).alias("currency")), issues, currency
