"""What moved since the prior window: revenue then and now, and the clients whose change
explains it, so a share that fell because the largest client left never reads as good news."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from pipeline.model.money import series_total
from pipeline.model.window import Windows

MOVERS = 3  # the largest gains and losses named
MATERIAL = 0.01  # a change under 1% of prior revenue explains nothing


@dataclass(frozen=True)
class Mover:
    client: str
    prior: float
    now: float

    @property
    def change(self) -> float:
        return round(self.now - self.prior, 2)


@dataclass(frozen=True)
class Moves:
    prior_revenue: float  # net revenue in the prior window (what the ledger holds of it)
    revenue: float
    prior_from: dt.date  # the prior window's start, or the ledger's first day when later
    gains: tuple[Mover, ...]  # the largest increases, largest first
    losses: tuple[Mover, ...]  # the largest decreases, largest first

    @property
    def change(self) -> float:
        return self.revenue - self.prior_revenue

    @property
    def change_pct(self) -> float | None:
        return self.change / self.prior_revenue if self.prior_revenue > 0 else None


def with_changes(clients: pl.DataFrame) -> pl.DataFrame:
    """Each client's change against the prior window, in money and as a share of then."""
    prior = pl.col("prior_revenue").fill_null(0.0)
    change = (pl.col("revenue").fill_null(0.0) - prior).round(2)
    return clients.with_columns(
        change.alias("change"),
        pl.when(prior > 0).then(change / prior).alias("change_pct"),
    )


def moves(counted: pl.DataFrame, clients: pl.DataFrame, w: Windows, revenue: float) -> Moves:
    """Revenue in the prior window beside this one's, and the clients that moved it most."""
    prior_rows = counted.select("revenue_date", "amount").filter(
        pl.col("revenue_date").is_between(w.prior_start, w.prior_end)
    )
    prior_revenue = series_total(prior_rows["amount"])
    first = counted["revenue_date"].min()
    assert isinstance(first, dt.date)
    # the clients' own change columns (``with_changes``), computed once in the analysis
    changed = (
        (clients if "change" in clients.columns else with_changes(clients))
        .filter(pl.col("change").abs() >= MATERIAL * max(abs(prior_revenue), 1.0))
        .select(
            "client",
            pl.col("prior_revenue").fill_null(0.0).alias("prior"),
            pl.col("revenue").fill_null(0.0).alias("now"),
            "change",
        )
    )
    gains = changed.filter(pl.col("change") > 0).sort(
        ["change", "client"], descending=[True, False]
    )
    losses = changed.filter(pl.col("change") < 0).sort(["change", "client"])
    return Moves(
        prior_revenue=prior_revenue,
        revenue=revenue,
        prior_from=max(first, w.prior_start),
        gains=tuple(Mover(c, p, n) for c, p, n, _ in gains.head(MOVERS).iter_rows()),
        losses=tuple(Mover(c, p, n) for c, p, n, _ in losses.head(MOVERS).iter_rows()),
    )
