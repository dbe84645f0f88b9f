"""Ledgers beyond a sheet: Parquet files and large UTF-8 text exports, scanned by polars, read to
the same rows and figures as a workbook or the csv module would give."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.read import columnar
from pipeline.read.sheets import read_workbook
from pipeline.report import report
from tests.conftest import analysis_of, inv, write_workbook
from tests.test_delimited import ROWS, _csv

LEDGER = [
    ("INV-1", "Acme Ltd", "2026-01-15", 1200.0, "paid"),
    ("INV-2", "Acme Ltd", "2026-02-15", 1300.5, "paid"),
    ("INV-3", "Bolt & Co", "2026-03-01", 400.0, "open"),
    ("INV-4", "Bolt & Co", "2026-03-10", -50.0, "credit note"),
    ("INV-5", "Cedar", "2025-12-24", 999.99, "void"),
]


def _typed_parquet(path, rows=LEDGER) -> None:
    pl.DataFrame(
        {
            "Invoice No": [r[0] for r in rows],
            "Client": [r[1] for r in rows],
            "Invoice Date": [dt.date.fromisoformat(r[2]) for r in rows],
            "Amount": [r[3] for r in rows],
            "Status": [r[4] for r in rows],
        }
    ).write_parquet(path)


def test_a_typed_parquet_file_gives_the_figures_of_the_same_workbook(tmp_path):
    parquet = tmp_path / "pooled.parquet"
    _typed_parquet(parquet)
    xlsx = write_workbook(tmp_path / "same.xlsx", [inv(n, c, d, a, s) for n, c, d, a, s in LEDGER])
    a, b = analysis_of(parquet), analysis_of(xlsx)
    assert (
        a.totals.revenue
        == pytest.approx(b.totals.revenue)
        == pytest.approx(1200 + 1300.5 + 400 - 50)
    )
    assert a.concentration.hhi == pytest.approx(b.concentration.hhi)
    assert a.clients["client"].to_list() == b.clients["client"].to_list()


def test_parquet_text_cells_are_parsed_and_checked_like_a_sheets(tmp_path):
    path = tmp_path / "text.parquet"
    pl.DataFrame(
        {
            "Invoice": ["A-1", "A-2", "A-3", "A-4"],
            "Customer": ["Acme", "Acme", None, "Bolt"],
            "Date": ["2026-01-15", "15.02.2026", "2026-03-01", "soon"],
            "Total": ["1,200.00", "(300.00)", "5", "7"],
            "Invoice Number Int": [1, 2, 3, 4],
        }
    ).write_parquet(path)
    analysis = analysis_of(path)
    assert analysis.totals.revenue == pytest.approx(1200 - 300)
    issues = {(r["row"], r["problem"]) for r in analysis.issues.iter_rows(named=True)}
    # the column names are row 1, so the third record is row 4 and the fourth row 5
    assert (4, "no client name") in issues
    assert (5, "not a date") in issues


def test_a_parquet_file_reports_with_its_analysis_sheets_and_says_so(tmp_path, monkeypatch):
    from pipeline.render.xlsx import workbook

    monkeypatch.setattr(workbook, "SHEET_ROWS", 4)  # as if the ledger outgrew a sheet
    path = tmp_path / "pooled.parquet"
    _typed_parquet(path)
    result = report(path, tmp_path / "out")
    book = openpyxl.load_workbook(result.folder / "pooled.annotated.xlsx")
    assert "Invoices" not in book.sheetnames and "Summary" in book.sheetnames
    method = [r for r in book["Method"].iter_rows(min_row=2, values_only=True)]
    carried = " ".join(str(r[1]) for r in method if r[0] == "Not carried over")
    assert "a .parquet file is not an Excel package" in carried
    assert "5 rows are more than a sheet holds (3 below its header)" in carried
    summary = json.loads((result.folder / "pooled.summary.json").read_text())
    assert summary["totals"]["revenue"] == pytest.approx(2850.5)


def test_a_data_issues_list_longer_than_a_sheet_ends_with_where_the_rest_are(tmp_path, monkeypatch):
    from pipeline.render.xlsx import audit

    monkeypatch.setattr(audit, "SHEET_ROWS", 4)
    rows = [inv(f"N{i}", "", "2026-01-15", 10.0) for i in range(6)] + [
        inv("OK", "Acme", "2026-01-15", 10.0)
    ]
    result = report(write_workbook(tmp_path / "many.xlsx", rows), tmp_path / "out")
    sheet = openpyxl.load_workbook(result.folder / "many.annotated.xlsx")["Data issues"]
    values = [r for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 3  # two issues and where the other four are
    assert values[-1][0] == "(more)"
    assert values[-1][4] == "4 more data issues: more than a sheet can hold"


def test_a_file_named_parquet_that_is_not_one_is_refused(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("Invoice No,Client\n1,Acme\n")
    with pytest.raises(InputError, match="not a Parquet file"):
        read_workbook(path)


# --- large text exports: polars' scan against the csv module --------------------------------


CASES = [
    ("utf-8", ",", "."),
    ("utf-8-sig", ";", ","),
    ("utf-8", "\t", "."),
    ("utf-8", "|", "."),
]


@pytest.mark.parametrize(("encoding", "sep", "decimal"), CASES)
def test_a_scanned_text_export_reads_the_rows_the_csv_module_reads(
    tmp_path, monkeypatch, encoding, sep, decimal
):
    text = _csv(ROWS, sep, decimal, day_first=True)
    amount = lambda x: f"{x:.2f}".replace(".", decimal)  # noqa: E731
    quoted = lambda x: f'"{x}"' if decimal == sep else x  # noqa: E731
    text += sep.join(["INV-5", "Ragged Ltd", "21/03/2026", quoted(amount(5)), "", ""]) + "\r\n"
    text += sep.join(["INV-6", '"Multi\nLine Ltd"', "22/03/2026", quoted(amount(6))]) + "\r\n"
    text += "INV-7" + sep + "Short Ltd\r\n"  # a short row: no date, no amount
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    assert not columnar.scanned(path, "csv")
    by_csv_module = read_workbook(path)
    monkeypatch.setattr(columnar, "LAZY_TEXT_BYTES", 0)
    assert columnar.scanned(path, "csv")
    by_polars = read_workbook(path)
    assert "scanned by polars" in by_polars.detail
    a, b = by_csv_module.invoices[0], by_polars.invoices[0]
    assert a.header_row == b.header_row
    assert a.frame.to_dicts() == b.frame.to_dicts()
    assert analysis_of(path).totals.revenue == pytest.approx(1234.5 + 2000 + 800.25 - 100 + 5 + 6)


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_text_exports_polars_cannot_scan_stay_with_the_csv_module(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr(columnar, "LAZY_TEXT_BYTES", 0)
    path = tmp_path / "export.csv"
    path.write_bytes(_csv(ROWS, ";", ",", day_first=True).encode(encoding))
    assert not columnar.scanned(path, "csv")
    assert "scanned" not in read_workbook(path).detail
