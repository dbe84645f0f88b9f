"""The messy and hostile corpus: every case gets its documented outcome (README, "Messy files").

Refused: exit code 1, one paragraph naming the file, no traceback, no output folder.
Read: exit code 0, the odd rows on the Data issues sheet and in summary.json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from tests.conftest import D, analysis_of, inv, write_workbook

HEADER = ("Invoice No", "Client", "Invoice Date", "Amount", "Status", "Due Date", "Paid Date")


def run(path: Path, tmp_path: Path, *options: str):
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = CliRunner().invoke(
        main, ["report", str(path), "--out", str(tmp_path / "out"), *options]
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the input never changes
    assert "Traceback" not in result.output
    return result


def refused(path: Path, tmp_path: Path, words: str, *options: str) -> str:
    result = run(path, tmp_path, *options)
    assert result.exit_code == 1, result.output
    message = result.output.strip()
    assert message.startswith(f"error: {path.name}") and words in message, message
    assert "\n" not in message  # one paragraph
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    return message


def issues_of(path: Path, tmp_path: Path, *options: str) -> dict:
    result = run(path, tmp_path, *options)
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "out" / path.stem / f"{path.stem}.summary.json").read_text())


def small(name: str = "A") -> list[tuple]:
    return [inv("1", name, "2026-01-05", 100), inv("2", "B", "2026-02-05", 200)]


# --- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (os.urandom(4096), "not an Excel or OpenDocument workbook"),
        (
            b"Invoice No,Client,Invoice Date,Amount\n1,Acme,2026-01-05,100\n",
            "not an Excel or OpenDocument workbook",
        ),
        (b"", "empty (0 bytes)"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + os.urandom(2048), "password"),
    ],
    ids=["random-bytes", "csv-renamed", "zero-bytes", "password-protected"],
)
def test_files_that_are_not_workbooks_are_refused(tmp_path, content, words):
    path = tmp_path / "input.xlsx"
    path.write_bytes(content)
    refused(path, tmp_path, words)


def test_a_truncated_workbook_is_refused(tmp_path):
    whole = write_workbook(tmp_path / "whole.xlsx", small()).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    refused(path, tmp_path, "damaged or truncated")


def test_an_empty_workbook_and_a_header_without_rows_are_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "empty.xlsx")
    refused(tmp_path / "empty.xlsx", tmp_path, "no sheet holds an invoice table")
    header_only = write_workbook(tmp_path / "header.xlsx", [])
    refused(header_only, tmp_path / "h", "no invoice rows can be counted")


def test_a_ledger_with_no_usable_row_names_the_problem_most_rows_share(tmp_path):
    """An export whose customer column was emptied (anonymised) has every row without a
    client: the refusal says so and names the column, not only how many issues there are."""
    rows = [(str(i), None, D("2026-01-05"), 10) for i in range(3)] + [
        ("9", "Acme", "not a date", 10)
    ]
    path = write_workbook(tmp_path / "anon.xlsx", rows)
    refused(path, tmp_path, "most of them: 3 rows with no client name in 'Client'")


def test_a_missing_column_names_it_the_columns_found_and_the_nearest_alias(tmp_path):
    path = write_workbook(
        tmp_path / "cols.xlsx",
        [("1", "A", D("2026-01-05"), 10)],
        header=("Invoice", "Clinet", "Date", "Amount"),
    )
    message = refused(path, tmp_path, 'run again with --map "Clinet=client"')
    assert "Columns found: 'Invoice', 'Date', 'Amount', 'Clinet'" in message


def uncalculated(path: Path) -> Path:
    """A workbook whose cell D3 holds a formula with no calculated value."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoices"
    ws.append(list(HEADER[:4]))
    ws.append(["1", "Acme", dt.date(2026, 1, 5), 100])
    ws.append(["2", "Acme", dt.date(2026, 2, 5), "=D2*2"])  # openpyxl writes no cached value
    wb.save(path)
    return path


def test_formulas_never_calculated_are_refused(tmp_path):
    refused(
        uncalculated(tmp_path / "formulas.xlsx"),
        tmp_path,
        "cell D3 holds a formula whose value was never calculated",
    )


def _with_part(
    path: Path, target: Path, name: str, data: bytes, level: int = zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", level) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == name else src.read(info.filename))
        if name not in src.namelist():
            dst.writestr(name, data)
    return target


def test_a_formula_split_across_the_guards_reading_is_still_found(tmp_path):
    """The guard notes which parts hold ``<f`` as it inflates them a megabyte at a time, and only
    those are read again for formulas never calculated: a formula tag that starts at the last
    byte of one megabyte and ends in the next is still found, and refused."""
    from pipeline.read.guard import parts_with_formulas

    plain = uncalculated(tmp_path / "plain.xlsx")
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(plain) as archive:
        sheet = archive.read(part)
    row = sheet.index(b'<row r="3"')
    # white space between rows, so that "<f>" starts on the megabyte's last byte
    split = sheet[:row] + b" " * (1024**2 - 1 - sheet.index(b"<f>")) + sheet[row:]
    assert split.index(b"<f>") == 1024**2 - 1
    path = _with_part(plain, tmp_path / "split.xlsx", part, split)
    refused(path, tmp_path, "cell D3 holds a formula whose value was never calculated")
    assert part in parts_with_formulas(path)
    assert part not in parts_with_formulas(
        write_workbook(tmp_path / "none.xlsx", [inv("1", "A", "2026-01-05", 10)])
    )


def test_an_xml_entity_bomb_is_refused_unread(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
            for i in range(1, 10)
        )
        + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
    )
    source = write_workbook(tmp_path / "plain.xlsx", small())
    bomb = _with_part(source, tmp_path / "laughs.xlsx", "xl/sharedStrings.xml", laughs)
    refused(bomb, tmp_path, "declares XML entities")


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A workbook whose sheet part inflates to 1 GiB of repeated XML (about 1 MB on disk)."""
    folder = tmp_path_factory.mktemp("bomb")
    source = write_workbook(folder / "plain.xlsx", small())
    target = folder / "bomb.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"<row><c><v>1</v></c></row>" * 40_000
            for _ in range(1024**3 // len(chunk)):
                member.write(chunk)
    return target


@pytest.mark.slow
def test_a_zip_bomb_is_refused_within_cpu_and_memory_limits(zip_bomb, tmp_path):
    """Run the real CLI under a 5 s CPU limit; the parent reads the child's peak memory."""
    probe = (
        "import resource, subprocess, sys\n"
        "limit = lambda: resource.setrlimit(resource.RLIMIT_CPU, (5, 5))\n"
        "done = subprocess.run(sys.argv[1:], preexec_fn=limit, capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(done.returncode, peak, done.stderr.strip().replace('\\n', ' '))\n"
    )
    tierbook = str(Path(sys.executable).with_name("tierbook"))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            tierbook,
            "report",
            str(zip_bomb),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    code, peak_kb, message = done.stdout.split(" ", 2)
    assert code == "1", message  # refused, not killed by the CPU limit (that would be -24)
    assert "zip bomb" in message or "would unpack to" in message
    assert int(peak_kb) < 500 * 1024  # peak resident memory under 500 MB


# --- read, with the odd rows reported ------------------------------------------------------------


def test_title_rows_merged_header_cells_and_blank_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    ws["A1"] = "Northwind Studio: invoices"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["Invoice No", "Client", "Invoice Date", "Amount", None])
    ws.merge_cells("D3:E3")  # "Amount" spans two columns
    ws.append(["1", "Acme", dt.date(2026, 1, 5), 100, None])
    ws.append([None, None, None, None, None])  # blank row in the middle
    ws.append(["2", "Beta", dt.date(2026, 2, 5), 250, None])
    wb.save(tmp_path / "titled.xlsx")
    data = issues_of(tmp_path / "titled.xlsx", tmp_path)
    assert data["totals"]["revenue"] == 350 and data["totals"]["invoices"] == 2
    assert data["data_issues"] == []


def test_totals_and_subtotals_are_never_clients(tmp_path):
    rows = [
        *small(),
        (None, "Total for A", None, 100, None, None, None),
        (None, "TOTAL", None, 300, None, None, None),
        (None, "Total", None, 300, None, None, None),
    ]
    data = issues_of(write_workbook(tmp_path / "totals.xlsx", rows), tmp_path)
    assert sorted(c["client"] for c in data["clients"]) == ["A", "B"]
    assert [i["problem"] for i in data["data_issues"]] == [
        "a total or subtotal row, not an invoice"
    ] * 3


def test_text_amounts_and_dates_in_every_common_form(tmp_path):
    rows = [
        ("1", "A", "2026-01-05", "9,000.00", "paid", None, None),
        ("2", "B", "05.02.2026", "€ 1 234,56", "paid", None, None),
        ("3", "C", "31/03/2026", "(1,200.00)", "credit note", None, None),  # 31: day first
        ("4", "D", "46150", "500", "paid", None, None),  # an Excel serial: 2026-05-08
        ("5", "E", "1989-12-31", "10", "paid", None, None),
    ]
    data = issues_of(write_workbook(tmp_path / "text.xlsx", rows), tmp_path)
    revenue = {c["client"]: c["revenue"] for c in data["clients"]}
    assert revenue == {"A": 9000.0, "B": 1234.56, "C": -1200.0, "D": 500.0}
    assert [(i["row"], i["problem"][:15]) for i in data["data_issues"]] == [(6, "dated before 19")]


def test_month_first_slash_dates_are_recognised_and_ambiguous_ones_reported(tmp_path):
    us = [
        ("1", "A", "12/31/2025", 10, "paid", None, None),
        ("2", "A", "03/04/2026", 10, "paid", None, None),
    ]
    data = issues_of(write_workbook(tmp_path / "us.xlsx", us), tmp_path)
    assert data["as_of"] == "2026-03-04"  # month first, as 12/31 shows
    unsure = [("1", "A", "03/04/2026", 10, "paid", None, None)]
    data = issues_of(write_workbook(tmp_path / "unsure.xlsx", unsure), tmp_path / "u")
    assert data["as_of"] == "2026-04-03"
    assert (
        data["data_issues"][0]["problem"] == "1 dates like 03/04/2026 could be day or month first"
    )
    data = issues_of(
        write_workbook(tmp_path / "setting.xlsx", unsure, settings=[("day_first", "no")]),
        tmp_path / "s",
    )
    assert data["as_of"] == "2026-03-04"


def test_lines_of_one_invoice_shared_numbers_and_name_variants(tmp_path):
    rows = [
        inv("1", "Acme Ltd", "2026-01-05", 100),
        inv("1", "Acme Ltd", "2026-01-05", 100),  # a second, identical line of invoice 1
        inv("2", "ACME  ltd", "2026-02-05", 50),  # the same client, written differently
        inv("3", "Beta", "2026-02-06", 70),
        inv("3", "Beta", "2026-02-07", 30),  # one number on another date
    ]
    data = issues_of(
        write_workbook(tmp_path / "dupes.xlsx", rows, clients=[("Gamma", None, None)]), tmp_path
    )
    assert {c["client"]: c["revenue"] for c in data["clients"]} == {
        "Acme Ltd": 250.0,
        "Beta": 100.0,
    }
    assert data["totals"]["invoices"] == 4  # invoice 1 of two lines; 3 twice, on two dates
    problems = [(i["sheet"], i["row"], i["problem"], i["action"]) for i in data["data_issues"]]
    assert [p for p in problems if p[1] == 3] == []  # a line, not a problem
    assert (
        "Invoices",
        4,
        "written differently from 'Acme Ltd' (case or spacing)",
        "merged with it",
    ) in problems
    assert (
        "Invoices",
        6,
        "invoice number also on row 5 with another client or date",
        "both kept, as separate lines",
    ) in problems
    assert ("Clients", 2, "no invoices for this client", "listed; not in the figures") in problems


def test_mixed_currencies_are_never_summed(tmp_path):
    header = ("Invoice No", "Client", "Invoice Date", "Amount", "Currency")
    rows = [
        ("1", "A", D("2026-01-05"), 100, "EUR"),
        ("2", "B", D("2026-01-06"), 200, "EUR"),
        ("3", "C", D("2026-01-04"), 999, "USD"),
    ]
    path = write_workbook(tmp_path / "fx.xlsx", rows, header=header)
    data = issues_of(path, tmp_path)  # the most revenue in the window: 999 USD over 300 EUR
    assert data["currency"] == "USD" and data["totals"]["revenue"] == 999
    assert [i["problem"] for i in data["data_issues"]] == [
        "in EUR, not the reporting currency (USD)"
    ] * 2
    data = issues_of(path, tmp_path / "eur", "--currency", "eur")
    assert data["currency"] == "EUR" and data["totals"]["revenue"] == 300
    assert data["currencies"] == [
        {"currency": "EUR", "invoices": 2, "revenue": 300.0, "counted": True, "rate": None},
        {"currency": "USD", "invoices": 1, "revenue": 999.0, "counted": False, "rate": None},
    ]
    data = issues_of(path, tmp_path / "rated", "--currency", "eur", "--rate", "USD=0.5")
    assert data["totals"]["revenue"] == pytest.approx(300 + 999 * 0.5)
    assert {c["client"]: c["revenue"] for c in data["clients"]}["C"] == pytest.approx(499.5)
    assert data["data_issues"] == []


def test_the_ledger_ends_at_its_last_invoice_in_any_currency(tmp_path):
    """The as-of date is the last invoice of the books, not of the counted currency: a USD
    invoice after the last EUR one moves the window as it would if it were counted."""
    header = ("Invoice No", "Client", "Invoice Date", "Amount", "Currency")
    rows = [
        ("1", "A", D("2025-01-10"), 500, "EUR"),
        ("2", "B", D("2025-11-20"), 400, "EUR"),
        ("3", "C", D("2026-02-01"), 100, "USD"),
    ]
    path = write_workbook(tmp_path / "late.xlsx", rows, header=header)
    data = issues_of(path, tmp_path, "--currency", "EUR")
    assert data["as_of"] == "2026-02-01"
    assert data["window"]["start"] == "2025-02-02"  # A's January 2025 invoice falls outside
    assert data["totals"]["revenue"] == 400
    assert data["currencies"][1] == {
        "currency": "USD",
        "invoices": 1,
        "revenue": 100.0,
        "counted": False,
        "rate": None,
    }


def test_long_emoji_and_right_to_left_names_are_read_and_written_back(tmp_path):
    names = ["Café ☕ Ltd 🚀", "شركة الأفق", "x" * 5000]
    rows = [inv(str(i), n, f"2026-0{i + 1}-05", 100 * (i + 1)) for i, n in enumerate(names)]
    data = issues_of(write_workbook(tmp_path / "names.xlsx", rows), tmp_path)
    assert sorted(c["client"] for c in data["clients"]) == sorted(names)
    wb = openpyxl.load_workbook(tmp_path / "out" / "names" / "names.annotated.xlsx")
    assert {r[1] for r in wb["Client analysis"].iter_rows(min_row=2, values_only=True)} == set(
        names
    )
    html = (tmp_path / "out" / "names" / "names.briefing.html").read_text(encoding="utf-8")
    assert all(n in html for n in names)


def test_a_batch_with_one_refused_file_exits_3_and_reports_the_rest(tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", small())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    result = CliRunner().invoke(
        main, ["report", str(good), str(bad), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 3
    assert (tmp_path / "out" / "good" / "good.summary.json").exists() and not (
        tmp_path / "out" / "bad"
    ).exists()


def test_an_output_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", small())
    blocker = tmp_path / "out"
    blocker.write_text("a file where the folder should be")
    result = CliRunner().invoke(main, ["report", str(good), "--out", str(blocker / "sub")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "could not be written" in result.output


def test_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    result = CliRunner().invoke(main, ["--debug", "report", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" in result.output


def test_usage_errors_exit_2(tmp_path):
    assert CliRunner().invoke(main, ["report"]).exit_code == 2
    assert (
        CliRunner().invoke(main, ["report", str(tmp_path / "x.xlsx"), "--basis", "cash"]).exit_code
        == 2
    )


def test_a_zip_directory_claiming_an_unknown_version_is_a_clear_refusal(tmp_path):
    """Found by the byte-flipping fuzz: zipfile raises NotImplementedError, not BadZipFile."""
    import io
    import zipfile

    from pipeline.errors import InputError
    from pipeline.read.sheets import read_workbook

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    data[central + 6] = 84  # "version needed to extract": 8.4, which zipfile does not know
    path = tmp_path / "odd.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="damaged or truncated"):
        read_workbook(path)


def test_rows_that_share_a_content_hash_are_copies_only_when_equal(tmp_path, monkeypatch):
    """Should two different rows ever hash alike, the exact comparison decides."""
    from pipeline.validate import duplicates

    header = ("Client", "Date", "Amount")  # a sales log: no invoice numbers
    rows = [
        ("Acme Ltd", D("2026-01-05"), 100),
        ("Acme Ltd", D("2026-01-05"), 100),  # identical: a repeat sale, or a copy
        ("Bolt Ltd", D("2026-01-06"), 200),
        ("Cedar Ltd", D("2026-01-07"), 300),
    ]
    book = write_workbook(tmp_path / "copies.xlsx", rows, header=header)
    honest = analysis_of(book)
    monkeypatch.setattr(duplicates, "content_hash", lambda: pl.lit(7, dtype=pl.UInt64))
    colliding = analysis_of(book)
    assert colliding.totals.revenue == honest.totals.revenue == 700  # both sales kept
    copies = colliding.issues.filter(pl.col("problem").str.starts_with("identical to"))
    assert copies.select("row", "problem").rows() == [(3, "identical to row 2")]
