"""Ledgers in the shapes real files come in: invoice lines, totals written on every line,
quantity and price without an amount, sales logs without numbers, placeholders for missing
clients, several currencies with rates from the workbook. Each tiny ledger is checked by hand
through the whole product (the CLI to summary.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from tests.conftest import D, write_workbook


def csv_file(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def summary(path: Path, tmp_path: Path, *options: str) -> dict:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return json.loads((out / path.stem / f"{path.stem}.summary.json").read_text())


def refusal(path: Path, tmp_path: Path) -> str:
    """The message of a report that is refused (exit 1)."""
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    return result.output


def revenue_by_client(data: dict) -> dict[str, float]:
    return {c["client"]: c["revenue"] for c in data["clients"]}


def problems(data: dict) -> list[tuple[int, str, str]]:
    return [(i["row"], i["problem"], i["action"]) for i in data["data_issues"]]


def test_quantity_times_unit_price_less_a_discount(tmp_path):
    path = csv_file(
        tmp_path / "lines.csv",
        "Invoice,Customer,Date,Qty,Unit Price,Discount",
        "1,Acme,2026-01-05,3,10,",  # 30
        "1,Acme,2026-01-05,2,5,10%",  # 10 less 10 % = 9
        "2,Beta,2026-02-05,1,100,5",  # 100 less 5 = 95
    )
    data = summary(path, tmp_path)
    assert revenue_by_client(data) == {"Acme": pytest.approx(39), "Beta": pytest.approx(95)}
    assert data["totals"]["invoices"] == 2  # two lines of invoice 1 are one invoice
    assert data["data_issues"] == []


def test_an_invoice_total_written_on_each_line_is_taken_once(tmp_path):
    path = csv_file(
        tmp_path / "zoho.csv",
        "Invoice Number,Customer Name,Invoice Date,Item Name,SubTotal",
        "INV-1,Acme,2026-01-05,camera,456",
        "INV-1,Acme,2026-01-05,cable,456",
        "INV-1,Acme,2026-01-05,mount,456",
        "INV-2,Beta,2026-02-05,camera,100",
    )
    data = summary(path, tmp_path)
    assert revenue_by_client(data) == {"Acme": 456, "Beta": 100}
    assert data["totals"] == pytest.approx(data["totals"] | {"revenue": 556, "invoices": 2})


def test_line_amounts_under_a_total_heading_that_differ_are_summed(tmp_path):
    path = csv_file(
        tmp_path / "differ.csv",
        "Invoice Number,Customer Name,Invoice Date,Total",
        "INV-1,Acme,2026-01-05,400",
        "INV-1,Acme,2026-01-05,56",
        "INV-2,Beta,2026-02-05,100",
    )
    assert revenue_by_client(summary(path, tmp_path)) == {"Acme": 456, "Beta": 100}


def test_equal_line_amounts_not_headed_as_a_total_are_each_counted(tmp_path):
    """Five sessions billed alike on one invoice are five lines, never copies."""
    path = csv_file(
        tmp_path / "sessions.csv",
        "Num,Name,Date,Memo,Amount",
        *["INV-7,Acme,2026-01-05,session,1800.00"] * 5,
        "INV-8,Beta,2026-02-05,session,900.00",
    )
    data = summary(path, tmp_path)
    assert revenue_by_client(data) == {"Acme": 9000, "Beta": 900}
    assert data["totals"]["invoices"] == 2
    assert data["data_issues"] == []


def test_a_number_on_another_client_or_date_is_noted_and_both_kept(tmp_path):
    path = csv_file(
        tmp_path / "clash.csv",
        "Invoice No,Client,Invoice Date,Amount",
        "1,Acme,2026-01-05,100",
        "1,Beta,2026-01-05,200",
        "2,Acme,2026-02-05,50",
    )
    data = summary(path, tmp_path)
    assert revenue_by_client(data) == {"Acme": 150, "Beta": 200}
    assert data["totals"]["invoices"] == 3
    assert problems(data) == [
        (
            3,
            "invoice number also on row 2 with another client or date",
            "both kept, as separate lines",
        )
    ]


def test_a_sales_log_without_numbers_keeps_identical_rows_and_lists_them(tmp_path):
    path = csv_file(
        tmp_path / "log.csv",
        "customer_id,date,amount",
        "c1,2026-01-05,20",
        "c1,2026-01-05,20",
        "c1,2026-01-05,35",
        "c2,2026-03-01,10",
    )
    data = summary(path, tmp_path)
    assert revenue_by_client(data) == {"c1": 75, "c2": 10}
    assert data["totals"]["invoices"] == 4  # each row of a log is a sale of its own
    assert problems(data) == [
        (3, "identical to row 2", "kept: a repeat sale, or a copy to remove from the sheet")
    ]


@pytest.mark.parametrize("placeholder", ["NA", "NULL", "#N/A", "nan", "N/A", "None"])
def test_a_placeholder_for_a_missing_client_is_no_client(tmp_path, placeholder):
    path = csv_file(
        tmp_path / "na.csv",
        "InvoiceNo,CustomerID,InvoiceDate,Amount",
        "1,c1,2026-01-05,20",
        f"2,{placeholder},2026-01-06,999",
        "3,c2,2026-02-05,10",
    )
    data = summary(path, tmp_path)
    assert revenue_by_client(data) == {"c1": 20, "c2": 10}
    assert [(r, p) for r, p, _ in problems(data)] == [
        (3, "no client name: the cell holds a placeholder for a missing value")
    ]


def test_a_client_really_called_like_a_word_is_kept(tmp_path):
    """Only whole-cell placeholders are missing values: 'Nancy', 'NAB Ltd' are clients."""
    path = csv_file(
        tmp_path / "names.csv",
        "Invoice No,Client,Invoice Date,Amount",
        "1,Nancy,2026-01-05,20",
        "2,NAB Ltd,2026-01-06,30",
    )
    assert revenue_by_client(summary(path, tmp_path)) == {"Nancy": 20, "NAB Ltd": 30}


def test_rates_from_the_settings_sheet_and_the_command_line(tmp_path):
    header = ("Invoice No", "Client", "Invoice Date", "Amount", "Currency")
    rows = [
        ("1", "A", D("2026-01-05"), 100, "EUR"),
        ("2", "B", D("2026-01-06"), 50, "USD"),
        ("3", "C", D("2026-01-07"), 10, "GBP"),
        ("4", "A", D("2026-01-08"), 20, "USD"),  # one client, billed in two currencies
    ]
    path = write_workbook(
        tmp_path / "rates.xlsx", rows, header=header, settings=[("rate", "USD=0.9, GBP=1.2")]
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "EUR"
    assert revenue_by_client(data) == pytest.approx({"A": 118, "B": 45, "C": 12})
    assert {c["currency"]: c["rate"] for c in data["currencies"]} == {
        "EUR": None,
        "USD": 0.9,
        "GBP": 1.2,
    }
    # a --rate wins over the sheet's for the currency it names, the sheet's others stand
    data = summary(path, tmp_path / "cli", "--rate", "USD=0.5")
    assert revenue_by_client(data) == pytest.approx({"A": 110, "B": 25, "C": 12})
    assert data["config"]["rates"] == {"GBP": 1.2, "USD": 0.5}


def test_an_unreadable_rate_row_is_a_data_issue_not_a_refusal(tmp_path):
    header = ("Invoice No", "Client", "Invoice Date", "Amount", "Currency")
    rows = [("1", "A", D("2026-01-05"), 100, "EUR"), ("2", "B", D("2026-01-06"), 50, "USD")]
    path = write_workbook(tmp_path / "bad.xlsx", rows, header=header, settings=[("rate", "USD")])
    data = summary(path, tmp_path)
    assert revenue_by_client(data) == {"A": 100}
    assert any(i["sheet"] == "Settings" for i in data["data_issues"])


def test_a_refusal_names_the_map_line_that_would_read_the_file(tmp_path):
    path = csv_file(
        tmp_path / "betrag.csv",
        "Invoice No,Customer,Date,Betrag",
        "1,Acme,2026-01-05,100",
    )
    assert '--map "Betrag=amount"' in refusal(path, tmp_path)
    mapped = summary(path, tmp_path, "--map", "Betrag=amount")
    assert revenue_by_client(mapped) == {"Acme": 100}


def test_inspect_shows_the_first_rows_where_no_header_was_found(tmp_path):
    path = csv_file(
        tmp_path / "odd.csv",
        "Ref,Who,When,Sum",
        "1,Acme,2026-01-05,100",
    )
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "first rows of sheet 'odd':" in lines
    assert "  1: Ref | Who | When | Sum" in lines
    assert "  2: 1 | Acme | 2026-01-05 | 100" in lines
    assert lines[-1].startswith("a report would be refused: odd.csv: no sheet holds an invoice")
    assert '--map "LABEL=client"' in lines[-1]


def test_a_refusal_lists_each_likely_column_with_its_map_line(tmp_path):
    path = csv_file(
        tmp_path / "two.csv",
        "Ref,Customer,Posted Time,Modified Time,Notes Count,Gross",
        "1,Acme,2026-01-05,2026-01-06,3,100",
    )
    message = refusal(path, tmp_path)
    assert '--map "Posted Time=invoice date" or --map "Modified Time=invoice date"' in message
    assert "Notes Count=invoice date" not in message


def test_names_shops_and_processors_use_are_read_where_nothing_nearer_stands(tmp_path):
    path = csv_file(
        tmp_path / "shop.csv",
        "Order,Billing Name,Email,Created at,Gross",
        "1,Acme Ltd,a@x.com,2026-01-05,100",
        "2,Beta,b@x.com,2026-02-05,50",
    )
    data = summary(path, tmp_path)
    assert data["totals"]["revenue"] == 150
    assert "Acme Ltd" in revenue_by_client(data)  # the billing name, not the e-mail
    plain = csv_file(
        tmp_path / "plain.csv",
        "Invoice No,Client,Invoice Date,Created,Amount,Gross",
        "1,Acme,2026-01-05,2025-12-01,100,120",
    )
    data = summary(plain, tmp_path / "plain")
    assert data["as_of"] == "2026-01-05" and data["totals"]["revenue"] == 100
