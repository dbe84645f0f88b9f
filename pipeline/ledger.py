"""Validate raw sheet text into a typed ledger, reporting every cell it could not use.

Nothing is dropped silently: a row left out, a value ignored or a value reinterpreted becomes a
``DataIssue`` naming the sheet, the Excel row, the column as the user wrote it, and what was done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from pipeline.config import Config
from pipeline.parse import clean_text, parse_amount, parse_date
from pipeline.read.sheets import ROW, RawTable, RawWorkbook

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
EXCLUDED_STATUSES = ("void", "draft")
TOTAL_ROW = r"(?i)^\s*(grand\s+)?(sub[-\s]?)?totals?\b"

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
    invoice_sheet: str
    invoice_header_row: int
    client_sheet: str | None
    rows_read: int  # non-blank data rows on the Invoices sheet
    has_deposits: bool = False  # the Invoices sheet has a deposit column

    def issue_list(self) -> list[DataIssue]:
        return [DataIssue(**row) for row in self.issues.iter_rows(named=True)]


def _label(table: RawTable, field: str) -> str:
    found = table.columns.fields.get(field)
    return found[1] if found else field.replace("_", " ")


def _issues(
    frame: pl.DataFrame,
    when: pl.Expr,
    sheet: str,
    column: str,
    value: pl.Expr,
    problem: str | pl.Expr,
    action: str,
) -> pl.DataFrame:
    """Issue rows for every row of ``frame`` where ``when`` holds."""
    return frame.filter(when).select(
        pl.lit(sheet).alias("sheet"),
        pl.col("row").cast(pl.Int64),
        pl.lit(column).alias("column"),
        value.cast(pl.String).alias("value"),
        (pl.lit(problem) if isinstance(problem, str) else problem).cast(pl.String).alias("problem"),
        pl.lit(action).alias("action"),
    )


def _with_fields(table: RawTable, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Every field of ``schema`` present as text (null where the sheet has no such column)."""
    frame = table.frame.rename({ROW: "row"})
    missing = [pl.lit(None, pl.String).alias(f) for f in schema if f not in frame.columns]
    return frame.with_columns(missing).select(["row", *(f for f in schema if f != "row")])


def _drop_blank(frame: pl.DataFrame) -> pl.DataFrame:
    values = [c for c in frame.columns if c != "row"]
    return frame.filter(pl.any_horizontal(clean_text(c).is_not_null() for c in values))


def _invoices(
    table: RawTable, config: Config
) -> tuple[pl.DataFrame, list[pl.DataFrame], str | None, int]:
    sheet = table.sheet
    raw = _drop_blank(_with_fields(table, INVOICE_SCHEMA))
    rows_read = raw.height
    parsed = raw.with_columns(
        clean_text("invoice_no").alias("invoice_no"),
        clean_text("client").alias("client"),
        parse_date("invoice_date").alias("invoice_date"),
        parse_date("due_date").alias("due_date"),
        parse_date("paid_date").alias("paid_date"),
        parse_amount("amount").alias("amount"),
        clean_text("currency").str.to_uppercase().alias("currency"),
        clean_text("status")
        .str.to_lowercase()
        .str.replace_all(r"[_\s]+", " ")
        .alias("status_text"),
        clean_text("project").alias("project"),
        clean_text("description").alias("description"),
        parse_amount("deposit").alias("deposit"),
        clean_text("deposit").alias("raw_deposit"),
        clean_text("invoice_date").alias("raw_date"),
        clean_text("amount").alias("raw_amount"),
        clean_text("due_date").alias("raw_due"),
        clean_text("paid_date").alias("raw_paid"),
    )
    issues: list[pl.DataFrame] = []
    lbl = {f: _label(table, f) for f in INVOICE_SCHEMA}
    is_total = pl.col("client").str.contains(TOTAL_ROW) | (
        pl.col("client").is_null() & clean_text("invoice_no").str.contains(TOTAL_ROW)
    )
    issues.append(
        _issues(
            parsed,
            is_total,
            sheet,
            lbl["client"],
            pl.coalesce("client", "invoice_no"),
            "a total or subtotal row, not an invoice",
            "left out",
        )
    )
    parsed = parsed.filter(~is_total.fill_null(False))
    checks = [
        (pl.col("client").is_null(), "client", pl.lit(None), "no client name"),
        (pl.col("raw_date").is_null(), "invoice_date", pl.lit(None), "no invoice date"),
        (
            pl.col("raw_date").is_not_null() & pl.col("invoice_date").is_null(),
            "invoice_date",
            pl.col("raw_date"),
            "not a date",
        ),
        (pl.col("raw_amount").is_null(), "amount", pl.lit(None), "no amount"),
        (
            pl.col("raw_amount").is_not_null() & pl.col("amount").is_null(),
            "amount",
            pl.col("raw_amount"),
            "not a number",
        ),
    ]
    unusable = pl.lit(False)
    for when, field, value, problem in checks:
        issues.append(_issues(parsed, when, sheet, lbl[field], value, problem, "row left out"))
        unusable = unusable | when
    parsed = parsed.filter(~unusable)
    for raw_col, field, problem in (
        ("raw_due", "due_date", "not a date"),
        ("raw_paid", "paid_date", "not a date"),
        ("raw_deposit", "deposit", "not a number"),
    ):
        bad = pl.col(raw_col).is_not_null() & pl.col(field).is_null()
        issues.append(
            _issues(
                parsed, bad, sheet, lbl[field], pl.col(raw_col), problem, "value ignored; row kept"
            )
        )
    issues.append(
        _issues(
            parsed,
            pl.col("invoice_no").is_null(),
            sheet,
            lbl["invoice_no"],
            pl.lit(None),
            "no invoice number",
            "row kept",
        )
    )

    status = pl.col("status_text").replace_strict(
        STATUS_WORDS, default=None, return_dtype=pl.String
    )
    parsed = parsed.with_columns(status.alias("status"))
    unknown = pl.col("status_text").is_not_null() & pl.col("status").is_null()
    issues.append(
        _issues(
            parsed,
            unknown,
            sheet,
            lbl["status"],
            pl.col("status_text"),
            "status not recognised",
            "counted as an issued invoice",
        )
    )
    inferred = (
        pl.when(pl.col("amount") < 0)
        .then(pl.lit("credit_note"))
        .when(pl.col("paid_date").is_not_null())
        .then(pl.lit("paid"))
        .otherwise(pl.lit("open"))
    )
    parsed = parsed.with_columns(pl.coalesce("status", inferred).alias("status"))
    positive_credit = (pl.col("status") == "credit_note") & (pl.col("amount") > 0)
    issues.append(
        _issues(
            parsed,
            positive_credit,
            sheet,
            lbl["amount"],
            pl.col("raw_amount"),
            "credit note with a positive amount",
            "counted as negative",
        )
    )
    parsed = parsed.with_columns(
        pl.when(positive_credit).then(-pl.col("amount")).otherwise(pl.col("amount")).alias("amount")
    )

    currency = config.currency
    if currency is None:
        counts = parsed.filter(pl.col("currency").is_not_null())["currency"].value_counts(sort=True)
        currency = counts["currency"][0] if counts.height else None
    if currency is not None and "currency" in table.columns.fields:
        other = pl.col("currency").is_not_null() & (pl.col("currency") != currency)
        issues.append(
            _issues(
                parsed,
                other,
                sheet,
                lbl["currency"],
                pl.col("currency"),
                pl.format("in {}, not the analysed currency", pl.col("currency")),
                f"row left out; amounts in other currencies are never added to {currency}",
            )
        )
        issues.append(
            _issues(
                parsed,
                pl.col("currency").is_null(),
                sheet,
                lbl["currency"],
                pl.lit(None),
                "no currency",
                f"assumed {currency}; row kept",
            )
        )
        parsed = parsed.filter(pl.col("currency").fill_null(currency) == currency)
    invoices = parsed.with_columns(pl.lit(currency, pl.String).alias("currency")).select(
        [pl.col(name).cast(dtype) for name, dtype in INVOICE_SCHEMA.items()]
    )
    return invoices, issues, currency, rows_read


def _clients(table: RawTable) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    sheet = table.sheet
    raw = _drop_blank(_with_fields(table, CLIENT_SCHEMA))
    parsed = raw.with_columns(
        *(
            clean_text(f).alias(f)
            for f in CLIENT_SCHEMA
            if f not in {"row", "client_since", "last_contact"}
        ),
        *(parse_date(f).alias(f) for f in ("client_since", "last_contact")),
        *(clean_text(f).alias(f"raw_{f}") for f in ("client_since", "last_contact")),
    )
    issues = [
        _issues(
            parsed,
            pl.col("client").is_null(),
            sheet,
            _label(table, "client"),
            pl.lit(None),
            "no client name",
            "row left out",
        )
    ]
    for field in ("client_since", "last_contact"):
        bad = pl.col(f"raw_{field}").is_not_null() & pl.col(field).is_null()
        issues.append(
            _issues(
                parsed,
                bad,
                sheet,
                _label(table, field),
                pl.col(f"raw_{field}"),
                "not a date",
                "value ignored; row kept",
            )
        )
    parsed = parsed.filter(pl.col("client").is_not_null())
    repeat = pl.col("client").is_duplicated() & ~pl.col("client").is_first_distinct()
    issues.append(
        _issues(
            parsed,
            repeat,
            sheet,
            _label(table, "client"),
            pl.col("client"),
            "client listed more than once",
            "first row used",
        )
    )
    clients = parsed.filter(~repeat).select(
        [pl.col(name).cast(dtype) for name, dtype in CLIENT_SCHEMA.items()]
    )
    return clients, issues


def build_ledger(raw: RawWorkbook, config: Config) -> Ledger:
    """Type, clean and check the raw sheets; the result holds only usable rows."""
    invoices, issues, currency, rows_read = _invoices(raw.invoices, config)
    if raw.clients is not None:
        clients, client_issues = _clients(raw.clients)
        issues += client_issues
    else:
        clients = pl.DataFrame(schema=dict(CLIENT_SCHEMA))
    order = {name: i for i, name in enumerate(raw.sheet_names)}
    frame = pl.concat([pl.DataFrame(schema=dict(ISSUE_SCHEMA)), *issues], how="vertical_relaxed")
    frame = frame.with_columns(
        pl.col("sheet").replace_strict(order, default=len(order)).alias("_o")
    )
    frame = frame.sort(["_o", "row"], maintain_order=True).drop("_o")
    return Ledger(
        invoices=invoices,
        clients=clients,
        issues=frame,
        currency=currency,
        invoice_sheet=raw.invoices.sheet,
        invoice_header_row=raw.invoices.header_row,
        client_sheet=raw.clients.sheet if raw.clients else None,
        rows_read=rows_read,
        has_deposits="deposit" in raw.invoices.columns.fields,
    )
