"""Replacement burden: how many new clients, and how long at the recent pace, to replace a key one.

Pace: accounts first billed in the window, per year. Size: the average revenue of a new
client's first 365 days, from the accounts first billed in the prior window (whose first year
is fully observed by as-of). With no such cohort, the window's new accounts and their revenue to
date stand in, which understates the size and so overstates the burden; the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.model.engine import engine_for
from pipeline.model.money import series_total, total
from pipeline.model.window import Windows


@dataclass(frozen=True)
class Acquisition:
    new_clients_in_window: int
    new_clients_per_year: float
    average_first_year_revenue: float | None
    cohort: str  # "prior window" (full first years) or "window" (revenue to date) or "none"
    cohort_size: int


def acquisition(
    counted: pl.DataFrame, w: Windows, window_months: int, clients: pl.DataFrame
) -> Acquisition:
    """The pace of winning clients and a new client's first-year revenue.

    A ledger that starts inside the window shows no pace (every client would look newly won);
    the window's own cohort stands in only without the key clients, which would otherwise
    measure themselves.
    """
    # Lazily, a block of rows at a time: the invoices are joined to their client's first day
    # and summed as they pass, never copied whole (650 MB at ten million invoices).
    history = (
        counted.lazy()
        .select("client", "revenue_date", "amount")
        .filter(pl.col("revenue_date") <= w.as_of)
    )
    first = (
        history.group_by("client")
        .agg(pl.when(pl.col("amount") >= 0).then(pl.col("revenue_date")).min().alias("first"))
        .collect()
    )
    first_year = pl.col("revenue_date") < pl.col("first") + pl.duration(days=365)
    per_client = (
        history.join(first.lazy(), on="client")
        .filter(first_year)
        .group_by("client", "first")
        .agg(total(pl.col("amount")).alias("first_year"))
        .collect(engine=engine_for(counted.height))
    )
    ledger_start = first["first"].min()
    if ledger_start is None or ledger_start >= w.start:  # type: ignore[operator]
        return Acquisition(0, 0.0, None, "none", 0)
    key = clients.filter((pl.col("tier") == "anchor") | pl.col("major_customer"))["client"]
    won_now = per_client.filter(pl.col("first").is_between(w.start, w.as_of))
    won_before = per_client.filter(pl.col("first").is_between(w.prior_start, w.prior_end))
    if won_before.height:
        cohort, sizes = "prior window", won_before
    else:
        cohort, sizes = "window", won_now.filter(~pl.col("client").is_in(key.implode()))
    if sizes.height == 0:
        cohort = "none"
    return Acquisition(
        new_clients_in_window=won_now.height,
        new_clients_per_year=won_now.height * 12 / window_months,
        average_first_year_revenue=(
            series_total(sizes["first_year"]) / sizes.height if sizes.height else None
        ),
        cohort=cohort,
        cohort_size=sizes.height,
    )


def replacement_burden(clients: pl.DataFrame, acq: Acquisition) -> pl.DataFrame:
    """For key clients (anchors and major customers): new clients needed, and months at the pace."""
    size = acq.average_first_year_revenue
    pace = acq.new_clients_per_year
    key = (pl.col("tier") == "anchor") | pl.col("major_customer")
    needed = pl.when(key & (size is not None and size > 0)).then(pl.col("revenue") / (size or 1.0))
    months = pl.when(needed.is_not_null() & (pace > 0)).then(needed / pace * 12)
    return clients.with_columns(
        needed.alias("replacement_clients"), months.alias("replacement_months")
    )
