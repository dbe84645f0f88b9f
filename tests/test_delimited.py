"""CSV exports: encodings and separators sniffed, read to the same figures as the workbook."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.edge.cli import main
from pipeline.errors import InputError
from pipeline.read.delimited import decode, sniff_separator
from pipeline.report import report
from tests.conftest import analysis_of, inv, write_workbook

ROWS = [
    ("INV-1", "Älvsjö Bygg AB", "2026-01-15", 1234.5),
    ("INV-2", "Café Noir, Ltd", "2026-02-15", 2000.0),
    ("INV-3", "Älvsjö Bygg AB", "2026-03-15", 800.25),
    ("INV-4", 'The "Best" Co', "2026-03-20", -100.0),
]


def _csv(rows, sep: str, decimal: str, day_first: bool) -> str:
    lines = ["Sales export for FY2026", "", sep.join(["Invoice No", "Customer", "Date", "Amount"])]
    for number, client, date, amount in rows:
        y, m, d = date.split("-")
        when = f"{d}/{m}/{y}" if day_first else date
        text = f"{amount:.2f}".replace(".", decimal)
        cells = [number, client, when, text]
        lines.append(
            sep.join(
                f'"{c.replace(chr(34), chr(34) * 2)}"'
                if (sep in c or '"' in c or decimal == sep)
                else c
                for c in cells
            )
        )
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "sep", "decimal"),
    [
        ("utf-8", ",", "."),
        ("utf-8-sig", ";", ","),
        ("cp1252", ";", ","),
        ("utf-16", "\t", "."),
        ("utf-8", "|", "."),
    ],
)
def test_a_csv_reads_to_the_figures_of_the_same_ledger_as_xlsx(tmp_path, encoding, sep, decimal):
    path = tmp_path / "export.csv"
    path.write_bytes(_csv(ROWS, sep, decimal, day_first=True).encode(encoding))
    xlsx = write_workbook(
        tmp_path / "same.xlsx",
        [inv(n, c, d, a, "paid" if a > 0 else "credit note") for n, c, d, a in ROWS],
    )
    from_csv, from_xlsx = analysis_of(path), analysis_of(xlsx)
    assert (
        from_csv.totals.revenue
        == pytest.approx(from_xlsx.totals.revenue)
        == pytest.approx(1234.5 + 2000 + 800.25 - 100)
    )
    assert from_csv.concentration.hhi == pytest.approx(from_xlsx.concentration.hhi)
    assert sorted(from_csv.clients["client"]) == sorted(from_xlsx.clients["client"])


def test_the_encoding_is_sniffed_from_the_bytes():
    assert decode("Café".encode(), "x")[1] == "utf-8"
    assert decode(b"\xef\xbb\xbfCaf\xc3\xa9", "x") == ("Café", "utf-8-sig")
    assert decode("Café".encode("cp1252"), "x") == ("Café", "cp1252")
    assert decode("Café".encode("utf-16"), "x") == ("Café", "utf-16")
    with pytest.raises(InputError, match="binary"):
        decode(b"PK\x00\x00\x01", "x")


def test_the_separator_is_the_one_that_splits_lines_alike():
    assert sniff_separator("a;b;c\n1,5;2,5;3\n") == ";"
    assert sniff_separator("title\na,b,c\n1,2,3\n") == ","
    assert sniff_separator("a\tb\n1\t2\n") == "\t"
    assert sniff_separator('"x, y"|b\n1|2\n') == "|"


def test_a_csv_report_holds_the_analysis_sheets_and_says_why_not_the_original(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_csv(ROWS, ",", ".", day_first=False), encoding="utf-8")
    result = report(path, tmp_path / "out")
    import openpyxl

    book = openpyxl.load_workbook(result.folder / "export.annotated.xlsx", read_only=True)
    assert "Client analysis" in book.sheetnames and "Method" in book.sheetnames
    method = {r[0]: r[1] for r in book["Method"].iter_rows(min_row=2, values_only=True)}
    book.close()
    assert any("csv" in str(v) for k, v in method.items() if k == "Not carried over")


def _summary(path, tmp_path, *options):
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(tmp_path / "o"), *options])
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "o" / path.stem / f"{path.stem}.summary.json").read_text())


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_quoted_fields_hold_separators_quotes_and_line_breaks(tmp_path, newline):
    """RFC 4180: a shop's billing address on three lines is one cell of one record."""
    lines = [
        "Invoice No,Client,Date,Amount,Address",
        f'1,"Acme, Ltd",2026-01-05,100.00,"1 High St{newline}Flat 2{newline}Leeds"',
        f'2,"The ""Best"" Co",2026-02-05,50.00,"2 Low St, ""The Yard""{newline}York"',
        "3,Acme,2026-03-05,25.00,x",
    ]
    path = tmp_path / "shop.csv"
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    data = _summary(path, tmp_path)
    assert {c["client"]: c["revenue"] for c in data["clients"]} == {
        "Acme, Ltd": 100.0,
        'The "Best" Co': 50.0,
        "Acme": 25.0,
    }
    assert data["data_issues"] == []


def test_a_stray_first_line_and_blank_lines_between_records_are_skipped_and_listed(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text(
        "{}\nInvoice No,Client,Date,Amount\n1,Acme,2026-01-05,100\n\n2,Beta,2026-02-05,50\n"
    )
    data = _summary(path, tmp_path)
    assert data["totals"]["revenue"] == 150
    assert [(i["row"], i["problem"], i["action"]) for i in data["data_issues"]] == [
        (1, "a line above the header with no words, not part of the table", "skipped"),
        (4, "a blank line between records", "skipped"),
    ]


def test_a_title_above_the_header_is_not_a_data_issue(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("Sales for 2026\n\nInvoice No,Client,Date,Amount\n1,Acme,2026-01-05,100\n")
    assert _summary(path, tmp_path)["data_issues"] == []


def test_a_quote_left_open_is_refused_with_the_line_it_opened_on(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text(
        'Invoice,Client,Date,Amount\n1,Acme,2026-01-05,100\n2,"Beta,2026-02-05,200\n'
        "3,Gamma,2026-02-06,300\n4,Delta,2026-02-07,400\n"
    )
    with pytest.raises(InputError, match="a quoted cell opened on line 3 .* not closed"):
        report(path, tmp_path / "out")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='ab Zé€,"-0\n', max_size=6), max_size=6),
        min_size=1,
        max_size=12,
    )
)
def test_every_record_is_a_row_of_its_cells_padded_to_the_widest(tmp_path_factory, records):
    """The records written out (quoted where a cell holds the separator, a quote or a line
    break) become rows of text cells, each cell as it was generated: an empty cell and a
    missing one (a short record, a blank line) are both null, every row as wide as the widest
    record, in the file's order. The expected rows come from the generated records, not from
    a parser: the reader itself parses with Python's csv module."""
    import csv
    import io

    from hypothesis import assume

    from pipeline.read.delimited import read_delimited

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    text = buffer.getvalue()
    assume(text.strip())
    # a cell over three lines or more can look like records swallowed by a quote left open,
    # which the reader refuses rather than guesses at
    assume(all(cell.count("\n") < 2 for record in records for cell in record))
    width = max(len(record) for record in records)
    want = [
        tuple([cell or None for cell in record] + [None] * (width - len(record)))
        for record in records
    ]
    path = tmp_path_factory.mktemp("csv") / "export.csv"
    path.write_text(text, encoding="utf-8", newline="")
    frame, _, separator = read_delimited(path)
    assume(separator == ",")
    assert frame.columns == [f"c{i}" for i in range(width)]
    assert frame.rows() == want
