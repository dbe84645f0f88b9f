"""The Client analysis sheet: one row per client with every figure behind its labels, and
its reasons in words; its rows after the first are written in bulk."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from pipeline.model.analysis import Analysis
from pipeline.render.xlsx.book import DATE, DECIMAL, INTEGER, MONEY, PERCENT, Book, wrapped_heights
from pipeline.words.i18n import Words
from pipeline.words.labels import tier_label
from pipeline.words.rows import worded


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    fmt: str | None
    width: float


# The columns an owner reads come first and are the sheet's print area, ending with the
# reasons wrapped at a readable width; every other figure follows, on screen only.
CLIENT_COLUMNS: tuple[Column, ...] = (
    Column("Rank", "rank", INTEGER, 6),
    Column("Client", "client", None, 28),
    Column("Tier", "tier_label", None, 11),
    Column("Grade", "grade", None, 6),
    Column("Revenue", "revenue", MONEY, 13),
    Column("Share", "share", PERCENT, 8),
    Column("Change %", "change_pct", PERCENT, 9),
    Column("Overdue", "overdue_amount", MONEY, 12),
    Column("Days since last", "days_since_last", INTEGER, 8),
    Column("Reasons", "reasons_text", None, 70),
    Column("Roles", "roles_text_out", None, 18),
    Column("Cumulative share", "cumulative_share", PERCENT, 11),
    Column("ABC class", "abc_class", None, 7),
    Column("Gross", "gross", MONEY, 14),
    Column("Credits", "credits", MONEY, 12),
    Column("Prior-window revenue", "prior_revenue", MONEY, 14),
    Column("Change on the prior window", "change", MONEY, 14),
    Column("Invoices in window", "invoices_in_window", INTEGER, 10),
    Column("Months billed", "months_billed", INTEGER, 9),
    Column("Gap variation (CV)", "gap_cv", DECIMAL, 10),
    Column("First invoice", "first_invoice", DATE, 12),
    Column("Last invoice", "last_invoice", DATE, 12),
    Column("Own usual gap (days)", "typical_gap_days", INTEGER, 9),
    Column("Gap judged against (days)", "judged_gap_days", INTEGER, 10),
    Column("At risk", "at_risk", None, 8),
    Column("Lost key client", "lost_key", None, 9),
    Column("P(alive)", "p_alive", DECIMAL, 9),
    Column("Expected invoices, 12 months", "expected_invoices_12m", DECIMAL, 11),
    Column("Median days late", "median_days_late", INTEGER, 9),
    Column("Worst days late", "worst_days_late", INTEGER, 9),
    Column("Paid share of billing due", "paid_share", PERCENT, 10),
    Column("Write-offs", "write_offs", INTEGER, 8),
    Column("Major customer", "major_customer", None, 9),
    Column("New clients to replace", "replacement_clients", DECIMAL, 10),
    Column("Working style", "working_style", None, 13),
    Column("Check in", "check_in", None, 8),
)


def client_table(analysis: Analysis, words: Words) -> pl.DataFrame:
    """The sheet's columns in order, one row per client: the model's own columns as they are,
    the labels joined on in polars, and the reasons as ``worded`` gives them."""
    tiers = analysis.clients["tier"].drop_nulls().unique().to_list()
    reasons = worded(analysis, words)["reasons"].list.join("; ")
    return analysis.clients.with_columns(
        pl.col("tier")
        .replace_strict({t: tier_label(t, words) for t in tiers}, return_dtype=pl.String)
        .alias("tier_label"),
        pl.col("roles").list.join(", ").alias("roles_text_out"),
        reasons.alias("reasons_text"),
        pl.col("client").is_in(analysis.lost_key_clients["client"].implode()).alias("lost_key"),
    ).select(col.key for col in CLIENT_COLUMNS)


def clients_sheet(book: Book, name: str, analysis: Analysis, words: Words) -> None:
    ws = book.wb.add_worksheet(name)
    rows = client_table(analysis, words)
    cur = analysis.currency
    columns = [
        (f"{col.header} ({cur})" if cur and col.fmt == MONEY else col.header, col.fmt)
        for col in CLIENT_COLUMNS
    ]
    reasons = next(i for i, col in enumerate(CLIENT_COLUMNS) if col.key == "reasons_text")
    wide = CLIENT_COLUMNS[reasons].width
    heights = wrapped_heights(rows["reasons_text"], wide).to_list()
    last = book.table(ws, 0, 0, "tb_clients", columns, rows, bulk=True, heights=heights)
    for i, col in enumerate(CLIENT_COLUMNS):
        ws.set_column(i, i, col.width)
    ws.freeze_panes(1, 2)
    index = {col.key: i for i, col in enumerate(CLIENT_COLUMNS)}
    if rows.height:  # the first row's style is every later row's: the reasons wrap in all
        book.put(ws, 1, reasons, rows["reasons_text"][0], wrap=True)
    ws.print_area(0, 0, last, reasons)
    if rows.height:
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
