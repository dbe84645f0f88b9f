"""Column names the reader recognises, matched case-, space- and punctuation-insensitively.

The alias lists include the names common accounting exports write (QuickBooks, Xero,
Zoho Books, FreshBooks), so a user's own spelling or an export maps with no flags.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.errors import ConfigError

# What every invoice table needs: who, when, how much (an amount, or a quantity and a unit
# price to make one). An invoice number is optional: a sales log has none.
INVOICE_REQUIRED = ("client", "invoice_date", "amount")
AMOUNT_PARTS = ("quantity", "unit_price")

INVOICE_ALIASES: Mapping[str, tuple[str, ...]] = {
    "invoice_no": (
        "invoice no",
        "invoice number",
        "invoice",
        "invoice #",
        "invoice id",
        "invoice ref",
        "inv no",
        "inv #",
        "num",
        "no",
        "number",
        "document number",
        "doc no",
    ),
    "client": (
        "client",
        "client name",
        "customer",
        "customer name",
        "customer full name",
        "contact",
        "contact name",
        "name",
        "company",
        "account",
        "account name",
        "bill to",
        "customer id",
        "customer no",
        "customer number",
        "customer code",
        "client id",
        "party",
        "party name",
        "buyer",
        "buyer name",
        "billing name",
        "full name",
        "customer email",
        "email",
    ),
    "invoice_date": (
        "invoice date",
        "date",
        "issue date",
        "date issued",
        "issued",
        "transaction date",
        "txn date",
        "billing date",
        "invoice issued",
        "order date",
        "sale date",
        "created",
        "created at",
        "created date",
        "created (utc)",
        "created date (utc)",
        "paid at",
    ),
    "amount": (
        "amount",
        "line amount",
        "line total",
        "item total",
        "net amount",
        "amount (net)",
        "total",
        "invoice total",
        "invoice amount",
        "total amount",
        "value",
        "sum",
        "amount due original",
        "subtotal",
        "sub total",
        "net",
        "net total",
        "grand total",
        "order total",
        "gross",
        "amount due",
        "amount paid",
    ),
    "currency": ("currency", "currency code", "ccy", "cur"),
    "due_date": ("due date", "due", "payment due", "date due", "due on"),
    "paid_date": (
        "paid date",
        "date paid",
        "payment date",
        "paid on",
        "fully paid on date",
        "last payment date",
    ),
    "status": ("status", "invoice status", "state"),
    "project": ("project", "job", "engagement", "matter", "project name"),
    "deposit": ("deposit", "deposit amount", "advance", "prepayment", "retainer paid"),
    "description": ("description", "memo", "memo/description", "details", "item", "notes"),
    "quantity": ("quantity", "qty", "units", "quantity sold", "item quantity"),
    "unit_price": (
        "unit price",
        "unitprice",
        "price",
        "rate",
        "item price",
        "sales price",
        "unit amount",
        "price each",
    ),
    "discount": ("discount", "discount amount", "item discount"),
}

CLIENT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "client": ("client", "client name", "customer", "customer name", "name", "company"),
    "client_since": ("client since", "since", "customer since", "start date", "first engaged"),
    "referred_by": ("referred by", "referral", "referrer", "referred", "source"),
    "contract": ("contract", "contract type", "agreement", "retainer"),
    "roles": ("roles", "role", "tags", "key client role"),
    "working_style": ("working style", "style", "client style"),
    "last_contact": ("last contact", "last contacted", "last touch", "last contact date"),
    "notes": ("notes", "note", "comments", "comment"),
    "group": ("group", "parent", "parent company", "client group"),
}

_PUNCT = re.compile(r"[\s_\-.:*]+")  # "*ContactName" (Xero marks required columns) too


def normalise(label: object) -> str:
    """The form a header is compared in: case-folded, no spaces, underscores, dashes, dots."""
    return _PUNCT.sub("", str(label).casefold()) if label is not None else ""


def _lookup(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for field, names in aliases.items():
        for name in (field, *names):
            table.setdefault(normalise(name), field)
    return table


_INVOICE_LOOKUP = _lookup(INVOICE_ALIASES)
_CLIENT_LOOKUP = _lookup(CLIENT_ALIASES)


@dataclass(frozen=True)
class ColumnMap:
    """How a header row maps to fields: field -> (position, header label as written)."""

    fields: Mapping[str, tuple[int, str]]
    unmapped: tuple[tuple[int, str], ...]

    def missing(self, required: Iterable[str]) -> list[str]:
        return [name for name in required if name not in self.fields]


def missing_invoice_fields(columns: ColumnMap) -> list[str]:
    """The required fields a header lacks; an amount is not lacking where a quantity and a
    unit price can make it."""
    missing = columns.missing(INVOICE_REQUIRED)
    if "amount" in missing and not columns.missing(AMOUNT_PARTS):
        missing.remove("amount")
    return missing


def _ranks(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Each alias's place in its field's list: the field's own name 0, the first alias 1."""
    ranks: dict[str, int] = {}
    for field, names in aliases.items():
        for i, name in enumerate((field, *names)):
            ranks.setdefault(normalise(name), i)
    return ranks


_RANK = {**_ranks(CLIENT_ALIASES), **_ranks(INVOICE_ALIASES)}


def map_header(
    labels: list[str | None],
    kind: str,
    chosen: Mapping[str, str | None] | None = None,
    given: Mapping[str, str] | None = None,
) -> ColumnMap:
    """Map one header row: each field to one column, the others passing through.

    ``chosen`` (normalised label -> field, from an export's profile) claims first, so an
    invoice ``Total`` repeated on line items never takes the place of the line's amount.
    """
    lookup = _INVOICE_LOOKUP if kind == "invoices" else _CLIENT_LOOKUP
    given = given or {}
    chosen = {**(chosen or {}), **given}
    fields: dict[str, tuple[int, str]] = {}
    cells = [
        (position, str(label).strip())
        for position, label in enumerate(labels)
        if label is not None and str(label).strip()
    ]
    # The user's mapping first, then the export's in the profile's order (where two of its
    # labels name one field, as Stripe's "Converted Amount" and "Amount", the first present
    # wins), then aliases.
    by_label: dict[str, tuple[int, str]] = {}
    for position, label in cells:
        by_label.setdefault(normalise(label), (position, label))
    for first in (True, False):
        for key, field in chosen.items():
            if (
                key not in by_label
                or field is None
                or field in fields
                or (first and key not in given)
            ):
                continue
            fields[field] = by_label[key]
    # Then the aliases: where two columns name one field, the name nearer the top of its
    # alias list wins ('Invoice Number' over 'Invoice ID'), then the one further left.
    claimed = {position for position, _ in fields.values()}
    candidates: dict[str, tuple[int, int, str]] = {}
    for position, label in cells:
        key = normalise(label)
        field = None if position in claimed or key in chosen else lookup.get(key)
        if field is None or field in fields:
            continue
        ranked = (_RANK[key], position, label)
        if field not in candidates or ranked < candidates[field]:
            candidates[field] = ranked
    for field, (_, position, label) in candidates.items():
        fields[field] = (position, label)
    taken = {position for position, _ in fields.values()}
    unmapped = tuple((position, label) for position, label in cells if position not in taken)
    return ColumnMap(fields=fields, unmapped=unmapped)


def nearest_alias(field: str, labels: Iterable[str], kind: str = "invoices") -> str | None:
    """The label (of those no field claimed) closest to an alias of ``field``, to suggest a fix."""
    aliases = (INVOICE_ALIASES if kind == "invoices" else CLIENT_ALIASES)[field]
    candidates = {normalise(label): label for label in labels if label}
    best: tuple[float, str] | None = None
    for alias in (field, *aliases):
        for match in difflib.get_close_matches(normalise(alias), candidates, n=1, cutoff=0.75):
            score = difflib.SequenceMatcher(None, normalise(alias), match).ratio()
            if best is None or score > best[0]:
                best = (score, candidates[match])
    return best[1] if best else None


FIELD_NAMES = {
    "invoice_no": "invoice number",
    "client": "client",
    "invoice_date": "invoice date",
    "amount": "amount",
    "currency": "currency",
    "due_date": "due date",
    "paid_date": "paid date",
    "status": "status",
    "project": "project",
    "deposit": "deposit",
    "description": "description",
    "quantity": "quantity",
    "unit_price": "unit price",
    "discount": "discount",
}


def parse_mapping(items: Iterable[str], source: str) -> dict[str, str]:
    """``LABEL=FIELD`` items (``Customer full name=client``) as normalised label -> field.

    The field may be written as its name or any alias ("invoice date", "Date", "amount").
    """
    found: dict[str, str] = {}
    for item in items:
        label, sep, target = str(item).partition("=")
        field = _INVOICE_LOOKUP.get(normalise(target)) if sep else None
        if not label.strip() or field is None:
            names = ", ".join(FIELD_NAMES.values())
            raise ConfigError(
                f"{source}: '{item}' is not a column mapping. Write LABEL=FIELD, for example "
                f"'Customer full name=client'; the fields are: {names}."
            )
        twice = next((other for other, f in found.items() if f == field), None)
        if twice is not None and twice != normalise(label):
            raise ConfigError(
                f"{source}: two columns are mapped to {FIELD_NAMES[field]} ('{label.strip()}' and "
                "an earlier one); map each field once."
            )
        found[normalise(label)] = field
    return found
