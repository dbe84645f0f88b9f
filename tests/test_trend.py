"""The trajectory: the window's figures at every month-end, equal to the ordinary single-window path."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.errors import InputError
from pipeline.model.trend import trend_points
from tests.conftest import D, analysis_of, inv


def test_points_are_month_ends_and_the_as_of_date():
    assert trend_points(D("2025-01-15"), D("2025-04-10")) == [
        D("2025-01-31"),
        D("2025-02-28"),
        D("2025-03-31"),
        D("2025-04-10"),
    ]
    # An as-of on a month-end is not repeated; February of a leap year ends on the 29th.
    assert trend_points(D("2024-01-31"), D("2024-03-31")) == [
        D("2024-01-31"),
        D("2024-02-29"),
        D("2024-03-31"),
    ]
    many = trend_points(D("2015-01-01"), D("2026-06-15"))
    assert len(many) == 36 and many[-1] == D("2026-06-15") and many[-2] == D("2026-05-31")


def test_a_tiny_ledger_by_hand(workbook):
    # A: 1,000 in Jan 2025 and 3,000 in Jan 2026; B: 1,000 in Jun 2025; C: -500 credit in Jan 2026.
    a = analysis_of(
        workbook(
            [
                inv("1", "A", "2025-01-10", 1000),
                inv("2", "B", "2025-06-10", 1000),
                inv("3", "A", "2026-01-10", 3000),
                inv("4", "C", "2026-01-20", -500, "credit note"),
            ]
        )
    )
    points = {row["as_of"]: row for row in a.trend.to_dicts()}
    # At 2025-06-30 the window (2024-07-01..2025-06-30) holds A 1,000 and B 1,000.
    june = points[D("2025-06-30")]
    assert june["revenue"] == 2000 and june["top1_share"] == 0.5 and june["hhi"] == 5000
    assert june["effective_clients"] == 2 and june["top5_share"] == 1
    # At 2026-01-20 (the as-of; window from 2025-01-21): A 3,000 (its 2025-01-10 invoice is
    # before the window), B 1,000, C -500 takes no share: shares 0.75 and 0.25.
    last = points[D("2026-01-20")]
    assert last["revenue"] == 3500
    assert last["top1_share"] == 0.75 and last["hhi"] == pytest.approx(6250)
    # At 2026-01-31 is after as-of: no point beyond it.
    assert max(points) == D("2026-01-20")


def _ledger(seed: int, clients: int = 12) -> list[tuple]:
    rng = random.Random(seed)
    rows, n = [], 0
    for c in range(clients):
        day = D("2023-01-01") + dt.timedelta(days=rng.randrange(0, 400))
        gap = rng.choice([14, 30, 31, 45, 90, 200])
        size = rng.choice([300, 1200, 5000, 9000])
        stop = D("2023-08-01") + dt.timedelta(days=rng.randrange(0, 1000))
        while day <= min(stop, D("2026-05-20")):
            n += 1
            status = "credit note" if rng.random() < 0.05 else "paid"
            amount = (
                -size / 4 if status == "credit note" else round(size * rng.uniform(0.5, 1.5), 2)
            )
            rows.append(inv(f"I{n}", f"Client {c:02d}", day.isoformat(), amount, status))
            day += dt.timedelta(days=max(1, int(rng.gauss(gap, gap / 5))))
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_trend_points_equal_the_ordinary_path(workbook, seed):
    path = workbook(_ledger(seed))
    full = analysis_of(path)
    series = full.trend.to_dicts()
    assert len(series) == 36 and series[-1]["as_of"] == full.windows.as_of
    # The last point is the headline.
    last = series[-1]
    assert last["revenue"] == pytest.approx(full.totals.revenue, rel=1e-12)
    assert last["top1_share"] == pytest.approx(full.concentration.top1_share, rel=1e-12)
    assert last["hhi"] == pytest.approx(full.concentration.hhi, rel=1e-12)
    # Three points recomputed through the ordinary single-window path, at their as-of.
    for point in (series[0], series[len(series) // 2], series[-13]):
        again = analysis_of(path, Config(as_of=point["as_of"]))
        conc = again.concentration
        assert point["revenue"] == pytest.approx(again.totals.revenue, rel=1e-12, abs=1e-9)
        assert point["top1_share"] == pytest.approx(conc.top1_share, rel=1e-12)
        assert point["top5_share"] == pytest.approx(conc.top5_share, rel=1e-12)
        assert point["hhi"] == pytest.approx(conc.hhi, rel=1e-12)
        assert point["effective_clients"] == pytest.approx(conc.effective_clients, rel=1e-12)
        by_months = again.clients.filter(again.clients["tier_rule"] == "anchor_months").height
        assert point["anchors"] == by_months


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), clients=st.integers(1, 15))
def test_every_point_is_a_sound_concentration(seed, clients, tmp_path_factory):
    from tests.conftest import write_workbook

    path = write_workbook(tmp_path_factory.mktemp("trend") / "t.xlsx", _ledger(seed, clients))
    try:
        a = analysis_of(path)
    except InputError:  # a seed whose clients all stop early: nothing to analyse
        return
    for p in a.trend.to_dicts():
        if p["hhi"] is None:
            assert p["top1_share"] is None
            continue
        assert 0 < p["top1_share"] <= p["top5_share"] <= 1 + 1e-12
        assert p["top1_share"] ** 2 * 10_000 <= p["hhi"] + 1e-6 <= 10_000 + 1e-6
        assert p["effective_clients"] == pytest.approx(10_000 / p["hhi"])
