"""What an auditor reads: the Data issues sheet (every row not used as written) and the Method
sheet (the input's hash, the window, every definition and threshold in force)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from pipeline.model.analysis import Analysis
from pipeline.model.issues import listed
from pipeline.model.window import month_cover
from pipeline.render.provenance import Provenance
from pipeline.render.xlsx.book import INTEGER, SHEET_ROWS, Book, wrapped_heights


def _currencies(analysis: Analysis) -> str:
    """The other currencies and what became of each: converted at a rate, or left out."""
    said = []
    for c in analysis.currencies:
        if c.currency == analysis.currency:
            continue
        if c.counted:
            said.append(
                f"{c.currency} converted at {c.rate:g} {analysis.currency} per {c.currency}"
            )
        else:
            said.append(
                f"{c.currency} left out ({c.invoices:,} invoices in the window, "
                f"{c.currency} {c.revenue:,.2f}): no rate given"
            )
    return "; ".join(said) or "no other currency; other currencies are never added in unconverted"


def method_facts(
    analysis: Analysis, provenance: Provenance, notes: list[str]
) -> list[tuple[str, Any, str]]:
    """Everything an auditor needs to re-derive the figures, for the Method sheet."""
    w = analysis.windows
    facts: list[tuple[str, Any, str]] = [
        ("Tool", f"tierbook {provenance.version}", ""),
        ("Input file", provenance.file_name, ""),
        (
            "Business",
            provenance.business or "(not named)",
            provenance.business_from
            or "no business setting, document title or title line; the file name stands in",
        ),
        (
            "Input SHA-256",
            provenance.sha256,
            "hash of the input file's bytes; the input is never modified",
        ),
        (
            "Invoices sheet",
            ", ".join(
                f"{s} (header on row {provenance.header_rows.get(s, '?')})"
                for s in provenance.invoice_sheets
            ),
            "",
        ),
        ("Clients sheet", provenance.client_sheet or "none found", ""),
        ("Invoice rows read", provenance.rows_read, "non-blank rows below the header"),
        (
            "Dates",
            analysis.dates.words(),
            f"{analysis.dates.ambiguous:,} could be read day or month first; --dates "
            f"{analysis.dates.other} reads them the other way"
            if analysis.dates.ambiguous
            else "two-digit years: 00-29 are 2000-2029, 30-99 are 1930-1999 (Excel's rule)",
        ),
        ("Data issues", analysis.issues.height, "listed on the Data issues sheet"),
        (
            "Payment data",
            ", ".join(analysis.payment_data) or "none",
            "what the grades and the overdue figures are measured on; without paid dates or "
            "payment statuses no client is graded and nothing is overdue"
            if "paid dates" in analysis.payment_data or "payment statuses" in analysis.payment_data
            else "the ledger says nothing of payment: no client is graded, nothing is overdue",
        ),
        (
            "As-of date",
            w.as_of,
            "--as-of, else the latest invoice date (paid date on the paid basis)",
        ),
        ("Window", f"{w.start.isoformat()} to {w.end.isoformat()}", "both days included"),
        ("Prior window", f"{w.prior_start.isoformat()} to {w.prior_end.isoformat()}", ""),
        ("Basis", analysis.basis, "invoiced: by invoice date; paid: by paid date"),
        ("Currency", analysis.currency or "not stated", _currencies(analysis)),
        ("Amount", analysis.amount_source, "each row's amount, before credits are made negative"),
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
            "Trend",
            "the window's revenue, top-1 and top-5 shares, effective clients and HHI at each "
            "month-end of the ledger (the last 36) and at the as-of date",
            "anchors there count the months rule alone (billed in enough rolling months and "
            "material); cadence and contract anchors are judged at the as-of date only",
        ),
        (
            "Months",
            _months_fact(analysis),
            "charts and the Monthly sheet keep the window's own ends; the Monthly sheet gives "
            "each month's days in the window",
        ),
        (
            "Lost and slipping",
            "lost: a key client of the prior window gone quiet past what its cadence allows "
            "that kept less than lost_revenue_kept of its prior revenue; slipping: still billing "
            "but down by slipping_drop, or gone quiet having kept more",
            "a slipping client gets a call among the actions; a lost one a post-mortem",
        ),
        (
            "Common control",
            "a Clients-sheet Group column, or QuickBooks 'Parent:Child' names, are measured as one",
            "",
        ),
    ]
    limit, clients = analysis.config.notes_max_clients, analysis.clients.height
    if clients > limit:
        facts.append(
            (
                "Cell notes",
                f"on the first rows of the {limit:,} clients that brought the most in the window "
                f"or the prior window, of {clients:,}",
                "notes_max_clients; every client's reasons are on the Client analysis sheet",
            )
        )
    for note in notes:
        facts.append(("Not carried over", note, "the input file is unchanged and still holds it"))
    for note in provenance.outside:
        facts.append(("Reaches outside the workbook", note, "tierbook opened and refreshed none"))
    for note in provenance.stripped:
        facts.append(
            ("Taken out (--strip-external)", note, "the input file is unchanged and still holds it")
        )
    for name, value, why in analysis.config.shown_items():
        facts.append((f"Setting: {name}", value if value is not None else "(unset)", why))
    return facts


def issues_sheet(book: Book, name: str, analysis: Analysis) -> None:
    ws = book.wb.add_worksheet(name)
    rows = [
        list(r)
        for r in listed(analysis.issues)
        .select("sheet", "row", "column", "value", "problem", "action")
        .iter_rows()
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
                "counted in summary.json (data_issues_total)",
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


def _months_fact(analysis: Analysis) -> str:
    """Which calendar months the window covers only in part, said with their days."""
    w = analysis.windows
    months = sorted(set(analysis.monthly["month"].to_list()))
    partial = [
        f"{m:%b %Y} ({inside} of {length} days)"
        for m in months
        for inside, length in [month_cover(m, w)]
        if inside < length
    ]
    text = "calendar months"
    if partial:
        text += (
            "; the window covers only part of " + " and ".join(partial) + ", marked * on the chart"
        )
    return text


def method_sheet(book: Book, name: str, facts: Sequence[tuple[str, Any, str]]) -> None:
    ws = book.wb.add_worksheet(name)
    rows = [[item, value, why] for item, value, why in facts]
    heights = (
        pl.DataFrame(
            [
                wrapped_heights([str(item) for item, _, _ in rows], 30).alias("item"),
                wrapped_heights([v if isinstance(v, str) else None for _, v, _ in rows], 66).alias(
                    "value"
                ),
                wrapped_heights([why for _, _, why in rows], 60).alias("why"),
            ]
        )
        .max_horizontal()
        .to_list()
        if rows
        else None
    )
    book.table(
        ws,
        0,
        0,
        "tb_method",
        [("Item", None), ("Value", None), ("Why", None)],
        rows,
        heights=heights,
    )
    # Values and reasons wrap inside their columns, and counts and amounts show their
    # thousands, so the sheet prints on A4 with nothing running into the next column.
    for r, (item, value, why) in enumerate(rows, start=1):
        book.put(ws, r, 0, item, wrap=True)
        if isinstance(value, int | float) and not isinstance(value, bool):
            whole = float(value).is_integer()
            book.put(ws, r, 1, value, "#,##0" if whole else "#,##0.00", wrap=True)
        elif value is not None and not isinstance(value, dt.date):
            book.put(ws, r, 1, value, wrap=True)
        book.put(ws, r, 2, why, wrap=True)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 66)  # a SHA-256 (64 characters) on one line
    ws.set_column(2, 2, 60)
    ws.freeze_panes(1, 0)
