"""Tiers, decided in a fixed order: lapsed, new, anchor, recurring, one-off.

Predictability, the anchor test, is measured two ways and reported per client:
- months billed in the window (``months_billed`` of ``window_months``): monthly work;
- the coefficient of variation of the gaps between invoice days in the window (``gap_cv``):
  a regular cadence such as a quarterly contract has a low one even with few months billed.
A contract or retainer recorded on the Clients sheet also makes a client predictable.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.config import Config
from pipeline.model.concentration import EPS
from pipeline.model.window import Windows

TIERS = ("anchor", "recurring", "one-off", "new", "lapsed")
_CONTRACT_WORDS = r"(?i)retainer|annual|yearly|multi-?year|contract|subscription|monthly"


def contract_in_force(clients: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Clients whose Contract cell names a contract that has not ended by as-of."""
    in_force = (
        pl.col("contract").str.contains(_CONTRACT_WORDS)
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
    tenure_ok = pl.col("first_invoice") <= w.start  # billed since the window's first day at least
    by_months = pl.col("months_billed") >= config.anchor_min_months
    by_cadence = (pl.col("invoices_in_window") >= config.anchor_min_invoices_for_cadence) & (
        pl.col("gap_cv") <= config.anchor_max_gap_cv
    )
    frame = frame.with_columns(
        tenure_ok.alias("tenure_ok"),
        by_months.alias("predictable_by_months"),
        by_cadence.fill_null(False).alias("predictable_by_cadence"),
        pl.col("contract").is_not_null().alias("predictable_by_contract"),
        (pl.col("share").fill_null(0) >= config.anchor_min_share - EPS).alias("material"),
    )
    rhythm = pl.col("predictable_by_months") | pl.col("predictable_by_cadence")
    predictable = (rhythm & pl.col("tenure_ok")) | pl.col("predictable_by_contract")
    material = pl.col("material")
    new_since = w.as_of - dt.timedelta(days=config.new_client_days)
    rule = (
        pl.when(pl.col("invoices_in_window") == 0)
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
        .otherwise(pl.col("tier_rule"))
        .alias("tier"),
        pl.when(pl.col("tier_rule").is_in(["recurring", "one-off"])).then(gap).alias("anchor_gap"),
    )
