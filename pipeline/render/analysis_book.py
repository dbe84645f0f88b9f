"""The analysis sheets, built with xlsxwriter as a workbook of their own.

Summary, Client analysis, Concentration, Monthly, Data issues and Method: each an Excel table
with a frozen header, real number formats and widths. Concentration's shares, HHI, effective
clients, top-k shares and stress test are live formulas over its revenue column, written with
their values cached so that every reader shows the figures before recalculating. User text is
always written as a string: ``strings_to_formulas`` is off and text goes through ``write_string``
(or, in a long table's later rows, into an inline string by ``bulkrows``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.model.analysis import Analysis
from pipeline.model.tiers import TIERS
from pipeline.ooxml import bulkrows
from pipeline.ooxml.bulkrows import MAX_TEXT, Formula
from pipeline.render.context import Provenance, client_rows
from pipeline.render.i18n import ENGLISH, Words
from pipeline.render.text import (
    balance_advice,
    hhi_sentence,
    stress_sentence,
    tier_label,
    verdict_label,
    verdict_sentence,
    warning_text,
)

MONEY = "#,##0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
MONTH = "yyyy-mm"
INTEGER = "0"
DECIMAL = "0.00"
STYLE = "Table Style Medium 2"
SHEETS = (
    "Summary",
    "Client analysis",
    "Concentration",
    "Monthly",
    "Trend",
    "Data issues",
    "Method",
)


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    fmt: str | None
    width: float


CLIENT_COLUMNS: tuple[Column, ...] = (
    Column("Rank", "rank", INTEGER, 7),
    Column("Client", "client", None, 32),
    Column("Tier", "tier_label", None, 11),
    Column("Grade", "grade", None, 7),
    Column("Roles", "roles_text_out", None, 18),
    Column("Revenue", "revenue", MONEY, 14),
    Column("Share", "share", PERCENT, 9),
    Column("Cumulative share", "cumulative_share", PERCENT, 11),
    Column("ABC class", "abc_class", None, 7),
    Column("Gross", "gross", MONEY, 14),
    Column("Credits", "credits", MONEY, 12),
    Column("Prior-window revenue", "prior_revenue", MONEY, 14),
    Column("Invoices in window", "invoices_in_window", INTEGER, 10),
    Column("Months billed", "months_billed", INTEGER, 9),
    Column("Gap variation (CV)", "gap_cv", DECIMAL, 10),
    Column("First invoice", "first_invoice", DATE, 12),
    Column("Last invoice", "last_invoice", DATE, 12),
    Column("Days since last", "days_since_last", INTEGER, 9),
    Column("Own usual gap (days)", "typical_gap_days", INTEGER, 9),
    Column("Gap judged against (days)", "judged_gap_days", INTEGER, 10),
    Column("At risk", "at_risk", None, 8),
    Column("Lost key client", "lost_key", None, 9),
    Column("P(alive)", "p_alive", DECIMAL, 9),
    Column("Expected invoices, 12 months", "expected_invoices_12m", DECIMAL, 11),
    Column("Median days late", "median_days_late", INTEGER, 9),
    Column("Worst days late", "worst_days_late", INTEGER, 9),
    Column("Paid share of billing due", "paid_share", PERCENT, 10),
    Column("Overdue", "overdue_amount", MONEY, 12),
    Column("Write-offs", "write_offs", INTEGER, 8),
    Column("Major customer", "major_customer", None, 9),
    Column("New clients to replace", "replacement_clients", DECIMAL, 10),
    Column("Working style", "working_style", None, 13),
    Column("Check in", "check_in", None, 8),
    Column("Reasons", "reasons_text", None, 100),
)


class Book:
    """An xlsxwriter workbook with one cached format per number format, and safe writes."""

    def __init__(self, buffer: io.BytesIO, when: dt.datetime, date_1904: bool = False) -> None:
        self.wb: Workbook = xlsxwriter.Workbook(
            buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,  # "=1+1" typed by a user is text
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "remove_timezone": True,
                "date_1904": date_1904,  # dates must count from the same day as the user's
            },
        )
        self.wb.set_properties({"created": when, "author": "tierbook"})
        self.wb.set_calc_mode("auto")
        self._formats: dict[tuple[str | None, bool, bool], Any] = {}
        self.later: list[bulkrows.Later] = []  # rows written once the workbook is closed
        self.header = self.wb.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F4E79",
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.title = self.wb.add_format({"bold": True, "font_size": 14})
        self.bold = self.wb.add_format({"bold": True})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})

    def fmt(self, number_format: str | None, wrap: bool = False, bold: bool = False) -> Any:
        key = (number_format, wrap, bold)
        if key not in self._formats:
            props: dict[str, Any] = {}
            if number_format:
                props["num_format"] = number_format
            if wrap:
                props.update(text_wrap=True, valign="top")
            if bold:
                props["bold"] = True
            self._formats[key] = self.wb.add_format(props) if props else None
        return self._formats[key]

    def put(
        self, ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None
    ) -> None:
        """The one place a value enters a cell: text is always a string cell, never a formula."""
        fmt = self.fmt(number_format)
        if value is None or (isinstance(value, float) and value != value):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(row, col, "yes" if value else "no", fmt)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, value, fmt or self.fmt(DATE))
        else:
            ws.write_string(row, col, _clean_text(str(value)), fmt)

    def table(
        self,
        ws: Worksheet,
        top: int,
        left: int,
        name: str,
        columns: Sequence[tuple[str, str | None]],
        rows: Sequence[Sequence[Any]],
        bulk: bool = False,
    ) -> int:
        """Headers and rows as an Excel table; returns the last row used.

        ``bulk``: a long table whose rows after the first are written by ``bulkrows`` once
        the workbook is closed (where their values allow it).
        """
        body = rows or [[None] * len(columns)]
        later = bulkrows.frame(body[1:], [fmt for _, fmt in columns]) if bulk else None
        if later is not None and later.height:
            self.later.append(bulkrows.Later(ws.index, top + 2, left, later))
            body = body[:1]
        for r, values in enumerate(body, start=top + 1):
            for c, (value, (_, fmt)) in enumerate(zip(values, columns, strict=True)):
                if isinstance(value, Formula):
                    ws.write_formula(r, left + c, value.text, self.fmt(fmt), value.cached)
                else:
                    self.put(ws, r, left + c, value, fmt)
        last = top + max(len(rows), 1)
        ws.add_table(
            top,
            left,
            last,
            left + len(columns) - 1,
            {
                "name": name,
                "style": STYLE,
                "columns": [
                    {"header": header, "header_format": self.header} for header, _ in columns
                ],
            },
        )
        return last


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


SHEET_ROWS = 1_048_576  # rows an Excel sheet holds


def _clean_text(text: str) -> str:
    """Text a cell can hold: no control characters the format forbids, within Excel's limit."""
    return _FORBIDDEN.sub("", text)[:MAX_TEXT]


def _ref(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _summary(
    book: Book,
    names: Mapping[str, str],
    analysis: Analysis,
    provenance: Provenance,
    conc_cells: Mapping[str, str],
    clients_range: Mapping[str, str],
    monthly_rows: int,
    pareto_rows: int,
    words: Words,
) -> None:
    ws = book.wb.add_worksheet(names["Summary"])
    conc, totals, w = analysis.concentration, analysis.totals, analysis.windows
    cur = analysis.currency
    ws.write_string(0, 0, _clean_text(f"tierbook summary: {provenance.file_name}"), book.title)
    ws.write_string(
        1, 0, f"Window {w.start.isoformat()} to {w.end.isoformat()} ({analysis.basis} basis)"
    )
    concentration = _ref(names["Concentration"])
    revenue_label = f"Revenue, net ({cur})" if cur else "Revenue, net"
    kpis: list[tuple[str, Any, str | None]] = [
        (revenue_label, Formula(f"SUM({clients_range['revenue']})", totals.revenue), MONEY),
        ("Gross billing", totals.gross, MONEY),
        ("Credit notes", totals.credits, MONEY),
        ("Invoices in the window", totals.invoices, INTEGER),
        ("Clients billed in the window", totals.clients, INTEGER),
        ("Clients with positive revenue", conc.clients_with_revenue, INTEGER),
        (
            "Effective number of clients",
            Formula(f"{concentration}!{conc_cells['effective']}", conc.effective_clients),
            DECIMAL,
        ),
        ("Top-1 share", Formula(f"{concentration}!{conc_cells['top1']}", conc.top1_share), PERCENT),
        ("Top-3 share", Formula(f"{concentration}!{conc_cells['top3']}", conc.top3_share), PERCENT),
        ("Top-5 share", Formula(f"{concentration}!{conc_cells['top5']}", conc.top5_share), PERCENT),
        ("HHI (0-10,000)", Formula(f"{concentration}!{conc_cells['hhi']}", conc.hhi), "#,##0"),
        ("HHI band", conc.hhi_band, None),
        ("Gini", conc.gini, "0.000"),
        ("Verdict", verdict_label(conc.verdict, words), None),
    ]
    top = 3
    ws.write_string(top, 0, "Figure", book.header)
    ws.write_string(top, 1, "Value", book.header)
    for r, (label, value, fmt) in enumerate(kpis, start=top + 1):
        book.put(ws, r, 0, label)
        if isinstance(value, Formula):
            ws.write_formula(r, 1, value.text, book.fmt(fmt), value.cached)
        else:
            book.put(ws, r, 1, value, fmt)
    last = top + len(kpis)
    ws.add_table(
        top,
        0,
        last,
        1,
        {
            "name": "tb_summary",
            "style": STYLE,
            "columns": [
                {"header": "Figure", "header_format": book.header},
                {"header": "Value", "header_format": book.header},
            ],
        },
    )
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 4)
    ws.set_column(3, 3, 14)
    ws.set_column(4, 5, 14)
    ws.freeze_panes(top + 1, 0)

    # Revenue by tier: live over the Client analysis sheet.
    tier_top = top
    tier_rows = []
    for tier, (revenue, count) in analysis.by_tier().items():
        label = tier_label(tier, words)
        tier_rows.append(
            [
                label,
                Formula(
                    f'SUMIFS({clients_range["revenue"]},{clients_range["tier"]},"{label}")', revenue
                ),
                Formula(f'COUNTIFS({clients_range["tier"]},"{label}")', count),
            ]
        )
    book.table(
        ws,
        tier_top,
        3,
        "tb_tiers",
        [("Tier", None), ("Revenue", MONEY), ("Clients", INTEGER)],
        tier_rows,
    )

    row = last + 2
    sections = [
        (
            "Verdict",
            [
                f"{verdict_label(conc.verdict, words)}. {verdict_sentence(analysis, words)}",
                hhi_sentence(analysis, words),
            ],
        ),
        ("Warnings", [warning_text(x, cur, words) for x in analysis.warnings] or ["None."]),
        ("Stress test", [stress_sentence(case, cur, words) for case in analysis.stress]),
        ("What to do", balance_advice(analysis, words)),
    ]
    for title, lines in sections:
        ws.write_string(row, 0, title, book.bold)
        for offset, line in enumerate(lines, start=1):
            ws.merge_range(row + offset, 0, row + offset, 5, "", book.wrap)
            ws.write_string(row + offset, 0, _clean_text(line), book.wrap)
            ws.set_row(row + offset, 15 * max(1, -(-len(line) // 110)))
        row += len(lines) + 2

    # Charts: native, over the Concentration, tier and Monthly tables.
    pareto = book.wb.add_chart({"type": "column"})
    shown = min(pareto_rows, 25)
    pareto.add_series(
        {
            "name": "Revenue",
            "categories": [names["Concentration"], 1, 1, shown, 1],
            "values": [names["Concentration"], 1, 2, shown, 2],
            "fill": {"color": "#1F4E79"},
        }
    )
    line = book.wb.add_chart({"type": "line"})
    line.add_series(
        {
            "name": "Cumulative share",
            "categories": [names["Concentration"], 1, 1, shown, 1],
            "values": [names["Concentration"], 1, 4, shown, 4],
            "y2_axis": True,
            "line": {"color": "#C0504D", "width": 2.25},
            "marker": {"type": "circle", "size": 4},
        }
    )
    pareto.combine(line)
    pareto.set_title(
        {"name": f"Pareto: revenue by client{f' (top {shown})' if pareto_rows > shown else ''}"}
    )
    pareto.set_y_axis({"name": f"Revenue{f' ({cur})' if cur else ''}", "num_format": "#,##0"})
    line.set_y2_axis({"name": "Cumulative share", "num_format": "0%", "min": 0, "max": 1})
    pareto.set_legend({"position": "bottom"})
    ws.insert_chart(row, 0, pareto, {"x_scale": 1.6, "y_scale": 1.2})

    by_tier = book.wb.add_chart({"type": "bar"})
    by_tier.add_series(
        {
            "name": "Revenue by tier",
            "categories": [names["Summary"], tier_top + 1, 3, tier_top + len(TIERS), 3],
            "values": [names["Summary"], tier_top + 1, 4, tier_top + len(TIERS), 4],
            "fill": {"color": "#1F4E79"},
        }
    )
    by_tier.set_title({"name": "Revenue by tier"})
    by_tier.set_legend({"none": True})
    by_tier.set_x_axis({"num_format": "#,##0"})
    ws.insert_chart(tier_top, 7, by_tier, {"x_scale": 1.0, "y_scale": 0.9})

    monthly = book.wb.add_chart({"type": "column", "subtype": "stacked"})
    colours = ["#1F4E79", "#4F81BD", "#9BBB59", "#F79646", "#A6A6A6"]
    for i in range(len(TIERS)):
        monthly.add_series(
            {
                "name": [names["Monthly"], 0, 1 + i],
                "categories": [names["Monthly"], 1, 0, monthly_rows, 0],
                "values": [names["Monthly"], 1, 1 + i, monthly_rows, 1 + i],
                "fill": {"color": colours[i]},
            }
        )
    monthly.set_title({"name": "Monthly revenue by tier"})
    monthly.set_y_axis({"num_format": "#,##0"})
    monthly.set_x_axis({"num_format": MONTH})
    monthly.set_legend({"position": "bottom"})
    ws.insert_chart(row, 7, monthly, {"x_scale": 1.6, "y_scale": 1.2})


def _clients(book: Book, name: str, analysis: Analysis, words: Words) -> None:
    ws = book.wb.add_worksheet(name)
    lost = set(analysis.lost_key_clients["client"].to_list())
    rows = []
    for c in client_rows(analysis, words):
        c["tier_label"] = tier_label(c["tier"], words)
        c["roles_text_out"] = ", ".join(c["roles"])
        c["reasons_text"] = "; ".join(c["reasons"])
        c["lost_key"] = c["client"] in lost
        rows.append([c[col.key] for col in CLIENT_COLUMNS])
    cur = analysis.currency
    columns = [
        (f"{col.header} ({cur})" if cur and col.fmt == MONEY else col.header, col.fmt)
        for col in CLIENT_COLUMNS
    ]
    last = book.table(ws, 0, 0, "tb_clients", columns, rows, bulk=True)
    for i, col in enumerate(CLIENT_COLUMNS):
        ws.set_column(i, i, col.width)
    ws.freeze_panes(1, 2)
    index = {col.key: i for i, col in enumerate(CLIENT_COLUMNS)}
    if rows:
        share = index["share"]
        ws.conditional_format(
            1, share, last, share, {"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True}
        )
        late = index["median_days_late"]
        ws.conditional_format(
            1,
            late,
            last,
            late,
            {
                "type": "3_color_scale",
                "min_color": "#63BE7B",
                "mid_type": "num",
                "mid_value": 30,
                "mid_color": "#FFEB84",
                "max_color": "#F8696B",
            },
        )
        lost_col = xl_col_to_name(index["lost_key"])
        highlight = book.wb.add_format({"bg_color": "#F4CCCC", "font_color": "#9C0006"})
        ws.conditional_format(
            1,
            0,
            last,
            len(CLIENT_COLUMNS) - 1,
            {"type": "formula", "criteria": f'=${lost_col}2="yes"', "format": highlight},
        )


CONCENTRATION_CELLS = {
    "hhi": "$I$2",
    "effective": "$I$3",
    "top1": "$I$4",
    "top3": "$I$5",
    "top5": "$I$6",
}


def _concentration(book: Book, name: str, analysis: Analysis) -> None:
    """The Pareto/ABC table and the figures over it, as live formulas with cached values."""
    ws = book.wb.add_worksheet(name)
    ranked = analysis.clients.filter(analysis.clients["share"].is_not_null()).sort("rank")
    n = ranked.height
    first, last = 2, n + 1  # Excel rows of the revenue column
    rev = f"C${first}:C${last}"
    shares = f"D${first}:D${last}"
    rows = []
    for i, c in enumerate(ranked.iter_rows(named=True)):
        r = first + i
        rows.append(
            [
                c["rank"],
                c["client"],
                c["revenue"],
                Formula(f"C{r}/SUM({rev})", c["share"]),
                Formula(f"SUM(D${first}:D{r})", c["cumulative_share"]),
                Formula(
                    f'IF(E{r}-D{r}<0.8-1E-12,"A",IF(E{r}-D{r}<0.95-1E-12,"B","C"))', c["abc_class"]
                ),
            ]
        )
    cur = analysis.currency
    columns = [
        ("Rank", INTEGER),
        ("Client", None),
        (f"Revenue ({cur})" if cur else "Revenue", MONEY),
        ("Share", PERCENT),
        ("Cumulative share", PERCENT),
        ("ABC class", None),
    ]
    book.table(ws, 0, 0, "tb_pareto", columns, rows, bulk=True)
    conc = analysis.concentration
    top = lambda k: f"SUM(D${first}:D${min(last, first + k - 1)})"  # noqa: E731 - sorted by revenue
    figures = [
        ("HHI (0-10,000)", Formula(f"SUMPRODUCT({shares},{shares})*10000", conc.hhi), "#,##0.00"),
        ("Effective number of clients", Formula("10000/I2", conc.effective_clients), DECIMAL),
        ("Top-1 share", Formula(top(1), conc.top1_share), PERCENT),
        ("Top-3 share", Formula(top(3), conc.top3_share), PERCENT),
        ("Top-5 share", Formula(top(5), conc.top5_share), PERCENT),
        (
            "Clients with positive revenue",
            Formula(f"COUNT({rev})", conc.clients_with_revenue),
            INTEGER,
        ),
        ("Gini (value; n/(n-1) corrected)", conc.gini, "0.000"),
    ]
    ws.write_string(0, 7, "Figure", book.header)
    ws.write_string(0, 8, "Value", book.header)
    for r, (label, value, fmt) in enumerate(figures, start=1):
        book.put(ws, r, 7, label)
        if isinstance(value, Formula):
            ws.write_formula(r, 8, value.text, book.fmt(fmt), value.cached)
        else:
            book.put(ws, r, 8, value, fmt)
    ws.add_table(
        0,
        7,
        len(figures),
        8,
        {
            "name": "tb_concentration",
            "style": STYLE,
            "columns": [
                {"header": "Figure", "header_format": book.header},
                {"header": "Value", "header_format": book.header},
            ],
        },
    )
    stress_top = len(figures) + 2
    stress_rows = []
    for case in analysis.stress:
        rest = f"C${first + case.lost}:C${max(last, first + case.lost)}"
        stress_rows.append(
            [
                f"Losing the top {case.lost}" if case.lost > 1 else "Losing the top client",
                Formula(f"SUM(C${first}:C${first + case.lost - 1})", case.revenue_lost),
                Formula(f"SUM({rest})", case.revenue_after),
                Formula(f"SUM({rest})/SUM({rev})", case.revenue_after_share),
                Formula(
                    f"IF(SUM({rest})>0,SUMPRODUCT({rest},{rest})/SUM({rest})^2*10000,0)",
                    case.hhi_after or 0.0,
                ),
            ]
        )
    book.table(
        ws,
        stress_top,
        7,
        "tb_stress",
        [
            ("Stress test", None),
            ("Revenue lost", MONEY),
            ("Revenue left", MONEY),
            ("Share of today's", PERCENT),
            ("HHI after", "#,##0.00"),
        ],
        stress_rows,
    )
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 32)
    ws.set_column(2, 2, 14)
    ws.set_column(3, 5, 11)
    ws.set_column(7, 7, 30)
    ws.set_column(8, 11, 14)
    ws.freeze_panes(1, 0)


def _monthly(book: Book, name: str, analysis: Analysis, words: Words) -> None:
    ws = book.wb.add_worksheet(name)
    wide = analysis.monthly.pivot(on="tier", index="month", values="revenue").sort("month")
    rows = []
    for i, row in enumerate(wide.iter_rows(named=True)):
        r = i + 2
        values = [row.get(t, 0.0) for t in TIERS]
        rows.append([row["month"], *values, Formula(f"SUM(B{r}:F{r})", sum(values))])
    columns = [("Month", MONTH), *((tier_label(t, words), MONEY) for t in TIERS), ("Total", MONEY)]
    last = book.table(ws, 0, 0, "tb_monthly", columns, rows)
    # A plain total row under the table: SUM formulas every reader evaluates alike.
    ws.write_string(last + 1, 0, "Total", book.bold)
    totals = [
        *(
            float(analysis.monthly.filter(analysis.monthly["tier"] == t)["revenue"].sum())
            for t in TIERS
        )
    ]
    for c, value in enumerate([*totals, sum(totals)], start=1):
        letter = xl_col_to_name(c)
        ws.write_formula(
            last + 1, c, f"SUM({letter}2:{letter}{last + 1})", book.fmt(MONEY, bold=True), value
        )
    ws.set_column(0, 0, 10)
    ws.set_column(1, 6, 14)
    ws.freeze_panes(1, 1)


def _trend(book: Book, name: str, analysis: Analysis) -> None:
    """The window's headline figures at each month-end, with a line chart of the shares."""
    ws = book.wb.add_worksheet(name)
    cur = analysis.currency
    columns = [
        ("As of", DATE),
        (f"Revenue, net ({cur})" if cur else "Revenue, net", MONEY),
        ("Top-1 share", PERCENT),
        ("Top-5 share", PERCENT),
        ("Effective clients", DECIMAL),
        ("HHI", "#,##0"),
        ("Anchors (months rule)", INTEGER),
    ]
    rows = [list(r) for r in analysis.trend.iter_rows()]
    last = book.table(ws, 0, 0, "tb_trend", columns, rows)
    for i, width in enumerate((12, 18, 12, 12, 16, 10, 20)):
        ws.set_column(i, i, width)
    ws.freeze_panes(1, 1)
    if not rows:
        return
    chart = book.wb.add_chart({"type": "line"})
    for col, colour in ((2, "#1F4E79"), (3, "#C0504D")):
        chart.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, col, last, col],
                "line": {"color": colour, "width": 2.25},
            }
        )
    months = analysis.config.window_months
    chart.set_title(
        {"name": f"Top-1 and top-5 share of revenue, {months}-month window at each month-end"}
    )
    chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
    chart.set_x_axis({"num_format": "yyyy-mm", "date_axis": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 320})
    ws.insert_chart(1, 8, chart)


def _issues(book: Book, name: str, analysis: Analysis) -> None:
    ws = book.wb.add_worksheet(name)
    rows = [
        list(r)
        for r in analysis.issues.select(
            "sheet", "row", "column", "value", "problem", "action"
        ).iter_rows()
    ]
    if not rows:
        rows = [
            ["(none)", None, None, None, "No data issues: every row was used as written.", None]
        ]
    if len(rows) > SHEET_ROWS - 1:  # a sheet holds 1,048,576 rows, its header one of them
        more = len(rows) - (SHEET_ROWS - 2)
        rows = rows[: SHEET_ROWS - 2] + [
            [
                "(more)",
                None,
                None,
                None,
                f"{more:,} more data issues: more than a sheet can hold",
                "every one is in summary.json (data_issues)",
            ]
        ]
    columns = [
        ("Sheet", None),
        ("Row", INTEGER),
        ("Column", None),
        ("Value", None),
        ("Problem", None),
        ("Action", None),
    ]
    book.table(ws, 0, 0, "tb_data_issues", columns, rows)
    for i, width in enumerate((18, 7, 18, 24, 44, 44)):
        ws.set_column(i, i, width)
    ws.freeze_panes(1, 0)


def _method(book: Book, name: str, facts: Sequence[tuple[str, Any, str]]) -> None:
    ws = book.wb.add_worksheet(name)
    rows = [[item, value, why] for item, value, why in facts]
    book.table(ws, 0, 0, "tb_method", [("Item", None), ("Value", None), ("Why", None)], rows)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 80)
    ws.freeze_panes(1, 0)


def build_analysis_book(
    analysis: Analysis,
    provenance: Provenance,
    names: Mapping[str, str],
    facts: Sequence[tuple[str, Any, str]],
    when: dt.datetime,
    date_1904: bool = False,
    words: Words = ENGLISH,
) -> bytes:
    """The analysis sheets as a complete .xlsx, sheets named as ``names`` maps ``SHEETS``.

    Labels and reasons are in ``words``' language; sheet names and headings stay as the
    input contract names them.
    """
    buffer = io.BytesIO()
    book = Book(buffer, when, date_1904)
    # Formulas on Summary refer to the other sheets, whose layout follows from the analysis alone.
    index = {col.key: i for i, col in enumerate(CLIENT_COLUMNS)}
    span = max(analysis.clients.height, 1) + 1
    quoted = _ref(names["Client analysis"])

    def col_range(key: str) -> str:
        letter = xl_col_to_name(index[key])
        return f"{quoted}!${letter}$2:${letter}${span}"

    clients_range = {"revenue": col_range("revenue"), "tier": col_range("tier_label")}
    pareto_rows = analysis.clients.filter(analysis.clients["share"].is_not_null()).height
    monthly_rows = analysis.monthly["month"].n_unique()
    _summary(
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
    _clients(book, names["Client analysis"], analysis, words)
    _concentration(book, names["Concentration"], analysis)
    _monthly(book, names["Monthly"], analysis, words)
    _trend(book, names["Trend"], analysis)
    _issues(book, names["Data issues"], analysis)
    _method(book, names["Method"], facts)
    for ws in book.wb.worksheets():  # print one page wide, landscape, on A4
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        if ws.name != names["Summary"]:
            ws.repeat_rows(0)
    book.wb.worksheets()[0].fit_to_pages(1, 1)  # the Summary on one page
    book.wb.close()
    return bulkrows.fill(buffer.getvalue(), book.later, when, date_1904)


def sheet_names(existing: Sequence[str]) -> dict[str, str]:
    """Our sheet names, made unique against the user's own (case-insensitively)."""
    taken = {name.casefold() for name in existing}
    names = {}
    for wanted in SHEETS:
        name, n = wanted, 2
        while name.casefold() in taken:
            name = f"{wanted} ({n})"
            n += 1
        taken.add(name.casefold())
        names[wanted] = name
    return names
