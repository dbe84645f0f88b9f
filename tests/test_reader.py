"""Finding sheets, header rows and columns; parsing cells; every unusable cell reported."""

from __future__ import annotations

import zipfile

import polars as pl
import pytest

from pipeline.errors import InputError, UnsafeWorkbook
from pipeline.read.columns import map_header, nearest_alias
from pipeline.read.sheets import read_workbook
from tests.conftest import D, inv, issue_list, ledger_of
from tests.workbooks import invoice_book


def issues_of(ledger):
    return [(i.sheet, i.row, i.column, i.problem, i.action) for i in issue_list(ledger)]


def test_statuses_are_read_in_any_case_and_spacing_and_an_unknown_one_is_shown_as_written(
    workbook,
):
    # Each distinct status is folded once (lower case, runs of spaces and underscores one
    # space) and held as a category; every row still gets its own word.
    rows = [
        ("1", "Acme", D("2026-01-05"), 100, "PAID", None, D("2026-01-20")),
        ("2", "Acme", D("2026-01-06"), 50, "Written_Off", None, None),
        ("3", "Beta", D("2026-01-07"), 60, "written   off", None, None),
        ("4", "Beta", D("2026-01-08"), 70, "Void", None, None),
        ("5", "Cedar", D("2026-01-09"), 80, None, None, D("2026-01-30")),
        ("6", "Cedar", D("2026-01-10"), 90, None, None, None),
        ("7", "Cedar", D("2026-01-11"), 95, "Pending_ish", None, None),
    ]
    ledger = ledger_of(workbook(rows))
    statuses = ledger.invoices.select(pl.col("status").cast(pl.String)).to_series().to_list()
    assert statuses == ["paid", "written_off", "written_off", "void", "paid", "open", "open"]
    unknown = [i for i in issue_list(ledger) if i.problem == "status not recognised"]
    assert [(i.row, i.value) for i in unknown] == [(8, "pending ish")]


def test_header_below_title_rows_and_aliases_in_any_case_and_spacing(workbook):
    path = workbook(
        [
            ("A-1", "  Acme   Ltd ", D("2026-01-05"), 100.0),
            ("A-2", "Acme Ltd", "2026-02-05", "1,250.50"),
        ],
        header=("INVOICE #", "customer name", "Issue_Date", " Total "),
        title_rows=("Northwind Studio: invoice register", "Exported 2026-11-01", ""),
        sheet="Export",
    )
    raw = read_workbook(path)
    assert raw.invoices[0].sheet == "Export"
    assert raw.invoices[0].header_row == 4
    assert {k: v[1] for k, v in raw.invoices[0].columns.fields.items()} == {
        "invoice_no": "INVOICE #",
        "client": "customer name",
        "invoice_date": "Issue_Date",
        "amount": " Total ".strip(),
    }
    ledger = ledger_of(path)
    assert ledger.invoices["client"].to_list() == [
        "Acme Ltd",
        "Acme Ltd",
    ]  # trimmed, inner spaces collapsed
    assert ledger.invoices["amount"].to_list() == [100.0, 1250.5]
    assert ledger.invoices["invoice_date"].to_list() == [D("2026-01-05"), D("2026-02-05")]
    assert ledger.invoices["row"].to_list() == [5, 6]  # Excel rows below the header on row 4


def test_invoice_sheet_found_by_content_when_named_otherwise(workbook):
    path = workbook([inv("1", "Acme", "2026-01-05", 100)], sheet="Sheet1")
    assert read_workbook(path).invoices[0].sheet == "Sheet1"


def test_unusable_rows_are_reported_with_sheet_row_and_column(workbook):
    rows = [
        inv("1", "Acme", "2026-01-05", 100),
        ("2", None, D("2026-01-06"), 50, "paid", None, None),
        ("3", "Beta", "soon", 50, "paid", None, None),
        ("4", "Beta", D("2026-01-07"), "N/A", "paid", None, None),
        ("5", "Beta", D("2026-01-08"), 75, "pending-ish", None, None),
        ("6", "Beta", D("2026-01-09"), 60, "paid", "next week", None),
        (None, "Total", None, 335, None, None, None),
        (None, None, None, None, None, None, None),  # a blank row is not data
        ("7", "Gamma", D("2026-01-10"), 10, "credit note", None, None),
    ]
    ledger = ledger_of(workbook(rows))
    assert issues_of(ledger) == [
        ("Invoices", 3, "Client", "no client name", "row left out"),
        ("Invoices", 4, "Invoice Date", "not a date", "row left out"),
        ("Invoices", 5, "Amount", "not a number", "row left out"),
        ("Invoices", 6, "Status", "status not recognised", "counted as an issued invoice"),
        ("Invoices", 7, "Due Date", "not a date", "value ignored; row kept"),
        ("Invoices", 8, "Client", "a total or subtotal row, not an invoice", "row left out"),
        ("Invoices", 10, "Amount", "credit note with a positive amount", "counted as negative"),
    ]
    assert ledger.invoices["invoice_no"].to_list() == ["1", "5", "6", "7"]
    assert ledger.invoices["amount"].to_list() == [100, 75, 60, -10]
    assert ledger.rows_read == 8  # the blank row is not counted


def test_other_currencies_are_never_added_in(workbook):
    header = ("Invoice", "Client", "Date", "Amount", "Currency")
    rows = [
        ("1", "A", D("2026-01-01"), 100, "EUR"),
        ("2", "B", D("2026-01-02"), 200, "eur"),
        ("3", "C", D("2026-01-03"), 300, "USD"),
        ("4", "D", D("2026-01-04"), 400, None),
    ]
    ledger = ledger_of(workbook(rows, header=header))
    assert ledger.currency == "EUR"
    assert ledger.invoices["client"].to_list() == ["A", "B", "D"]
    problems = {(i.row, i.problem) for i in issue_list(ledger)}
    assert (4, "in USD, not the reporting currency (EUR)") in problems  # 300 each: by name
    assert (5, "no currency") in problems


def test_missing_required_column_names_file_sheet_columns_found_and_nearest(workbook):
    path = workbook(
        [("1", "Acme", D("2026-01-05"), 100)],
        header=("Invoice", "Client", "Date", "Amoutn"),
        name="bad.xlsx",
    )
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    message = str(caught.value)
    assert "bad.xlsx" in message and "'Invoices'" in message
    assert "'amount'" in message and '--map "Amoutn=amount"' in message
    assert "Columns found: 'Invoice', 'Client', 'Date', 'Amoutn'" in message
    assert "row 1" in message


def test_not_a_workbook_empty_and_encrypted_files_are_refused(tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"invoice,client\n1,Acme\n")
    with pytest.raises(InputError, match="not an Excel or OpenDocument workbook"):
        read_workbook(junk)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_workbook(empty)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512)
    with pytest.raises(UnsafeWorkbook, match="password"):
        read_workbook(locked)
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(InputError, match="damaged or truncated"):
        read_workbook(truncated)
    other = tmp_path / "x.pdf"
    other.write_text("invoice,client\n")
    with pytest.raises(InputError, match="not supported"):
        read_workbook(other)
    text = tmp_path / "x.csv"  # read, and judged like any sheet
    text.write_text("invoice,client\n")
    with pytest.raises(
        InputError, match=r"'invoice date', 'amount' \(or a quantity and a unit price\) are missing"
    ):
        read_workbook(text)
    with pytest.raises(InputError, match="does not exist"):
        read_workbook(tmp_path / "nowhere.xlsx")


def test_no_invoice_table_at_all(workbook):
    path = workbook([("x", "y")], header=("Colour", "Shape"))
    with pytest.raises(InputError, match="no sheet holds an invoice table"):
        read_workbook(path)


def test_map_header_takes_the_closest_name_and_unknown_columns_pass_through():
    labels = ["Date", "Customer", "Invoice Date", "Amount", "Num", "Colour", "Client"]
    mapped = map_header(labels, "invoices")
    assert mapped.fields["invoice_date"] == (2, "Invoice Date")  # the field's own name
    assert mapped.fields["client"] == (6, "Client")
    assert mapped.fields["invoice_no"] == (4, "Num")
    assert mapped.unmapped == ((0, "Date"), (1, "Customer"), (5, "Colour"))
    both = map_header(["Total", "Amount"], "invoices")  # one alias as near as the other:
    assert both.fields["amount"] == (1, "Amount")  # the nearer name wins wherever it stands
    assert map_header(["Total", "Sum"], "invoices").fields["amount"] == (0, "Total")
    assert nearest_alias("client", ["Clinet", "Date"]) == "Clinet"


def test_clients_sheet_and_settings_sheet(workbook):
    path = workbook(
        [inv("1", "Acme", "2026-01-05", 100)],
        clients=[("Acme", "retainer", None), ("Acme", "annual", None), (None, "orphan", None)],
        settings=[("Anchor min share", "15%"), ("new client days", 60)],
    )
    raw = read_workbook(path)
    assert raw.clients is not None and raw.clients.sheet == "Clients"
    assert raw.settings == ((2, "Anchor min share", "15%"), (3, "new client days", "60"))
    ledger = ledger_of(path)
    assert ledger.clients["client"].to_list() == ["Acme"]
    assert ledger.clients["contract"].to_list() == ["retainer"]
    problems = [(i.sheet, i.row, i.problem) for i in issue_list(ledger)]
    assert ("Clients", 3, "client listed more than once") in problems
    assert ("Clients", 4, "no client name") in problems


def test_a_zip_with_a_password_protected_part_is_refused_by_name(tmp_path):
    """Zip encryption (the flag bit on a member): a clear refusal naming the part, not a crash."""
    good = invoice_book(tmp_path / "good.xlsx")
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("xl/workbook.xml")
    for at in (info.header_offset + 6, data.rfind(b"xl/workbook.xml") - 46 + 8):
        data[at] |= 0x1  # the local header's and the central record's flags
    locked = tmp_path / "zip-locked.xlsx"
    locked.write_bytes(bytes(data))
    with zipfile.ZipFile(locked) as archive:
        assert archive.getinfo("xl/workbook.xml").flag_bits & 0x1
    with pytest.raises(
        InputError, match=r"part 'xl/workbook.xml' .* encrypted with a zip password"
    ):
        read_workbook(locked)
