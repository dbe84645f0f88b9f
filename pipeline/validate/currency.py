"""One reporting currency: amounts in different currencies are never added together unless a
rate converts them, and what is left out is kept aside to be said, never lost.

The reporting currency is the one asked for (``--currency``), else the one with the most
revenue in the twelve months up to the ledger's last date: a consultancy paid mostly in AED
reports in AED even when its USD invoices are fewer but larger, or more numerous but smaller.
"""

from __future__ import annotations

import polars as pl

from pipeline.config import Config
from pipeline.read.sheets import RawTable
from pipeline.validate.fields import label
from pipeline.validate.issues import issue_rows
from pipeline.validate.records import EXCLUDED_STATUSES

# The columns of a row set aside for its currency: enough to count it in the model's window.
SET_ASIDE = ("sheet", "row", "client", "invoice_date", "amount", "currency", "status", "invoice")


def _leading(parsed: pl.DataFrame, config: Config) -> str | None:
    """The currency with the most revenue in the window ending at the ledger's last date (or
    ``as_of``); over every date when that window holds none; ties by name."""
    named = parsed.filter(
        pl.col("currency").is_not_null() & ~pl.col("status").is_in(EXCLUDED_STATUSES)
    )
    if not named.height:
        return None
    end = config.as_of or named["invoice_date"].max()
    in_window = named.filter(
        pl.col("invoice_date").is_between(
            pl.lit(end).dt.offset_by(f"-{config.window_months}mo").dt.offset_by("1d"), pl.lit(end)
        )
    )
    ranked = (
        (in_window if in_window.height else named)
        .group_by("currency")
        .agg(pl.col("amount").sum().alias("revenue"))
    )
    return str(ranked.sort(["revenue", "currency"], descending=[True, False])["currency"][0])


def one_currency(
    parsed: pl.DataFrame, tables: tuple[RawTable, ...], config: Config
) -> tuple[pl.DataFrame, list[pl.DataFrame], str | None, pl.DataFrame]:
    """The rows counted in the reporting currency (other currencies converted where a rate is
    given), the issues of the rest, the reporting currency, and the rows set aside for theirs.

    Every row keeps the currency and the amount it was written in (``currency_written``,
    ``amount_written``), so each currency's own figures can be said.
    """
    written = parsed.with_columns(
        pl.col("currency").alias("currency_written"), pl.col("amount").alias("amount_written")
    )
    currency = config.currency or _leading(written, config)
    empty_aside = written.head(0).select(SET_ASIDE)
    if currency is None or not any("currency" in t.columns.fields for t in tables):
        kept = written.with_columns(pl.lit(currency, pl.String).alias("currency"))
        return kept, [], currency, empty_aside
    column = next(label(t, "currency") for t in tables if "currency" in t.columns.fields)
    rates = {code: rate for code, rate in config.rates if code != currency}
    own = pl.col("currency").fill_null(currency) == currency
    converted = pl.col("currency").is_in(list(rates))
    left_out = ~own & ~converted
    issues = [
        issue_rows(
            written,
            left_out,
            column,
            pl.col("currency"),
            pl.format(
                "in {}, not the reporting currency ({})", pl.col("currency"), pl.lit(currency)
            ),
            pl.format(
                "row left out: amounts in other currencies are never added to {}; a rate "
                "counts them (--rate {}=units of {} per {})",
                pl.lit(currency),
                pl.col("currency"),
                pl.lit(currency),
                pl.col("currency"),
            ),
        ),
        issue_rows(
            written,
            pl.col("currency").is_null(),
            column,
            pl.lit(None),
            "no currency",
            f"assumed {currency}; row kept",
        ),
    ]
    rate = pl.col("currency").replace_strict(rates, default=1.0, return_dtype=pl.Float64)
    kept = written.filter(own | converted).with_columns(
        (pl.col("amount") * rate).alias("amount"), pl.lit(currency, pl.String).alias("currency")
    )
    return kept, issues, currency, written.filter(left_out).select(SET_ASIDE)
