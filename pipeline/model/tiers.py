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
from pipeline.model.window import Windows, add_months

TIERS = ("anchor", "recurring", "one-off", "new", "lapsed")
_CONTRACT_WORDS = r"(?i)retainer|annual|yearly|multi-?year|contract|subscription|monthly"


def contract_in_force(clients: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Clients whose Contract cell names a contract with no end date before as-of."""
    end = pl.col("contract").str.extract(r"(\d{4}-\d{2}-\d{2})").str.strptime(pl.Date, strict=False)
    in_force = pl.col("contract").str.contains(_CONTRACT_WORDS) & (end.is_null() | (end >= as_of))
    return clients.filter(in_force.fill_null(False)).select("client", "contract")


def assign_tiers(
    figures: pl.DataFrame, contracts: pl.DataFrame, w: Windows, config: Config
) -> pl.DataFrame:
    """Add ``tier``, ``tier_rule`` (which test decided it) and the predictability flags."""
    frame = figures.join(contracts, on="client", how="left")
    tenure_ok = pl.col("first_invoice") <= add_months(w.as_of, -config.anchor_min_tenure_months)
    by_months = pl.col("months_billed") >= config.anchor_min_months
    by_cadence = (pl.col("invoices_in_window") >= config.anchor_min_invoices_for_cadence) & (
        pl.col("gap_cv") <= config.anchor_max_gap_cv
    )
    by_contract = pl.col("contract").is_not_null()
    material = pl.col("share").fill_null(0) >= config.anchor_min_share - EPS
    new_since = w.as_of - dt.timedelta(days=config.new_client_days)
    frame = frame.with_columns(
        tenure_ok.alias("tenure_ok"),
        (by_months & tenure_ok).alias("predictable_by_months"),
        (by_cadence.fill_null(False) & tenure_ok).alias("predictable_by_cadence"),
        by_contract.alias("predictable_by_contract"),
        material.alias("material"),
    )
    predictable = (
        pl.col("predictable_by_months")
        | pl.col("predictable_by_cadence")
        | pl.col("predictable_by_contract")
    )
    rule = (
        pl.when(pl.col("invoices_in_window") == 0)
        .then(pl.lit("lapsed"))
        .when(pl.col("first_invoice") > new_since)
        .then(pl.lit("new"))
        .when(predictable & material & pl.col("predictable_by_months"))
        .then(pl.lit("anchor_months"))
        .when(predictable & material & pl.col("predictable_by_cadence"))
        .then(pl.lit("anchor_cadence"))
        .when(predictable & material)
        .then(pl.lit("anchor_contract"))
        .when(
            (pl.col("months_billed_ever") >= 2) & (pl.col("span_days") > config.one_off_span_days)
        )
        .then(pl.lit("recurring"))
        .otherwise(pl.lit("one-off"))
    )
    frame = frame.with_columns(rule.alias("tier_rule"))
    return frame.with_columns(
        pl.when(pl.col("tier_rule").str.starts_with("anchor"))
        .then(pl.lit("anchor"))
        .otherwise(pl.col("tier_rule"))
        .alias("tier"),
        predictable.alias("predictable"),
    )
