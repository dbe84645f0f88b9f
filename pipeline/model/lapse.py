"""Is a client slipping away? Its silence against its own rhythm, and the BG/NBD model's view.

At risk: silent for more than k of its usual gaps between invoice days and more than a minimum
number of days. Repeat clients are judged by their own median gap; a one-invoice (or one-project)
client has no rhythm of its own, so it is judged by the business's typical repeat gap.

With enough repeat clients a BG/NBD model, fitted on the whole ledger in weeks, gives P(alive)
and the invoices expected in the next 12 months. For a client with no repeat invoice the model
says P(alive) = 1 by construction, so no P(alive) is reported for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipeline.config import Config
from pipeline.model.bgnbd import BGNBD, fit

WEEKS_PER_YEAR = 365.25 / 7
ModelStatus = tuple[str, dict[str, Any]]  # "fitted", "not_fitted" or "ran_away", with figures
# Parameters outside this range mean the likelihood has no interior maximum on this ledger
# (e.g. every client billing on the same rhythm): the numbers would be meaningless.
PARAM_RANGE = (1e-4, 1e4)


def at_risk(clients: pl.DataFrame, config: Config) -> pl.DataFrame:
    repeat = pl.col("tier").is_in(["anchor", "recurring"])
    business_gap = clients.filter(repeat)["typical_gap_days"].median()
    own = repeat & pl.col("typical_gap_days").is_not_null()
    gap = pl.when(own).then(pl.col("typical_gap_days")).otherwise(pl.lit(business_gap, pl.Float64))
    risk = (
        (pl.col("days_since_last") > config.lapse_gap_multiple * gap)
        & (pl.col("days_since_last") > config.lapse_min_days)
        & ~pl.col("tier").is_in(["new", "lapsed"])  # lapsed is past risk: it has gone
    )
    return clients.with_columns(
        gap.alias("judged_gap_days"),
        (~own).alias("gap_from_business"),
        risk.fill_null(False).alias("at_risk"),
    )


def rfm(counted: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per client: repeat invoice days ``x``, last invoice ``t_x`` and age ``T``, in weeks."""
    # every invoice that is not a credit is a purchase, a free one too (CDNOW's $0 purchases)
    days = (
        counted.lazy()
        .select("client", "revenue_date", "amount")
        .filter((pl.col("revenue_date") <= as_of) & (pl.col("amount") >= 0))
    )
    return (
        days.group_by("client")
        .agg(
            (pl.col("revenue_date").n_unique() - 1).alias("x"),
            (
                (pl.col("revenue_date").max() - pl.col("revenue_date").min()).dt.total_days() / 7
            ).alias("t_x"),
            ((pl.lit(as_of) - pl.col("revenue_date").min()).dt.total_days() / 7).alias("T"),
        )
        .sort("client")
        .collect()
    )  # one order, so the fit's sums, and so its result, are the same every run


@dataclass(frozen=True)
class Lapse:
    """The BG/NBD model's view of the ledger: ``scores`` holds each fitted client's ``p_alive``
    and ``expected_invoices_12m`` (None when the model is not used), with the model and why."""

    scores: pl.DataFrame | None
    model: BGNBD | None
    status: ModelStatus


def lapse_scores(counted: pl.DataFrame, as_of: dt.date, config: Config) -> Lapse:
    """Fit the model when the ledger is large enough. It needs only the invoices, so the
    analysis fits it on a thread while the clients are tiered and graded."""
    data = rfm(counted, as_of).filter(pl.col("T") > 0)
    repeaters = data.filter(pl.col("x") > 0).height
    if repeaters < config.bgnbd_min_repeat_clients:
        needed = config.bgnbd_min_repeat_clients
        return Lapse(None, None, ("not_fitted", {"repeaters": repeaters, "needed": needed}))
    import numpy as np  # not at the top: see ``pipeline.model.bgnbd``

    x, t_x, T = (data[c].to_numpy().astype(float) for c in ("x", "t_x", "T"))
    model = fit(x, t_x, T)
    params = np.array([model.r, model.alpha, model.a, model.b])
    with np.errstate(all="ignore"):
        alive = np.where(x > 0, model.p_alive(x, t_x, T), np.nan)
        expected = np.where(x > 0, model.expected(WEEKS_PER_YEAR, x, t_x, T), np.nan)
    settled = (
        np.all(np.isfinite(params))
        and np.all((params > PARAM_RANGE[0]) & (params < PARAM_RANGE[1]))
        and np.all(np.isfinite(alive[x > 0]))
        and np.all(np.isfinite(expected[x > 0]))
    )
    if not settled:
        return Lapse(
            None,
            None,
            (
                "ran_away",
                {
                    "clients": data.height,
                    "params": f"r {model.r:.3g}, alpha {model.alpha:.3g}, "
                    f"a {model.a:.3g}, b {model.b:.3g}",
                },
            ),
        )
    scores = pl.DataFrame(
        {"client": data["client"], "p_alive": alive, "expected_invoices_12m": expected}
    ).with_columns(pl.col("p_alive").fill_nan(None), pl.col("expected_invoices_12m").fill_nan(None))
    return Lapse(scores, model, ("fitted", {"clients": data.height, "repeaters": repeaters}))


def with_lapse(clients: pl.DataFrame, lapse: Lapse) -> pl.DataFrame:
    """The clients with ``p_alive`` and ``expected_invoices_12m`` (null where not fitted)."""
    if lapse.scores is None:
        return clients.with_columns(
            pl.lit(None, pl.Float64).alias("p_alive"),
            pl.lit(None, pl.Float64).alias("expected_invoices_12m"),
        )
    return clients.join(lapse.scores, on="client", how="left")


def model_note(status: ModelStatus) -> str:
    """The model's status as the Method sheet and ``summary.json`` record it (in English; the
    briefing words it in the reader's language)."""
    code, f = status
    if code == "not_fitted":
        return (
            f"BG/NBD not fitted: {f['repeaters']} clients have repeat invoices, "
            f"fewer than the {f['needed']} it needs"
        )
    if code == "ran_away":
        return (
            f"BG/NBD not used: the fit on {f['clients']} clients ran away ({f['params']}); "
            "the ledger's rhythm is too uniform for the model, so at-risk flags stand alone"
        )
    return (
        f"BG/NBD fitted on {f['clients']} clients ({f['repeaters']} with repeat invoices), "
        "time in weeks"
    )
