"""Accounting exports as data: one small profile per layout, recognised by its header.

A profile says which header label is which field (where aliases alone would guess wrong, such
as an invoice ``Total`` repeated on every line item beside the line's own amount), where the
client comes from (a heading row above its lines), which transaction types are sales and which
are credits. Supporting a new export means adding a profile here and a test that builds that
export from a known ledger; the reader has no branch per package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from pipeline.read.columns import normalise

TOTAL_LINE = r"(?i)^\s*(grand\s+|sub[-\s]?)?totals?\b"
# Report footers: "Accrual Basis Monday, 23 November 2026 10:15 AM GMT+00:00", "Cash basis ...":
# the weekday after the basis keeps a client called "Cash Basis Ltd" a client.
FOOTER_LINE = (
    r"(?i)^\s*(accrual|cash)\s+basis\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)
VOIDED = ("void", "voided", "deleted", "draft", "cancelled", "canceled")


@dataclass(frozen=True)
class Profile:
    name: str
    detect: tuple[str, ...]  # header labels (normalised) that together identify the export
    columns: Mapping[str, str] = field(default_factory=dict)  # label (normalised) -> field
    client_from_headings: bool = False  # the client stands on a heading row above its lines
    type_label: str | None = None  # the transaction-type column (normalised label)
    sale_types: tuple[str, ...] = ()  # types that are sales; other types are left out
    credit_types: tuple[str, ...] = ()  # types that are credit notes (amounts made negative)
    void_memo: str | None = None  # a description (lower case) that marks a voided transaction
    titled: bool = False  # a report: title rows stand above the header, never on row 1
    blank_first: bool = False  # the first header cell is blank (client headings stand there)
    gapped: bool = False  # QuickBooks Desktop: a blank header cell between labelled ones
    dates: str | None = None  # the order the export writes a date's numbers in (US: mdy)

    def matches(
        self, labels: set[str], header_index: int, first_blank: bool, gapped: bool = False
    ) -> bool:
        """The export's columns, and where it has them its title rows and blank first cell, so
        a user's own sheet that happens to use a few of the same names stays a plain ledger."""
        return (
            set(self.detect) <= labels
            and (not self.titled or header_index > 0)
            and (not self.blank_first or first_blank)
            and (not self.gapped or gapped)
        )


PROFILES: tuple[Profile, ...] = (
    Profile(
        name="QuickBooks Desktop: Excel export",
        dates="mdy",
        detect=("type", "date", "num", "name", "amount"),
        columns={
            "date": "invoice_date",
            "num": "invoice_no",
            "name": "client",
            "memo": "description",
            "amount": "amount",
            "duedate": "due_date",
        },
        client_from_headings=True,
        gapped=True,
        type_label="type",
        sale_types=("invoice", "salesreceipt", "creditmemo"),
        credit_types=("creditmemo",),
    ),
    Profile(
        name="QuickBooks Online: Sales by Customer Detail",
        dates="mdy",
        detect=("date", "transactiontype", "num", "amount", "balance"),
        columns={
            "date": "invoice_date",
            "num": "invoice_no",
            "amount": "amount",
            "customerfullname": "client",
            "customer": "client",
            "memo/description": "description",
            "duedate": "due_date",
        },
        client_from_headings=True,
        titled=True,
        blank_first=True,
        type_label="transactiontype",
        sale_types=("invoice", "salesreceipt", "creditmemo", "refundreceipt", "refund"),
        credit_types=("creditmemo", "refundreceipt", "refund"),
    ),
    Profile(
        name="QuickBooks Online: Invoice List",
        dates="mdy",
        detect=("date", "transactiontype", "num", "name", "amount", "openbalance"),
        columns={
            "date": "invoice_date",
            "num": "invoice_no",
            "name": "client",
            "amount": "amount",
            "duedate": "due_date",
            "memo/description": "description",
        },
        type_label="transactiontype",
        sale_types=("invoice", "creditmemo", "salesreceipt"),
        credit_types=("creditmemo",),
        titled=True,
        void_memo="voided",  # a voided invoice stays in the list at 0.00 with the memo "Voided"
    ),
    Profile(
        name="Xero: sales invoice export",
        dates="dmy",
        detect=("contactname", "invoicenumber", "invoicedate", "lineamount"),
        columns={
            "contactname": "client",
            "invoicenumber": "invoice_no",
            "invoicedate": "invoice_date",
            "duedate": "due_date",
            "lineamount": "amount",
            "status": "status",
            "currency": "currency",
            "reference": "project",
            "description": "description",
        },
        type_label="type",
        credit_types=("salescreditnote", "accreccredit", "creditnote"),
    ),
    Profile(
        name="Zoho Books: invoice export",
        detect=("invoicenumber", "invoicestatus", "customername", "itemtotal"),
        columns={
            "invoicedate": "invoice_date",
            "invoicenumber": "invoice_no",
            "invoicestatus": "status",
            "customername": "client",
            "duedate": "due_date",
            "currencycode": "currency",
            "itemtotal": "amount",
            "itemdesc": "description",
            "projectname": "project",
        },
    ),
    Profile(
        name="FreshBooks: invoice details",
        dates="mdy",
        detect=("clientname", "invoice#", "dateissued", "linetotal"),
        columns={
            "clientname": "client",
            "invoice#": "invoice_no",
            "dateissued": "invoice_date",
            "invoicestatus": "status",
            "datepaid": "paid_date",
            "duedate": "due_date",
            "linetotal": "amount",
            "currency": "currency",
            "itemdescription": "description",
        },
    ),
    Profile(
        name="Xero: Receivable Invoice Detail",
        detect=("invoicenumber", "lineamount(ex)"),
        columns={
            "contact": "client",
            "invoicenumber": "invoice_no",
            "invoicedate": "invoice_date",
            "duedate": "due_date",
            "lineamount(ex)": "amount",
            "status": "status",
            "currency": "currency",
            "description": "description",
        },
    ),
)


def find_profile(labels: list[str | None], header_index: int = 0) -> Profile | None:
    """The export a header row belongs to, or None for an ordinary sheet."""
    found = {normalise(label) for label in labels if label is not None and str(label).strip()}
    first_blank = not labels or labels[0] is None or not str(labels[0]).strip()
    filled = [i for i, label in enumerate(labels) if label is not None and str(label).strip()]
    gapped = len(filled) > 2 and all(b - a == 2 for a, b in zip(filled, filled[1:], strict=False))
    return next((p for p in PROFILES if p.matches(found, header_index, first_blank, gapped)), None)


def reshape(frame: pl.DataFrame, profile: Profile, first: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows as the ledger expects them, and the rows left out (``_row``, problem) with why.

    ``frame`` holds the field columns and pass-through columns; ``first`` is the sheet's first
    column (where headings, totals and footers stand).
    """
    cell = pl.col(first).cast(pl.String).str.strip_chars()
    left_out: list[pl.DataFrame] = []
    if profile.client_from_headings:
        # A heading names a client on a row with no date and no amount; its lines follow.
        # "Total Fitness" with no amount is a client's heading; "Total for X" rows carry one.
        heading = (
            cell.is_not_null()
            & pl.col("invoice_date").is_null()
            & pl.col("amount").is_null()
            & ~cell.str.contains(FOOTER_LINE)
        )
        named = (
            pl.col("client").cast(pl.String)
            if "client" in frame.columns
            else pl.lit(None, dtype=pl.String)
        )
        frame = frame.with_columns(
            pl.coalesce(
                named,
                # Only lines take the heading's client: a blank row stays blank.
                pl.when(pl.col("invoice_date").is_not_null() | pl.col("amount").is_not_null()).then(
                    pl.when(heading).then(cell).forward_fill()
                ),
            ).alias("client"),
            heading.alias("_heading"),
        )
        left_out.append(
            frame.filter(pl.col("_heading")).select(
                "_row",
                pl.format("the heading of client '{}' (its lines follow)", cell).alias("problem"),
            )
        )
        frame = frame.filter(~pl.col("_heading")).drop("_heading")
    # "TOTAL", "Total for Acme" or Desktop's "Total Acme" in the first column, with no date or
    # number beside it, is a subtotal: listed and left out.
    # The first column's own text aside, the row names no date and no invoice number.
    nothing_else = pl.lit(True)
    for column in ("invoice_date", "invoice_no"):
        if column != first and column in frame.columns:
            nothing_else = nothing_else & pl.col(column).is_null()
    total = (cell.str.contains(TOTAL_LINE) & nothing_else).fill_null(False)
    left_out.append(
        frame.filter(total).select(
            "_row", pl.lit("a total or subtotal row, not an invoice").alias("problem")
        )
    )
    frame = frame.filter(~total)
    # A footer stands alone on its row: no date, no amount, no invoice number.
    footer = (cell.str.contains(FOOTER_LINE) & nothing_else & pl.col("amount").is_null()).fill_null(
        False
    )
    left_out.append(
        frame.filter(footer).select(
            "_row", pl.lit("the export's footer (basis and time)").alias("problem")
        )
    )
    frame = frame.filter(~footer)
    kinds = [c for c in frame.columns if normalise(c) == profile.type_label]
    if kinds:
        kind_column = kinds[0]
        kind = (
            pl.col(kind_column).cast(pl.String).str.to_lowercase().str.replace_all(r"[\s_\-.]+", "")
        )
        if profile.sale_types:
            other = kind.is_not_null() & ~kind.is_in(list(profile.sale_types))
            left_out.append(
                frame.filter(other).select(
                    "_row",
                    pl.format("a {}, not a sale", pl.col(kind_column)).alias("problem"),
                )
            )
            frame = frame.filter(~other.fill_null(False))
        credit = kind.is_in(list(profile.credit_types)).fill_null(False)
        amount = pl.col("amount").cast(pl.String).str.strip_chars()
        frame = frame.with_columns(
            # Exports write a credit note's amount positive; the ledger counts credits negative.
            pl.when(
                credit
                & amount.is_not_null()
                & ~amount.str.starts_with("-")
                & ~amount.str.starts_with("(")
            )
            .then(pl.concat_str(pl.lit("-"), amount))
            .otherwise(pl.col("amount"))
            .alias("amount"),
            # A voided or draft credit note stays void: only a live one reduces revenue.
            pl.when(
                credit
                & ~pl.col("status")
                .cast(pl.String)
                .str.to_lowercase()
                .str.strip_chars()
                .is_in(VOIDED)
                .fill_null(False)
            )
            .then(pl.lit("credit note"))
            .otherwise(
                pl.col("status") if "status" in frame.columns else pl.lit(None, dtype=pl.String)
            )
            .alias("status"),
        )
    if profile.void_memo is not None and "description" in frame.columns:
        memo = pl.col("description").cast(pl.String).str.strip_chars().str.to_lowercase()
        frame = frame.with_columns(
            pl.when(memo == profile.void_memo)
            .then(pl.lit("void"))
            .otherwise(pl.col("status"))
            .alias("status")
        )
    return frame, pl.concat(left_out) if left_out else pl.DataFrame(
        schema={"_row": pl.UInt32, "problem": pl.String}
    )
