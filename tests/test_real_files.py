"""Real files from public repositories (tests/data/real/*/SOURCE.md), read with no options.

Each expected figure is computed here from the file itself with the csv, decimal and datetime
modules alone, never with pipeline code, and compared with what the whole product writes to
summary.json: a rule anywhere between the reader and the output that changes a figure fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main

REAL = Path(__file__).parent / "data" / "real"


def report(path: Path, out: Path, *options: str) -> dict:
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads((out / path.stem / f"{path.stem}.summary.json").read_text())


def window_start(as_of: dt.date) -> dt.date:
    """The day after the same date a year earlier (29 February falls back to the 28th)."""
    try:
        earlier = as_of.replace(year=as_of.year - 1)
    except ValueError:
        earlier = as_of.replace(year=as_of.year - 1, day=28)
    return earlier + dt.timedelta(days=1)


def expected(sales: list[tuple[str, str, dt.date, Decimal]]) -> dict:
    """Figures of a ledger given as (invoice, client, date, amount) lines, by PRODUCT.md's rules:
    as-of the last date, a 12-month window, revenue net of credits, shares over the clients with
    positive revenue."""
    as_of = max(day for _, _, day, _ in sales)
    start = window_start(as_of)
    inside = [s for s in sales if start <= s[2] <= as_of]
    invoices: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for invoice, client, _, amount in inside:
        invoices[(invoice, client)] += amount
    by_client: dict[str, Decimal] = defaultdict(Decimal)
    for (_, client), amount in invoices.items():
        by_client[client] += amount
    positive = {c: v for c, v in by_client.items() if v > 0}
    base = sum(positive.values(), Decimal(0))
    return {
        "as_of": as_of.isoformat(),
        "start": start.isoformat(),
        "revenue": sum(invoices.values(), Decimal(0)),
        "gross": sum((v for v in invoices.values() if v > 0), Decimal(0)),
        "credits": sum((v for v in invoices.values() if v < 0), Decimal(0)),
        "invoices": len({invoice for invoice, _ in invoices}),
        "clients": len(by_client),
        "clients_with_revenue": len(positive),
        "share_base": base,
        "top1_share": max(positive.values()) / base,
    }


def assert_figures(data: dict, want: dict) -> None:
    totals = data["totals"]
    assert data["as_of"] == want["as_of"]
    assert data["window"]["start"] == want["start"]
    for key in ("revenue", "gross", "credits", "share_base"):
        assert totals[key] == pytest.approx(float(want[key]), abs=0.005), key
    for key in ("invoices", "clients", "clients_with_revenue"):
        assert totals[key] == want[key], key
    assert data["concentration"]["top1_share"] == pytest.approx(float(want["top1_share"]))


def rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def test_chinook_invoices_by_customer_id(tmp_path):
    """Whole invoices keyed by CustomerId, ISO date-times, NULL in other columns."""
    path = REAL / "chinook" / "Invoice.csv"
    table = rows(path)
    assert len(table) == 412
    assert sum(Decimal(r["Total"]) for r in table) == Decimal("2328.60")  # the canonical total
    sales = [
        (
            r["InvoiceId"],
            r["CustomerId"],
            dt.datetime.strptime(r["InvoiceDate"], "%Y-%m-%d %H:%M:%S").date(),
            Decimal(r["Total"]),
        )
        for r in table
    ]
    data = report(path, tmp_path)
    want = expected(sales)
    assert_figures(data, want)
    assert (want["revenue"], want["clients"], want["invoices"]) == (Decimal("464.44"), 46, 84)
    assert data["data_issues"] == []
    # no paid dates or statuses: payment is unknown, so nobody is graded or overdue
    assert data["totals"]["overdue"] is None
    assert {c["grade"] for c in data["clients"]} == {None}


def test_online_retail_lines_without_an_amount_column(tmp_path):
    """Invoice lines: amount = Quantity x UnitPrice, cancellations (C...) negative, 'NA'
    customers listed and never a client, M/D/YYYY H:MM dates read month first."""
    path = REAL / "online-retail-sample" / "online_retail_sample.csv"
    table = rows(path)
    named = [r for r in table if r["CustomerID"] != "NA"]
    sales = [
        (
            r["InvoiceNo"],
            r["CustomerID"],
            dt.datetime.strptime(r["InvoiceDate"], "%m/%d/%Y %H:%M").date(),
            Decimal(r["Quantity"]) * Decimal(r["UnitPrice"]),
        )
        for r in named
    ]
    data = report(path, tmp_path)
    want = expected(sales)
    assert_figures(data, want)
    assert data["dates"]["order"] == "mdy"
    unnamed = [i for i in data["data_issues"] if i["column"] == "CustomerID"]
    assert len(unnamed) == len(table) - len(named) == 668
    assert len(data["data_issues"]) == 668
    assert "NA" not in {c["client"] for c in data["clients"]}


CONSULTANCY = REAL / "consultancy-multicurrency-invoices" / "invoices.csv"


def consultancy_sales() -> list[tuple[str, str, dt.date, Decimal, str]]:
    return [
        (
            r["Number"],
            r["Party"],
            dt.datetime.strptime(r["Date"], "%d-%m-%Y").date(),
            Decimal(r["Amount"]),
            r["Currency"],
        )
        for r in rows(CONSULTANCY)
    ]


def test_consultancy_in_four_currencies_never_sums_them(tmp_path):
    """D-M-YYYY dates, amounts in PLN, USD, GBP and 'AUS': reported in the currency with the
    most revenue, the others counted per currency and left out, said, never added."""
    sales = consultancy_sales()
    as_of = max(s[2] for s in sales)  # the books end at their last invoice, whatever currency
    start = window_start(as_of)
    per: dict[str, list[Decimal]] = defaultdict(list)
    for _, _, day, amount, currency in sales:
        if start <= day <= as_of:
            per[currency].append(amount)
    reporting = max(per, key=lambda c: sum(per[c]))
    data = report(CONSULTANCY, tmp_path)
    assert data["as_of"] == as_of.isoformat() == "2015-12-23"
    assert data["dates"]["order"] == "dmy"
    assert data["currency"] == reporting == "PLN"
    assert data["totals"]["revenue"] == pytest.approx(float(sum(per["PLN"])))
    assert {
        c["currency"]: (c["invoices"], c["revenue"], c["counted"]) for c in data["currencies"]
    } == {code: (len(amounts), float(sum(amounts)), code == "PLN") for code, amounts in per.items()}
    left_out = [i for i in data["data_issues"] if i["column"] == "Currency"]
    assert len(left_out) == sum(1 for s in sales if s[4] != "PLN")
    assert "currencies_left_out" in {w["code"] for w in data["warnings"]}


def test_consultancy_with_rates_counts_every_invoice(tmp_path):
    rates = {"PLN": Decimal(1), "USD": Decimal("3.9"), "GBP": Decimal("5.8"), "AUS": Decimal("2.8")}
    sales = [(n, c, d, a * rates[cur]) for n, c, d, a, cur in consultancy_sales()]
    options = [f"--rate={code}={rate}" for code, rate in rates.items() if code != "PLN"]
    data = report(CONSULTANCY, tmp_path, "--currency", "PLN", *options)
    assert_figures(data, expected(sales))
    assert data["data_issues"] == []
    assert all(c["counted"] for c in data["currencies"])


def cdnow_csv(tmp_path: Path) -> tuple[Path, list[tuple[str, str, dt.date, Decimal]]]:
    """The fixed-width log (ids, YYYYMMDD date, CDs, dollars) as the CSV a user would save."""
    lines = (REAL / "cdnow" / "CDNOW_sample.txt").read_text().split("\n")
    fields = [line.split() for line in lines if line.strip()]
    path = tmp_path / "cdnow.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Customer", "Date", "CDs", "Amount"])
        out.writerows([sample_id, day, cds, dollars] for _, sample_id, day, cds, dollars in fields)
    sales = [
        # no invoice numbers: each row is a sale of its own (the model counts purchase days)
        (str(row), sample_id, dt.datetime.strptime(day, "%Y%m%d").date(), Decimal(d))
        for row, (_, sample_id, day, _, d) in enumerate(fields)
    ]
    return path, sales


@pytest.mark.slow
def test_cdnow_sales_log_fits_the_published_bgnbd(tmp_path):
    """A sales log with no invoice numbers and YYYYMMDD dates: the BG/NBD fit on the 39-week
    calibration period (to 1997-09-30) equals Fader, Hardie and Lee (2005), table 1."""
    path, sales = cdnow_csv(tmp_path)
    data = report(path, tmp_path / "out", "--as-of", "1997-09-30")
    calibration = [s for s in sales if s[2] <= dt.date(1997, 9, 30)]
    assert_figures(data, expected(calibration))
    model = data["model"]
    assert model["clients"] == 2357 == len({s[1] for s in sales})
    published = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
    for key, value in published.items():
        assert model[key] == pytest.approx(value, rel=1e-3), key
    # identical rows (same customer, day, CDs and dollars) are kept and listed, never dropped
    assert {i["action"] for i in data["data_issues"]} == {
        "kept: a repeat sale, or a copy to remove from the sheet"
    }
    # Each customer brings a sliver of revenue: its share is worded to one decimal from 0.1%
    # up, else to two significant digits, rounded half to even, never as 0.0%.
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for _, customer, _, amount in calibration:
        spent[customer] += amount
    base = sum(v for v in spent.values() if v > 0)
    ranked = sorted((c for c in spent if spent[c] > 0), key=lambda c: (-spent[c], c))
    lines = {c["client"]: c["reasons"] for c in data["clients"]}
    small = 0
    for rank, customer in enumerate(ranked, 1):
        percent = spent[customer] / base * 100
        places = 1 if percent >= Decimal("0.1") else 1 - percent.adjusted()
        small += places > 1
        text = f"{percent.quantize(Decimal(1).scaleb(-places)):,}%"
        said = f"{text} of revenue, rank {rank:,}, ABC class "
        assert any(r.startswith(said) for r in lines[customer]), (said, lines[customer])
    assert small > 1000  # most of the 2,357


def test_paypal_activity_counts_completed_customer_payments_only(tmp_path):
    """A real PayPal activity download (an Odoo importer's fixture): only completed payments
    from customers are sales; conversions, withdrawals, a hold and its release, and the
    business's own purchases are set aside, each with why."""
    path = REAL / "paypal-activity" / "activity_en.csv"
    table = rows(path)
    assert len(table) == 76

    def gross(r: dict[str, str]) -> Decimal:
        return Decimal(r["Gross"].replace(",", ""))

    sales = [
        (
            r["Transaction ID"],
            r["Name"],
            dt.datetime.strptime(r["Date"], "%d/%m/%Y").date(),
            gross(r),
        )
        for r in table
        if r["Status"] == "Completed"
        and r["Type"] in ("Website Payment", "General Payment")
        and gross(r) > 0
    ]
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    assert data["currency"] == "USD"
    assert len(data["data_issues"]) == len(table) - len(sales) == 50
    reasons = {i["problem"] for i in data["data_issues"]}
    assert "a Payment Hold, not a sale" in reasons and "a Payment Release, not a sale" in reasons


def test_stripe_payments_counted_in_the_settlement_currency(tmp_path):
    """A real Stripe payments export with dashboard-chosen columns, charged in euros, dollars
    and pesos and paid out in baht: revenue is what the account was paid, in baht, and a
    payment with no customer is listed, not counted."""
    path = REAL / "stripe-payments" / "payments.csv"
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f, delimiter=";"))
    assert len(table) == 622
    assert {r["Converted Currency"] for r in table} == {"thb"}
    sales = [
        (
            # A payment without an invoice number is a sale of its own.
            r["Invoice Number"] or f"row {i}",
            r["Customer ID"],
            dt.date.fromisoformat(r["Created date (UTC)"][:10]),
            Decimal(r["Converted Amount"]),
        )
        for i, r in enumerate(table)
        if r["Status"] == "Paid" and r["Customer ID"]
    ]
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    assert data["currency"] == "THB"
    assert data["totals"]["revenue"] == pytest.approx(270358.97, abs=0.005)
    missing = [i for i in data["data_issues"] if i["problem"] == "no client name"]
    assert len(missing) == len(table) - len(sales) == 15


def test_erpnext_sales_invoices_once_each_items_below_not_counted_again(tmp_path):
    """A real ERPNext Data Export of Sales Invoices: an invoice's fields on its first row, its
    other items on rows below with the invoice's columns blank. Each invoice is counted once,
    before tax, under the customer's name."""
    path = REAL / "erpnext-sales-invoice" / "Sales Invoice.csv"
    table = rows(path)
    assert len(table) == 10
    sales = [
        (r["ID"], r["Customer Name"], dt.date.fromisoformat(r["Date"]), Decimal(r["Net Total"]))
        for r in table
        if r["ID"] and r["Status"] not in ("Draft", "Cancelled")
    ]
    assert len(sales) == 5
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    assert data["currency"] == "ILS"
    assert data["totals"]["revenue"] == pytest.approx(363000.0)
    assert data["data_issues"] == []


# Four exports kept as fixtures by Invoice Ninja's importers (invoiceninja/invoiceninja,
# ELv2): Wave, FreshBooks and Invoicely layouts, and Invoice Ninja's own v4 export.
def money_of(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def test_wave_transactions_count_income_lines_only(tmp_path):
    """Wave's account transactions: each invoice is its income lines, a receivable line and,
    when paid, a payment and a cash line. Only the income lines are sales."""
    path = REAL / "wave-transactions" / "wave_invoices.csv"
    table = rows(path)
    assert len(table) == 15
    sales = [
        (
            r["Invoice Number"],
            r["Customer"],
            dt.date.fromisoformat(r["Transaction Date"]),
            money_of(r["Credit Amount (Two Column Approach)"] or "0")
            - money_of(r["Debit Amount (Two Column Approach)"] or "0"),
        )
        for r in table
        if r["Account Group"] == "Income"
    ]
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    assert data["totals"]["revenue"] == pytest.approx(9064.91)
    assert len(data["data_issues"]) == len(table) - len(sales) == 5


def test_freshbooks_invoice_lines_make_one_invoice(tmp_path):
    path = REAL / "freshbooks-invoice-lines" / "freshbooks_invoices.csv"
    table = rows(path)
    sales = [
        (
            r["Invoice #"],
            r["Client Name"],
            dt.date.fromisoformat(r["Date Issued"]),
            money_of(r["Line Total"]),
        )
        for r in table
    ]
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    assert data["currency"] == "USD" and data["totals"]["invoices"] == 1


def test_invoicely_invoice_list(tmp_path):
    path = REAL / "invoicely-invoices" / "invoicely_invoices.csv"
    table = rows(path)
    sales = [
        (
            r["Details"],
            r["Client"],
            dt.datetime.strptime(r["Date"], "%b %d %Y").date(),
            money_of(r["Total"]),
        )
        for r in table
    ]
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))


def test_invoice_ninja_export_takes_each_invoices_amount_once(tmp_path):
    """Invoice Ninja's own v4 export: three lines above the header, one row per item, the
    invoice's Amount repeated on each (invoice 2 has two rows of 26.67: one invoice of 26.67)."""
    path = REAL / "invoiceninja-v4-invoices" / "invoice.csv"
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f.read().splitlines()[3:]))
    assert len(table) == 401
    first: dict[str, dict[str, str]] = {}
    for r in table:
        first.setdefault(r["Invoice Number"], r)
    sales = [
        (
            number,
            r["Client"],
            dt.date.fromisoformat(r["Invoice Date"]),
            money_of(r["Amount"]),
        )
        for number, r in first.items()
    ]
    assert len(sales) == 400
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    assert data["totals"]["revenue"] == pytest.approx(11860.87)


def test_invoice2go_documents_in_two_currencies(tmp_path):
    """Invoice2go's export (an Invoice Ninja importer fixture, ELv2): the document's date,
    number and status, never the app's sync state; one ILS and three USD invoices, reported in
    the currency with the most revenue, the others listed and left out."""
    path = REAL / "invoice2go-invoices" / "i2g_invoices.csv"
    table = rows(path, encoding="utf-8-sig")
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for r in table:
        by_currency[r["CurrencyCode"]] += Decimal(r["TotalAmount"])
    currency = max(sorted(by_currency), key=lambda c: by_currency[c])
    sales = [
        (
            r["DocumentNumber"],
            r["Name"],
            dt.date.fromisoformat(r["DocumentDate"]),
            Decimal(r["TotalAmount"]),
        )
        for r in table
        if r["CurrencyCode"] == currency
    ]
    data = report(path, tmp_path)
    assert data["currency"] == currency == "ILS"
    assert_figures(data, expected(sales))
    others = [i for i in data["data_issues"] if i["column"] == "CurrencyCode"]
    assert len(others) == len(table) - len(sales) == 3


def test_odoo_sales_orders_once_each_quotations_out(tmp_path):
    """A real Odoo list export of sale.order (customers pseudonymised): each sales order's
    total once, from its first row; quotations and the cancelled order are no sales, and an
    order with no total (nothing charged) is set aside with why."""
    path = REAL / "odoo-sale-order" / "Sales Order (sale.order).csv"
    table = rows(path)
    assert len(table) == 383
    orders = [r for r in table if r["Order Reference"]]
    assert len(orders) == 79
    sales = [
        (
            r["Order Reference"],
            r["Customer"],
            dt.date.fromisoformat(r["Creation Date"][:10]),
            Decimal(r["Total"]),
        )
        for r in orders
        if r["Status"] == "Sales Order" and r["Total"]
    ]
    assert len(sales) == 67
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    problems = [i["problem"] for i in data["data_issues"]]
    assert problems.count("a quotation, not a sale") == 4
    assert problems.count("a cancelled order, not a sale") == 1
    assert problems.count("no amount") == 7
    assert len(problems) == 12


def test_shopify_orders_paid_once_each_pending_and_voided_out(tmp_path):
    """A real Shopify orders export (personal data masked): the order's fields on its first
    row only, items below, addresses with line breaks inside quotes. Paid orders count once at
    their total less refunds, under the billing name, else the e-mail."""
    path = REAL / "shopify-orders" / "orders_export.csv"
    table = rows(path)
    assert len(table) == 101
    first: dict[str, dict[str, str]] = {}
    for r in table:
        first.setdefault(r["Name"], r)
    assert len(first) == 50
    sales = [
        (
            order,
            r["Billing Name"] or r["Email"],
            dt.date.fromisoformat(r["Created at"][:10]),
            Decimal(r["Total"]) - Decimal(r["Refunded Amount"] or "0"),
        )
        for order, r in first.items()
        if r["Financial Status"] not in ("pending", "authorized", "voided", "expired")
    ]
    assert len(sales) == 35
    data = report(path, tmp_path)
    assert_figures(data, expected(sales))
    assert data["currency"] == "ZAR"
    # every row of an order that did not happen is set aside, its items included
    unpaid = [r for r in table if first[r["Name"]]["Financial Status"] in ("pending", "voided")]
    assert len({r["Name"] for r in unpaid}) == 15
    assert data["data_issues_total"] == len(unpaid)
    problems = {i["problem"] for i in data["data_issues"]}
    assert problems == {
        "an order not paid yet (pending), not a sale",
        "a voided order, not a sale",
    }
