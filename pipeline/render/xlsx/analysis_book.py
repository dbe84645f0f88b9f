"""The analysis sheets as a workbook of their own, built with xlsxwriter.

Summary, Client analysis, Concentration, Monthly, Trend, Receivables, Data issues and Method: each an Excel
table with a frozen header, real number formats and widths, printed one page wide on A4. This
workbook is then merged into the user's own package (``render.xlsx.workbook``), or written
alone for inputs that are not Excel packages.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from pipeline.model.analysis import Analysis
from pipeline.naming import unique
from pipeline.ooxml import bulkrows
from pipeline.render.provenance import Provenance
from pipeline.render.xlsx.audit import issues_sheet, method_sheet
from pipeline.render.xlsx.book import Book, quoted
from pipeline.render.xlsx.clients import CLIENT_COLUMNS, clients_sheet
from pipeline.render.xlsx.concentration import CONCENTRATION_CELLS, concentration_sheet
from pipeline.render.xlsx.history import monthly_sheet, receivables_sheet, trend_sheet
from pipeline.render.xlsx.summary import summary_sheet
from pipeline.words.i18n import ENGLISH, Words

SHEETS = (
    "Summary",
    "Client analysis",
    "Concentration",
    "Monthly",
    "Trend",
    "Receivables",
    "Data issues",
    "Method",
)


def build_analysis_book(
    analysis: Analysis,
    provenance: Provenance,
    names: Mapping[str, str],
    facts: Sequence[tuple[str, Any, str]],
    when: dt.datetime,
    date_1904: bool = False,
    words: Words = ENGLISH,
) -> bulkrows.Unfilled:
    """The analysis sheets as a complete .xlsx, sheets named as ``names`` maps ``SHEETS``, the
    long tables' rows put in by whoever copies the sheets on (``merge``).

    Labels and reasons are in ``words``' language; sheet names and headings stay as the
    input contract names them.
    """
    buffer = io.BytesIO()
    book = Book(buffer, when, date_1904)
    # Formulas on Summary refer to the other sheets, whose layout follows from the analysis alone.
    index = {col.key: i for i, col in enumerate(CLIENT_COLUMNS)}
    span = max(analysis.clients.height, 1) + 1
    quoted_name = quoted(names["Client analysis"])

    def col_range(key: str) -> str:
        letter = xl_col_to_name(index[key])
        return f"{quoted_name}!${letter}$2:${letter}${span}"

    clients_range = {"revenue": col_range("revenue"), "tier": col_range("tier_label")}
    pareto_rows = analysis.clients.filter(analysis.clients["share"].is_not_null()).height
    monthly_rows = analysis.monthly["month"].n_unique()
    summary_sheet(
        book,
        names,
        analysis,
        provenance,
        CONCENTRATION_CELLS,
        clients_range,
        monthly_rows,
        pareto_rows,
        words,
    )
    clients_sheet(book, names["Client analysis"], analysis, words)
    concentration_sheet(book, names["Concentration"], analysis)
    monthly_sheet(book, names["Monthly"], analysis, words)
    trend_sheet(book, names["Trend"], analysis)
    receivables_sheet(book, names["Receivables"], analysis)
    issues_sheet(book, names["Data issues"], analysis)
    method_sheet(book, names["Method"], facts)
    for ws in book.wb.worksheets():  # print one page wide, landscape, on A4
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        # each printed page says which sheet and which page it is
        ws.set_header("&L&8&A&R&8tierbook")
        ws.set_footer("&C&8&P / &N")
        if ws.name != names["Summary"]:
            ws.repeat_rows(0)
    book.wb.close()
    return bulkrows.Unfilled(buffer.getvalue(), tuple(book.later), date_1904)


def sheet_names(existing: Sequence[str]) -> dict[str, str]:
    """Our sheet names, made unique against the user's own (case-insensitively)."""
    taken = {name.casefold() for name in existing}
    return {wanted: unique(wanted, taken) for wanted in SHEETS}
