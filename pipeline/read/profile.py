"""What an export's profile says: which label is which field, and its rules for what is a sale.

The profiles themselves are data, in ``profiles`` (accounting packages) and ``shops`` (shop
orders and payment processors); this is their shape, shared by both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    name: str
    detect: tuple[str, ...]  # header labels (normalised) that together identify the export
    # label (normalised) -> field; None keeps a column that names no field from an alias
    columns: Mapping[str, str | None] = field(default_factory=dict)
    client_from_headings: bool = False  # the client stands on a heading row above its lines
    type_label: str | None = None  # the transaction-type column (normalised label)
    sale_types: tuple[str, ...] = ()  # types that are sales; other types are left out
    credit_types: tuple[str, ...] = ()  # types that are credit notes (amounts made negative)
    void_memo: str | None = None  # a description (lower case) that marks a voided transaction
    titled: bool = False  # a report: title rows stand above the header, never on row 1
    blank_first: bool = False  # the first header cell is blank (client headings stand there)
    gapped: bool = False  # QuickBooks Desktop: a blank header cell between labelled ones
    dates: str | None = None  # the order the export writes a date's numbers in (US: mdy)
    # Shops and processors: where the customer is, first non-blank wins (billing name, e-mail).
    client_columns: tuple[str, ...] = ()
    # An order's fields (total, status, customer, date) on its first line only, its other lines
    # carrying the items: those fields are carried down and the total taken once.
    first_line_only: bool = False
    status_label: str | None = None  # the column saying whether an order or payment happened
    # Status values (normalised) that are no sale, each with why: pending, voided, failed.
    not_sales: Mapping[str, str] = field(default_factory=dict)
    # Status values that are the only sales (Wave's income lines); others set aside with why.
    only_statuses: tuple[str, ...] = ()
    other_status: str = "a row with status '{}', not a sale"
    # An amount refunded (or debited), taken off the amount: the first of these labels present,
    # in the same order as the amounts the profile prefers (converted before charged).
    refunded_labels: tuple[str, ...] = ()
    sale_pattern: str | None = None  # types (normalised) that are sales, as a pattern
    not_sale_pattern: str | None = None  # ... unless they match this (holds, releases)
    # A processor's own outgoings (a negative amount of a type that is no refund) are no sale.
    incoming_only: bool = False
    paid: bool = False  # every sale it keeps was paid when it happened (shops, processors)
    blank_separated: bool = False  # a blank line after each record is the layout, not a gap
    refusal: str | None = None  # a report whose amounts are no sales: why, and what to export

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
