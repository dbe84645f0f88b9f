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
    "outstanding": "open",
    "overdue": "open",
    "due": "open",
    "awaiting payment": "open",
    "partial": "open",
    "partially paid": "open",
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
}
EXCLUDED_STATUSES = ("void", "draft")  # never revenue

INVOICE_SCHEMA: Mapping[str, pl.DataType] = {
    "row": pl.Int64(),
    "invoice_no": pl.String(),
    "client": pl.String(),
    "invoice_date": pl.Date(),
    "due_date": pl.Date(),
    "paid_date": pl.Date(),
    "amount": pl.Float64(),
    "currency": pl.String(),
    "status": pl.String(),
    "project": pl.String(),
    "description": pl.String(),
    "deposit": pl.Float64(),
    "sheet": pl.String(),
}
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


@dataclass(frozen=True)
class DataIssue:
    sheet: str
    row: int
    column: str
    value: str | None
    problem: str
    action: str


@dataclass(frozen=True)
class Ledger:
    """The typed invoices and clients of one workbook, with what could not be used."""

    invoices: pl.DataFrame  # INVOICE_SCHEMA; void and draft kept (status says so)
    clients: pl.DataFrame  # CLIENT_SCHEMA
    issues: pl.DataFrame  # ISSUE_SCHEMA, ordered by sheet position and row
    currency: str | None
    invoice_sheets: tuple[str, ...]
    client_sheet: str | None
    rows_read: int  # non-blank data rows on the invoice sheets
    has_deposits: bool = False  # an invoice sheet has a deposit column

    @property
    def invoice_sheet(self) -> str:
        return ", ".join(self.invoice_sheets)


def issue_frame(issues: list[DataIssue]) -> pl.DataFrame:
    """Issues written one by one (a sheet skipped, a setting ignored) as a frame of issues."""
    return pl.DataFrame([vars(i) for i in issues], schema=dict(ISSUE_SCHEMA))
