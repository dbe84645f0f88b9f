"""``portfolio.xlsx``: the portfolio table as an Excel table, the lost key clients of every
business, and a Method sheet; the same bytes for the same reports."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from pipeline.model.portfolio import RISK_RULE, Business, Failure
from pipeline.ooxml.merge import standalone
from pipeline.render.xlsx.book import DATE, DECIMAL, INTEGER, MONEY, PERCENT, Book
from pipeline.words.i18n import Words
from pipeline.words.labels import verdict_label
from pipeline.words.sentences import risk_reason


def render_portfolio_book(
    rows: Sequence[Business], failures: Sequence[Failure], w: Words, version: str, when: dt.datetime
) -> bytes:
    buffer = io.BytesIO()
    book = Book(buffer, when)
    ws = book.wb.add_worksheet("Portfolio")
    columns = [
        ("Risk", INTEGER),
        ("Business", None),
        ("Report folder", None),
        ("As of", DATE),
        ("Currency", None),
        ("Revenue, net", MONEY),
        ("Clients", INTEGER),
        ("Effective clients", DECIMAL),
        ("Top-1 share", PERCENT),
        ("Top-1 share a year ago", PERCENT),
        ("Top-5 share", PERCENT),
        ("Verdict", None),
        ("Anchors", INTEGER),
        ("Lost key clients", INTEGER),
        ("Revenue lost", MONEY),
        ("Grade D share", PERCENT),
        ("Overdue", MONEY),
        ("Data issues", INTEGER),
        ("Why", None),
    ]
    table = [
        [
            b.risk,
            b.file,
            b.name,
            b.as_of,
            b.currency,
            b.revenue,
            b.clients,
            b.effective_clients,
            b.top1_share,
            b.top1_year_ago,
            b.top5_share,
            verdict_label(b.verdict, w),
            b.anchors,
            len(b.lost),
            b.lost_revenue,
            b.d_grade_share,
            b.overdue,
            b.data_issues,
            w._("; ").join(risk_reason(code, f, b.currency, w) for code, f in b.risk_reasons),
        ]
        for b in rows
    ]
    book.table(ws, 0, 0, "tb_portfolio", columns, table)
    widths = (6, 34, 24, 11, 9, 16, 8, 10, 10, 12, 10, 20, 8, 8, 14, 10, 14, 8, 90)
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    ws.freeze_panes(1, 2)

    lost = book.wb.add_worksheet("Lost key clients")
    book.table(
        lost,
        0,
        0,
        "tb_lost",
        [
            ("Business", None),
            ("Client", None),
            ("Currency", None),
            ("Prior window revenue", MONEY),
            ("Window revenue", MONEY),
            ("Revenue lost", MONEY),
            ("Last invoice", DATE),
        ],
        [
            [
                b.file,
                item.client,
                b.currency,
                item.prior_revenue,
                item.revenue,
                item.revenue_lost,
                item.last_invoice,
            ]
            for b in rows
            for item in b.lost
        ],
    )
    for i, width in enumerate((34, 34, 9, 18, 16, 14, 12)):
        lost.set_column(i, i, width)
    lost.freeze_panes(1, 0)

    method = book.wb.add_worksheet("Method")
    facts: list[list[object]] = [
        ["Tool", f"tierbook {version}", ""],
        [
            "Risk score",
            RISK_RULE,
            "ties: larger top-1 share first, then by name",
        ],
        [
            "Top-1 share a year ago",
            "the trend point nearest to a year before each as-of (within a month)",
            "from each business's own ledger",
        ],
    ]
    for b in rows:
        facts.append(
            [
                f"Input: {b.file}",
                f"SHA-256 {b.sha256}; as of {b.as_of.isoformat()}",
                f"report folder {b.name}",
            ]
        )
    for f in failures:
        facts.append([f"Not reported: {f.file}", f.reason, ""])
    book.table(method, 0, 0, "tb_method", [("Item", None), ("Value", None), ("Note", None)], facts)
    method.set_column(0, 0, 40)
    method.set_column(1, 1, 100)
    method.set_column(2, 2, 40)
    for sheet in book.wb.worksheets():
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
    book.wb.close()
    return standalone(buffer.getvalue(), when)
