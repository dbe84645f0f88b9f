"""The trajectory: the window's figures at every month-end, equal to the ordinary single-window path."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from hypothesis import example, given, settings
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
    """Invoices with credits, voids, write-offs, paid dates, a group and gaps of months."""
    rng = random.Random(seed)
    rows, n = [], 0
    for c in range(clients):
        name = f"Group:Member {c}" if c in (3, 4) else f"Client {c:02d}"  # Parent:Child
        day = D("2023-01-01") + dt.timedelta(days=rng.randrange(0, 400))
        gap = rng.choice([14, 30, 31, 45, 90, 200])
        size = rng.choice([300, 1200, 5000, 9000])
        stop = D("2023-08-01") + dt.timedelta(days=rng.randrange(0, 1000))
        while day <= min(stop, D("2026-05-20")):
            n += 1
            roll = rng.random()
            status = (
                "credit note"
                if roll < 0.05
                else "void"
                if roll < 0.08
                else "written off"
                if roll < 0.1
                else "paid"
            )
            amount = (
                -size / 4 if status == "credit note" else round(size * rng.uniform(0.5, 1.5), 2)
            )
            paid = day + dt.timedelta(days=rng.randrange(0, 70)) if status == "paid" else None
            rows.append((f"I{n}", name, day, amount, status, None, paid))
            day += dt.timedelta(days=max(1, int(rng.gauss(gap, gap / 5))))
    return rows


def _same_as_the_ordinary_path(path, config: Config) -> None:
    full = analysis_of(path, config)
    series = full.trend.to_dicts()
    last = series[-1]
    assert last["as_of"] == full.windows.as_of
    # The last point is the headline, bit for bit.
    assert last["revenue"] == full.totals.revenue
    assert last["top1_share"] == full.concentration.top1_share
    assert last["top5_share"] == full.concentration.top5_share
    assert last["hhi"] == full.concentration.hhi
    assert last["effective_clients"] == full.concentration.effective_clients
    for point in series:
        again = analysis_of(path, config.replace(as_of=point["as_of"]))
        conc = again.concentration
        where = (point["as_of"], config.basis, config.window_months)
        assert point["revenue"] == pytest.approx(again.totals.revenue, rel=1e-12, abs=1e-9), where
        assert point["top1_share"] == pytest.approx(conc.top1_share, rel=1e-12), where
        assert point["top5_share"] == pytest.approx(conc.top5_share, rel=1e-12), where
        assert point["hhi"] == pytest.approx(conc.hhi, rel=1e-12), where
        assert point["effective_clients"] == pytest.approx(conc.effective_clients, rel=1e-12), where
        by_months = again.clients.filter(again.clients["tier_rule"] == "anchor_months").height
        assert point["anchors"] == by_months, where


@pytest.mark.parametrize(
    ("seed", "basis", "window", "as_of"),
    [
        (1, "invoiced", 12, None),
        (2, "paid", 12, "2026-04-30"),  # a 30-day month-end
        (3, "invoiced", 6, "2026-02-28"),
        (4, "invoiced", 9, "2026-05-17"),  # inside a month
    ],
)
def test_every_trend_point_equals_the_ordinary_path(tmp_path, seed, basis, window, as_of):
    from tests.conftest import write_workbook

    path = write_workbook(tmp_path / "t.xlsx", _ledger(seed))
    config = Config(basis=basis, window_months=window, as_of=D(as_of) if as_of else None)
    _same_as_the_ordinary_path(path, config)


def test_window_edges_on_a_leap_day_and_a_29th_to_31st(workbook):
    # As of 2025-02-28 the window starts on 2024-02-29: the leap-day invoice is in it.
    leap = workbook(
        [
            inv("1", "A", "2024-02-29", 1000),
            inv("2", "B", "2024-06-10", 1000),
            inv("3", "B", "2025-03-10", 500),
        ]
    )
    trend = analysis_of(leap, Config(as_of=D("2025-03-31"))).trend.to_dicts()
    points = {p["as_of"]: p for p in trend}
    assert points[D("2025-02-28")]["revenue"] == 2000
    assert points[D("2025-02-28")]["top1_share"] == 0.5
    # Rolling months: as of Nov 30, an Oct-31 invoice falls in November's rolling month, so A is
    # billed in 9 of 12 and is an anchor at that point, as the tier rule says.
    days = ["2024-11-20", *(f"2025-0{m}-05" for m in range(1, 8)), "2025-10-05", "2025-10-31"]
    rows = [inv(str(i), "A", d, 100) for i, d in enumerate(days)]
    book = workbook([*rows, inv("B1", "B", "2025-12-10", 100)])
    points = {p["as_of"]: p for p in analysis_of(book).trend.to_dicts()}
    again = analysis_of(book, Config(as_of=D("2025-11-30")))
    assert again.clients.filter(again.clients["tier"] == "anchor").height == 1
    assert points[D("2025-11-30")]["anchors"] == 1


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), clients=st.integers(1, 15))
@example(seed=260, clients=1)  # a lone client's share once came out 1 + 2e-16
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


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), clients=st.sampled_from([3, 40, 900]))
def test_the_trend_is_the_same_bits_whatever_order_the_invoices_come_in(seed, clients):
    """Its figures are summed exactly and its shares in sorted order, so no order of the rows
    (nor how polars splits them among its threads) moves a bit."""
    import polars as pl

    from pipeline.model.trend import trend

    rng = random.Random(seed)
    rows = 30_000 if clients == 900 else 400
    start = D("2023-01-01")
    counted = pl.DataFrame(
        {
            "client": [f"C{rng.randrange(clients)}" for _ in range(rows)],
            "revenue_date": [start + dt.timedelta(days=rng.randrange(1200)) for _ in range(rows)],
            "amount": [rng.choice([-1, 1]) * rng.uniform(0.01, 9_999.99) for _ in range(rows)],
        }
    )
    as_of = D("2026-03-15")
    first = trend(counted, as_of, Config())
    for _ in range(3):
        shuffled = counted.sample(fraction=1.0, shuffle=True, seed=rng.randrange(2**32))
        assert trend(shuffled, as_of, Config()).equals(first)


def test_rows_without_a_name_count_but_never_make_an_anchor():
    """Validation leaves no invoice without a client; the trend, given some anyway, counts their
    money in every figure but never calls them an anchor, where the same rows named would be."""
    import polars as pl

    from pipeline.model.trend import trend

    months = [dt.date(2024, 1, 15) + dt.timedelta(days=30 * i) for i in range(18)]
    as_of = months[-1]

    def figures(unnamed: str | None) -> dict:
        counted = pl.DataFrame(
            {
                "client": [unnamed] * 18 + ["A"] * 18,
                "revenue_date": months * 2,
                "amount": [1000.0] * 18 + [200.0] * 18,
            },
            schema={"client": pl.String, "revenue_date": pl.Date, "amount": pl.Float64},
        )
        return trend(counted, as_of, Config()).to_dicts()[-1]

    named, unnamed = figures("B"), figures(None)
    assert named["anchors"] == 2 and unnamed["anchors"] == 1
    for key in ("revenue", "top1_share", "top5_share", "hhi", "effective_clients"):
        assert unnamed[key] == named[key]
    assert unnamed["top1_share"] == pytest.approx(1000 / 1200)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    clients=st.integers(1, 30),
    rows=st.integers(0, 300),
    months=st.integers(1, 14),
    days=st.booleans(),
)
@example(seed=1, clients=1, rows=0, months=12, days=False)
def test_window_sums_are_the_windows_rows_summed(seed, clients, rows, months, days):
    """Each (point, client) pair's revenue from running sums is the sum of the billing rows its
    window holds, to the bit, and every pair with a row in the window appears exactly once.
    Months of any length and days anywhere in them (``days``), clients with one row or many,
    credits, windows of 1 to 14 months."""
    import polars as pl

    from pipeline.model.money import total
    from pipeline.model.trend import _PAIRS, window_sums
    from pipeline.model.window import windows

    rng = random.Random(seed)
    as_of = D("2026-03-31") if not days else D("2026-03-17")
    points = trend_points(D("2023-01-20"), as_of)
    frame = pl.DataFrame(
        {"as_of": points, "start": [windows(p, months).start for p in points]},
        schema={"as_of": pl.Date(), "start": pl.Date()},
    ).with_row_index("point")
    start = D("2023-01-20")
    billed = pl.DataFrame(
        {
            "id": [rng.randrange(clients) for _ in range(rows)],
            "revenue_date": [start + dt.timedelta(days=rng.randrange(1153)) for _ in range(rows)],
            "amount": [round(rng.uniform(-500, 5_000), rng.choice([0, 2, 7])) for _ in range(rows)],
        },
        schema={"id": pl.UInt32, "revenue_date": pl.Date, "amount": pl.Float64},
    ).unique(["id", "revenue_date"])  # one row per client and day, as the trend bills them
    expected = (
        frame.join_where(
            billed,
            pl.col("revenue_date") >= pl.col("start"),
            pl.col("revenue_date") <= pl.col("as_of"),
        )
        .group_by("point", "id")
        .agg(total(pl.col("amount")).alias("revenue"))
        .select((pl.col("point").cast(pl.UInt64) * _PAIRS + pl.col("id")).alias("pair"), "revenue")
        .sort("pair")
    )
    got = window_sums(frame, billed)
    assert got["pair"].n_unique() == got.height
    assert got.sort("pair").equals(expected)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), clients=st.sampled_from([40, 900]))
def test_every_point_agrees_with_its_window_summed_directly(seed, clients):
    """With hundreds of clients, each point's top share and HHI are those of the clients'
    revenue in that window summed directly, to within a bit or two: the last bit depends on how
    polars divides and sums within a group, which the golden ``summary.json`` holds."""
    import polars as pl

    from pipeline.model.money import total
    from pipeline.model.trend import trend
    from pipeline.model.window import windows

    rng = random.Random(seed)
    start = D("2023-01-01")
    counted = pl.DataFrame(
        {
            "client": [f"C{rng.randrange(clients)}" for _ in range(6_000)],
            "revenue_date": [start + dt.timedelta(days=rng.randrange(1200)) for _ in range(6_000)],
            # whole amounts, so a client's revenue is the same float however its rows are
            # grouped first (by day, by month) and only the shares' arithmetic is compared
            "amount": [float(rng.randint(-2_000, 9_999)) for _ in range(6_000)],
        }
    )
    config = Config()
    for point in trend(counted, D("2026-03-15"), config).to_dicts():
        window = windows(point["as_of"], config.window_months)
        revenue = (
            counted.filter(pl.col("revenue_date").is_between(window.start, point["as_of"]))
            .group_by("client")
            .agg(total(pl.col("amount")).alias("revenue"))
            .filter(pl.col("revenue") > 0)["revenue"]
        )
        shares = (revenue / float(revenue.sum())).clip(upper_bound=1.0)
        assert point["top1_share"] == pytest.approx(shares.max(), rel=1e-15), point["as_of"]
        assert point["hhi"] == pytest.approx(math.fsum(shares**2) * 10_000, rel=1e-13)


def test_a_lone_clients_share_is_exactly_one():
    """A point with one client: its share is 1, the HHI 10,000 and the effective clients 1, to
    the bit (49 times its reciprocal is 0.9999999999999999)."""
    import polars as pl

    from pipeline.model.trend import trend

    counted = pl.DataFrame(
        {
            "client": ["A", "A", "B"],
            "revenue_date": [D("2025-01-10"), D("2025-02-10"), D("2026-03-10")],
            "amount": [24_000.0, 25_000.0, 49.0],
        }
    )
    points = trend(counted, D("2026-03-31"), Config()).to_dicts()
    alone = [p for p in points if p["revenue"] in (49_000.0, 49.0)]
    assert {p["revenue"] for p in alone} == {49_000.0, 49.0}
    for point in alone:
        assert point["top1_share"] == 1.0 and point["top5_share"] == 1.0
        assert point["hhi"] == 10_000.0 and point["effective_clients"] == 1.0


def test_a_credit_note_long_before_the_first_invoice_gives_no_tenure(workbook):
    """A client's tenure runs from its first invoice, not from a credit note years before it:
    at the two points where its anchor rule turns, the anchors are those of the ordinary path,
    which dates a client by its first invoice of zero or more."""
    steady = [inv("C0", "Steady", "2023-01-10", -50, "credit note")] + [
        inv(f"S{m}", "Steady", f"{2025 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}-15", 5000)
        for m in range(1, 17)
    ]
    others = [inv(f"O{m}", f"Other {m % 4}", f"2025-{m:02d}-03", 800) for m in range(1, 13)]
    path = workbook(steady + others)
    a = analysis_of(path)
    # Billed every month since January 2025 and most of the revenue, but an anchor only once a
    # year of tenure counts from its first invoice: not at 2025-12-31, and at 2026-01-31.
    points = {row["as_of"]: row["anchors"] for row in a.trend.to_dicts()}
    assert (points[D("2025-12-31")], points[D("2026-01-31")]) == (0, 1)
    for day in ("2025-12-31", "2026-01-31"):
        again = analysis_of(path, Config(as_of=D(day)))
        anchors = again.clients.filter(again.clients["tier_rule"] == "anchor_months").height
        assert points[D(day)] == anchors, day
