"""What to do on Monday: a few actions, each naming a client, the figure that calls for it, the
money at stake and a date, ranked by that money. An action appears only where a figure
supports it; none is advice for every business."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipeline.config import Config
from pipeline.model.replacement import Acquisition

MAX_ACTIONS = 5
KINDS = ("call", "chase", "terms", "replace", "grow")  # ties in money keep this order
DUE_DAYS = {"call": 7, "chase": 7, "terms": 30, "replace": 90, "grow": 30}


@dataclass(frozen=True)
class Action:
    kind: str  # one of KINDS
    client: str
    amount: float  # the money at stake, in the report's currency
    due: dt.date
    figures: dict[str, Any] = field(default_factory=dict)  # what the reason is worded from


def _rows(frame: pl.DataFrame, at_stake: str, *columns: str) -> list[dict[str, Any]]:
    """The few rows that can make the list: the largest by the money at stake (a long tail
    of 20,000 clients owing something never becomes 20,000 objects)."""
    return (
        frame.sort([at_stake, "client"], descending=[True, False], nulls_last=True)
        .head(MAX_ACTIONS)
        .select("client", *dict.fromkeys((at_stake, *columns)))
        .to_dicts()
    )


def actions(
    clients: pl.DataFrame,
    lost: pl.DataFrame,
    acq: Acquisition,
    as_of: dt.date,
    config: Config,
) -> tuple[Action, ...]:
    """The ranked actions of one analysis (at most ``MAX_ACTIONS``)."""
    lost_names: Collection[str] = lost["client"].to_list()
    found: list[Action] = []

    def add(kind: str, row: dict[str, Any], amount: float) -> None:
        due = as_of + dt.timedelta(days=DUE_DAYS[kind])
        found.append(Action(kind, row.pop("client"), round(float(amount), 2), due, row))

    prior = pl.col("prior_revenue").fill_null(0.0)
    revenue = pl.col("revenue").fill_null(0.0)
    key = pl.col("was_key") | (pl.col("tier") == "anchor")
    down = (prior > 0) & (revenue <= (1 - config.slipping_drop) * prior)
    slipping = clients.filter(
        key
        & (pl.col("tier") != "lapsed")
        & ~pl.col("client").is_in(list(lost_names))
        & (pl.col("at_risk").fill_null(False) | down)
    ).with_columns(down.alias("down"), pl.max_horizontal(prior, revenue).alias("at_stake"))
    for row in _rows(
        slipping,
        "at_stake",
        "down",
        "revenue",
        "prior_revenue",
        "days_since_last",
        "judged_gap_days",
        "last_invoice",
        "last_contact",
        "at_risk",
    ):
        add("call", row, row.pop("at_stake"))
    if "overdue_amount" in clients.columns:
        owing = clients.filter(pl.col("overdue_amount").fill_null(0) > 0)
        for row in _rows(owing, "overdue_amount", "oldest_overdue_days"):
            add("chase", row, row["overdue_amount"])
    risky = clients.filter(
        (pl.col("grade") == "D") & (pl.col("share").fill_null(0) >= config.action_min_share)
    )
    for row in _rows(risky, "revenue", "share", "worst_days_late", "paid_share"):
        add("terms", row, row["revenue"])
    for row in _rows(lost, "revenue_lost", "prior_revenue", "last_invoice", "days_since_last"):
        if row["revenue_lost"] > 0:
            average = acq.average_first_year_revenue
            needed = row["revenue_lost"] / average if average else None
            row["needed"] = needed
            row["years"] = (
                needed / acq.new_clients_per_year
                if needed is not None and acq.new_clients_per_year > 0
                else None
            )
            row["pace"] = acq.new_clients_per_year
            add("replace", row, row["revenue_lost"])
    low = config.near_anchor_ratio * config.anchor_min_share
    near = clients.filter(
        (pl.col("tier") != "anchor")
        & (pl.col("months_billed") >= config.anchor_min_months)
        & (pl.col("share") >= low)
        & (pl.col("share") < config.anchor_min_share)
    )
    for row in _rows(near, "revenue", "share", "months_billed"):
        add("grow", row, row["revenue"])
    found.sort(key=lambda a: (-a.amount, KINDS.index(a.kind), a.client))
    return tuple(found[:MAX_ACTIONS])
