"""The client model at its edges: odd ledgers that must still get right labels and no crash."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipeline.config import Config
from pipeline.errors import InputError
from pipeline.model.accounts import account_map
from pipeline.report import Options, report
from tests.conftest import D, analysis_of, client, inv, write_workbook

HEADER = ("Invoice No", "Client", "Invoice Date", "Amount", "Status", "Due Date", "Paid Date")


def every(name, first, months_apart, count, amount=1000, skip=(), shift=None):
    start, rows = D(first), []
    for i in range(count):
        if i in skip:
            continue
        y, m = divmod(start.month - 1 + months_apart * i, 12)
        day = dt.date(start.year + y, m + 1, start.day) + dt.timedelta(days=(shift or {}).get(i, 0))
        rows.append(inv(f"{name}{i}", name, day.isoformat(), amount))
    return rows


def test_a_quarterly_client_with_one_invoice_a_few_days_late_stays_an_anchor(workbook):
    # Quarterly on the 15th since 2022-01-15; the 2024-07-15 invoice is not issued by as-of 2024-07-20.
    rows = every("Quarterly", "2022-01-15", 3, 10) + [inv("o", "Other", "2024-07-20", 4000)]
    a = analysis_of(workbook(rows), Config(as_of=D("2024-07-20")))
    c = client(a, "Quarterly")
    assert c["invoices_in_window"] == 3 and c["cadence_invoices"] == 7
    assert (c["tier"], c["tier_rule"]) == ("anchor", "anchor_cadence")


def test_a_stopped_rhythm_is_not_a_cadence(workbook):
    # Monthly for a year, then silent for ten months: regular gaps, but no longer on rhythm.
    rows = every("Stopped", "2024-09-01", 1, 12) + every("Other", "2023-01-05", 1, 42, amount=500)
    a = analysis_of(workbook(rows))
    assert client(a, "Stopped")["tier"] != "anchor"


def test_tenure_setting_is_honoured(workbook):
    rows = every("Monthly", "2024-01-10", 1, 30)
    path = workbook(rows)
    assert client(analysis_of(path), "Monthly")["tier"] == "anchor"
    assert (
        client(analysis_of(path, Config(anchor_min_tenure_months=36)), "Monthly")["tier"]
        == "recurring"
    )


def test_paid_status_without_paid_dates_is_paid(workbook):
    rows = [
        (f"{i}", "A", D("2026-01-05") + dt.timedelta(days=30 * i), 100, "Paid", None, None)
        for i in range(5)
    ]
    c = client(analysis_of(workbook(rows)), "A")
    assert c["paid_share"] == pytest.approx(1.0)
    assert c["grade"] != "D"


def test_a_retainer_paying_in_eight_days_is_a_whatever_the_deposit_column(workbook):
    header = (*HEADER, "Deposit")
    big = [
        (
            f"b{i}",
            "Big",
            D("2025-01-20") + dt.timedelta(days=30 * i),
            10_000,
            "paid",
            None,
            D("2025-01-20") + dt.timedelta(days=30 * i + 3),
            "yes",
        )
        for i in range(18)
    ]
    small = [
        (
            f"s{i}",
            "Small",
            D("2025-01-10") + dt.timedelta(days=30 * i),
            1_200,
            "paid",
            D("2025-01-10") + dt.timedelta(days=30 * i + 14),
            D("2025-01-10") + dt.timedelta(days=30 * i + 8),
            None,
        )
        for i in range(18)
    ]
    path = workbook(big + small, header=header, clients=[("Small", "retainer", None)])
    a = analysis_of(path)
    c = client(a, "Small")
    assert (
        c["share"] < 0.10 and c["tier"] != "anchor"
    )  # small: the contract alone does not make it one
    assert c["grade"] == "A", c["grade_rule"]
    assert client(a, "Big")["deposit_share"] == pytest.approx(1.0)  # "yes" marks count as deposits


def test_growth_halves_follow_the_window_length(workbook):
    rows = [
        inv("p", "Grow", "2023-03-01", 500),
        inv("a", "Grow", "2024-12-01", 1000),
        inv("b", "Grow", "2026-03-01", 5000),
        *every("Base", "2022-01-05", 1, 54, amount=5000),
    ]
    a = analysis_of(workbook(rows), Config(window_months=24))
    c = client(a, "Grow")
    assert (c["first_half"], c["second_half"]) == (1000, 5000)
    assert "growth" in c["roles"]


def test_groups_match_whatever_the_case_and_follow_chains():
    invoices = pl.DataFrame(
        {"client": ["ACME:West", "Acme:East", "Zed", "Sub A", "Sub B", "Holding"]}
    )
    sheet = pl.DataFrame(
        {"client": ["Zed", "Sub A", "Sub B"], "group": ["zed", "Sub B", "HOLDING"]}
    )
    mapping = dict(account_map(invoices, sheet).iter_rows())
    assert mapping == {
        "ACME:West": "ACME",
        "Acme:East": "ACME",
        "Zed": "Zed",
        "Sub A": "Holding",
        "Sub B": "Holding",
        "Holding": "Holding",
    }


def test_self_referrals_do_not_count_and_group_members_refer_for_the_group(workbook):
    rows = [
        inv("1", "Zed", "2026-01-05", 100),
        inv("2", "R1", "2026-02-05", 100),
        inv("3", "R2", "2026-03-05", 100),
        inv("4", "Acme Labs", "2026-03-06", 100),
        inv("5", "R3", "2026-03-07", 100),
    ]
    clients = [
        ("Zed", None, "Zed", None),
        ("R1", None, "Zed", None),
        ("R2", None, "acme labs", None),
        ("R3", None, "Acme Labs", None),
        ("Acme Labs", None, None, "Acme Group"),
    ]
    a = analysis_of(
        workbook(
            rows, clients=clients, client_header=("Client", "Contract", "Referred By", "Group")
        )
    )
    assert (
        client(a, "Zed")["referred_clients"] == ["R1"]
        and "referrer" not in client(a, "Zed")["roles"]
    )
    acme = client(a, "Acme Group")
    assert acme["referred_clients"] == ["R2", "R3"] and "referrer" in acme["roles"]


def test_a_client_with_only_a_credit_note_is_not_lapsed(workbook):
    a = analysis_of(
        workbook(
            [inv("1", "A", "2026-01-05", 2000), inv("2", "B", "2026-02-05", -200, "credit note")]
        )
    )
    b = client(a, "B")
    assert (b["tier"], b["tier_rule"]) == ("one-off", "credit_only")
    assert [case.lost for case in a.stress] == [1]  # one client with revenue: no "top three" case


def test_every_invoice_void_says_so(workbook):
    with pytest.raises(InputError, match="every invoice is void or draft"):
        analysis_of(
            workbook(
                [inv("1", "A", "2026-01-05", 100, "void"), inv("2", "B", "2026-01-06", 50, "draft")]
            )
        )


def test_a_ledger_starting_inside_the_window_has_no_replacement_pace(workbook):
    a = analysis_of(workbook([inv(str(i), f"C{i}", "2026-03-01", 100 * (i + 1)) for i in range(5)]))
    assert a.acquisition.cohort == "none" and a.acquisition.new_clients_per_year == 0
    assert a.clients["replacement_clients"].is_null().all()


def test_a_runaway_bgnbd_fit_is_not_used_and_the_report_is_written(tmp_path):
    rows, n = [], 0
    for c in range(32):  # 32 clients, each billing 2 or 3 times exactly 45 days apart
        first = D("2022-01-01") + dt.timedelta(days=20 * c)
        for k in range(2 + c % 2):
            n += 1
            rows.append(
                (f"I{n}", f"C{c:02d}", first + dt.timedelta(days=45 * k), 1000, "paid", None, None)
            )
    path = write_workbook(tmp_path / "uniform.xlsx", rows)
    result = report(path, tmp_path / "out", Options(as_of=D("2024-06-30")))
    assert result.analysis.model is None
    assert result.analysis.model_note.startswith("BG/NBD not used: the fit on 32 clients ran away")
    assert result.analysis.clients["p_alive"].is_null().all()
