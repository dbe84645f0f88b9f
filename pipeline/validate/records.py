"""The contract the validate stage hands on: the ledger, its schemas and data issues.

Kept apart from the modules that build them from raw sheets, so that the model depends on
these types alone, never on the reader or the parsers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

STATUS_WORDS: Mapping[str, str] = {
    "paid": "paid",
    "fully paid": "paid",
    "closed": "paid",
    "settled": "paid",
    "open": "open",
    "unpaid": "open",
    "sent": "open",
    "unsent": "open",  # Invoice2go: made, not yet e-mailed; an invoice all the same
    "outstanding": "open",
    "overdue": "open",
    "due": "open",
    "awaiting payment": "open",
    "partial": "open",
    "partially paid": "open",
    "partly paid": "open",  # ERPNext
    "unpaid and discounted": "open",
    "partly paid and discounted": "open",
    "not paid": "open",  # Odoo's payment state
    "in payment": "open",
    "reversed": "paid",  # Odoo: settled by the credit note that reverses it
    "submitted": "open",
    "authorised": "open",
    "authorized": "open",
    "approved": "open",
    "void": "void",
    "voided": "void",
    "cancelled": "void",
    "canceled": "void",
    "deleted": "void",
    "draft": "draft",
    "written off": "written_off",
    "write off": "written_off",
    "write-off": "written_off",
    "written-off": "written_off",
    "bad debt": "written_off",
    "uncollectible": "written_off",
    "credit note": "credit_note",
    "credit": "credit_note",
    "credit memo": "credit_note",
    "refund": "credit_note",
    "credit-note": "credit_note",
    "return": "credit_note",  # ERPNext's credit note
}
EXCLUDED_STATUSES = ("void", "draft")  # never revenue
PAYMENT_STATUSES = ("paid", "open", "written_off")  # statuses that say whether it was paid
# What a ledger can say of how clients pay, as the Method sheet names it.
PAYMENT_DATA = ("paid dates", "payment statuses", "due dates", "deposits")

INVOICE_SCHEMA: Mapping[str, pl.DataType] = {
    "row": pl.Int64(),
    "invoice_no": pl.String(),
    "client": pl.String(),
    "invoice_date": pl.Date(),
    "due_date": pl.Date(),
    "paid_date": pl.Date(),
    "amount": pl.Float64(),
    "currency": pl.String(),
    "status": pl.Categorical(),  # one of STATUS_WORDS' words (stated, else inferred)
    "project": pl.String(),
    "description": pl.String(),
    "deposit": pl.Float64(),
    # The sheet's name on each row, held once per sheet (a name on each of ten million rows
    # was 200 MB; a category is 40 MB).
    "sheet": pl.Categorical(),
    # The invoice a row is a line of: rows with one number, client and date are one invoice;
    # a row without a number is an invoice (a sale) of its own. Held as a number, the position
    # of the invoice's first line as the sheets were parsed: lines of one invoice share it, and
    # no two invoices do.
    "invoice": pl.Int64(),
    # The currency and amount the row was written in, before a rate converted it (the
    # currency null where the sheet names none).
    "currency_written": pl.String(),
    "amount_written": pl.Float64(),
}
# Fields a sheet may hold that the ledger turns into others (an amount from them).
LINE_FIELDS = ("quantity", "unit_price", "discount")
CLIENT_SCHEMA: Mapping[str, pl.DataType] = {
    "row": pl.Int64(),
    "client": pl.String(),
    "client_since": pl.Date(),
    "referred_by": pl.String(),
    "contract": pl.String(),
    "roles": pl.String(),
    "working_style": pl.String(),
    "last_contact": pl.Date(),
    "contract_end": pl.Date(),
    "contract_ended": pl.Boolean(),
    "notes": pl.String(),
    "group": pl.String(),
}
ISSUE_SCHEMA: Mapping[str, pl.DataType] = {
    "sheet": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "problem": pl.String(),
    "action": pl.String(),
}


ORDERS = ("dmy", "mdy", "ymd")
ORDER_NAMES = {"dmy": "day first", "mdy": "month first", "ymd": "year first"}
# How the order of day and month was decided, surest first.
BY_DATES, BY_SETTING, BY_LAYOUT, BY_PLAUSIBILITY, BY_DEFAULT = (
    "dates",
    "setting",
    "layout",
    "plausibility",
    "default",
)


@dataclass(frozen=True)
class DateOrder:
    """How the numbers of a ledger's dates were read, and how sure that is."""

    order: str  # "dmy", "mdy" or "ymd"
    decided_by: str  # BY_DATES, BY_SETTING, BY_LAYOUT, BY_PLAUSIBILITY or BY_DEFAULT
    ambiguous: int  # cells whose date depends on the order (both readings valid, and differ)
    example: str | None = None  # one such cell, as written
    layout: str | None = None  # the export whose layout decided it
    numeric: int = 0  # cells written as day and month numbers (the ones an order applies to)

    @property
    def other(self) -> str:
        """The order the ambiguous cells would have been read in otherwise."""
        return "dmy" if self.order == "mdy" else "mdy"

    def words(self) -> str:
        """How the dates were read, as a phrase of plain English (Method, inspect, issues)."""
        if not self.numeric and self.decided_by == BY_DATES:
            return "no date is written as day and month numbers: no order to decide"
        how = {
            BY_DATES: "as the dates show",
            BY_SETTING: "as the dates setting (--dates) says",
            BY_LAYOUT: f"as {self.layout} writes them",
            BY_PLAUSIBILITY: "the reading in which they look more like a ledger's dates",
            BY_DEFAULT: "the default (setting day_first)",
        }[self.decided_by]
        return f"read {ORDER_NAMES[self.order]} ({how})"

    def as_dict(self) -> dict[str, object]:
        return {
            "order": self.order,
            "decided_by": self.decided_by,
            "ambiguous": self.ambiguous,
            "numeric": self.numeric,
        }


@dataclass(frozen=True)
class DataIssue:
    sheet: str
    row: int | None  # None: the issue is the whole file's (a link out of the workbook)
    column: str
    value: str | None
    problem: str
    action: str


@dataclass(frozen=True)
class Ledger:
    """The typed invoices and clients of one workbook, with what could not be used."""

    invoices: pl.DataFrame  # INVOICE_SCHEMA; void and draft kept (status says so)
    clients: pl.DataFrame  # CLIENT_SCHEMA
    issues: pl.DataFrame  # ISSUE_SCHEMA: Settings rows first, then by sheet position and row
    currency: str | None
    invoice_sheets: tuple[str, ...]
    client_sheet: str | None
    rows_read: int  # non-blank data rows on the invoice sheets
    has_deposits: bool = False  # an invoice sheet has a deposit column
    dates: DateOrder = DateOrder("dmy", BY_DATES, 0)  # how day and month were told apart
    payment_data: tuple[str, ...] = PAYMENT_DATA  # what the ledger says of payment (see below)
    amount_source: str = "the amount column"  # how each row's amount was had, for the Method sheet
    set_aside: pl.DataFrame | None = None  # rows in other currencies with no rate, never counted

    @property
    def knows_payment(self) -> bool:
        """Whether the ledger says which invoices were paid: paid dates or payment statuses.
        Without either, how a client pays is unknown (never "unpaid")."""
        return bool({"paid dates", "payment statuses"} & set(self.payment_data))

    @property
    def invoice_sheet(self) -> str:
        return ", ".join(self.invoice_sheets)


def issue_frame(issues: list[DataIssue]) -> pl.DataFrame:
    """Issues written one by one (a sheet skipped, a setting ignored) as a frame of issues."""
    return pl.DataFrame([vars(i) for i in issues], schema=dict(ISSUE_SCHEMA))
