"""Inputs at the edges: boundaries, odd text, impossible values and names that must stay apart or merge."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner

from pipeline.config import Config
from pipeline.edge.cli import main
from pipeline.errors import ConfigError, InputError
from pipeline.report import Options, report
from pipeline.write import write_outputs
from tests.conftest import D, analysis_of, client, inv, issue_list, ledger_of

TODAY = D("2026-11-23")


def _monthly(name, first, count, amount, day=None):
    start = D(first)
    rows = []
    for i in range(count):
        y, m = divmod(start.month - 1 + i, 12)
        rows.append(
            inv(
                f"{name}{i}",
                name,
                dt.date(start.year + y, m + 1, day or start.day).isoformat(),
                amount,
            )
        )
    return rows


def test_billed_every_month_from_the_windows_first_day_is_an_anchor(workbook):
    rows = _monthly("Steady", "2025-07-01", 12, 1000, day=1) + [
        inv("x", "Other", "2026-06-30", 12_000)
    ]
    a = analysis_of(workbook(rows))
    assert a.windows.start == D("2025-07-01")
    c = client(a, "Steady")
    assert (c["tier"], c["months_billed"], c["tenure_ok"]) == ("anchor", 12, True)


def test_months_billed_never_exceeds_the_window_with_a_mid_month_as_of(workbook):
    rows = _monthly("Steady", "2025-06-16", 13, 1000, day=16)  # 2025-06-16 .. 2026-06-16
    a = analysis_of(
        workbook(rows), Config(as_of=D("2026-06-15"))
    )  # window 2025-06-16 .. 2026-06-15
    assert client(a, "Steady")["months_billed"] == 12


def test_material_and_regular_but_new_to_the_window_says_so(workbook):
    rows = _monthly("Young", "2025-09-01", 10, 1000, day=1) + _monthly(
        "Old", "2024-01-01", 30, 1000, day=2
    )
    a = analysis_of(workbook(rows))
    c = client(a, "Young")
    assert c["tier"] == "recurring" and c["anchor_gap"] == "short_tenure"
    from pipeline.words.rows import worded

    reason = dict(worded(a).select("client", "reasons").iter_rows())["Young"][0]
    assert "billed only since 1 Sept 2025" in reason and "not predictable" not in reason


@pytest.mark.parametrize(
    ("contract", "anchor"),
    [
        ("retainer", True),
        ("annual until 2027-03-31", True),
        ("annual until 31.03.2027", True),
        ("no contract", False),
        ("contract ended 31.12.2025", False),
        ("annual until 2026-01-31", False),
        ("retainer (terminated)", False),
        ("Yes", True),  # contract cells as people write them
        ("until 2026-12-31", True),
        ("Fixed-price contract, website build (delivered)", False),
    ],
)
def test_only_a_contract_in_force_makes_a_contract_anchor(workbook, contract, anchor):
    rows = [
        inv("1", "Deal", "2026-02-01", 5000),
        inv("2", "Deal", "2026-05-01", 5000),
        inv("3", "Other", "2026-06-30", 5000),
    ]
    a = analysis_of(workbook(rows, clients=[("Deal", contract, None)]))
    assert (client(a, "Deal")["tier"] == "anchor") is anchor


def test_an_unreadable_contract_end_date_is_a_data_issue(workbook):
    ledger = ledger_of(
        workbook(
            [inv("1", "Deal", "2026-02-01", 5000)],
            clients=[("Deal", "annual until 2027/31/03", None)],
        )
    )
    assert [(i.sheet, i.row, i.problem) for i in issue_list(ledger)] == [
        ("Clients", 2, "end date not understood (write it as YYYY-MM-DD)")
    ]


def test_no_revenue_in_the_window_is_a_clear_error(workbook):
    path = workbook([inv("1", "A", "2026-01-05", 100)])
    with pytest.raises(InputError, match="no client has revenue between 2029-01-02 and 2030-01-01"):
        analysis_of(path, Config(as_of=D("2030-01-01")))


def test_settings_out_of_range_are_refused_in_toml(tmp_path, workbook):
    toml = tmp_path / "c.toml"
    toml.write_text("window_months = 0\n")
    with pytest.raises(ConfigError, match="window_months.*from 1 to 120"):
        report(
            workbook([inv("1", "A", "2026-01-05", 100)]), tmp_path / "o", Options(config_file=toml)
        )


def test_impossible_dates_are_reported_not_used(workbook):
    rows = [
        inv("1", "A", "2026-01-05", 100),
        inv("2", "B", "2062-01-05", 10),
        ("3", "C", 2026, 50, "paid", None, None),
    ]  # the number 2026 is Excel's 1905-07-18
    from pipeline.read.sheets import read_workbook
    from pipeline.validate.ledger import build_ledger

    ledger = build_ledger(read_workbook(ledger_path := workbook(rows)), Config(), TODAY)
    problems = {(i.row, i.problem) for i in issue_list(ledger)}
    assert (3, "dated more than a year in the future: most likely a typo") in problems
    assert (4, "dated before 1990: most likely a typo or a number read as a date") in problems
    assert ledger.invoices["client"].to_list() == ["A"]
    assert report(
        ledger_path, ledger_path.parent / "o", Options(today=TODAY)
    ).analysis.windows.as_of == D("2026-01-05")


def test_paid_basis_uses_paid_dates_for_as_of_and_reports_paid_rows_without_one(workbook):
    rows = [
        ("1", "A", D("2026-01-10"), 1000, "paid", None, D("2026-02-01")),
        (
            "2",
            "B",
            D("2026-01-20"),
            400,
            "paid",
            None,
            D("2026-03-15"),
        ),  # paid after the last invoice
        ("3", "C", D("2026-01-25"), 300, "paid", None, None),
    ]
    path = workbook(rows)
    result = report(path, path.parent / "o", Options(basis="paid"))
    assert result.analysis.windows.as_of == D("2026-03-15")
    assert result.analysis.totals.revenue == pytest.approx(1400)
    assert [(i["row"], i["problem"]) for i in result.analysis.issues.to_dicts()] == [
        (4, "marked paid but no paid date")
    ]


def test_paid_basis_with_no_paid_dates_says_so(workbook):
    path = workbook([inv("1", "A", "2026-01-10", 100, "open")])
    with pytest.raises(InputError, match="no invoice has a paid date"):
        report(path, path.parent / "o", Options(basis="paid"))


def test_a_client_called_total_is_a_client_but_total_rows_are_not(workbook):
    rows = [
        inv("1", "Total Fitness Ltd", "2026-01-05", 5000),
        inv("2", "Acme", "2026-01-06", 100),
        (None, "Total for Acme", None, 100, None, None, None),
        (None, "TOTAL", None, 5100, None, None, None),
        (None, "Grand Total:", None, 5100, None, None, None),
    ]
    ledger = ledger_of(workbook(rows))
    assert ledger.invoices["client"].to_list() == ["Total Fitness Ltd", "Acme"]
    assert [i.row for i in issue_list(ledger)] == [4, 5, 6]


def test_parent_child_names_and_groups_are_measured_as_one(workbook):
    rows = [
        inv("1", "Acme:North", "2026-01-05", 40),
        inv("2", "Acme:South", "2026-01-06", 40),
        inv("3", "Beta Oy", "2026-01-07", 10),
        inv("4", "Beta Services", "2026-01-08", 10),
    ]
    path = workbook(
        rows,
        clients=[
            ("Beta Oy", None, None, "Beta Group"),
            ("Beta Services", None, None, "Beta Group"),
        ],
        client_header=("Client", "Contract", "Referred By", "Group"),
    )
    a = analysis_of(path)
    assert sorted(a.clients["client"].to_list()) == ["Acme", "Beta Group"]
    assert client(a, "Acme")["share"] == pytest.approx(0.8)
    assert a.concentration.hhi == pytest.approx(6800)
    assert client(a, "Acme")["members"] == ["Acme:North", "Acme:South"]


def test_the_same_name_in_nfc_and_nfd_is_one_client(workbook):
    nfc, nfd = "B\u00e4r\u00e9n Oy", "Ba\u0308re\u0301n Oy"
    a = analysis_of(workbook([inv("1", nfc, "2026-01-05", 100), inv("2", nfd, "2026-02-05", 100)]))
    assert a.clients["client"].to_list() == [nfc]


def test_duplicate_and_reserved_pass_through_headers_do_not_break_the_read(workbook):
    header = ("Invoice No", "Client", "Invoice Date", "Amount", "Notes2", "Notes2", "row", "_row")
    ledger = ledger_of(workbook([("1", "A", D("2026-01-05"), 100, "x", "y", 7, 8)], header=header))
    assert ledger.invoices["row"].to_list() == [2]


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("1e400", "not a plausible amount"),
        (1e308, "not a plausible amount"),
        (2e12, "not a plausible amount"),
        ("-inf", "not a number"),
        ("NaN", "not a number"),
    ],
)
def test_implausible_amounts_are_data_issues(workbook, amount, problem):
    ledger = ledger_of(
        workbook([inv("1", "A", "2026-01-05", 100), inv("2", "B", "2026-01-06", amount)])
    )
    assert [(i.row, i.problem) for i in issue_list(ledger)] == [(3, problem)]


def test_invoice_sheets_split_by_year_are_read_together(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    for year, title in ((2025, "2025"), (2026, "2026")):
        ws = wb.create_sheet(title)
        ws.append(["Invoice No", "Client", "Invoice Date", "Amount"])
        ws.append([f"{year}-1", "A", dt.date(year, 3, 1), 100])
    other = wb.create_sheet("Receivables")
    other.append(["Invoice", "Customer", "Date", "Total", "Open balance"])
    other.append(["2026-1", "A", dt.date(2026, 3, 1), 100, 100])
    wb.remove(wb["Sheet"])
    wb.save(tmp_path / "years.xlsx")
    ledger = ledger_of(tmp_path / "years.xlsx")
    assert ledger.invoice_sheets == ("2025", "2026")
    assert ledger.invoices["sheet"].to_list() == ["2025", "2026"]
    assert [(i.sheet, i.row, i.action) for i in issue_list(ledger)] == [
        ("Receivables", 1, "sheet not read; give it the same columns to include it")
    ]


def test_an_invoice_whose_lines_span_two_sheets_is_one_invoice(tmp_path):
    # Each sheet numbers its own invoices as it is parsed; the ledger numbers them again
    # across sheets, so lines with one number, client and date are one invoice wherever they
    # are, and rows without a number stay sales of their own even on the same row number.
    import openpyxl

    from tests.conftest import analysis_of, client

    wb = openpyxl.Workbook()
    for title, amount in (("March", 100), ("Extras", 50)):
        ws = wb.create_sheet(title)
        ws.append(["Invoice No", "Client", "Invoice Date", "Amount"])
        ws.append(["7", "Ash Ltd", dt.date(2026, 3, 2), amount])
        ws.append([None, "Birch Ltd", dt.date(2026, 3, 9), 30])
    wb.remove(wb["Sheet"])
    wb.save(tmp_path / "split.xlsx")
    ledger = ledger_of(tmp_path / "split.xlsx")
    assert ledger.invoices.select("sheet", "row", "invoice").rows() == [
        ("March", 2, 0),
        ("March", 3, 1),
        ("Extras", 2, 0),
        ("Extras", 3, 3),
    ]
    analysis = analysis_of(tmp_path / "split.xlsx")
    ash, birch = client(analysis, "Ash Ltd"), client(analysis, "Birch Ltd")
    assert (ash["invoices_total"], ash["revenue"]) == (1, 150)
    assert (birch["invoices_total"], birch["revenue"]) == (2, 60)


def test_a_settings_sheet_with_other_rows_is_used_not_refused(workbook, tmp_path):
    path = workbook(
        [inv("1", "A", "2026-01-05", 100)],
        settings=[
            ("Company name", "Acme"),
            ("anchor_min_share", "15%"),
            ("new_client_days", "soon"),
        ],
    )
    result = report(path, tmp_path / "o")
    assert result.analysis.config.anchor_min_share == pytest.approx(0.15)
    assert result.analysis.config.new_client_days == 90
    issues = [(i["sheet"], i["row"], i["problem"]) for i in result.analysis.issues.to_dicts()]
    assert issues[0] == ("Settings", 2, "not a tierbook setting")
    assert issues[1][:2] == ("Settings", 4) and "cannot be used" in issues[1][2]


def test_inputs_sharing_a_name_get_separate_folders(workbook, tmp_path):
    import shutil

    first = workbook([inv("1", "A", "2026-01-05", 100)], name="book.xlsx")
    (tmp_path / "other").mkdir()
    second = shutil.copy(first, tmp_path / "other" / "book.xlsm")
    result = CliRunner().invoke(
        main, ["report", str(first), str(second), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "book-xlsm",
        "book-xlsx",
        "index.html",
        "portfolio.xlsx",
    ]
    data = json.loads((tmp_path / "r" / "book-xlsm" / "book-xlsm.summary.json").read_text())
    assert data["input"]["file"] == "book.xlsm"


def test_a_file_still_being_made_is_written_after_those_in_hand(tmp_path):
    """A workbook still finishing on its threads is given as a callable: the other files are
    on disk before it is asked for, and a failure while it finishes leaves the previous
    report whole and no staging folder behind."""
    folder = tmp_path / "out" / "book"
    seen: list[list[str]] = []

    def workbook() -> bytes:
        staged = [p for p in (tmp_path / "out").iterdir() if p.name != "book"]
        seen.append(sorted(f.name for f in staged[0].iterdir()))
        return b"xlsx"

    files = write_outputs(folder, {"b.xlsx": workbook, "a.html": b"html", "c.json": b"json"})
    assert [f.name for f in files] == ["b.xlsx", "a.html", "c.json"]  # in the order given
    assert seen == [["a.html", "c.json"]]
    assert (folder / "b.xlsx").read_bytes() == b"xlsx"

    def broken() -> bytes:
        raise RuntimeError("the merge failed")

    with pytest.raises(RuntimeError, match="the merge failed"):
        write_outputs(folder, {"b.xlsx": broken, "a.html": b"new", "c.json": b"new"})
    assert (folder / "a.html").read_bytes() == b"html"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["book"]


def test_a_file_given_in_pieces_is_written_as_they_are_made(tmp_path):
    """summary.json's client list comes in pieces made as they are written: each piece is asked
    for once the one before is written (pieces of megabytes go straight past the file's
    buffer), all before the workbook still finishing, and a piece that fails leaves the
    previous report whole and no staging folder behind."""
    folder = tmp_path / "out" / "book"
    size = 2 * io.DEFAULT_BUFFER_SIZE
    made: list[str] = []

    def written() -> int:
        """Bytes of the JSON written so far (its file still a temporary one)."""
        staging = [p for p in (tmp_path / "out").iterdir() if p.name != "book"][0]
        return sum(f.stat().st_size for f in staging.iterdir() if f.name.startswith(".c.json"))

    def pieces():
        for i, piece in enumerate((b"[" + b" " * size, b"1, 2" + b" " * size, b"]")):
            made.append(f"piece {i} after {written()}")
            yield piece

    def workbook() -> bytes:
        staging = [p for p in (tmp_path / "out").iterdir() if p.name != "book"][0]
        made.append(f"workbook beside {sorted(f.name for f in staging.iterdir())}")
        return b"xlsx"

    write_outputs(folder, {"b.xlsx": workbook, "a.html": b"html", "c.json": pieces()})
    assert made == [
        "piece 0 after 0",
        f"piece 1 after {size + 1}",
        f"piece 2 after {2 * size + 5}",
        "workbook beside ['a.html', 'c.json']",
    ]
    assert json.loads((folder / "c.json").read_bytes()) == [1, 2]

    def failing():
        yield b"[" + b" " * size
        raise MemoryError("the list could not be made")

    with pytest.raises(MemoryError, match="could not be made"):
        write_outputs(folder, {"b.xlsx": workbook, "a.html": b"new", "c.json": failing()})
    assert json.loads((folder / "c.json").read_bytes()) == [1, 2]
    assert (folder / "a.html").read_bytes() == b"html"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["book"]


def test_a_failed_report_write_keeps_the_previous_report_whole(tmp_path, monkeypatch):
    folder = tmp_path / "out" / "book"
    write_outputs(folder, {"a.json": b"old a", "b.html": b"old b"})
    calls = {"n": 0}
    import pipeline.write as write

    real = write.write_atomic

    def flaky(path, data, mode=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(path, data, mode)

    monkeypatch.setattr(write, "write_atomic", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(folder, {"a.json": b"new a", "b.html": b"new b"})
    assert (folder / "a.json").read_bytes() == b"old a" and (
        folder / "b.html"
    ).read_bytes() == b"old b"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["book"]
