"""Accounting exports built from one known ledger read to the same figures as the plain ledger.

The shapes follow the packages' public descriptions of their exports (no customer data): title
rows above the header, client heading rows, "Total for" rows, a running balance that must never
be summed, line items repeating the invoice total, local date formats, statuses and types.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import analysis_of, inv, write_workbook

# (number, client, date, lines, kind): kind is invoice, credit or void.
LEDGER = [
    ("1001", "Acme Ltd", dt.date(2025, 9, 5), [1200.0, 300.0], "invoice"),
    ("1002", "Birch & Co", dt.date(2025, 10, 12), [800.0], "invoice"),
    ("1003", "Cedar GmbH", dt.date(2025, 11, 20), [5000.0], "invoice"),
    ("1004", "Dune LLC", dt.date(2025, 12, 1), [450.0], "void"),
    ("1005", "Acme Ltd", dt.date(2026, 1, 10), [2000.0], "invoice"),
    ("CN-1", "Cedar GmbH", dt.date(2026, 1, 15), [500.0], "credit"),
    ("1006", "Birch & Co", dt.date(2026, 2, 14), [800.0, 800.0], "invoice"),  # two equal lines
]
REVENUE = 1500 + 800 + 5000 + 2000 - 500 + 1600
CLIENTS = ["Acme Ltd", "Birch & Co", "Cedar GmbH"]


def _plain(path: Path) -> Path:
    rows = []
    for number, client, date, lines, kind in LEDGER:
        total = sum(lines)
        status = {"invoice": "paid", "credit": "credit note", "void": "void"}[kind]
        rows.append(
            (number, client, date, -total if kind == "credit" else total, status, None, None)
        )
    return write_workbook(path, rows)


def _book(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _qbo_invoice_list(path: Path) -> Path:
    rows: list[list] = [["Northwind Studio"], ["Invoice List"], ["All Dates"], []]
    rows.append(
        [
            "Date",
            "Transaction type",
            "Num",
            "Name",
            "Memo/Description",
            "Due date",
            "Amount",
            "Open balance",
        ]
    )
    for number, client, date, lines, kind in LEDGER:
        total = sum(lines)
        if kind == "void":
            rows.append([date, "Invoice", number, client, "Voided", date, 0, 0])
        elif kind == "credit":
            rows.append([date, "Credit Memo", number, client, "", None, -total, 0])
        else:
            rows.append(
                [date, "Invoice", number, client, "", date + dt.timedelta(days=30), total, 0]
            )
    rows.append([dt.date(2026, 2, 20), "Payment", "", "Acme Ltd", "", None, 3500, 0])
    rows += [
        ["TOTAL", None, None, None, None, None, REVENUE + 3500, 0],
        [],
        ["Accrual Basis Monday, 23 November 2026 10:15 AM GMT+00:00"],
    ]
    return _book(path, rows)


def _qbo_sales_by_customer(path: Path, newer: bool) -> Path:
    rows: list[list] = [
        ["Northwind Studio"],
        ["Sales by Customer Detail"],
        ["September 2025 - February 2026"],
        [],
    ]
    header = [
        None,
        "Date",
        "Transaction type",
        "Num",
        "Product/Service",
        "Memo/Description",
        "Qty",
        "Sales price",
        "Amount",
        "Balance",
    ]
    if newer:
        header.insert(1, "Customer full name")
    rows.append(header)
    for client in CLIENTS:
        rows.append([client])
        balance = 0.0
        for number, name, date, lines, kind in LEDGER:
            if name != client or kind == "void":
                continue
            for amount in lines:
                signed = -amount if kind == "credit" else amount
                balance += signed
                line = [
                    None,
                    date,
                    "Credit Memo" if kind == "credit" else "Invoice",
                    number,
                    "Design",
                    "",
                    1,
                    amount,
                    signed,
                    balance,
                ]
                if newer:
                    line.insert(1, client)
                rows.append(line)
        total = [f"Total for {client}", None, None, None, None, None, None, None, balance, None]
        if newer:
            total.insert(1, None)
        rows.append(total)
    rows.append(["TOTAL", *([None] * (len(header) - 3)), REVENUE, None])
    rows += [[], ["Accrual Basis Monday, 23 November 2026 10:15 AM GMT+00:00"]]
    return _book(path, rows)


def _xero_csv(path: Path, encoding: str = "utf-8-sig") -> Path:
    header = "*ContactName,EmailAddress,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,Total,Description,*Quantity,*UnitAmount,LineAmount,*AccountCode,*TaxType,Currency,Type,Status"
    lines = [header]
    extra = [
        ("1007", "Acme Ltd", dt.date(2026, 2, 1), [999.0], "DRAFT"),
        ("1008", "Birch & Co", dt.date(2026, 2, 2), [111.0], "DELETED"),
    ]
    for number, client, date, amounts, kind in [
        *LEDGER,
        *[(n, c, d, a, "x") for n, c, d, a, _ in extra],
    ]:
        status = {"invoice": "PAID", "credit": "AUTHORISED", "void": "VOIDED"}.get(kind)
        if status is None:
            status = next(s for n, *_, s in extra if n == number)
        kind_text = "Sales credit note" if kind == "credit" else "Sales invoice"
        for amount in amounts:
            name = f'"{client}"' if "," in client else client
            lines.append(
                f"{name},,{number},,{date:%d/%m/%Y},{date + dt.timedelta(days=14):%d/%m/%Y},{sum(amounts):.2f},Design,1,{amount:.2f},{amount:.2f},200,Tax Exempt,GBP,{kind_text},{status}"
            )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _xero_receivable_detail(path: Path) -> Path:
    rows: list[list] = [
        ["Receivable Invoice Detail"],
        ["Northwind Studio"],
        ["For the period 1 September 2025 to 28 February 2026"],
        [],
    ]
    rows.append(
        [
            "Invoice Date",
            "Invoice Number",
            "Contact",
            "Description",
            "Quantity",
            "Unit Price",
            "Line Amount (ex)",
            "Status",
        ]
    )
    for number, client, date, lines, kind in LEDGER:
        status = {"invoice": "Paid", "credit": "Credit Note", "void": "Voided"}[kind]
        for amount in lines:
            signed = -amount if kind == "credit" else amount
            rows.append([date, number, client, "Design", 1, amount, signed, status])
    rows.append(["Total", None, None, None, None, None, REVENUE, None])
    return _book(path, rows)


def _zoho_csv(path: Path) -> Path:
    header = "Invoice Date,Invoice ID,Invoice Number,Invoice Status,Customer Name,Due Date,Currency Code,Item Name,Item Desc,Quantity,Item Price,Item Total,SubTotal,Total,Balance"
    lines = [header]
    for i, (number, client, date, amounts, kind) in enumerate(LEDGER):
        status = {"invoice": "Paid", "credit": "Paid", "void": "Void"}[kind]
        sign = -1 if kind == "credit" else 1
        total = sign * sum(amounts)
        for amount in amounts:
            name = f'"{client}"' if "," in client else client
            lines.append(
                f"{date:%Y-%m-%d},{9000 + i},{number},{status},{name},{date:%Y-%m-%d},GBP,Design,,1,{amount:.2f},{sign * amount:.2f},{total:.2f},{total:.2f},0.00"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _freshbooks_csv(path: Path) -> Path:
    header = "Client Name,Invoice #,Date Issued,Invoice Status,Date Paid,Item Name,Item Description,Rate,Quantity,Line Total,Currency"
    lines = [header]
    for number, client, date, amounts, kind in LEDGER:
        status = {"invoice": "paid", "credit": "paid", "void": "void"}[kind]
        sign = -1 if kind == "credit" else 1
        for amount in amounts:
            name = f'"{client}"' if "," in client else client
            lines.append(
                f"{name},{number},{date:%m/%d/%Y},{status},{date:%m/%d/%Y},Design,,{amount:.2f},1,{sign * amount:.2f},GBP"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _qbd_line(kind: str, date: dt.date, number: str, client: str, amount: float) -> list:
    """One QuickBooks Desktop line: a blank column before each field, the date as a serial."""
    serial = (date - dt.date(1899, 12, 30)).days
    return [None, None, kind, None, serial, None, number, None, client, None, "", None, amount]


def _qbd_every_other_column(path: Path) -> Path:
    """QuickBooks Desktop's Excel export: a blank column between fields, serial-number dates."""
    rows: list[list] = [[None, None, "Northwind Studio"], [None, None, "Sales by Item Detail"], []]
    rows.append(
        [None, None, "Type", None, "Date", None, "Num", None, "Name", None, "Memo", None, "Amount"]
    )
    for number, client, date, lines, kind in LEDGER:
        if kind == "void":
            continue
        amount = -sum(lines) if kind == "credit" else sum(lines)
        kind_text = "Credit Memo" if kind == "credit" else "Invoice"
        rows.append(_qbd_line(kind_text, date, number, client, amount))
    rows.append(
        [None, "TOTAL", None, None, None, None, None, None, None, None, None, None, REVENUE]
    )
    return _book(path, rows)


SHAPES = {
    "zoho-csv": lambda p: _zoho_csv(p / "Invoice.csv"),
    "freshbooks-csv": lambda p: _freshbooks_csv(p / "invoice_details.csv"),
    "qbd-every-other-column": lambda p: _qbd_every_other_column(p / "qbd.xlsx"),
    "qbo-invoice-list": lambda p: _qbo_invoice_list(p / "invoice list.xlsx"),
    "qbo-sales-by-customer": lambda p: _qbo_sales_by_customer(p / "sales.xlsx", newer=False),
    "qbo-sales-by-customer-newer": lambda p: _qbo_sales_by_customer(p / "sales2.xlsx", newer=True),
    "xero-csv": lambda p: _xero_csv(p / "Export.csv"),
    "xero-csv-cp1252": lambda p: _xero_csv(p / "export.csv", "cp1252"),
    "xero-receivable-detail": lambda p: _xero_receivable_detail(p / "detail.xlsx"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_export_reads_to_the_plain_ledger_s_figures(shape, tmp_path):
    plain = analysis_of(_plain(tmp_path / "plain.xlsx"))
    assert plain.totals.revenue == pytest.approx(REVENUE)
    export = analysis_of(SHAPES[shape](tmp_path))
    assert export.totals.revenue == pytest.approx(REVENUE)
    assert export.concentration.hhi == pytest.approx(plain.concentration.hhi)
    names = export.clients["client"].to_list()
    assert sorted(names) == CLIENTS  # no "Total for ...", "TOTAL" or footer as a client
    issues = export.issues.to_dicts()
    assert not any("invoice number also on row" in i["problem"] for i in issues)
    assert not any("exact copy" in i["problem"] for i in issues)


def _qbd_sales_by_customer(path: Path) -> Path:
    """Desktop's Sales by Customer Detail: headings and 'Total <client>' rows, a payment line."""
    rows: list[list] = [
        [None, None, "Northwind Studio"],
        [None, None, "Sales by Customer Detail"],
        [],
    ]
    rows.append(
        [None, None, "Type", None, "Date", None, "Num", None, "Name", None, "Memo", None, "Amount"]
    )
    for client in CLIENTS:
        rows.append([client])
        total = 0.0
        for number, name, date, lines, kind in LEDGER:
            if name != client or kind == "void":
                continue
            amount = -sum(lines) if kind == "credit" else sum(lines)
            total += amount
            kind_text = "Credit Memo" if kind == "credit" else "Invoice"
            rows.append(_qbd_line(kind_text, date, number, client, amount))
        if client == "Acme Ltd":
            rows.append(
                [None, None, "Payment", None, 46050, None, "", None, client, None, "", None, 500]
            )
        rows.append(
            [
                f"Total {client}",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                total,
            ]
        )
    rows.append(
        ["TOTAL", None, None, None, None, None, None, None, None, None, None, None, REVENUE]
    )
    return _book(path, rows)


def test_quickbooks_desktop_payments_and_subtotals_never_count(tmp_path):
    plain = analysis_of(_plain(tmp_path / "plain.xlsx"))
    a = analysis_of(_qbd_sales_by_customer(tmp_path / "qbd.xlsx"))
    assert a.totals.revenue == pytest.approx(REVENUE)
    assert a.concentration.hhi == pytest.approx(plain.concentration.hhi)
    assert sorted(a.clients["client"]) == CLIENTS
    problems = [i["problem"] for i in a.issues.to_dicts()]
    assert "a Payment, not a sale" in problems
    assert problems.count("a total or subtotal row, not an invoice") == 4


def test_what_an_export_sets_aside_is_listed_with_the_reason(tmp_path):
    export = analysis_of(_qbo_invoice_list(tmp_path / "list.xlsx"))
    problems = [i["problem"] for i in export.issues.to_dicts()]
    assert "a Payment, not a sale" in problems
    assert "the export's footer (basis and time)" in problems
    assert "a total or subtotal row, not an invoice" in problems


@pytest.mark.parametrize("shape", ["qbo-invoice-list", "qbo-sales-by-customer", "xero-csv"])
def test_golden_inspect(shape, tmp_path):
    """`tierbook inspect` output equals its snapshot; `make golden` refreshes it on purpose."""
    import os

    from pipeline.inspect import inspect

    text = inspect(SHAPES[shape](tmp_path))
    golden = Path(__file__).parent / "golden" / f"inspect-{shape}.txt"
    if os.environ.get("TIERBOOK_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "no snapshot yet: run 'make golden'"
    assert text == golden.read_text(encoding="utf-8")


def test_map_reads_a_column_no_alias_knows(tmp_path):
    import subprocess
    import sys

    from tests.conftest import INVOICE_HEADER

    tierbook = str(Path(sys.executable).with_name("tierbook"))
    header = ("Invoice No", "Kunde", *INVOICE_HEADER[2:])
    rows = [("1", "Acme", dt.date(2026, 1, 5), 100, "paid", None, None)]
    book = write_workbook(tmp_path / "book.xlsx", rows, header=header)
    refused = subprocess.run(
        [tierbook, "report", str(book), "--out", str(tmp_path / "a")],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "'client'" in refused.stderr
    mapped = subprocess.run(
        [tierbook, "report", str(book), "--out", str(tmp_path / "b"), "--map", "Kunde=client"],
        capture_output=True,
        text=True,
    )
    assert mapped.returncode == 0, mapped.stderr
    settings = write_workbook(
        tmp_path / "set.xlsx", rows, header=header, settings=[("map", "Kunde=Customer")]
    )
    assert analysis_of(settings).clients["client"].to_list() == ["Acme"]
    bad = subprocess.run(
        [tierbook, "inspect", str(book), "--map", "Kunde=nonsense"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "is not a column mapping" in bad.stderr
    shown = subprocess.run(
        [tierbook, "inspect", str(book), "--map", "Kunde=client"], capture_output=True, text=True
    )
    assert "'Kunde' -> client (--map or a Settings 'map' row)" in shown.stdout


# --- what a profile must not do ---------------------------------------------------------------


def test_a_users_own_sheet_with_export_like_columns_stays_a_plain_ledger(tmp_path):
    header = ("Date", "Transaction Type", "Num", "Name", "Amount", "Balance")
    rows = [
        (dt.date(2026, 1, 5), "Consulting", "1", "Acme", 900, 900),
        (dt.date(2026, 2, 5), "Retainer", "2", "Birch", 100, 1000),
        (dt.date(2026, 3, 5), "Refund", "3", "Birch", 50, 1050),
    ]
    a = analysis_of(write_workbook(tmp_path / "own.xlsx", rows, header=header))
    assert a.totals.revenue == pytest.approx(1050)  # nothing left out, no sign flipped


def test_client_headings_that_look_like_totals_or_footers_are_clients(tmp_path):
    rows: list[list] = [["Studio"], ["Sales by Customer Detail"], []]
    rows.append([None, "Date", "Transaction type", "Num", "Memo/Description", "Amount", "Balance"])
    for client, amount in (("Total Fitness", 700.0), ("Cash Basis Ltd", 300.0), ("Acme", 1000.0)):
        rows.append([client])
        rows.append([None, dt.date(2026, 1, 10), "Invoice", f"n-{client}", "", amount, amount])
        rows.append([f"Total for {client}", None, None, None, None, amount, None])
    rows.append(["TOTAL", None, None, None, None, 2000.0, None])
    a = analysis_of(_book(tmp_path / "sbcd.xlsx", rows))
    revenue = dict(zip(a.clients["client"], a.clients["revenue"], strict=True))
    assert revenue == {"Acme": 1000.0, "Total Fitness": 700.0, "Cash Basis Ltd": 300.0}


def test_a_client_named_like_a_footer_keeps_its_invoices(tmp_path):
    path = tmp_path / "fb.csv"
    path.write_text(
        "Client Name,Invoice #,Date Issued,Invoice Status,Line Total\n"
        "Cash Basis Bookkeeping,0001,01/05/2026,paid,900.00\n"
        "Acme,0002,01/06/2026,paid,100.00\n",
        encoding="utf-8",
    )
    assert analysis_of(path).totals.revenue == pytest.approx(1000)


def test_voided_and_draft_credit_notes_never_reduce_revenue(tmp_path):
    path = tmp_path / "xero.csv"
    lines = ["*ContactName,*InvoiceNumber,*InvoiceDate,Total,LineAmount,Type,Status"]
    lines += [
        "Acme,INV-1,05/01/2026,1000.00,1000.00,Sales invoice,PAID",
        "Acme,CN-1,06/01/2026,300.00,300.00,Sales credit note,VOIDED",
        "Acme,CN-2,07/01/2026,200.00,200.00,Sales credit note,DRAFT",
        "Acme,CN-3,08/01/2026,100.00,100.00,Sales credit note,AUTHORISED",
        "Birch,INV-2,09/01/2026,500.00,500.00,Sales invoice,PAID",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert analysis_of(path).totals.revenue == pytest.approx(1000 - 100 + 500)


def test_a_line_item_number_on_another_client_is_reported(tmp_path):
    path = tmp_path / "fb.csv"
    path.write_text(
        "Client Name,Invoice #,Date Issued,Invoice Status,Line Total\n"
        "Acme,0002,01/05/2026,paid,100.00\n"
        "Acme,0002,01/05/2026,paid,100.00\n"
        "Birch,0002,01/09/2026,paid,50.00\n",
        encoding="utf-8",
    )
    a = analysis_of(path)
    assert a.totals.revenue == pytest.approx(250)  # equal lines of one invoice both count
    problems = [(i["row"], i["problem"]) for i in a.issues.to_dicts() if "invoice" in i["problem"]]
    assert problems == [(4, "invoice number also on row 2 with another client or date")]


def test_the_users_map_wins_over_an_export_and_is_checked(tmp_path):
    import subprocess
    import sys

    tierbook = str(Path(sys.executable).with_name("tierbook"))
    book = _qbo_invoice_list(tmp_path / "list.xlsx")
    from pipeline.read.sheets import read_workbook

    raw = read_workbook(book, {"openbalance": "amount"})
    assert raw.invoices[0].columns.fields["amount"][1] == "Open balance"
    for args, message in (
        (["--map", "Name=client", "--map", "Num=client"], "two columns are mapped to client"),
        (["--map", "Nope=client"], "no column of the header on row 5 is headed like"),
    ):
        done = subprocess.run(
            [tierbook, "report", str(book), "--out", str(tmp_path / "o"), *args],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and message in done.stderr, done.stderr
    bad = write_workbook(
        tmp_path / "bad.xlsx", [inv("1", "A", "2026-01-05", 10)], settings=[("map", "Client")]
    )
    a = analysis_of(bad)  # the workbook is read; the row it cannot use is listed
    done = subprocess.run(
        [tierbook, "report", str(bad), "--out", str(tmp_path / "p")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    data = __import__("json").loads((tmp_path / "p" / "bad" / "bad.summary.json").read_text())
    assert any(i["value"] == "map = Client" for i in data["data_issues"])
    assert a.totals.revenue == 10


def test_hostile_csv_files_are_clear_refusals_or_read(tmp_path):
    import subprocess
    import sys

    tierbook = str(Path(sys.executable).with_name("tierbook"))
    huge = tmp_path / "huge.csv"
    huge.write_text(
        "Invoice No,Client,Date,Amount\n1," + "A" * 200_000 + ",2026-01-01,5\n2,B,2026-01-02,5\n"
    )
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text(
        'Invoice No,Client,Date,Amount\n1,"Acme,2026-01-05,900\n2,B,2026-01-06,1\n3,C,2026-01-07,1\n4,D,2026-01-08,1\n'
    )
    escape = tmp_path / "escape.csv"
    escape.write_text(
        'Invoice No,Client,Date,Amount,"x\x1b]0;TITLE\x07\nFAKE: line"\n1,A,2026-01-01,5,\n'
    )
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("Invoice No;Client;Date;Amount\n1;Åsa;2026-01-01;5,50\n".encode("utf-16-le"))
    assert analysis_of(huge).totals.revenue == 10
    done = subprocess.run(
        [tierbook, "report", str(unclosed), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "line 2" in done.stderr and "Traceback" not in done.stderr
    shown = subprocess.run([tierbook, "inspect", str(escape)], capture_output=True, text=True)
    assert shown.returncode == 0 and "\x1b" not in shown.stdout and "\nFAKE" not in shown.stdout
    assert analysis_of(utf16).clients["client"].to_list() == ["Åsa"]
