"""CSV exports: encodings and separators sniffed, read to the same figures as the workbook."""

from __future__ import annotations

import pytest

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
