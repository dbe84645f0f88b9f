"""Core figures on ledgers small enough to check by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipeline.config import Config
from pipeline.model.concentration import concentration, shares
from pipeline.model.window import add_months, windows
from tests.conftest import D, analysis_of, client, inv

# As-of 2026-06-30: the window is 2025-07-01 .. 2026-06-30, the prior one 2024-07-01 .. 2025-06-30.
# Alpha: 1,000 on the window's first day, 1,000 on its last day, a credit note of 200 -> 1,800.
# Beta: 5,000 the day before the window (prior), 600 inside, a void 9,999 inside -> 600.
# Gamma: 400 inside. Positive revenue 2,800; shares 18/28, 6/28, 4/28.
HAND_LEDGER = [
    inv("1", "Alpha", "2025-07-01", 1000),
    inv("2", "Alpha", "2026-06-30", 1000),
    inv("3", "Alpha", "2026-03-01", -200, "credit note"),
    inv("4", "Beta", "2025-06-30", 5000),
    inv("5", "Beta", "2026-01-15", 600),
    inv("6", "Beta", "2026-02-01", 9999, "void"),
    inv("7", "Gamma", "2026-05-05", 400),
]


@pytest.fixture
def hand(workbook):
    return analysis_of(workbook(HAND_LEDGER))


def test_window_includes_both_ends_and_as_of_defaults_to_latest_invoice(hand):
    assert hand.windows.as_of == D("2026-06-30")
    assert hand.windows.start == D("2025-07-01")
    assert hand.windows.prior_start == D("2024-07-01")
    assert hand.windows.prior_end == D("2025-06-30")


def test_window_over_a_leap_day():
    w = windows(D("2024-02-29"))
    assert (w.start, w.end) == (D("2023-03-01"), D("2024-02-29"))
    assert add_months(D("2024-03-31"), -1) == D("2024-02-29")


def test_revenue_excludes_void_and_nets_credit_notes(hand):
    assert client(hand, "Alpha")["revenue"] == pytest.approx(1800)
    assert client(hand, "Beta")["revenue"] == pytest.approx(600)
    assert client(hand, "Beta")["prior_revenue"] == pytest.approx(5000)
    assert hand.totals.revenue == pytest.approx(2800)
    assert hand.totals.gross == pytest.approx(3000)
    assert hand.totals.credits == pytest.approx(-200)
    assert (
        hand.totals.invoices == 5
    )  # three of Alpha's (credit included), one of Beta, one of Gamma
    assert hand.totals.clients == 3


def test_shares_hhi_effective_clients_topk_and_gini_by_hand(hand):
    assert client(hand, "Alpha")["share"] == pytest.approx(18 / 28)
    assert client(hand, "Beta")["share"] == pytest.approx(6 / 28)
    assert client(hand, "Gamma")["share"] == pytest.approx(4 / 28)
    conc = hand.concentration
    hhi = (18**2 + 6**2 + 4**2) / 28**2 * 10_000  # 376 / 784 * 10,000
    assert conc.hhi == pytest.approx(hhi)
    assert conc.effective_clients == pytest.approx(10_000 / hhi)
    assert conc.top1_share == pytest.approx(18 / 28)
    assert conc.top3_share == pytest.approx(1.0)
    assert conc.top5_share == pytest.approx(1.0)
    # Mean absolute difference over ordered pairs: 2*(200+1400+1200)/9; mean 2800/3.
    # G = sum|xi-xj| / (2 n^2 mean) = 5600/16800 = 1/3, times n/(n-1) = 3/2 -> 0.5
    assert conc.gini == pytest.approx(0.5)
    assert conc.verdict == "very high"
    assert conc.hhi_band == "highly concentrated"
    assert conc.top5_red_flag


def test_ranks_cumulative_shares_and_abc_classes(hand):
    ranked = hand.clients.filter(pl.col("share").is_not_null())
    assert ranked["client"].to_list() == ["Alpha", "Beta", "Gamma"]
    assert ranked["rank"].to_list() == [1, 2, 3]
    assert ranked["cumulative_share"].to_list() == pytest.approx([18 / 28, 24 / 28, 1.0])
    # Alpha starts at 0% (A); Beta starts at 64% (A: still inside the first 80%); Gamma at 86% (B).
    assert ranked["abc_class"].to_list() == ["A", "A", "B"]


def test_as_of_option_moves_the_window(workbook):
    a = analysis_of(workbook(HAND_LEDGER), Config(as_of=D("2025-12-31")))
    # Window 2025-01-01 .. 2025-12-31: Alpha 1,000 (Jul), Beta 5,000 (Jun 30); later rows ignored.
    assert client(a, "Alpha")["revenue"] == pytest.approx(1000)
    assert client(a, "Beta")["revenue"] == pytest.approx(5000)
    assert "Gamma" not in a.clients["client"].to_list()


def test_paid_basis_counts_by_paid_date(workbook):
    rows = [
        ("1", "Alpha", D("2026-05-01"), 1000, "paid", None, D("2026-06-10")),
        ("2", "Alpha", D("2026-06-01"), 500, "open", None, None),
        (
            "3",
            "Beta",
            D("2025-06-01"),
            300,
            "paid",
            None,
            D("2025-07-15"),
        ),  # billed before, paid in window
        ("4", "Beta", D("2026-06-30"), 700, "paid", None, D("2026-06-30")),
    ]
    a = analysis_of(workbook(rows), Config(basis="paid"))
    assert client(a, "Alpha")["revenue"] == pytest.approx(1000)  # the open invoice is not paid yet
    assert client(a, "Beta")["revenue"] == pytest.approx(1000)
    assert a.totals.revenue == pytest.approx(2000)


def _ranked(revenues: list[float]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {"client": [f"c{i:03d}" for i in range(len(revenues))], "revenue": revenues}
    )
    return shares(frame)


@pytest.mark.parametrize(
    ("top", "verdict"),
    [
        (9.99, "low"),
        (10.0, "moderate"),
        (19.99, "moderate"),
        (20.0, "high"),
        (30.0, "high"),
        (30.01, "very high"),
    ],
)
def test_verdict_bands_lead_with_the_largest_client(top, verdict):
    rest = 100.0 - top
    n_rest = 12
    ranked = _ranked([top] + [rest / n_rest] * n_rest)
    conc = concentration(ranked, Config())
    assert conc.top1_share == pytest.approx(top / 100)
    assert conc.verdict == verdict


def test_five_equal_clients_give_hhi_2000_and_a_top5_red_flag():
    conc = concentration(_ranked([100.0] * 5), Config())
    assert conc.hhi == pytest.approx(2000)
    assert conc.effective_clients == pytest.approx(5)
    assert conc.gini == pytest.approx(0)
    assert conc.hhi_band == "highly concentrated"
    assert conc.top5_red_flag
    assert conc.verdict == "high"  # 20% each


def test_non_positive_clients_take_no_share():
    ranked = _ranked([300.0, 100.0, -50.0, 0.0])
    assert ranked["share"].to_list()[:2] == pytest.approx([0.75, 0.25])
    assert ranked["share"].to_list()[2:] == [None, None]
    conc = concentration(ranked, Config())
    assert conc.share_base == pytest.approx(400)
    assert conc.clients_with_revenue == 2


def test_major_customers_are_above_ten_percent():
    conc = concentration(_ranked([50.0, 10.0, 40.0]), Config())
    assert [c for c, _ in conc.major_customers] == ["c000", "c002"]  # exactly 10% is not above


def test_the_date_type_of_as_of_survives(hand):
    assert isinstance(hand.config.as_of, dt.date)


@pytest.mark.parametrize(
    ("month", "cover"),
    [
        ("2025-07-01", (31, 31)),  # the window's first day is the month's first: whole
        ("2026-06-01", (30, 30)),
        ("2025-06-01", (0, 30)),  # before the window
    ],
)
def test_a_month_is_whole_when_the_window_covers_every_day_of_it(month, cover):
    from pipeline.model.window import month_cover

    assert month_cover(D(month), windows(D("2026-06-30"))) == cover


def test_a_window_ending_mid_month_covers_part_of_two_months():
    from pipeline.model.window import month_cover

    w = windows(D("2026-10-29"))  # 2025-10-30 .. 2026-10-29
    assert month_cover(D("2025-10-01"), w) == (2, 31)
    assert month_cover(D("2026-10-01"), w) == (29, 31)
    assert month_cover(D("2026-02-01"), w) == (28, 28)
