"""Tiers, decided in a fixed order: lapsed, new, anchor, recurring, one-off.

Predictability, the anchor test, is measured two ways and reported per client:
- months billed (``months_billed`` of the window's ``window_months`` rolling months): monthly work;
- the coefficient of variation of the gaps between invoice days over the window and the one
  before it (``gap_cv``), while the client keeps to that rhythm: a quarterly contract has a low
  one even with four months billed a year.
Either needs tenure: billed since at least ``anchor_min_tenure_months`` before as-of.
A contract in force on the Clients sheet also makes a client predictable.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.config import Config
from pipeline.model.concentration import EPS
from pipeline.model.window import Windows, add_months

TIERS = ("anchor", "recurring", "one-off", "new", "lapsed")
_CONTRACT_WORDS = (
    r"(?i)\b(retainer|annual|yearly|multi-?year|subscription|monthly|quarterly|ongoing|framework"
    r"|msa|sla|contract|agreement|until|yes|y|true|x)\b"
)
# A one-off project's contract is no standing arrangement.
_PROJECT_WORDS = (
    r"(?i)\b(fixed[- ]price|project|one[- ]off|single job|delivered|completed|finished)\b"
)


def contract_in_force(clients: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Clients whose Contract cell records a standing contract that has not ended by as-of."""
    in_force = (
        (pl.col("contract").str.contains(_CONTRACT_WORDS) | pl.col("contract_end").is_not_null())
        & ~pl.col("contract").str.contains(_PROJECT_WORDS)
        & ~pl.col("contract_ended").fill_null(False)
        & (pl.col("contract_end").is_null() | (pl.col("contract_end") >= as_of))
    )
    return clients.filter(in_force.fill_null(False)).select("client", "contract")


def assign_tiers(
    figures: pl.DataFrame, contracts: pl.DataFrame, w: Windows, config: Config
) -> pl.DataFrame:
    """Add ``tier``, ``tier_rule`` (the test that decided it), the predictability flags and,
    for a material or predictable client that is not an anchor, ``anchor_gap``: what it lacks."""
    frame = figures.join(contracts, on="client", how="left")
    # Tenure of N months: first billed on or before the day after as-of less N months, so a
    # client billed since the window's first day has exactly a window's tenure.
    since = add_months(w.as_of, -config.anchor_min_tenure_months) + dt.timedelta(days=1)
    on_rhythm = pl.col("days_since_last") <= config.lapse_gap_multiple * pl.col("median_gap_days")
    by_cadence = (
        (pl.col("cadence_invoices") >= config.anchor_min_invoices_for_cadence)
        & (pl.col("gap_cv") <= config.anchor_max_gap_cv)
        & on_rhythm
    )
    frame = frame.with_columns(
        (pl.col("first_invoice") <= since).alias("tenure_ok"),
        (pl.col("months_billed") >= config.anchor_min_months).alias("predictable_by_months"),
        by_cadence.fill_null(False).alias("predictable_by_cadence"),
        pl.col("contract").is_not_null().alias("predictable_by_contract"),
        (pl.col("share").fill_null(0) >= config.anchor_min_share - EPS).alias("material"),
    )
    rhythm = pl.col("predictable_by_months") | pl.col("predictable_by_cadence")
    predictable = (rhythm & pl.col("tenure_ok")) | pl.col("predictable_by_contract")
    material = pl.col("material")
    new_since = w.as_of - dt.timedelta(days=config.new_client_days)
    rule = (
        pl.when(pl.col("invoices_total") == 0)
        .then(pl.lit("credit_only"))  # credit notes and no invoice: nothing to judge a rhythm on
        .when(pl.col("invoices_in_window") == 0)
        .then(pl.lit("lapsed"))
        .when(pl.col("first_invoice") > new_since)
        .then(pl.lit("new"))
        .when(material & pl.col("predictable_by_months") & pl.col("tenure_ok"))
        .then(pl.lit("anchor_months"))
        .when(material & pl.col("predictable_by_cadence") & pl.col("tenure_ok"))
        .then(pl.lit("anchor_cadence"))
        .when(material & pl.col("predictable_by_contract"))
        .then(pl.lit("anchor_contract"))
        .when(
            (pl.col("months_billed_ever") >= 2) & (pl.col("span_days") > config.one_off_span_days)
        )
        .then(pl.lit("recurring"))
        .otherwise(pl.lit("one-off"))
    )
    gap = (
        pl.when(material & rhythm & ~pl.col("tenure_ok"))
        .then(pl.lit("short_tenure"))
        .when(material & ~predictable)
        .then(pl.lit("not_predictable"))
        .when(~material & predictable)
        .then(pl.lit("not_material"))
    )
    frame = frame.with_columns(rule.alias("tier_rule"), predictable.alias("predictable"))
    return frame.with_columns(
        pl.when(pl.col("tier_rule").str.starts_with("anchor"))
        .then(pl.lit("anchor"))
        .when(pl.col("tier_rule") == "credit_only")
        .then(pl.lit("one-off"))
        .otherwise(pl.col("tier_rule"))
        .alias("tier"),
        pl.when(pl.col("tier_rule").is_in(["recurring", "one-off"])).then(gap).alias("anchor_gap"),
    )
