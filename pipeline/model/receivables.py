"""Who owes what at as-of: each client's open invoices in ageing buckets, and its debtor days.

An open invoice is outstanding; from its due date (or the invoice date plus the default terms)
it is overdue. The overdue buckets add up to the overdue figure of the headline, since both
count an invoice overdue from the day it falls due.
"""

from __future__ import annotations

import polars as pl

from pipeline.config import Config
from pipeline.model.money import series_total, total
from pipeline.model.window import Windows

# (column, first day past due, last day past due); None: no bound. Each output labels them.
BUCKETS = (
    ("current", None, -1),
    ("overdue_30", 0, 30),
    ("overdue_60", 31, 60),
    ("overdue_90", 61, 90),
    ("overdue_over_90", 91, None),
)
COLUMNS = tuple(column for column, *_ in BUCKETS)


def receivables(
    invoices: pl.DataFrame, revenue: pl.DataFrame, w: Windows, config: Config
) -> pl.DataFrame:
    """Per client owing anything: the buckets, what is outstanding and overdue, and debtor days
    (outstanding over the window's revenue, times the days of the window), largest first.

    ``revenue`` holds each client's window revenue (client, revenue).
    """
    as_of = w.as_of
    due = pl.coalesce(
        "due_date", pl.col("invoice_date") + pl.duration(days=config.default_terms_days)
    )
    paid = (pl.col("paid_date").is_not_null() & (pl.col("paid_date") <= as_of)) | (
        pl.col("status") == "paid"
    )
    # Lazily, on the columns read here, each bucket a sum of amounts picked by ``when``: polars
    # folds each client's rows as they pass instead of gathering them (1.2 GB at ten million).
    open_ = (
        invoices.lazy()
        .select("client", "invoice_date", "due_date", "paid_date", "amount", "status")
        .filter(
            (pl.col("invoice_date") <= as_of)
            & (pl.col("amount") > 0)
            & (pl.col("status") == "open")
            & ~paid
        )
        .with_columns((pl.lit(as_of) - due).dt.total_days().alias("days_past_due"))
    )
    days = pl.col("days_past_due")
    in_bucket = {
        column: (days >= low if low is not None else pl.lit(True))
        & (days <= high if high is not None else pl.lit(True))
        for column, low, high in BUCKETS
    }
    window_days = (w.end - w.start).days + 1
    owed = (
        open_.group_by("client")
        .agg(
            *(
                total(pl.when(test).then(pl.col("amount"))).alias(column)
                for column, test in in_bucket.items()
            ),
            total(pl.col("amount")).alias("outstanding"),
            days.max().alias("oldest_days_past_due"),
        )
        .collect()
    )
    return (
        owed.join(revenue.select("client", "revenue"), on="client", how="left")
        .with_columns(
            (pl.col("outstanding") - pl.col("current")).round(2).alias("overdue"),
            pl.when(pl.col("revenue") > 0)
            .then((pl.col("outstanding") / pl.col("revenue") * window_days).round(0))
            .alias("debtor_days"),
        )
        .drop("revenue")
        .filter(pl.col("outstanding") > 0)
        .sort(["outstanding", "client"], descending=[True, False])
    )


def receivable_totals(owed: pl.DataFrame) -> dict[str, float]:
    """Each bucket's total, what is outstanding and what is overdue, over every client owing:
    the figures the briefing, ``summary.json`` and the Receivables sheet's total row give."""
    return {key: series_total(owed[key]) for key in (*COLUMNS, "outstanding", "overdue")}
