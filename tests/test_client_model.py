"""Grades, roles, lapse, stress test, replacement burden and working styles on a hand-built ledger.

As-of 2026-06-28 (the latest invoice); window 2025-06-29 .. 2026-06-28; prior window
2024-06-29 .. 2025-06-28, when Retainer billed 6,000, Magnet 2,000 and Sprout 600 (7.0%).
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from pipeline.report import report
from tests.conftest import D, analysis_of, client, write_workbook


def bill(no, name, date, amount, paid_after=None, status=None, terms=14):
    day = D(date)
    due = day + dt.timedelta(days=terms)
    paid = due + dt.timedelta(days=paid_after) if paid_after is not None else None
    return (no, name, day, amount, status or ("paid" if paid else "open"), due, paid)


def monthly(name, first, count, amount, paid_after):
    start = D(first)
    rows = []
    for i in range(count):
        y, m = divmod(start.month - 1 + i, 12)
        day = dt.date(start.year + y, m + 1, start.day)
        rows.append(bill(f"{name}{i}", name, day.isoformat(), amount, paid_after))
    return rows


LEDGER = [
    *monthly("Retainer", "2025-01-28", 18, 1000, paid_after=-6),  # paid 8 days after invoicing
    bill("S1", "Sprout", "2024-09-10", 300, 0),
    bill("S2", "Sprout", "2025-03-10", 300, 0),
    bill("S3", "Sprout", "2025-08-10", 300, 0),
    bill("S4", "Sprout", "2026-01-10", 1000, 0),
    bill("S5", "Sprout", "2026-04-10", 1500, 0),
    bill("M1", "Magnet", "2025-02-01", 2000, 0),
    bill("M2", "Magnet", "2026-02-01", 2000, 0),
    bill("R1", "Ref One", "2025-10-05", 300, 0),
    bill("R2", "Ref Two", "2026-01-05", 300, 0),
    bill("R3", "Ref Three", "2026-03-05", 300, 0),
    bill("D1", "Deadbeat", "2024-02-01", 1000, 120, terms=30),
    bill("D2", "Deadbeat", "2025-09-01", 1000, None, status="written off", terms=30),
    bill("D3", "Deadbeat", "2026-01-10", 1000, 120, terms=30),
    bill("P1", "Slowpay", "2024-03-01", 1000, 120, terms=30),
    bill("P2", "Slowpay", "2025-11-01", 1000, 120, terms=30),
]
HEADER = ("Invoice No", "Client", "Invoice Date", "Amount", "Status", "Due Date", "Paid Date")
CLIENTS = [
    ("Retainer", "retainer", None, None, "Laissez-faire", D("2026-05-01")),
    ("Sprout", None, None, "special", None, None),
    ("Magnet", None, None, "Image; TESTER", "savvy", D("2026-06-01")),
    ("Ref One", None, "Magnet", None, None, None),
    ("Ref Two", None, "magnet", None, None, None),
    ("Ref Three", None, "Magnet", None, None, None),
]
CLIENT_HEADER = ("Client", "Contract", "Referred By", "Roles", "Working Style", "Last Contact")
BASE = 12_000 + 2_800 + 2_000 + 900 + 2_000 + 1_000  # positive window revenue: 20,700


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = write_workbook(
        tmp_path_factory.mktemp("m") / "model.xlsx",
        LEDGER,
        header=HEADER,
        clients=CLIENTS,
        client_header=CLIENT_HEADER,
    )
    return analysis_of(path)


def test_window_revenue_and_shares(model):
    assert model.windows.as_of == D("2026-06-28")  # Retainer's last invoice
    assert model.concentration.share_base == pytest.approx(BASE)
    assert client(model, "Retainer")["share"] == pytest.approx(12_000 / BASE)


def test_retainer_paying_in_eight_days_is_grade_a_and_large_constant(model):
    c = client(model, "Retainer")
    assert (c["tier"], c["grade"]) == ("anchor", "A")
    assert c["median_days_late"] == -6 and c["paid_share"] == pytest.approx(1.0)
    assert "large-constant" in c["roles"]


def test_write_off_and_120_day_payments_are_grade_d(model):
    assert client(model, "Deadbeat")["grade_rule"] == "D_write_off"
    assert client(model, "Deadbeat")["write_offs"] == 1
    slow = client(model, "Slowpay")
    assert (slow["grade_rule"], slow["median_days_late"]) == ("D_chronic_late", 120)
    d_share = (
        2_000 + 1_000
    ) / BASE  # Deadbeat's window billing (the write-off counts as billed) + Slowpay's
    assert model.totals.d_grade_revenue_share == pytest.approx(d_share)


def test_a_small_client_tripling_its_billing_is_growth(model):
    c = client(model, "Sprout")
    assert c["prior_revenue"] == pytest.approx(600) and c["revenue"] == pytest.approx(2_800)
    assert c["prior_share"] == pytest.approx(600 / 8_600)
    assert (c["first_half"], c["second_half"]) == (300, 2_500)  # halves split at 2025-12-28
    assert "growth" in c["roles"] and "special" in c["roles"]
    assert "growth" not in client(model, "Magnet")["roles"]  # flat: 2,000 then 2,000


def test_a_client_named_by_three_others_is_a_referrer(model):
    c = client(model, "Magnet")
    assert c["roles"] == ["referrer", "image", "tester"]
    assert c["referred_clients"] == ["Ref One", "Ref Three", "Ref Two"]
    assert c["referred_revenue"] == pytest.approx(900)


def test_stress_test_by_hand(model):
    one, three = model.stress
    assert one.clients_lost == ("Retainer",)
    assert one.revenue_after == pytest.approx(BASE - 12_000)
    rest = [2_800, 2_000, 2_000, 1_000, 300, 300, 300]
    assert one.hhi_after == pytest.approx(sum(x * x for x in rest) / sum(rest) ** 2 * 10_000)
    assert three.clients_lost == ("Retainer", "Sprout", "Deadbeat")  # 2,000 tie: by name
    assert three.revenue_after == pytest.approx(2_000 + 1_000 + 900)
    assert three.revenue_after_share == pytest.approx(3_900 / BASE)


def test_replacement_burden_by_hand(model):
    acq = model.acquisition
    # Won in the window: the three referred clients. Won in the prior window: Retainer (first year
    # 2025-01-28 .. 2026-01-27: 12 invoices), Sprout (300 + 300 + 300) and Magnet (2,000; its
    # second invoice falls on day 365, outside the first year).
    assert acq.new_clients_in_window == 3 and acq.new_clients_per_year == pytest.approx(3)
    assert acq.cohort == "prior window" and acq.cohort_size == 3
    assert acq.average_first_year_revenue == pytest.approx((12_000 + 900 + 2_000) / 3)
    c = client(model, "Retainer")
    assert c["replacement_clients"] == pytest.approx(12_000 / (14_900 / 3))
    assert c["replacement_months"] == pytest.approx(12_000 / (14_900 / 3) / 3 * 12)


def test_laissez_faire_without_contact_for_three_weeks_needs_a_check_in(model):
    retainer, magnet = client(model, "Retainer"), client(model, "Magnet")
    assert (retainer["working_style"], retainer["days_since_contact"], retainer["check_in"]) == (
        "laissez-faire",
        58,
        True,
    )
    assert (magnet["working_style"], magnet["check_in"]) == ("savvy", False)


def test_warnings_name_the_dominant_anchor_and_the_d_grade_clients(model):
    codes = {w.code: w.figures for w in model.warnings}
    assert codes["dominant_anchor"]["client"] == "Retainer"
    assert sorted(codes["d_grade_clients"]["clients"]) == ["Deadbeat", "Slowpay"]


def test_reasons_are_built_from_the_deciding_figures(model):
    from pipeline.words.rows import worded

    reasons = dict(worded(model).select("client", "reasons").iter_rows())
    assert reasons["Deadbeat"][1] == "grade D: 1 invoice written off (1,000.00)"
    assert (
        reasons["Slowpay"][1]
        == "grade D: pays a median of 120 days past due, worst 120 days past due, more than 60 days"
    )
    assert any(
        r.startswith("referrer: named by 3 clients (Ref One, Ref Three, Ref Two), who bring 900.00")
        for r in reasons["Magnet"]
    )
    assert any("(×4.7)" in r for r in reasons["Sprout"])
    assert any("check in now (last contact 58 days ago" in r for r in reasons["Retainer"])


def test_bgnbd_block_in_the_summary_for_a_large_enough_ledger(tmp_path):
    rng = random.Random(7)
    rows, n = [], 0
    for c in range(45):
        day = D("2023-01-01") + dt.timedelta(days=rng.randrange(0, 300))
        rate = rng.choice([20, 45, 90, 200])
        stop = D("2023-06-01") + dt.timedelta(days=rng.randrange(0, 1200))
        while day <= min(stop, D("2026-06-30")):
            n += 1
            rows.append(
                (
                    f"I{n}",
                    f"Client {c:02d}",
                    day,
                    round(rng.uniform(200, 3000), 2),
                    "paid",
                    None,
                    None,
                )
            )
            day += dt.timedelta(days=max(1, int(rng.expovariate(1 / rate))))
    path = write_workbook(tmp_path / "big.xlsx", rows)
    result = report(path, tmp_path / "o")
    data = json.loads((result.folder / "big.summary.json").read_text())
    block = data["model"]
    assert block["name"] == "bg/nbd" and block["time_unit"] == "weeks"
    assert all(block[k] > 0 for k in ("r", "alpha", "a", "b")) and block["log_likelihood"] < 0
    repeaters = [c for c in data["clients"] if c["p_alive"] is not None]
    assert len(repeaters) >= 30 and all(0 <= c["p_alive"] <= 1 for c in repeaters)
    assert all(c["expected_invoices_12m"] >= 0 for c in repeaters)
    one_invoice = [c for c in data["clients"] if c["tier"] != "lapsed" and c["p_alive"] is None]
    assert all("no repeat invoice yet" in " ".join(c["reasons"]) for c in one_invoice)


@pytest.mark.parametrize(
    ("median", "worst", "said"),
    [
        (-4, -1, "a median of 4 days early, never past due"),
        (-1, 5, "a median of 1 day early, worst 5 days past due"),
        (0, 0, "on the due date at the median, never past due"),
        (12, 40, "a median of 12 days past due, worst 40 days past due"),
    ],
)
def test_lateness_is_said_as_people_say_it(median, worst, said):
    from pipeline.words.payment_reasons import lateness

    assert lateness(median, worst) == said
