"""The business a report is titled by: a Settings ``business`` row, else the workbook's own
title (its properties, or a title line above the header), else the file's name."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from pipeline.report import Options, report
from tests.conftest import D, inv, write_workbook

ROWS = [inv("1", "Alpha Ltd", "2026-01-10", 900), inv("2", "Beta Co", "2026-02-10", 100)]


def _titles(book: Path, out: Path) -> dict[str, object]:
    result = report(book, out, Options(as_of=D("2026-06-30")))
    stem = book.stem
    html = (result.folder / f"{stem}.briefing.html").read_text(encoding="utf-8")
    data = json.loads((result.folder / f"{stem}.summary.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(result.folder / f"{stem}.annotated.xlsx")
    method = {r[0]: r[1] for r in wb["Method"].iter_rows(min_row=2, values_only=True)}
    heading = html[html.index("<h1>") + 4 : html.index("</h1>")]
    return {
        "h1": heading,
        "json": data["input"]["business"],
        "summary": wb["Summary"]["A1"].value,
        "summary_type": wb["Summary"]["A1"].data_type,
        "method": method["Business"],
    }


def test_a_title_line_above_the_header_names_the_business(tmp_path):
    book = write_workbook(
        tmp_path / "sales export (3).xlsx", ROWS, title_rows=["Harbor & Pine <Design>", ""]
    )
    got = _titles(book, tmp_path / "out")
    assert got["h1"] == "Client briefing: Harbor &amp; Pine &lt;Design&gt;"
    assert got["json"] == "Harbor & Pine <Design>" == got["method"]
    assert got["summary"] == "tierbook summary: Harbor & Pine <Design>"


def test_the_business_setting_wins_over_the_workbook_s_title(tmp_path):
    book = write_workbook(
        tmp_path / "book.xlsx",
        ROWS,
        title_rows=["Old Name Ltd"],
        settings=[("business", "  New   Name Ltd ")],
    )
    got = _titles(book, tmp_path / "out")
    assert got["json"] == "New Name Ltd" and got["h1"] == "Client briefing: New Name Ltd"


def test_the_document_title_in_the_properties_names_the_business(tmp_path):
    book = write_workbook(tmp_path / "book.xlsx", ROWS)
    wb = openpyxl.load_workbook(book)
    wb.properties.title = "Kestrel Studio"
    wb.save(book)
    assert _titles(book, tmp_path / "out")["json"] == "Kestrel Studio"


@pytest.mark.parametrize(
    "lines",
    [
        [],  # no line above the header
        ["2026-01-01"],  # a date is no name
        ["x" * 121],  # a paragraph is a note, not a name
    ],
)
def test_without_a_name_the_file_s_name_stands_in(tmp_path, lines):
    book = write_workbook(tmp_path / "plain.xlsx", ROWS, title_rows=lines)
    got = _titles(book, tmp_path / "out")
    assert got["json"] is None and got["method"] == "(not named)"
    assert got["h1"] == "Client briefing: plain.xlsx"


def test_a_line_of_several_cells_above_the_header_is_no_title(tmp_path):
    book = write_workbook(tmp_path / "two.xlsx", ROWS)
    wb = openpyxl.load_workbook(book)
    wb["Invoices"].insert_rows(1)
    wb["Invoices"]["A1"], wb["Invoices"]["B1"] = "Period", "Jan-Jun"
    wb.save(book)
    assert _titles(book, tmp_path / "out")["json"] is None


def test_a_title_that_looks_like_a_formula_stays_text(tmp_path):
    book = write_workbook(tmp_path / "f.xlsx", ROWS)
    wb = openpyxl.load_workbook(book)
    wb.properties.title = '=HYPERLINK("http://x.invalid","Acme")'
    wb.save(book)
    got = _titles(book, tmp_path / "out")
    assert got["summary_type"] == "s"
    assert got["summary"].endswith('=HYPERLINK("http://x.invalid","Acme")')
