"""Shares, HHI, effective number of clients, top-k shares, Gini, ABC classes and the verdict."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.config import Config
from pipeline.model.money import ordered_sum, series_total, total


def shares(clients: pl.DataFrame) -> pl.DataFrame:
    """Add share, rank, cumulative share and ABC class; only positive revenue takes a share.

    Ranked by revenue, largest first, ties broken by client name so the order is stable.
    """
    positive = pl.col("revenue") > 0
    base = series_total(clients.filter(positive)["revenue"])
    ranked = clients.sort(["revenue", "client"], descending=[True, False], nulls_last=True)
    # Money is summed as decimals and a float's decimal is not always itself again: a lone
    # client's revenue over that sum can come out a hair above 1, which no share can be.
    share = pl.when(positive).then(
        (pl.col("revenue") / base).clip(upper_bound=1.0) if base else None
    )
    ranked = ranked.with_columns(share.cast(pl.Float64).alias("share"))
    ranked = ranked.with_columns(
        pl.when(positive).then(pl.col("share").cum_sum()).alias("cumulative_share"),
        pl.when(positive).then(pl.int_range(1, pl.len() + 1)).alias("rank"),
    )
    before = pl.col("cumulative_share") - pl.col("share")
    abc = (
        pl.when(~positive)
        .then(None)
        .when(before < 0.80 - 1e-12)
        .then(pl.lit("A"))
        .when(before < 0.95 - 1e-12)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
    )
    return ranked.with_columns(abc.alias("abc_class"))


@dataclass(frozen=True)
class Concentration:
    share_base: float  # total revenue of clients with positive revenue
    clients_with_revenue: int
    hhi: float
    effective_clients: float
    top1_share: float
    top3_share: float
    top5_share: float
    gini: float
    verdict: str  # low | moderate | high | very high
    hhi_band: str  # unconcentrated | moderately concentrated | highly concentrated
    top5_red_flag: bool
    major_customers: tuple[tuple[str, float], ...]  # (client, share) above the threshold


EPS = 1e-9  # shares are sums of floats: 30/100 may come out as 0.30000000000000004


def verdict(top1: float, config: Config) -> str:
    """The verdict on the largest client's share, by the configured bands."""
    if top1 > config.top1_very_high + EPS:
        return "very high"
    if top1 >= config.top1_high - EPS:
        return "high"
    if top1 >= config.top1_moderate - EPS:
        return "moderate"
    return "low"


def _hhi_band(hhi: float, config: Config) -> str:
    if hhi > config.hhi_high + EPS:
        return "highly concentrated"
    if hhi >= config.hhi_moderate - EPS:
        return "moderately concentrated"
    return "unconcentrated"


def concentration(ranked: pl.DataFrame, config: Config) -> Concentration:
    """Figures over clients with positive revenue, as ``shares`` ranked them."""
    positive = ranked.filter(pl.col("revenue") > 0)
    n = positive.height
    if n == 0:
        return Concentration(
            0.0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "low", "unconcentrated", False, ()
        )
    ascending = pl.col("revenue").sort()
    rank = pl.int_range(1, pl.len() + 1).cast(pl.Float64)
    figures = positive.select(
        total(pl.col("revenue")).alias("base"),
        (ordered_sum(pl.col("share") ** 2) * 10_000).alias("hhi"),
        pl.col("share").head(1).sum().alias("top1"),
        pl.col("share").head(3).sum().alias("top3"),
        pl.col("share").head(5).sum().alias("top5"),
        (
            (2 * (rank * ascending).sum()) / (pl.len() * ascending.sum())
            - (pl.len() + 1) / pl.len()
        ).alias("gini_raw"),
    ).row(0, named=True)
    gini = figures["gini_raw"] * n / (n - 1) if n > 1 else 0.0
    hhi = figures["hhi"]
    major = positive.filter(pl.col("share") > config.major_customer_share + EPS)
    return Concentration(
        share_base=figures["base"],
        clients_with_revenue=n,
        hhi=hhi,
        effective_clients=10_000 / hhi,
        top1_share=figures["top1"],
        top3_share=figures["top3"],
        top5_share=figures["top5"],
        gini=gini,
        verdict=verdict(figures["top1"], config),
        hhi_band=_hhi_band(hhi, config),
        top5_red_flag=figures["top5"] >= config.top5_red_flag - EPS,
        major_customers=tuple(major.select("client", "share").iter_rows()),
    )


@dataclass(frozen=True)
class StressCase:
    """Revenue and concentration if the ``lost`` largest clients left."""

    lost: int
    clients_lost: tuple[str, ...]
    revenue_lost: float
    revenue_after: float
    revenue_after_share: float  # of today's share base
    hhi_after: float | None  # None when no client is left
    effective_clients_after: float | None
    top1_share_after: float | None


def stress(ranked: pl.DataFrame, cases: tuple[int, ...] = (1, 3)) -> tuple[StressCase, ...]:
    """Losing the top client, and the top three: what is left and how concentrated it is."""
    positive = ranked.filter(pl.col("revenue") > 0)
    base = series_total(positive["revenue"]) if positive.height else 0.0
    found = []
    for k in cases:
        gone, left = positive.head(k), positive.slice(k)
        rest = series_total(left["revenue"]) if left.height else 0.0
        if rest > 0:
            left_shares = left.select((pl.col("revenue") / rest).alias("s"))["s"]
            hhi: float | None = float((left_shares**2).sort().sum() * 10_000)
            top1: float | None = float(left_shares.max())  # type: ignore[arg-type]
        else:
            hhi = top1 = None
        found.append(
            StressCase(
                lost=k,
                clients_lost=tuple(gone["client"].to_list()),
                revenue_lost=series_total(gone["revenue"]),
                revenue_after=rest,
                revenue_after_share=rest / base if base else 0.0,
                hhi_after=hhi,
                effective_clients_after=10_000 / hhi if hhi else None,
                top1_share_after=top1,
            )
        )
    return tuple(found)
