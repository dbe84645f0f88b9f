"""The accountant's desk: each business of a batch as the figures its report gave, and the
stated rule that ranks them by risk.

The portfolio's entry point (``pipeline.portfolio``) makes a ``Business`` of each report's
``summary.json``, so the ranking needs no state of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.config import Config
from pipeline.model.concentration import EPS
from pipeline.model.concentration import verdict as top1_verdict

VERDICT_POINTS = {"low": 0, "moderate": 1, "high": 2, "very high": 3}
D_GRADE_RISK = 0.10  # grade D clients bringing this share of revenue or more add a point
TOP1_RISE_RISK = 0.05  # the largest client's share up this much in a year adds a point
# Lost key clients weigh by how much of the prior window's revenue went with them: under 10%
# one point, from 10% two, from 25% three.
LOST_BANDS = ((0.25, 3), (0.10, 2), (0.0, 1))
# One rule for every business: the default bands, whatever a workbook's own Settings say, so
# the ranking means what the page states.
STATED = Config()


@dataclass(frozen=True)
class Lost:
    client: str
    prior_revenue: float
    revenue: float
    revenue_lost: float
    last_invoice: dt.date | None


@dataclass(frozen=True)
class Business:
    """One reported workbook: the figures the portfolio shows, read from its summary.json."""

    name: str  # the report's folder name under the output folder
    file: str
    label: str  # the file's name, or with its report folder where two inputs share a name
    sha256: str
    as_of: dt.date
    currency: str | None
    revenue: float
    clients: int
    effective_clients: float
    top1_share: float
    top5_share: float
    top5_red_flag: bool
    top1_year_ago: float | None
    year_ago: dt.date | None
    verdict: str
    anchors: int
    prior_revenue: float | None  # the prior window's revenue; None where the ledger holds none
    lost: tuple[Lost, ...]
    d_grade_share: float
    overdue: float | None  # None: the ledger says nothing of payment
    data_issues: int
    business: str | None = None  # the business's name, where its workbook or settings give it
    risk: int = 0
    risk_reasons: tuple[tuple[str, dict[str, Any]], ...] = field(default=())

    @property
    def lost_revenue(self) -> float:
        return sum(item.revenue_lost for item in self.lost)

    @property
    def lost_share(self) -> float | None:
        """The share of the prior window's revenue that went with the lost key clients."""
        if not self.prior_revenue or self.prior_revenue <= 0:
            return None
        return self.lost_revenue / self.prior_revenue


@dataclass(frozen=True)
class Failure:
    file: str  # as the page shows it: the file's name, or its path where names repeat
    reason: str


RISK_RULE = (
    "the verdict on the largest client's share (low 0, moderate 1, high 2, very high 3 points); "
    "for lost key clients 1, 2 or 3 as they took under 10%, from 10% or from 25% of the prior "
    "12 months' revenue; 1 each for a top five at or above the red flag, no anchor client, "
    "grade D clients bringing 10% of revenue or more, and a largest client whose share rose 5 "
    "points or more in a year"
)


def scored(b: Business) -> Business:
    """``b`` with its risk score and the reasons for it."""
    score, reasons = risk(b)
    return replace(b, risk=score, risk_reasons=reasons)


def risk(b: Business) -> tuple[int, tuple[tuple[str, dict[str, Any]], ...]]:
    """The risk score (``RISK_RULE``) and the reasons that make it up, each with its figures."""
    reasons: list[tuple[str, dict[str, Any]]] = []
    verdict = top1_verdict(b.top1_share, STATED)
    score = VERDICT_POINTS[verdict]
    reasons.append(("verdict", {"points": score, "share": b.top1_share, "verdict": verdict}))
    if b.lost:
        share = b.lost_share
        points = 2 if share is None else next(p for low, p in LOST_BANDS if share >= low - EPS)
        score += points
        reasons.append(
            (
                "lost",
                {
                    "points": points,
                    "count": len(b.lost),
                    "revenue": b.lost_revenue,
                    "share": share,
                },
            )
        )
    if b.top5_share >= STATED.top5_red_flag - EPS:
        score += 1
        reasons.append(("top5", {"points": 1, "share": b.top5_share}))
    if b.anchors == 0:
        score += 1
        reasons.append(("no_anchor", {"points": 1}))
    if b.d_grade_share >= D_GRADE_RISK - EPS:
        score += 1
        reasons.append(("d_grade", {"points": 1, "share": b.d_grade_share}))
    if b.top1_year_ago is not None and b.top1_share - b.top1_year_ago >= TOP1_RISE_RISK - EPS:
        score += 1
        reasons.append(("rising", {"points": 1, "before": b.top1_year_ago, "now": b.top1_share}))
    return score, tuple(reasons)


def ranked(businesses: Sequence[Business]) -> list[Business]:
    """Highest risk first; ties by the largest client's share, then by name."""
    return sorted(businesses, key=lambda b: (-b.risk, -b.top1_share, b.name.casefold()))


def labelled(businesses: Sequence[Business]) -> list[Business]:
    """Each business labelled by its file's name, or with its report folder where two inputs
    of the batch share a name."""
    files = [b.file.casefold() for b in businesses]
    return [
        b if files.count(b.file.casefold()) == 1 else replace(b, label=f"{b.file} ({b.name})")
        for b in businesses
    ]
