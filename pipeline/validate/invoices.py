"""One invoice sheet's rows typed and checked, in the order a person would check them.

Nothing is dropped silently: a row left out, a value ignored or a value reinterpreted becomes a
data issue naming the sheet, the Excel row, the column as the user wrote it, and what was done.
Each step below takes the rows the one before kept and says what it set aside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from pipeline.config import Config
from pipeline.read.sheets import RawTable
from pipeline.validate.amounts import MAX_AMOUNT, parse_amounts, parse_deposit
from pipeline.validate.dates import EARLIEST, FUTURE_DAYS, parse_dates
from pipeline.validate.duplicates import duplicates, line_numbers
from pipeline.validate.fields import DATE_FIELDS, cleaned, label, typed, with_fields
from pipeline.validate.issues import issue_rows, one_issue
from pipeline.validate.records import (
    BY_DATES,
    BY_SETTING,
    INVOICE_SCHEMA,
    ISSUE_SCHEMA,
    ORDER_NAMES,
    STATUS_WORDS,
    DateOrder,
)

# A total row names no client but a total: "Total", "TOTAL", "Grand total", "Total for Acme".
TOTAL_ROW = r"(?i)^\s*(grand\s+|sub[-\s]?)?totals?\s*(:|for\b.*)?\s*$"
Labels = Mapping[str, str]  # field -> the header the user wrote for it
Found = tuple[pl.DataFrame, list[pl.DataFrame]]  # the rows kept, and the issues of the rest


def prepared(table: RawTable) -> pl.DataFrame:
    """The sheet's fields as clean text (the client also as written), blank rows gone."""
    return cleaned(with_fields(table, INVOICE_SCHEMA), keep=("client",))


def date_cells(raw: pl.DataFrame) -> pl.DataFrame:
    """Every date cell written as text (``text``), with its row's invoice number's digits
    (``number``), column after column: what the order of day and month is decided from."""
    digits = pl.col("invoice_no").str.extract(r"(\d+)\D*$").cast(pl.Int64, strict=False)
    texts = [c for c in DATE_FIELDS if not typed(raw, c)]
    return pl.concat(
        [
            pl.DataFrame(schema={"text": pl.String, "number": pl.Int64}),
            *(
                raw.select(pl.col(c).alias("text"), digits.alias("number")).drop_nulls("text")
                for c in texts
            ),
        ]
    )


def order_issue(table: RawTable, order: DateOrder) -> pl.DataFrame | None:
    """An issue on the header row when some dates could be read either way and nothing in them
    decided which; None when they could not, or they did."""
    if not order.ambiguous or order.decided_by in (BY_DATES, BY_SETTING):
        return None
    return one_issue(
        table.sheet,
        table.header_row,
        label(table, "invoice_date"),
        order.example,
        f"{order.ambiguous} dates like {order.example} could be day or month first",
        f"{order.words()}; --dates {order.other} reads them {ORDER_NAMES[order.other]}",
    )


def parse_invoices(
    table: RawTable, raw: pl.DataFrame, order: DateOrder, config: Config, today: dt.date
) -> tuple[pl.DataFrame, list[pl.DataFrame], int]:
    """One invoice sheet (``raw``: its ``prepared`` fields), dates read in ``order``: typed
    rows that can be used, the issues of those that cannot, and how many rows the sheet held."""
    labels = {f: label(table, f) for f in INVOICE_SCHEMA}
    issues: list[pl.DataFrame] = []
    parsed = _typed_values(raw, order.order)
    parsed, found = _without_totals(parsed, labels)
    issues += found
    parsed, found = _usable(parsed, labels, today)
    issues += found
    issues += _values_ignored(parsed, labels)
    parsed, found = _statuses(parsed, labels)
    issues += found
    parsed, found = _credit_signs(parsed, labels)
    issues += found
    if config.basis == "paid":
        issues.append(_paid_without_date(parsed, labels))
    if table.line_items:
        found = [line_numbers(parsed, labels)]
    else:
        parsed, found = duplicates(parsed, labels)
    left_out = table.left_out
    if left_out is not None and left_out.height:
        found.append(_set_aside_by_profile(table, left_out))
    rows = raw.height + (left_out.height if left_out is not None else 0)
    return parsed, issues + found, rows


def _typed_values(raw: pl.DataFrame, order: str) -> pl.DataFrame:
    """Dates, amounts, deposits and status read from their text, the text kept beside each
    (``raw_<field>``) to report the cells that fail."""
    return raw.with_columns(
        *(
            pl.col(f).alias(f"raw_{f}")
            for f in ("invoice_date", "amount", "due_date", "paid_date", "deposit")
        ),
    ).with_columns(
        *(
            (pl.col(f).cast(pl.Date) if typed(raw, f) else parse_dates(raw, f, order)).alias(f)
            for f in DATE_FIELDS
        ),
        (
            pl.col("amount").cast(pl.Float64)
            if typed(raw, "amount")
            else parse_amounts(raw, "amount")
        ).alias("amount"),
        (
            pl.col("deposit").cast(pl.Float64)
            if typed(raw, "deposit")
            else parse_deposit(pl.col("deposit"))
        ).alias("deposit"),
        pl.col("currency").str.to_uppercase().alias("currency"),
        pl.col("status").str.to_lowercase().str.replace_all(r"[_\s]+", " ").alias("status_text"),
    )


def _without_totals(parsed: pl.DataFrame, labels: Labels) -> Found:
    """Total and subtotal rows are not invoices."""
    is_total = pl.col("client").str.contains(TOTAL_ROW) | (
        pl.col("client").is_null() & pl.col("invoice_no").str.contains(TOTAL_ROW)
    )
    found = issue_rows(
        parsed,
        is_total,
        labels["client"],
        pl.coalesce("client", "invoice_no"),
        "a total or subtotal row, not an invoice",
        "row left out",
    )
    return parsed.filter(~is_total.fill_null(False)), [found]


def _usable(parsed: pl.DataFrame, labels: Labels, today: dt.date) -> Found:
    """Rows with a client, a plausible date and a plausible amount; each other row is reported
    once, for the first check it fails."""
    latest = today + dt.timedelta(days=FUTURE_DAYS)
    date, amount = pl.col("invoice_date"), pl.col("amount")
    checks = [
        (pl.col("client").is_null(), "client", pl.lit(None), "no client name"),
        (pl.col("raw_invoice_date").is_null(), "invoice_date", pl.lit(None), "no invoice date"),
        (
            pl.col("raw_invoice_date").is_not_null() & date.is_null(),
            "invoice_date",
            pl.col("raw_invoice_date"),
            "not a date",
        ),
        (
            date < EARLIEST,
            "invoice_date",
            pl.col("raw_invoice_date"),
            f"dated before {EARLIEST.year}: most likely a typo or a number read as a date",
        ),
        (
            date > latest,
            "invoice_date",
            pl.col("raw_invoice_date"),
            "dated more than a year in the future: most likely a typo",
        ),
        (pl.col("raw_amount").is_null(), "amount", pl.lit(None), "no amount"),
        (
            pl.col("raw_amount").is_not_null() & amount.is_null(),
            "amount",
            pl.col("raw_amount"),
            "not a number",
        ),
        (
            ~amount.is_finite() | (amount.abs() >= MAX_AMOUNT),
            "amount",
            pl.col("raw_amount"),
            "not a plausible amount",
        ),
    ]
    issues = []
    unusable = pl.lit(False)
    for when, field, value, problem in checks:
        issues.append(
            issue_rows(
                parsed.filter(~unusable), when, labels[field], value, problem, "row left out"
            )
        )
        unusable = unusable | when.fill_null(False)
    return parsed.filter(~unusable), issues


def _values_ignored(parsed: pl.DataFrame, labels: Labels) -> list[pl.DataFrame]:
    """Optional cells that cannot be read are ignored, their rows kept; a missing invoice
    number is noted."""
    issues = [
        issue_rows(
            parsed,
            pl.col(f"raw_{field}").is_not_null() & pl.col(field).is_null(),
            labels[field],
            pl.col(f"raw_{field}"),
            problem,
            "value ignored; row kept",
        )
        for field, problem in (
            ("due_date", "not a date"),
            ("paid_date", "not a date"),
            ("deposit", "not a number"),
        )
    ]
    issues.append(
        issue_rows(
            parsed,
            pl.col("invoice_no").is_null(),
            labels["invoice_no"],
            pl.lit(None),
            "no invoice number",
            "row kept",
        )
    )
    return issues


def _statuses(parsed: pl.DataFrame, labels: Labels) -> Found:
    """Each row's status as one of tierbook's words; without one, inferred from the sign and the
    paid date; an unknown word is noted and the row counted as issued."""
    status = pl.col("status_text").replace_strict(
        STATUS_WORDS, default=None, return_dtype=pl.String
    )
    parsed = parsed.with_columns(status.alias("status"))
    unknown = pl.col("status_text").is_not_null() & pl.col("status").is_null()
    found = issue_rows(
        parsed,
        unknown,
        labels["status"],
        pl.col("status_text"),
        "status not recognised",
        "counted as an issued invoice",
    )
    inferred = (
        pl.when(pl.col("amount") < 0)
        .then(pl.lit("credit_note"))
        .when(pl.col("paid_date").is_not_null())
        .then(pl.lit("paid"))
        .otherwise(pl.lit("open"))
    )
    return parsed.with_columns(
        pl.col("status").alias("stated_status"), pl.coalesce("status", inferred).alias("status")
    ), [found]


def _credit_signs(parsed: pl.DataFrame, labels: Labels) -> Found:
    """A credit note written as a positive amount is counted negative, and noted."""
    amount = pl.col("amount")
    positive_credit = (pl.col("status") == "credit_note") & (amount > 0)
    found = issue_rows(
        parsed,
        positive_credit,
        labels["amount"],
        pl.col("raw_amount"),
        "credit note with a positive amount",
        "counted as negative",
    )
    signed = parsed.with_columns(
        pl.when(positive_credit).then(-amount).otherwise(amount).alias("amount")
    )
    return signed, [found]


def _paid_without_date(parsed: pl.DataFrame, labels: Labels) -> pl.DataFrame:
    """On the paid basis, a row marked paid without a paid date cannot be dated."""
    return issue_rows(
        parsed,
        (pl.col("status") == "paid") & pl.col("paid_date").is_null(),
        labels["paid_date"],
        pl.lit(None),
        "marked paid but no paid date",
        "not counted on the paid basis",
    )


def _set_aside_by_profile(table: RawTable, left_out: pl.DataFrame) -> pl.DataFrame:
    """The rows an export's profile set aside (payments, headings, footers), with its reasons."""
    return left_out.select(
        pl.lit(table.sheet).alias("sheet"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit("(row)").alias("column"),
        pl.lit(None, dtype=pl.String).alias("value"),
        pl.col("problem"),
        pl.lit(f"row left out ({table.profile})").alias("action"),
    ).cast(dict(ISSUE_SCHEMA))  # type: ignore[arg-type]
