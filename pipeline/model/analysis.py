"""The one frozen ``Analysis`` every output is rendered from, and the function that builds it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipeline.config import Config
from pipeline.errors import InputError
from pipeline.ledger import Ledger
from pipeline.model.clients import client_figures, counted_invoices
from pipeline.model.concentration import EPS, Concentration, concentration, shares
from pipeline.model.tiers import assign_tiers, contract_in_force
from pipeline.model.window import Windows, windows


@dataclass(frozen=True)
class Totals:
    revenue: float  # net: gross billing less credit notes, in the window
    gross: float
    credits: float  # zero or negative
    invoices: int  # counted invoices (credit notes included) dated in the window
    clients: int  # clients with at least one invoice in the window
    input_amount_total: float  # every usable invoice row, any status and date (ties out to input)
    void_amount: float


@dataclass(frozen=True)
class Warning:
    code: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    config: Config
    windows: Windows
    basis: str
    currency: str | None
    totals: Totals
    concentration: Concentration
    clients: pl.DataFrame  # one row per client, ranked by window revenue
    lost_key_clients: pl.DataFrame
    warnings: tuple[Warning, ...]
    issues: pl.DataFrame


def _prior_key(figures: pl.DataFrame, config: Config) -> pl.DataFrame:
    """Prior-window share and rank, to tell which clients were key a year ago."""
    base = figures.filter(pl.col("prior_revenue") > 0)["prior_revenue"].sum()
    ranked = figures.sort(["prior_revenue", "client"], descending=[True, False])
    return ranked.with_columns(
        pl.when(pl.col("prior_revenue") > 0)
        .then(pl.col("prior_revenue") / base if base else None)
        .alias("prior_share"),
        pl.when(pl.col("prior_revenue") > 0)
        .then(pl.int_range(1, pl.len() + 1))
        .alias("prior_rank"),
    ).with_columns(
        ((pl.col("prior_share") >= config.key_client_share - EPS) | (pl.col("prior_rank") <= 3))
        .fill_null(False)
        .alias("was_key")
    )


def _lapse(clients: pl.DataFrame, config: Config) -> pl.DataFrame:
    """At risk: silent for more than k of its usual gaps between invoices, and a minimum of days.

    Repeat clients (anchor, recurring) are judged by their own median gap. A one-off client's
    own gap is the spacing inside one project, so it is judged by the business's typical repeat
    gap (the median over repeat clients), never assumed alive.
    """
    repeat = pl.col("tier").is_in(["anchor", "recurring"])
    business_gap = clients.filter(repeat)["typical_gap_days"].median()
    own = repeat & pl.col("typical_gap_days").is_not_null()
    gap = pl.when(own).then(pl.col("typical_gap_days")).otherwise(pl.lit(business_gap, pl.Float64))
    at_risk = (
        (pl.col("days_since_last") > config.lapse_gap_multiple * gap)
        & (pl.col("days_since_last") > config.lapse_min_days)
        & (pl.col("tier") != "new")
    )
    return clients.with_columns(
        gap.alias("judged_gap_days"),
        (~own).alias("gap_from_business"),
        at_risk.fill_null(False).alias("at_risk"),
    )


def _warnings(
    conc: Concentration, clients: pl.DataFrame, lost: pl.DataFrame, config: Config
) -> tuple[Warning, ...]:
    found: list[Warning] = []
    anchors = clients.filter(pl.col("tier") == "anchor")
    if conc.clients_with_revenue and anchors.height == 0:
        found.append(Warning("no_anchor"))
    dominant = anchors.filter(pl.col("share") > 0.5)
    if dominant.height:
        found.append(
            Warning(
                "dominant_anchor", {"client": dominant["client"][0], "share": dominant["share"][0]}
            )
        )
    elif anchors.height == 1:
        found.append(
            Warning("single_anchor", {"client": anchors["client"][0], "share": anchors["share"][0]})
        )
    if conc.top5_red_flag:
        found.append(
            Warning(
                "top5_red_flag", {"top5_share": conc.top5_share, "threshold": config.top5_red_flag}
            )
        )
    if conc.major_customers:
        found.append(
            Warning(
                "major_customers",
                {
                    "clients": [c for c, _ in conc.major_customers],
                    "shares": [s for _, s in conc.major_customers],
                    "threshold": config.major_customer_share,
                },
            )
        )
    if lost.height:
        found.append(
            Warning(
                "lost_key_clients",
                {
                    "clients": lost["client"].to_list(),
                    "prior_revenue": float(lost["prior_revenue"].sum()),
                },
            )
        )
    return tuple(found)


def analyse(ledger: Ledger, config: Config) -> Analysis:
    """Compute every figure and label of one workbook; nothing here knows files or formats."""
    counted = counted_invoices(ledger.invoices, config.basis)
    if counted.height == 0:
        raise InputError(
            f"sheet '{ledger.invoice_sheet}': no invoice rows can be counted "
            f"({ledger.rows_read} rows read, {ledger.issues.height} data issues). "
            "Each invoice needs a client, a date and an amount."
        )
    latest = counted["invoice_date"].max()
    assert isinstance(latest, dt.date)  # counted is non-empty and its dates are never null
    as_of = config.as_of or latest
    w = windows(as_of, config.window_months)
    figures = client_figures(counted, w, config)
    ranked = shares(figures)
    conc = concentration(ranked, config)
    tiered = assign_tiers(ranked, contract_in_force(ledger.clients, as_of), w, config)
    tiered = _lapse(tiered, config)
    tiered = (
        tiered.join(
            _prior_key(figures, config).select("client", "prior_share", "prior_rank", "was_key"),
            on="client",
            how="left",
        )
        .with_columns(
            pl.lit(None, pl.String).alias("grade"),
            pl.lit([], pl.List(pl.String)).alias("roles"),
            (pl.col("share") > config.major_customer_share + EPS)
            .fill_null(False)
            .alias("major_customer"),
        )
        .sort(["revenue", "client"], descending=[True, False])
    )
    lost = (
        tiered.filter(pl.col("was_key") & ((pl.col("tier") == "lapsed") | pl.col("at_risk")))
        .select(
            "client",
            "tier",
            "prior_revenue",
            "prior_share",
            "revenue",
            "last_invoice",
            "days_since_last",
            "typical_gap_days",
        )
        .sort("prior_revenue", descending=True)
    )
    window_rows = counted.filter(pl.col("revenue_date").is_between(w.start, w.as_of))
    totals = Totals(
        revenue=float(window_rows["amount"].sum()),
        gross=float(window_rows.filter(pl.col("amount") > 0)["amount"].sum()),
        credits=float(window_rows.filter(pl.col("amount") < 0)["amount"].sum()),
        invoices=window_rows.height,
        clients=window_rows["client"].n_unique(),
        input_amount_total=float(ledger.invoices["amount"].sum()),
        void_amount=float(
            ledger.invoices.filter(pl.col("status").is_in(["void", "draft"]))["amount"].sum()
        ),
    )
    return Analysis(
        config=config.replace(as_of=as_of),
        windows=w,
        basis=config.basis,
        currency=ledger.currency,
        totals=totals,
        concentration=conc,
        clients=tiered,
        lost_key_clients=lost,
        warnings=_warnings(conc, tiered, lost, config),
        issues=ledger.issues,
    )
