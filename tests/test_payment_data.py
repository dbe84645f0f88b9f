"""Payment data that a ledger does not hold is unknown, not bad: no grade, nothing overdue, no
risk point; a "paid" status without a paid date is paid, on no known day."""

from __future__ import annotations

import json

import pytest

from pipeline.report import report
from tests.conftest import D, write_workbook

SALES_LOG = ("Invoice No", "Client", "Invoice Date", "Amount")


def _sales_log(tmp_path):
    rows = [
        ("1", "Acme", D("2025-06-02"), 900.0),
        ("2", "Birch", D("2025-07-15"), 300.0),
        ("3", "Acme", D("2025-09-01"), 600.0),
        ("4", "Cole", D("2025-11-20"), 200.0),
    ]
    return write_workbook(tmp_path / "log.xlsx", rows, header=SALES_LOG)


def test_a_ledger_without_paid_dates_or_statuses_grades_nobody_and_owes_nothing(tmp_path):
    result = report(_sales_log(tmp_path), tmp_path / "out")
    summary = json.loads((result.folder / "log.summary.json").read_text())
    assert {c["grade"] for c in summary["clients"]} == {None}
    assert summary["totals"]["overdue"] is None
    assert summary["totals"]["d_grade_revenue_share"] == 0.0
    for client in summary["clients"]:
        assert "no grade: the ledger holds no paid dates or payment statuses" in client["reasons"]
        assert client["overdue_amount"] is None and client["paid_share"] is None
    assert all(w["code"] != "d_grade_clients" for w in summary["warnings"])
    # the tiers and shares still stand
    assert [c["share"] for c in summary["clients"]] == pytest.approx([0.75, 0.15, 0.10])


def test_the_method_sheet_and_briefing_say_what_payment_data_the_ledger_had(tmp_path):
    import openpyxl

    result = report(_sales_log(tmp_path), tmp_path / "out")
    method = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(result.folder / "log.annotated.xlsx")["Method"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert method["Payment data"] == "none"
    briefing = (result.folder / "log.briefing.html").read_text()
    assert "so how clients pay is unknown: no client is graded" in briefing
    assert "Overdue at the as-of date" not in briefing


def test_paid_without_a_date_is_paid_but_never_on_time(tmp_path):
    header = ("Invoice No", "Client", "Invoice Date", "Amount", "Status")
    rows = [
        (str(i), "Acme", D(f"2025-{m:02d}-10"), 1000.0, "Paid") for i, m in enumerate(range(1, 13))
    ]
    result = report(write_workbook(tmp_path / "s.xlsx", rows, header=header), tmp_path / "o")
    acme = result.analysis.clients.row(0, named=True)
    assert (acme["grade"], acme["grade_rule"], acme["paid_share"]) == ("B", "B_undated", 1.0)
    summary = json.loads((result.folder / "s.summary.json").read_text())
    reason = summary["clients"][0]["reasons"][1]
    assert reason.startswith("grade B: paid 100% of billing now due; no paid dates, so how late")
    assert summary["totals"]["overdue"] == 0.0  # statuses say it: nothing is open


def test_the_portfolio_gives_no_risk_point_for_unknown_payment(tmp_path):
    from pipeline.portfolio import business

    result = report(_sales_log(tmp_path), tmp_path / "out")
    found = business(json.loads((result.folder / "log.summary.json").read_text()), "log")
    assert found.overdue is None
    assert "d_grade" not in {code for code, _ in found.risk_reasons}
