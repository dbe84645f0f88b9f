"""The Monthly and Trend sheets: revenue by calendar month and tier, and the window's headline
figures at each month-end, with a chart of the shares."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from pipeline.model.analysis import Analysis
from pipeline.model.tiers import TIERS
from pipeline.ooxml.bulkrows import Formula
from pipeline.render.xlsx.book import DATE, DECIMAL, INTEGER, MONEY, MONTH, PERCENT, Book
from pipeline.words.i18n import Words
from pipeline.words.labels import tier_label


def monthly_sheet(book: Book, name: str, analysis: Analysis, words: Words) -> None:
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


def trend_sheet(book: Book, name: str, analysis: Analysis) -> None:
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
