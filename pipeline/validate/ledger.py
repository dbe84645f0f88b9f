"""The validate stage: raw sheets in, a typed ``Ledger`` and its data issues out.

Each invoice sheet is checked (``invoices``), the sheets joined into one currency
(``currency``) and one spelling per client (``names``), the Clients sheet checked
(``clients``), and every issue ordered by sheet and row, so the Data issues sheet reads like
the workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from pipeline.config import Config, Ignored
from pipeline.read.sheets import RawTable, RawWorkbook
from pipeline.validate.clients import idle_clients, parse_clients
from pipeline.validate.currency import one_currency
from pipeline.validate.dates import decide_order
from pipeline.validate.duplicates import first_of_each
from pipeline.validate.fields import label
from pipeline.validate.invoices import (
    date_cells,
    invoice_key,
    order_issue,
    parse_invoices,
    prepared,
)
from pipeline.validate.issues import one_issue
from pipeline.validate.names import one_spelling
from pipeline.validate.records import (
    CLIENT_SCHEMA,
    INVOICE_SCHEMA,
    ISSUE_SCHEMA,
    PAYMENT_DATA,
    PAYMENT_STATUSES,
    DateOrder,
    Ledger,
)
from pipeline.validate.settings import settings_issues


def handed_over(raw: RawWorkbook) -> tuple[RawWorkbook, list[pl.DataFrame]]:
    """Each invoice sheet's fields as clean text, and the workbook without the cells they came
    from. Given both, ``build_ledger`` takes the texts off the list one sheet at a time and lets
    go of each date column once it is checked; while the workbook still held the cells, ten
    million rows' date text (500 MB) stayed to the end."""
    return raw.without_invoice_rows(), [prepared(table) for table in raw.invoices]


def build_ledger(
    raw: RawWorkbook,
    config: Config,
    today: dt.date | None = None,
    ignored: Sequence[Ignored] = (),
    texts: list[pl.DataFrame] | None = None,
) -> Ledger:
    """Type, clean and check the raw sheets; the result holds only usable rows.

    ``ignored`` are the Settings rows the config did not apply (``resolve_config``): their
    issues, and those of unreadable ``map`` rows, come first, as they were met before any row.
    ``texts``: the invoice sheets' prepared fields, as ``handed_over`` gives them (emptied
    here); made from ``raw`` when not given.
    """
    today = today or dt.date.today()
    if texts is None:
        texts = [prepared(table) for table in raw.invoices]
    order = ledger_order(raw.invoices, texts, config)
    issues: list[pl.DataFrame] = []
    first_issue = order_issue(raw.invoices[0], order)
    if first_issue is not None:
        issues.append(first_issue)
    parts, sources, rows_read = [], [], 0
    for table in raw.invoices:
        # each sheet's clean text let go of as it is parsed: ten million rows of it are GBs
        parsed, found, count, source = parse_invoices(table, texts, order, config, today)
        parts.append(parsed)
        issues += found
        rows_read += count
        sources.append(source)
    issues += [_skipped(table, raw.invoices[0]) for table in raw.skipped]
    carried = "carried into the annotated workbook unchanged; tierbook followed none"
    taken = "none: the input file still holds them; run without --strip-external to carry them"
    issues += [
        one_issue(
            "(workbook)",
            None,
            "(links out)",
            None,
            f"the workbook reaches outside itself: {note}",
            action,
        )
        for notes, action in ((raw.outside, carried), (raw.stripped, taken))
        for note in notes
    ]
    combined = pl.concat(parts, how="diagonal_relaxed")
    if len(parts) > 1:  # each sheet numbered its own invoices; one invoice may span sheets
        combined = combined.with_columns(first_of_each(combined, invoice_key()).alias("invoice"))
    del parts
    combined, found, currency, set_aside = one_currency(combined, raw.invoices, config)
    issues += found
    combined, found = one_spelling(combined, label(raw.invoices[0], "client"))
    issues += found
    payment = _payment_data(combined)
    invoices = combined.select([pl.col(n).cast(t) for n, t in INVOICE_SCHEMA.items()])
    del combined
    if raw.clients is not None:
        clients, found = parse_clients(raw.clients, config, order)
        issues += found
        issues.append(idle_clients(clients, raw.clients, invoices))
    else:
        clients = pl.DataFrame(schema={k: v for k, v in CLIENT_SCHEMA.items() if k != "sheet"})
    ordered = _in_sheet_order(issues, raw.sheet_names)
    settings = settings_issues(raw, ignored)
    return Ledger(
        invoices=invoices,
        clients=clients,
        issues=ordered if not settings.height else pl.concat([settings, ordered]),
        currency=currency,
        invoice_sheets=tuple(t.sheet for t in raw.invoices),
        client_sheet=raw.clients.sheet if raw.clients else None,
        rows_read=rows_read,
        has_deposits=invoices["deposit"].is_not_null().any(),  # a column left empty says nothing
        dates=order,
        payment_data=payment,
        amount_source="; ".join(dict.fromkeys(sources)),
        set_aside=set_aside,
    )


def ledger_order(
    tables: Sequence[RawTable], texts: Sequence[pl.DataFrame], config: Config
) -> DateOrder:
    """One order of day and month for every invoice sheet of the workbook (one program or one
    person wrote them all), decided from all their date cells at once."""
    layout = next(((t.profile, t.date_order) for t in tables if t.profile and t.date_order), None)
    return decide_order(
        pl.concat([date_cells(text) for text in texts]),
        config.dates,
        layout,  # type: ignore[arg-type]
        "dmy" if config.day_first else "mdy",
    )


def _payment_data(invoices: pl.DataFrame) -> tuple[str, ...]:
    """Which of ``PAYMENT_DATA`` the ledger holds: a column left empty says nothing, and a
    status the reader inferred (from a sign or a paid date) is not one the ledger stated."""
    held = invoices.select(
        pl.col("paid_date").is_not_null().any().alias("paid dates"),
        pl.col("stated_status").is_in(PAYMENT_STATUSES).any().alias("payment statuses"),
        pl.col("due_date").is_not_null().any().alias("due dates"),
        pl.col("deposit").is_not_null().any().alias("deposits"),
    ).row(0, named=True)
    return tuple(name for name in PAYMENT_DATA if held[name])


def _skipped(table: RawTable, first: RawTable) -> pl.DataFrame:
    """An invoice-like sheet of another layout than the first is not read; say so."""
    return one_issue(
        table.sheet,
        table.header_row,
        "(header)",
        None,
        f"looks like an invoice table, but its columns differ from sheet '{first.sheet}'",
        "sheet not read; give it the same columns to include it",
    )


def _in_sheet_order(issues: Sequence[pl.DataFrame], sheets: Sequence[str]) -> pl.DataFrame:
    """Every issue, ordered by the sheets' places in the workbook, then by row."""
    order = {name: i for i, name in enumerate(sheets)}
    frame = pl.concat([pl.DataFrame(schema=dict(ISSUE_SCHEMA)), *issues], how="vertical_relaxed")
    frame = frame.with_columns(
        pl.col("sheet").replace_strict(order, default=len(order)).alias("_o")
    )
    return frame.sort(["_o", "row"], maintain_order=True).drop("_o")
