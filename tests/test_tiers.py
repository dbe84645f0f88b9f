"""First-cut tiers, lapse and lost key clients on a hand-built ledger (as-of 2026-06-30)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import D, analysis_of, client, inv


def _monthly(name: str, first: str, months: int, amount: float, day: int = 28) -> list[tuple]:
    start = D(first)
    rows = []
    for i in range(months):
        year, month = divmod(start.month - 1 + i, 12)
        rows.append(
            inv(f"{name}-{i}", name, dt.date(start.year + year, month + 1, day).isoformat(), amount)
        )
    return rows


def _every_quarter(name: str, first: str, count: int, amount: float) -> list[tuple]:
    start = D(first)
    rows = []
    for i in range(count):
        year, month = divmod(start.month - 1 + 3 * i, 12)
        rows.append(
            inv(
                f"{name}-{i}",
                name,
                dt.date(start.year + year, month + 1, start.day).isoformat(),
                amount,
            )
        )
    return rows


LEDGER = [
    *_monthly("Retainer", "2025-01-28", 18, 1000),  # Jan 2025 .. Jun 2026: 12 months in the window
    inv("R-last", "Retainer", "2026-06-30", 0.0),  # fixes as-of at 2026-06-30
    *_every_quarter("Quarterly", "2024-01-15", 10, 3000),  # 4 in the window, every ~91 days
    inv("C1", "Contracted", "2025-10-01", 4000),
    inv("C2", "Contracted", "2026-03-01", 4000),
    inv("E1", "Expired", "2025-09-01", 4000),
    inv("E2", "Expired", "2026-02-01", 4000),
    inv("I1", "Irregular", "2024-03-10", 500),
    inv("I2", "Irregular", "2025-02-01", 500),
    inv("I3", "Irregular", "2025-11-20", 500),
    inv("I4", "Irregular", "2026-04-03", 500),
    inv("S1", "Single", "2025-10-15", 2000),
    inv("P1", "Sprint", "2025-09-01", 700),
    inv("P2", "Sprint", "2025-09-25", 300),
    inv("F1", "Fresh", "2026-06-09", 500),
    *_monthly(
        "Gone", "2024-07-05", 12, 3000, day=5
    ),  # the prior window's largest client, then silence
]
CLIENTS = [
    ("Contracted", "annual until 2027-03-31", None),
    ("Expired", "annual until 2026-01-31", None),
]


@pytest.fixture(scope="module")
def tiers(tmp_path_factory):
    from tests.conftest import write_workbook

    path = write_workbook(tmp_path_factory.mktemp("tiers") / "tiers.xlsx", LEDGER, clients=CLIENTS)
    return analysis_of(path)


@pytest.mark.parametrize(
    ("name", "tier", "rule"),
    [
        ("Retainer", "anchor", "anchor_months"),
        ("Quarterly", "anchor", "anchor_cadence"),
        ("Contracted", "anchor", "anchor_contract"),
        ("Expired", "recurring", "recurring"),
        ("Irregular", "recurring", "recurring"),
        ("Single", "one-off", "one-off"),
        ("Sprint", "one-off", "one-off"),
        ("Fresh", "new", "new"),
        ("Gone", "lapsed", "lapsed"),
    ],
)
def test_tier_and_deciding_rule(tiers, name, tier, rule):
    c = client(tiers, name)
    assert (c["tier"], c["tier_rule"]) == (tier, rule)


def test_window_revenue_of_the_ledger(tiers):
    # Retainer 12,000 + Quarterly 12,000 + Contracted 8,000 + Expired 8,000 + Irregular 1,000
    # + Single 2,000 + Sprint 1,000 + Fresh 500 = 44,500
    assert tiers.totals.revenue == pytest.approx(44_500)
    assert client(tiers, "Retainer")["months_billed"] == 12
    assert client(tiers, "Quarterly")["invoices_in_window"] == 4
    assert client(tiers, "Quarterly")["gap_cv"] < 0.05


def test_reasons_quote_the_deciding_figures(tiers):
    from pipeline.words.rows import worded

    reasons = dict(worded(tiers).select("client", "reasons").iter_rows())
    assert "billed in 12 of 12 months" in reasons["Retainer"][0]
    assert f"{12_000 / 44_500 * 100:.1f}% of revenue" in reasons["Retainer"][0]
    assert "annual until 2027-03-31" in reasons["Contracted"][0]
    assert "a single invoice on 15 Oct 2025" in reasons["Single"][0]
    assert "2 invoices within 24 days" in reasons["Sprint"][0]
    assert "first invoice 9 Jun 2026, 21 days before as-of" in reasons["Fresh"][0]
    assert "last invoice 5 Jun 2025" in reasons["Gone"][0]
    # Prior window 2024-07-01 .. 2025-06-30: Gone 36,000, Quarterly 12,000, Retainer 6,000,
    # Irregular 500 -> 36,000 / 54,500 = 66.1%, rank 1.
    assert any(
        "key client in the prior window: 66.1% of revenue, rank 1" in r for r in reasons["Gone"]
    )


def test_last_years_biggest_client_gone_silent_is_a_lost_key_client(tiers):
    lost = tiers.lost_key_clients.to_dicts()
    assert [row["client"] for row in lost] == ["Gone"]
    assert lost[0]["prior_revenue"] == pytest.approx(36_000)
    assert lost[0]["last_invoice"] == D("2025-06-05")
    codes = [w.code for w in tiers.warnings]
    assert "lost_key_clients" in codes


def test_warnings_no_anchor_and_dominant_anchor(workbook):
    one_offs = analysis_of(
        workbook([inv("1", "A", "2026-01-10", 100), inv("2", "B", "2026-06-01", 100)])
    )
    assert [w.code for w in one_offs.warnings][0] == "no_anchor"
    dominant = [*_monthly("Big", "2025-01-28", 18, 1000), inv("x", "Small", "2025-12-01", 500)]
    a = analysis_of(workbook(dominant))
    assert client(a, "Big")["tier"] == "anchor"
    warning = next(w for w in a.warnings if w.code == "dominant_anchor")
    assert warning.figures["client"] == "Big"
    assert warning.figures["share"] == pytest.approx(12_000 / 12_500)


def test_a_tiny_clients_share_is_worded_with_its_own_digits(tmp_path):
    """A long tail's clients each bring a sliver of revenue: their reasons give it, never
    "0.0% of revenue", in the JSON and in the workbook's Reasons column alike."""
    import json

    import openpyxl
    from click.testing import CliRunner

    from pipeline.edge.cli import main
    from tests.conftest import write_workbook

    # 1,000,000.00 in all: 340 is 0.034% of it, 34 is 0.0034%, 0.50 is 0.00005%
    ledger = [
        inv("1", "Big", "2026-05-01", 999_625.50),
        inv("2", "Small", "2026-05-02", 340),
        inv("3", "Smaller", "2026-05-03", 34),
        inv("4", "Smallest", "2026-05-04", 0.50),
    ]
    path = write_workbook(tmp_path / "tail.xlsx", ledger)
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "tail"
    data = json.loads((folder / "tail.summary.json").read_text())
    reasons = {c["client"]: c["reasons"] for c in data["clients"]}
    expected = {
        "Big": "100.0% of revenue, rank 1, ABC class A",  # 99.96255%
        "Small": "0.034% of revenue, rank 2, ABC class C",
        "Smaller": "0.0034% of revenue, rank 3, ABC class C",
        "Smallest": "0.000050% of revenue, rank 4, ABC class C",
    }
    for name, line in expected.items():
        assert line in reasons[name], reasons[name]
    sheet = openpyxl.load_workbook(folder / "tail.annotated.xlsx", read_only=True)[
        "Client analysis"
    ]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    by_client = {row[header.index("Client")]: row[header.index("Reasons")] for row in rows}
    for name, line in expected.items():
        assert line in by_client[name], by_client[name]
    # and the briefing's table of clients gives the same figure in its Share column
    html = (folder / "tail.briefing.html").read_text()
    for name, share in (("Small", "0.034%"), ("Smaller", "0.0034%"), ("Smallest", "0.000050%")):
        row = re.search(rf"<bdi>{name}</bdi>.*?</tr>", html, re.S)
        assert row is not None and f'<td class="num">{share}</td>' in row.group(0), name
    # and so does the Pareto chart's label on each client's bar
    chart = re.search(r'<svg[^>]*id="chart-pareto".*?</svg>', html, re.S)
    assert chart is not None
    labels = re.findall(r">([^<>]*%)</text>", chart.group(0))
    for share in ("0.034%", "0.0034%", "0.000050%"):
        assert share in labels, labels
    assert "0.0%" not in labels, labels


def test_a_largest_share_under_a_tenth_of_a_percent_keeps_its_digits(tmp_path):
    """1,250 clients of 80.00 each: the largest brings 80 / 100,000 = 0.080% of revenue, and the
    briefing's headline, its figure and its chart's description, and the portfolio's table
    say so, not "0.0%"."""
    from click.testing import CliRunner

    from pipeline.edge.cli import main
    from tests.conftest import write_workbook

    books = tmp_path / "books"
    books.mkdir()
    ledger = [inv(f"{i}", f"Client {i:04d}", "2026-05-01", 80.0) for i in range(1, 1251)]
    write_workbook(books / "even.xlsx", ledger)
    result = CliRunner().invoke(main, ["report", str(books), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "even" / "even.briefing.html").read_text()
    assert "The largest client, Client 0001, brings 0.080% of revenue" in html
    assert re.search(r'data-figure="top1_share"[^>]*>\s*0\.080%<', html), "the headline figure"
    assert "the largest brings 0.080%." in html
    index = (tmp_path / "out" / "index.html").read_text()
    assert re.search(r'data-figure="top1_share">0\.080%</td>', index)
