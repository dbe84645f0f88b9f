"""What moved since the prior window, and the ranked actions, on ledgers small enough to check
by hand; then through the whole product, from a sample workbook to summary.json."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from pipeline.words.actions import action_reason, moved_sentence
from pipeline.words.reasons import check_in_line
from tests.conftest import D, analysis_of, client, inv, write_workbook

SAMPLES = Path(__file__).parents[1] / "sample_workbooks"

# As-of 2026-06-30: the window is 2025-07-01 .. 2026-06-30, the prior one 2024-07-01 .. 2025-06-30.
# Prior: Alpha 1,000, Beta 500 (1,500). Now: Alpha 400, Beta 900, Gamma 300 (1,600): +100, +6.7%.
# Alpha was the largest client and is down 60% though still billing: call it (1,000 at stake).
MOVED = [
    inv("1", "Beta", "2024-07-01", 500),
    inv("2", "Alpha", "2024-08-01", 1000),
    inv("3", "Beta", "2025-09-01", 900),
    inv("4", "Gamma", "2026-01-01", 300),
    inv("5", "Alpha", "2026-06-30", 400),
]


def test_revenue_against_the_prior_window_and_who_moved_it(workbook):
    a = analysis_of(workbook(MOVED))
    m = a.moves
    assert m is not None
    assert (m.prior_revenue, m.revenue) == (1500, 1600)
    assert m.change == pytest.approx(100)
    assert m.change_pct == pytest.approx(100 / 1500)
    assert [(x.client, x.change) for x in m.losses] == [("Alpha", -600)]
    assert [(x.client, x.change) for x in m.gains] == [("Beta", 400), ("Gamma", 300)]
    assert client(a, "Alpha")["change"] == -600
    assert client(a, "Alpha")["change_pct"] == pytest.approx(-0.6)
    assert client(a, "Gamma")["change_pct"] is None  # new: nothing to compare with
    assert moved_sentence(a) == (
        "Revenue rose 6.7% to 1,600.00, 100.00 more than the 1,500.00 of the prior 12 months. "
        "What moved it: Alpha 600.00 less, Beta 400.00 more, Gamma 300.00 more."
    )


def test_a_key_client_still_billing_but_down_is_a_call_not_a_loss(workbook):
    a = analysis_of(workbook(MOVED))
    assert "Alpha" not in a.lost_key_clients["client"].to_list()
    [call] = a.actions
    assert (call.kind, call.client, call.amount, call.due) == (
        "call",
        "Alpha",
        1000,
        D("2026-07-07"),
    )
    assert action_reason(call, a.currency) == (
        "Billed 400.00 in the last 12 months against 1,000.00 before, 60% less; last invoice "
        "30 Jun 2026. By 7 Jul 2026."
    )


def test_a_ledger_that_starts_inside_the_prior_window_says_so(workbook):
    a = analysis_of(workbook(MOVED[1:]))  # from 2024-08-01, a month into the prior window
    assert a.moves is not None and a.moves.prior_from == D("2024-08-01")
    said = moved_sentence(a)
    assert said is not None
    assert said.endswith(
        "The ledger starts on 1 Aug 2024, so the prior 12 months are not complete."
    )


def overdue(number: str, name: str, date: str, amount: float, due: str) -> tuple:
    return (number, name, D(date), amount, "open", D(due), None)


def test_overdue_invoices_are_chased_largest_first_five_at_most(workbook):
    # Seven clients each owe one invoice due 2026-03-31: at 2026-06-30 it is 91 days past due.
    owing = [
        overdue(str(i), f"Client {i}", "2026-03-01", 100 * i, "2026-03-31") for i in range(1, 8)
    ]
    # A paid client of 100,000 keeps each of them under 1% of revenue: no change of terms.
    paid = [inv("99", "Big", "2026-06-30", 100_000)]
    a = analysis_of(workbook(owing + paid))
    assert [(x.kind, x.client, x.amount) for x in a.actions] == [
        ("chase", "Client 7", 700),
        ("chase", "Client 6", 600),
        ("chase", "Client 5", 500),
        ("chase", "Client 4", 400),
        ("chase", "Client 3", 300),
    ]
    assert action_reason(a.actions[0], a.currency) == (
        "700.00 overdue, the oldest 91 days past due. By 7 Jul 2026."
    )


def monthly(name: str, amount: float, first: int = 1) -> list[tuple]:
    """One invoice on the 15th of each month of the window (2025-07 .. 2026-06)."""
    days = [dt.date(2025 if m >= 7 else 2026, m, 15) for m in [*range(7, 13), *range(1, 7)]]
    return [inv(f"{name}-{i}", name, day.isoformat(), amount) for i, day in enumerate(days, first)]


def test_a_client_billed_like_an_anchor_just_under_its_share_is_a_near_anchor(workbook):
    # Big 12 x 1,150 = 13,800 (92%), Eps 12 x 100 = 1,200 (8%: under 10%, above 7.5%).
    a = analysis_of(workbook([*monthly("Big", 1150), *monthly("Eps", 100)]))
    assert client(a, "Eps")["tier"] != "anchor"
    assert [(x.kind, x.client, x.amount) for x in a.actions] == [("grow", "Eps", 1200)]
    assert action_reason(a.actions[0], a.currency).startswith(
        "Billed in 12 of 12 months with 8.0% of revenue, just under the anchor share"
    )


def test_no_action_where_no_figure_calls_for_one(workbook):
    a = analysis_of(workbook(monthly("Big", 1000)))
    assert a.actions == ()


# --- through the whole product ------------------------------------------------------------------


def report(path: Path, out: Path) -> dict:
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / path.stem / f"{path.stem}.summary.json").read_text())


def key(name: str) -> str:
    """A client as PRODUCT.md counts one: spaces trimmed and collapsed, case folded."""
    return " ".join(name.split()).casefold()


def sample_revenue(path: Path, start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """Net revenue by client between two dates, read from the workbook with openpyxl alone."""
    ws = openpyxl.load_workbook(path, read_only=True)["Invoices"]
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    at = {name: header.index(name) for name in ("Client", "Invoice Date", "Amount", "Status")}
    found: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        day = row[at["Invoice Date"]]
        if day is None or str(row[at["Status"]]).lower() in ("void", "draft"):
            continue
        if start <= day.date() <= end:
            found[key(row[at["Client"]])] += Decimal(str(row[at["Amount"]]))
    return found


def test_the_consultant_sample_says_revenue_fell_and_why_and_what_to_do(tmp_path):
    path = SAMPLES / "consultant_lost_key_client.xlsx"
    data = report(path, tmp_path)
    window, prior = data["window"], data["prior_window"]
    day = dt.date.fromisoformat
    now = sample_revenue(path, day(window["start"]), day(window["end"]))
    then = sample_revenue(path, day(prior["start"]), day(prior["end"]))
    totals = data["totals"]
    assert totals["prior_revenue"] == pytest.approx(float(sum(then.values())))
    assert totals["revenue_change"] == pytest.approx(float(sum(now.values()) - sum(then.values())))
    assert totals["revenue_change_pct"] < 0
    assert data["moved"]["text"].startswith("Revenue fell 7.6%")
    # the largest loss is the client lost, by the workbook's own figures
    loss = min(then, key=lambda c: now.get(c, Decimal(0)) - then[c])
    assert key(data["moved"]["losses"][0]["client"]) == loss == key("Meridian Health Systems")
    for entry in data["clients"]:
        name = key(entry["client"])
        change = now.get(name, Decimal(0)) - then.get(name, Decimal(0))
        assert entry["change"] == pytest.approx(float(change)), entry["client"]
    # actions: ranked by the money at stake, each tied to the figures reported beside it
    actions = data["actions"]
    assert 1 <= len(actions) <= 5
    assert [a["amount"] for a in actions] == sorted((a["amount"] for a in actions), reverse=True)
    assert set(actions[0]) == {"kind", "client", "amount", "reason", "due"}
    lost = {c["client"]: c for c in data["lost_key_clients"]}
    by_name = {c["client"]: c for c in data["clients"]}
    for a in actions:
        if a["kind"] == "replace":
            assert a["amount"] == lost[a["client"]]["revenue_lost"]
        if a["kind"] == "chase":
            assert a["amount"] == by_name[a["client"]]["overdue_amount"]
        if a["kind"] == "terms":
            assert by_name[a["client"]]["grade"] == "D"
            assert by_name[a["client"]]["share"] >= 0.05
    assert [a["kind"] for a in actions] == ["replace", "terms", "chase"]
    assert sum(c["overdue_amount"] or 0 for c in data["clients"]) == totals["overdue"]


def months(name: str, first: dt.date, count: int, amount: float) -> list[tuple]:
    """``count`` invoices on the 15th of consecutive months from ``first``'s month."""
    out = []
    for i in range(count):
        year, month = divmod(first.month - 1 + i, 12)
        day = dt.date(first.year + year, month + 1, 15)
        out.append(inv(f"{name}-{i}", name, day.isoformat(), amount))
    return out


def test_a_key_client_gone_quiet_is_lost_only_once_it_kept_little_of_its_revenue(workbook):
    # Alpha: 12 x 1,000 in the prior window, 3 in this one (25% kept), silent since 15 Sep.
    # Beta: 12 x 500 then 9 (75% kept), silent since 15 Mar 2026: 107 days, past 2 gaps.
    ledger = [
        *months("Alpha", D("2024-07-15"), 15, 1000),
        *months("Beta", D("2024-07-15"), 21, 500),
        inv("end", "Gamma", "2026-06-30", 100),
    ]
    a = analysis_of(workbook(ledger))
    assert client(a, "Beta")["at_risk"]
    assert a.lost_key_clients["client"].to_list() == ["Alpha"]
    assert [(x.kind, x.client, x.amount) for x in a.actions] == [
        ("replace", "Alpha", 9000),  # 12,000 then, 3,000 now
        ("call", "Beta", 6000),  # what it brought in the prior window
    ]
    assert "silent 107 days" in action_reason(a.actions[1], a.currency)


def test_a_written_off_client_with_a_material_share_gets_new_terms(workbook):
    # Xeno: one invoice of 1,000 written off (no day of payment, none overdue): grade D at
    # 1,000 / 6,000 = 16.7% of revenue. Big: 5,000 paid.
    ledger = [
        ("1", "Xeno", D("2026-03-01"), 1000, "written off", D("2026-03-31"), None),
        inv("2", "Big", "2026-06-30", 5000),
    ]
    a = analysis_of(workbook(ledger))
    assert client(a, "Xeno")["grade"] == "D"
    [terms] = [x for x in a.actions if x.kind == "terms"]
    assert (terms.client, terms.amount, terms.due) == ("Xeno", 1000, D("2026-07-30"))
    assert action_reason(terms, a.currency) == (
        "Grade D with 16.7% of revenue (1,000.00), 0% of its billing now due paid: ask for a "
        "deposit or shorter terms before the next invoice, or plan to let it go. By 30 Jul 2026."
    )


def test_partial_months_are_marked_in_the_chart_the_monthly_sheet_and_method(tmp_path):
    """The agency's window runs 30 Oct 2025 to 29 Oct 2026: two days of the first October and
    29 of the last are all the window holds of them."""
    path = SAMPLES / "agency_diversified.xlsx"
    report(path, tmp_path)
    folder = tmp_path / path.stem
    html = (folder / f"{path.stem}.briefing.html").read_text(encoding="utf-8")
    assert "Oct 2025*" in html and "Oct 2026*" in html and "Nov 2025*" not in html
    assert (
        "The window covers only part of Oct 2025* (2 of 31 days), Oct 2026* (29 of 31 days)."
        in html
    )
    book = openpyxl.load_workbook(folder / f"{path.stem}.annotated.xlsx")
    rows = list(book["Monthly"].iter_rows(values_only=True))
    header = list(rows[0])
    days, length = header.index("Days in the window"), header.index("Days in the month")
    months = [r for r in rows[1:] if isinstance(r[0], dt.datetime)]
    assert (months[0][days], months[0][length]) == (2, 31)
    assert (months[-1][days], months[-1][length]) == (29, 31)
    assert all(r[days] == r[length] for r in months[1:-1])
    method = {r[0]: r[1] for r in book["Method"].iter_rows(values_only=True) if r[0]}
    assert "Oct 2025 (2 of 31 days) and Oct 2026 (29 of 31 days)" in method["Months"]


def test_check_ins_follow_each_working_style_and_quiet_key_clients(tmp_path):
    """As-of 2026-06-15 (the last invoices). Micro (micromanager, last contact 10 days ago:
    every 7) is due now; Savvy (savvy, 20 days ago: every 60) is not, its next contact due
    25 Jul 2026; Quiet kept 75% of its prior revenue but has been silent 92 days: checked in,
    with no style; Gone, laissez-faire and never contacted, kept 25% and is lost: a
    post-mortem, no check-in."""
    ledger = [
        *months("Quiet", D("2024-07-15"), 21, 500),  # to 15 Mar 2026
        *months("Gone", D("2024-07-15"), 15, 1000),  # to 15 Sep 2025
        *months("Micro", D("2025-07-15"), 12, 300),
        *months("Savvy", D("2025-07-15"), 12, 300),
    ]
    clients = [
        ("Micro", None, None, None, "micromanager", D("2026-06-05")),
        ("Savvy", None, None, None, "Savvy", D("2026-05-26")),
        ("Quiet", None, None, None, None, None),
        ("Gone", None, None, None, "laissez-faire", None),
    ]
    header = ("Client", "Contract", "Referred By", "Roles", "Working Style", "Last Contact")
    path = write_workbook(tmp_path / "styles.xlsx", ledger, clients=clients, client_header=header)
    a = analysis_of(path)
    assert a.windows.as_of == D("2026-06-15")  # Micro's and Savvy's last invoices
    due = {c["client"]: c for c in a.clients.filter("check_in").to_dicts()}
    assert sorted(due) == ["Micro", "Quiet"]
    assert (due["Micro"]["check_in_why"], due["Micro"]["next_check_in"]) == (
        "style",
        D("2026-06-15"),
    )
    assert (due["Quiet"]["check_in_why"], due["Quiet"]["next_check_in"]) == (
        "quiet",
        D("2026-06-15"),
    )
    assert client(a, "Savvy")["next_check_in"] == D("2026-07-25")  # 26 May + 60 days
    assert a.lost_key_clients["client"].to_list() == ["Gone"]
    assert check_in_line(due["Micro"]) == (
        "micromanager: agree scope, milestones and reporting up front, then send short regular "
        "updates (every 7 days); last contact 10 days ago; check in by 15 Jun 2026"
    )
    assert check_in_line(due["Quiet"]).startswith("a key client silent 92 days against a usual gap")
