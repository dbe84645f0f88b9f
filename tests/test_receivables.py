"""Who owes what: ageing buckets and debtor days on a ledger checked by hand, then through the
product: summary.json, the Receivables sheet and the Summary's overdue figure in LibreOffice."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from tests.conftest import D, analysis_of, inv, libreoffice, write_workbook


def owed(number: str, name: str, date: str, amount: float, due: str) -> tuple:
    return (number, name, D(date), amount, "open", D(due), None)


# As-of 2026-06-30 (window 2025-07-01 .. 2026-06-30, 365 days).
# Alpha: 100 not yet due, 200 due on as-of (0 days: up to 30).       revenue 300, owes 300
# Beta: 300 due 1 May (60 days: 31-60), 400 due 1 Apr (90 days: 61-90). revenue 700, owes 700
# Gamma: 500 due 1 Jan (180 days: over 90), and 1,000 paid.            revenue 1,500, owes 500
# Delta: 1,000 paid.                                                   owes nothing
LEDGER = [
    owed("1", "Alpha", "2026-06-20", 100, "2026-07-20"),
    owed("2", "Alpha", "2026-05-31", 200, "2026-06-30"),
    owed("3", "Beta", "2026-04-01", 300, "2026-05-01"),
    owed("4", "Beta", "2026-03-02", 400, "2026-04-01"),
    owed("5", "Gamma", "2025-12-02", 500, "2026-01-01"),
    inv("6", "Gamma", "2026-02-01", 1000),
    inv("7", "Delta", "2026-06-30", 1000),
]


def test_open_invoices_by_age_and_debtor_days(tmp_path):
    a = analysis_of(write_workbook(tmp_path / "owed.xlsx", LEDGER))
    assert a.receivables is not None
    rows = {r["client"]: r for r in a.receivables.to_dicts()}
    assert list(rows) == ["Beta", "Gamma", "Alpha"]  # most owed first; Delta owes nothing
    buckets = ("current", "overdue_30", "overdue_60", "overdue_90", "overdue_over_90")
    assert [rows["Alpha"][b] for b in buckets] == [100, 200, 0, 0, 0]
    assert [rows["Beta"][b] for b in buckets] == [0, 0, 300, 400, 0]
    assert [rows["Gamma"][b] for b in buckets] == [0, 0, 0, 0, 500]
    assert [rows[c]["overdue"] for c in ("Alpha", "Beta", "Gamma")] == [200, 700, 500]
    assert [rows[c]["debtor_days"] for c in ("Alpha", "Beta", "Gamma")] == [365, 365, 122]
    assert rows["Gamma"]["oldest_days_past_due"] == 180
    assert a.totals.overdue_amount == 1400  # the buckets past due add up to the headline's


def test_a_ledger_silent_on_payment_shows_no_receivables(tmp_path):
    sales = [("1", "Alpha", D("2026-06-30"), 100, None, None, None)]
    a = analysis_of(write_workbook(tmp_path / "log.xlsx", sales))
    assert a.receivables is None


def run(path: Path, out: Path) -> dict:
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / path.stem / f"{path.stem}.summary.json").read_text())


def test_receivables_through_summary_json_and_the_sheet(tmp_path):
    path = write_workbook(tmp_path / "owed.xlsx", LEDGER)
    data = run(path, tmp_path / "out")
    r = data["receivables"]
    assert r["known"] is True
    assert r["totals"]["overdue"] == data["totals"]["overdue"] == 1400
    assert r["totals"]["outstanding"] == 1500
    assert [c["client"] for c in r["clients"]] == ["Beta", "Gamma", "Alpha"]
    ws = openpyxl.load_workbook(tmp_path / "out" / "owed" / "owed.annotated.xlsx")["Receivables"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Client", "Not yet due", "Up to 30 days past due"]
    total = [c.value for c in ws[5]]
    assert total[0] == "Total" and total[7] == "=SUM(H2:H4)"


def _long_ledger() -> list[tuple]:
    """More owing clients than the Receivables sheet writes cell by cell: each owes its own
    amount, some overdue by 20 days, the rest not yet due."""
    from pipeline.render.xlsx.history import LONG_RECEIVABLES

    return [
        owed(
            str(i),
            f"Client {i:04d}",
            "2026-06-01",
            100 + i + 0.25,
            "2026-06-10" if i % 3 else "2026-07-30",
        )
        for i in range(LONG_RECEIVABLES + 40)
    ]


def test_a_long_receivables_list_reads_back_row_for_row_with_its_total_below(tmp_path):
    path = write_workbook(tmp_path / "owed.xlsx", _long_ledger())
    data = run(path, tmp_path / "out")
    wanted = data["receivables"]["clients"]
    ws = openpyxl.load_workbook(tmp_path / "out" / "owed" / "owed.annotated.xlsx")["Receivables"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[6], r[7]) for r in rows[: len(wanted)]] == [
        (c["client"], c["outstanding"], c["overdue"]) for c in wanted
    ]
    total = rows[len(wanted)]
    last = len(wanted) + 1
    assert total[0] == "Total" and total[7] == f"=SUM(H2:H{last})"


@pytest.mark.slow
@pytest.mark.parametrize("long", [False, True], ids=["three owing", "a long list"])
def test_the_summary_overdue_figure_is_the_receivables_total_when_recalculated(tmp_path, long):
    path = write_workbook(tmp_path / "owed.xlsx", _long_ledger() if long else LEDGER)
    data = run(path, tmp_path / "out")
    converted = libreoffice(
        [tmp_path / "out" / "owed" / "owed.annotated.xlsx"],
        tmp_path / "lo",
        tmp_path / "profile",
        target="csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
        recalculate=True,
    )
    with (converted / "owed.annotated-Summary.csv").open(newline="") as handle:
        summary = {row[0]: row[1] for row in csv.reader(handle) if len(row) > 1}
    with (converted / "owed.annotated-Receivables.csv").open(newline="") as handle:
        total = next(row for row in csv.reader(handle) if row and row[0] == "Total")
    overdue, outstanding = (data["receivables"]["totals"][k] for k in ("overdue", "outstanding"))
    assert float(summary["Overdue at as-of"]) == pytest.approx(float(total[7]))
    assert float(total[7]) == pytest.approx(overdue) and float(total[6]) == pytest.approx(
        outstanding
    )
    if not long:
        assert (overdue, outstanding) == (1400, 1500)
