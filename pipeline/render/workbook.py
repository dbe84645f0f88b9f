"""The annotated workbook: the user's own sheets, untouched, plus the analysis sheets.

The original is loaded with openpyxl (formulas stay formulas, styles, merges, panes, data
validation and defined names are kept) and new sheets are appended. Parts openpyxl cannot carry
(charts, images, shapes, pivot tables) are named on the Method sheet. Bytes are deterministic:
fixed zip entry times and a fixed document timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.model.analysis import Analysis
from pipeline.render.cells import put
from pipeline.render.context import Provenance, client_rows
from pipeline.render.text import (
    TIER_LABELS,
    VERDICT_LABELS,
    balance_advice,
    hhi_sentence,
    stress_sentence,
    verdict_sentence,
    warning_text,
)

MONEY = "#,##0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
INTEGER = "0"
DECIMAL = "0.00"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=14)

_UNCARRIED = {
    "xl/charts/": "charts",
    "xl/drawings/": "drawings (images, shapes, text boxes)",
    "xl/pivotTables/": "pivot tables",
    "xl/slicers/": "slicers",
    "xl/ctrlProps/": "form controls",
    "xl/vbaProject": "macros (VBA project)",
}


def _unique_name(wb: Workbook, wanted: str) -> str:
    taken = {name.casefold() for name in wb.sheetnames}
    name, n = wanted, 2
    while name.casefold() in taken:
        name = f"{wanted} ({n})"
        n += 1
    return name


def _unique_table(wb: Workbook, wanted: str) -> str:
    taken = {t.casefold() for ws in wb.worksheets for t in ws.tables}
    name, n = wanted, 2
    while name.casefold() in taken:
        name = f"{wanted}{n}"
        n += 1
    return name


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width


def _table(
    wb: Workbook,
    ws: Worksheet,
    name: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[str | None],
    widths: Sequence[float],
    top: int = 1,
) -> None:
    """Headers and rows as an Excel table with filter buttons, banded rows and a frozen header."""
    for col, header in enumerate(headers, start=1):
        put(ws, top, col, header)
        cell = ws.cell(row=top, column=col)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, values in enumerate(rows, start=top + 1):
        for col, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
            put(ws, r, col, value, fmt)
    _widths(ws, widths)
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    if rows:
        last = openpyxl.utils.get_column_letter(len(headers))
        table = Table(displayName=_unique_table(wb, name), ref=f"A{top}:{last}{top + len(rows)}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)


def _paragraph(ws: Worksheet, row: int, text: str, columns: int = 2) -> None:
    """A sentence across the first columns, wrapped, tall enough for about 56 characters a line."""
    put(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = 15 * max(1, -(-len(text) // 56))


def _summary_sheet(wb: Workbook, analysis: Analysis, provenance: Provenance) -> None:
    ws = wb.create_sheet(_unique_name(wb, "Summary"))
    conc, totals, w = analysis.concentration, analysis.totals, analysis.windows
    cur = analysis.currency or ""
    put(ws, 1, 1, f"tierbook summary: {provenance.file_name}")
    ws.cell(row=1, column=1).font = TITLE_FONT
    put(ws, 2, 1, f"Window {w.start.isoformat()} to {w.end.isoformat()} ({analysis.basis} basis)")
    kpis: list[tuple[str, Any, str | None]] = [
        (f"Revenue, net ({cur})".replace(" ()", ""), totals.revenue, MONEY),
        ("Gross billing", totals.gross, MONEY),
        ("Credit notes", totals.credits, MONEY),
        ("Invoices in the window", totals.invoices, INTEGER),
        ("Clients billed in the window", totals.clients, INTEGER),
        ("Clients with positive revenue", conc.clients_with_revenue, INTEGER),
        ("Effective number of clients", conc.effective_clients, DECIMAL),
        ("Top-1 share", conc.top1_share, PERCENT),
        ("Top-3 share", conc.top3_share, PERCENT),
        ("Top-5 share", conc.top5_share, PERCENT),
        ("HHI (0-10,000)", conc.hhi, "#,##0"),
        ("HHI band", conc.hhi_band, None),
        ("Gini", conc.gini, "0.000"),
        ("Verdict", conc.verdict, None),
    ]
    _table(
        wb,
        ws,
        "tb_summary",
        ["Figure", "Value"],
        [(k, v) for k, v, _ in kpis],
        [None, None],
        [34, 22],
        top=4,
    )
    for offset, (_, _, fmt) in enumerate(kpis, start=5):
        if fmt:
            ws.cell(row=offset, column=2).number_format = fmt
    row = 5 + len(kpis) + 1
    for offset, sentence in enumerate(
        (f"{VERDICT_LABELS[conc.verdict]}. {verdict_sentence(analysis)}", hhi_sentence(analysis))
    ):
        _paragraph(ws, row + offset, sentence)
    row += 3
    for title, lines in (
        ("Warnings", [warning_text(w, analysis.currency) for w in analysis.warnings] or ["None."]),
        ("Stress test", [stress_sentence(case, analysis.currency) for case in analysis.stress]),
        ("What to do", balance_advice(analysis)),
    ):
        put(ws, row, 1, title)
        ws.cell(row=row, column=1).font = Font(bold=True)
        for offset, line in enumerate(lines, start=1):
            _paragraph(ws, row + offset, line)
        row += len(lines) + 2


CLIENT_COLUMNS: tuple[tuple[str, str, str | None, float], ...] = (
    ("Rank", "rank", INTEGER, 7),
    ("Client", "client", None, 32),
    ("Tier", "tier_label", None, 11),
    ("Grade", "grade", None, 7),
    ("Roles", "roles_text_out", None, 18),
    ("Revenue", "revenue", MONEY, 14),
    ("Share", "share", PERCENT, 9),
    ("Cumulative share", "cumulative_share", PERCENT, 11),
    ("ABC class", "abc_class", None, 7),
    ("Gross", "gross", MONEY, 14),
    ("Credits", "credits", MONEY, 12),
    ("Prior-window revenue", "prior_revenue", MONEY, 14),
    ("Invoices in window", "invoices_in_window", INTEGER, 10),
    ("Months billed", "months_billed", INTEGER, 9),
    ("Gap variation (CV)", "gap_cv", DECIMAL, 10),
    ("First invoice", "first_invoice", DATE, 12),
    ("Last invoice", "last_invoice", DATE, 12),
    ("Days since last", "days_since_last", INTEGER, 9),
    ("Own usual gap (days)", "typical_gap_days", INTEGER, 9),
    ("Gap judged against (days)", "judged_gap_days", INTEGER, 10),
    ("At risk", "at_risk", None, 8),
    ("P(alive)", "p_alive", DECIMAL, 9),
    ("Expected invoices, 12 months", "expected_invoices_12m", DECIMAL, 11),
    ("Median days late", "median_days_late", INTEGER, 9),
    ("Worst days late", "worst_days_late", INTEGER, 9),
    ("Paid share of billing due", "paid_share", PERCENT, 10),
    ("Overdue", "overdue_amount", MONEY, 12),
    ("Write-offs", "write_offs", INTEGER, 8),
    ("Major customer", "major_customer", None, 9),
    ("New clients to replace", "replacement_clients", DECIMAL, 10),
    ("Working style", "working_style", None, 13),
    ("Check in", "check_in", None, 8),
    ("Reasons", "reasons_text", None, 100),
)


def _clients_sheet(wb: Workbook, analysis: Analysis) -> None:
    ws = wb.create_sheet(_unique_name(wb, "Client analysis"))
    rows = []
    for c in client_rows(analysis):
        c["tier_label"] = TIER_LABELS[c["tier"]]
        c["roles_text_out"] = ", ".join(c["roles"])
        c["reasons_text"] = "; ".join(c["reasons"])
        rows.append([c[key] for _, key, _, _ in CLIENT_COLUMNS])
    headers = [h for h, _, _, _ in CLIENT_COLUMNS]
    if analysis.currency:
        headers = [
            f"{h} ({analysis.currency})" if fmt == MONEY else h for h, _, fmt, _ in CLIENT_COLUMNS
        ]
    _table(
        wb,
        ws,
        "tb_clients",
        headers,
        rows,
        [f for _, _, f, _ in CLIENT_COLUMNS],
        [w for *_, w in CLIENT_COLUMNS],
    )


def _issues_sheet(wb: Workbook, analysis: Analysis) -> None:
    ws = wb.create_sheet(_unique_name(wb, "Data issues"))
    headers = ["Sheet", "Row", "Column", "Value", "Problem", "Action"]
    rows = list(
        analysis.issues.select("sheet", "row", "column", "value", "problem", "action").iter_rows()
    )
    _table(
        wb,
        ws,
        "tb_data_issues",
        headers,
        rows,
        [None, INTEGER, None, None, None, None],
        [18, 7, 18, 24, 40, 40],
    )
    if not rows:
        put(ws, 2, 1, "No data issues: every row was used as written.")


def _method_sheet(
    wb: Workbook, analysis: Analysis, provenance: Provenance, dropped: list[str]
) -> None:
    ws = wb.create_sheet(_unique_name(wb, "Method"))
    w = analysis.windows
    facts: list[tuple[str, Any, str]] = [
        ("Tool", f"tierbook {provenance.version}", ""),
        ("Input file", provenance.file_name, ""),
        (
            "Input SHA-256",
            provenance.sha256,
            "hash of the input file's bytes; the input is never modified",
        ),
        (
            "Invoices sheet",
            f"{provenance.invoice_sheet} (header on row {provenance.invoice_header_row})",
            "",
        ),
        ("Clients sheet", provenance.client_sheet or "none found", ""),
        ("Invoice rows read", provenance.rows_read, "non-blank rows below the header"),
        ("Data issues", analysis.issues.height, "listed on the Data issues sheet"),
        (
            "As-of date",
            w.as_of,
            "--as-of, else the latest invoice date (paid date on the paid basis)",
        ),
        ("Window", f"{w.start.isoformat()} to {w.end.isoformat()}", "both days included"),
        ("Prior window", f"{w.prior_start.isoformat()} to {w.prior_end.isoformat()}", ""),
        ("Basis", analysis.basis, "invoiced: by invoice date; paid: by paid date"),
        ("Currency", analysis.currency or "not stated", "other currencies are never added in"),
        (
            "Usable invoice rows, total amount",
            analysis.totals.input_amount_total,
            "every usable row, any date and status: ties out to the Invoices sheet",
        ),
        ("of which void or draft", analysis.totals.void_amount, "never counted as revenue"),
        (
            "Revenue definition",
            "sum of non-void invoice amounts dated in the window, credit notes negative",
            "",
        ),
        ("Share", "client revenue / total revenue of clients with positive revenue", ""),
        ("HHI", "sum of squared shares × 10,000; effective clients = 10,000 / HHI", ""),
        ("Gini", "Gini of client revenue with the n/(n−1) small-sample correction", ""),
        (
            "ABC class",
            "A: clients making the first 80% of revenue; B: the next 15%; C: the rest",
            "",
        ),
        (
            "Tiers",
            "in order: lapsed (nothing in the window), new (first invoice recent), anchor "
            "(material and predictable), recurring (two or more months), one-off",
            "predictable: billed in most rolling months of the window, or a regular cadence "
            "(low variation of the gaps between invoices), with tenure since the window began; or "
            "a contract in force on the Clients sheet",
        ),
        (
            "Grades",
            "D: a write-off, chronic lateness or most billing unpaid; A: on time, paid in full, "
            "repeat work, sizeable or steady; B: within a month and mostly paid; C: the rest",
            "days late = paid date - due date (invoice date + default terms when no due date)",
        ),
        (
            "Roles",
            "large-constant, growth, referrer (measured); image, tester, special (Clients sheet tags)",
            "",
        ),
        (
            "At risk",
            "silent for more than k x its usual gap between invoices and a minimum of days",
            "one-invoice clients are judged by the business's typical repeat gap",
        ),
        ("P(alive)", analysis.model_note, "Fader, Hardie & Lee (2005); time in weeks"),
        (
            "Replacement burden",
            "a key client's revenue / the average first-year revenue of a new client; months at "
            "the pace of new clients won in the window",
            f"cohort: clients first billed in the {analysis.acquisition.cohort} "
            f"({analysis.acquisition.cohort_size})",
        ),
        (
            "Common control",
            "a Clients-sheet Group column, or QuickBooks 'Parent:Child' names, are measured as one",
            "",
        ),
    ]
    if dropped:
        facts.append(
            (
                "Not carried over from the original",
                ", ".join(dropped),
                "openpyxl cannot copy these parts; they remain in the input file",
            )
        )
    for name, value, _why in analysis.config.items():
        facts.append((f"Setting: {name}", value if value is not None else "(unset)", _why))
    formats = [None, None, None]
    rows = [(k, v, why) for k, v, why in facts]
    _table(wb, ws, "tb_method", ["Item", "Value", "Why"], rows, formats, [34, 60, 70])
    for r, (_, value, _) in enumerate(rows, start=2):
        if isinstance(value, dt.date):
            ws.cell(row=r, column=2).number_format = DATE
        elif isinstance(value, float):
            ws.cell(row=r, column=2).number_format = MONEY if abs(value) >= 1 else "0.00##"


def _uncarried(path: Path, fmt: str) -> list[str]:
    if fmt != "xlsx":
        return [
            "every original sheet (.xls and .ods files are not copied; only the analysis is written)"
        ]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    found = []
    for prefix, label in _UNCARRIED.items():
        count = sum(1 for n in names if n.startswith(prefix) and n.endswith((".xml", ".bin")))
        if count:
            found.append(f"{count} {label}")
    return found


def _load(path: Path, fmt: str, when: dt.datetime) -> Workbook:
    if fmt != "xlsx":
        wb = Workbook()
        wb.remove(wb.active)
        wb.properties.created = when  # a new document: no wall-clock time in it
        return wb
    # Macros are not kept: the output is an .xlsx, which may not hold a VBA project.
    return openpyxl.load_workbook(path, keep_vba=False, keep_links=True, rich_text=True)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def normalise_xlsx(data: bytes, when: dt.datetime) -> bytes:
    """Same input, same bytes: fixed zip entry times and document modified time."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, body)
    return out.getvalue()


def render_workbook(
    source: Path, fmt: str, analysis: Analysis, provenance: Provenance, when: dt.datetime
) -> bytes:
    """The original workbook with the Summary, Client analysis, Data issues and Method sheets."""
    wb = _load(source, fmt, when)
    dropped = _uncarried(source, fmt)
    _summary_sheet(wb, analysis, provenance)
    _clients_sheet(wb, analysis)
    _issues_sheet(wb, analysis)
    _method_sheet(wb, analysis, provenance, dropped)
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_xlsx(buffer.getvalue(), when)
