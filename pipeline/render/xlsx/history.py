"""The Monthly, Trend and Receivables sheets: revenue by calendar month and tier, the window's
headline figures at each month-end with a chart of the shares, and who owes what by age."""

from __future__ import annotations

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from pipeline.model.analysis import Analysis
from pipeline.model.receivables import COLUMNS, receivable_totals
from pipeline.model.tiers import TIERS
from pipeline.model.window import month_cover
from pipeline.ooxml.bulkrows import Formula
from pipeline.render.xlsx.book import (
    DATE,
    DECIMAL,
    INTEGER,
    MONEY,
    MONTH,
    PERCENT,
    Book,
    cell_text,
    quoted,
)
from pipeline.words.i18n import Words
from pipeline.words.labels import tier_label


def monthly_sheet(book: Book, name: str, analysis: Analysis, words: Words) -> None:
    ws = book.wb.add_worksheet(name)
    wide = analysis.monthly.pivot(on="tier", index="month", values="revenue").sort("month")
    rows = []
    for i, row in enumerate(wide.iter_rows(named=True)):
        r = i + 2
        values = [row.get(t, 0.0) for t in TIERS]
        inside, length = month_cover(row["month"], analysis.windows)
        rows.append(
            [row["month"], *values, Formula(f"SUM(B{r}:F{r})", sum(values)), inside, length]
        )
    columns = [
        ("Month", MONTH),
        *((tier_label(t, words), MONEY) for t in TIERS),
        ("Total", MONEY),
        ("Days in the window", INTEGER),  # fewer than in the month: a partial month
        ("Days in the month", INTEGER),
    ]
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
    ws.set_column(7, 8, 11)
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
    # below the table, so the sheet prints one page wide at full size
    ws.insert_chart(analysis.trend.height + 2, 0, chart)


RECEIVABLE_HEADINGS = (
    ("Client", None),
    ("Not yet due", MONEY),
    ("Up to 30 days past due", MONEY),
    ("31-60 days", MONEY),
    ("61-90 days", MONEY),
    ("Over 90 days", MONEY),
    ("Outstanding", MONEY),
    ("Overdue", MONEY),
    ("Oldest, days past due", INTEGER),
    ("Debtor days", INTEGER),
)


RECEIVABLE_KEYS = (*COLUMNS, "outstanding", "overdue", "oldest_days_past_due", "debtor_days")
# Owing clients from which their rows go in by ``bulkrows`` rather than cell by cell: a shop's
# 2,311 took xlsxwriter 0.1 s. A shorter list is written as it always was.
LONG_RECEIVABLES = 500


def overdue_total_cell(sheet: str, owed: pl.DataFrame) -> str:
    """Where ``receivables_sheet`` puts the total overdue (its total row, Overdue column), for
    the Summary's formula that reads it."""
    column = xl_col_to_name(1 + RECEIVABLE_KEYS.index("overdue"))
    return f"{quoted(sheet)}!${column}${max(owed.height, 1) + 2}"


def receivables_sheet(book: Book, name: str, analysis: Analysis) -> None:
    """Who owes what at as-of by age, every client owing anything, with a total row of SUM
    formulas whose Overdue ties to the Summary's overdue figure."""
    ws = book.wb.add_worksheet(name)
    owed = analysis.receivables
    if owed is None:
        ws.write_string(
            0,
            0,
            "The ledger says nothing of payment (no paid dates or payment statuses), so who "
            "owes what cannot be shown.",
        )
        ws.set_column(0, 0, 100)
        return
    keys = RECEIVABLE_KEYS
    rows = [[cell_text(r["client"]), *(r[k] for k in keys)] for r in owed.iter_rows(named=True)]
    last = book.table(
        ws, 0, 0, "tb_receivables", RECEIVABLE_HEADINGS, rows, bulk=len(rows) > LONG_RECEIVABLES
    )
    ws.write_string(last + 1, 0, "Total", book.bold)
    totals = receivable_totals(owed)
    for c, key in enumerate(keys[:7], start=1):
        letter = xl_col_to_name(c)
        ws.write_formula(
            last + 1,
            c,
            f"SUM({letter}2:{letter}{last + 1})",
            book.fmt(MONEY, bold=True),
            totals[key],
        )
    ws.set_column(0, 0, 30)
    ws.set_column(1, 8, 14)
    ws.set_column(9, 10, 11)
    ws.freeze_panes(1, 1)
