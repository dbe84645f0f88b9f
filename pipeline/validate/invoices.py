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
from pipeline.read.columns import normalise
from pipeline.read.sheets import RawTable
from pipeline.validate.amounts import MAX_AMOUNT, parse_amounts, parse_deposit
from pipeline.validate.dates import EARLIEST, FUTURE_DAYS, NUMERIC, parse_dates
from pipeline.validate.duplicates import first_of_each, line_numbers, possible_copies, repeated
from pipeline.validate.fields import DATE_FIELDS, cleaned, label, typed, with_fields
from pipeline.validate.issues import issue_rows, one_issue
from pipeline.validate.records import (
    BY_DATES,
    BY_SETTING,
    INVOICE_SCHEMA,
    ISSUE_SCHEMA,
    LINE_FIELDS,
    ORDER_NAMES,
    STATUS_WORDS,
    DateOrder,
)

# A total row names no client but a total: "Total", "TOTAL", "Grand total", "Total for Acme".
TOTAL_ROW = r"(?i)^\s*(grand\s+|sub[-\s]?)?totals?\s*(:|for\b.*)?\s*$"
# What exports write for a missing value (R's NA, SQL's NULL, pandas' nan, Excel's #N/A): never
# a client's name.
NO_NAME = ["NA", "N/A", "#N/A", "NULL", "NONE", "NAN", "-", "--", "\u2013", "\u2014"]
Labels = Mapping[str, str]  # field -> the header the user wrote for it
Found = tuple[pl.DataFrame, list[pl.DataFrame]]  # the rows kept, and the issues of the rest


def prepared(table: RawTable) -> pl.DataFrame:
    """The sheet's fields as clean text (the client also as written), blank rows gone."""
    return cleaned(with_fields(table, INVOICE_SCHEMA, LINE_FIELDS), keep=("client",))


def date_cells(raw: pl.DataFrame) -> pl.DataFrame:
    """Every date cell written as three numbers, year last (``text``), with its row's invoice
    number's digits (``number``), column after column: what the order of day and month is
    decided from (``day_month_parts`` keeps no other). Cells in any other shape (ISO dates,
    month names) say nothing about it and are left out here, not carried: three columns of
    ten million ISO dates were gigabytes."""
    digits = pl.col("invoice_no").str.extract(r"(\d+)\D*$").cast(pl.Int64, strict=False)
    texts = [c for c in DATE_FIELDS if not typed(raw, c)]
    return pl.concat(
        [
            pl.DataFrame(schema={"text": pl.String, "number": pl.Int64}),
            *(
                # the full shape only where the cheap first test holds: a reader's ISO dates
                # fail it at their fourth character (100k rows: 0.007 s against 0.016 s)
                raw.select("invoice_no", c)
                .filter(pl.col(c).str.contains(r"^\d{1,2}[/.\-]"))
                .filter(pl.col(c).str.contains(NUMERIC))
                .select(pl.col(c).alias("text"), digits.alias("number"))
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
    table: RawTable, texts: list[pl.DataFrame], order: DateOrder, config: Config, today: dt.date
) -> tuple[pl.DataFrame, list[pl.DataFrame], int, str]:
    """One invoice sheet, dates read in ``order``: typed rows that can be used, the issues of
    those that cannot, how many rows the sheet held, and how the amounts were had (for the
    Method sheet). The sheet's ``prepared`` fields are taken off the front of ``texts``: a frame
    passed as an argument is held by the caller until the call returns, one taken off a list is
    this function's to let go of, and each date's text goes once it is checked."""
    labels = {f: label(table, f) for f in (*INVOICE_SCHEMA, *LINE_FIELDS)}
    computed = "amount" not in table.columns.fields
    if computed:
        labels["amount"] = f"{labels['quantity']} × {labels['unit_price']}"
    issues: list[pl.DataFrame] = []
    raw = texts.pop(0)
    rows = raw.height + (table.left_out.height if table.left_out is not None else 0)
    raw = _with_status_text(raw)
    parsed = _typed_values(raw, order.order, computed)
    del raw
    parsed, found = _without_totals(parsed, labels)
    issues += found
    parsed, found = _usable(parsed, labels, today)
    issues += found
    parsed = parsed.drop("raw_invoice_date")
    issues += _values_ignored(parsed, labels, "invoice_no" in table.columns.fields)
    parsed = parsed.drop("raw_due_date", "raw_paid_date", "raw_deposit")
    parsed = parsed.with_columns(first_of_each(parsed, invoice_key()).alias("invoice"))
    parsed, source = _totals_once(parsed, labels, computed)
    parsed, found = _statuses(parsed, labels)
    issues += found
    parsed, found = _credit_signs(parsed, labels)
    issues += found
    if config.basis == "paid":
        issues.append(_paid_without_date(parsed, labels))
    found = [line_numbers(parsed, labels), possible_copies(parsed, labels)]
    left_out = table.left_out
    if left_out is not None and left_out.height:
        found.append(_set_aside_by_profile(table, left_out))
    return parsed, issues + found, rows, source


def invoice_key() -> pl.Expr:
    """The invoice a row is a line of: its number, client and date; a row with no number is a
    sale of its own (its sheet and row). As text, made only to be numbered (``first_of_each``):
    a struct of the same fields took three times the memory to hash and compare."""
    return (
        pl.when(pl.col("invoice_no").is_not_null())
        .then(
            pl.concat_str(
                [pl.col("invoice_no"), pl.col("client"), pl.col("invoice_date").cast(pl.String)],
                separator="\x1f",
            )
        )
        .otherwise(pl.concat_str([pl.lit("\x1e"), pl.col("sheet"), pl.col("row").cast(pl.String)]))
    )


# Headers of a total for the whole invoice, which exports repeat on each of its lines.
INVOICE_TOTALS = {
    "total",
    "subtotal",
    "grandtotal",
    "invoicetotal",
    "invoiceamount",
    "totalamount",
    "nettotal",
    "amountdue",
}


def _totals_once(parsed: pl.DataFrame, labels: Labels, computed: bool) -> tuple[pl.DataFrame, str]:
    """Where the amount is the invoice's own total, written again on each of its lines (Zoho's
    SubTotal, Xero's Total), it is taken once per invoice: on its first line, the others
    zero. Only when the column is headed as a total and every invoice of several lines has the
    same amount on each; a column of line amounts that differ is summed. Returns how the
    amounts were had."""
    if computed:
        with_discount = " less the discount" if parsed["raw_discount"].is_not_null().any() else ""
        return parsed, f"{labels['amount']}{with_discount} (the sheet has no amount column)"
    header = labels["amount"]
    if normalise(header) not in INVOICE_TOTALS:
        return parsed, f"the column '{header}'"
    lines = repeated(parsed, "invoice")
    if not lines.height:
        return parsed, f"the column '{header}'"
    alike = lines.group_by("invoice").agg((pl.col("amount").n_unique() == 1).alias("same"))
    if not alike["same"].all():
        return parsed, f"the column '{header}', summed over each invoice's lines"
    first = pl.col("row") == pl.col("row").min().over("invoice")
    once = parsed.with_columns(pl.when(first).then(pl.col("amount")).otherwise(0.0).alias("amount"))
    return once, (
        f"the column '{header}', the invoice's total written on each of its lines, taken once "
        "per invoice"
    )


def _number(raw: pl.DataFrame, field: str) -> pl.Expr:
    """A number field as read: typed as it came (Parquet), else parsed from its text."""
    return (
        pl.col(field).cast(pl.Float64) if typed(raw, field) else pl.lit(parse_amounts(raw, field))
    )


def _typed_values(raw: pl.DataFrame, order: str, computed: bool) -> pl.DataFrame:
    """Dates, amounts and deposits read from their text, the text kept beside each
    (``raw_<field>``) to report the cells that fail. ``computed``: the sheet has no amount
    column, and each row's amount is its quantity × unit price, less a discount (an amount, or
    a percentage where the cell says %)."""
    if computed:
        quantity, price = _number(raw, "quantity"), _number(raw, "unit_price")
        discount_text = pl.col("discount").cast(pl.String)
        percent = discount_text.str.strip_chars().str.ends_with("%").fill_null(False)
        discount = (
            pl.when(percent)
            .then(
                quantity
                * price
                * discount_text.str.replace("%", "")
                .str.strip_chars()
                .cast(pl.Float64, strict=False)
                / 100
            )
            .otherwise(_number(raw, "discount"))
        )
        amount = (quantity * price - discount.fill_null(0.0)).alias("amount")
        shown = pl.when(pl.col("quantity").is_not_null() & pl.col("unit_price").is_not_null()).then(
            pl.format(
                "{} × {}", pl.col("quantity").cast(pl.String), pl.col("unit_price").cast(pl.String)
            )
        )
        raw = raw.with_columns(shown.alias("raw_amount"))
    else:
        amount = _number(raw, "amount").alias("amount")
        raw = raw.with_columns(pl.col("amount").alias("raw_amount"))
    return raw.with_columns(
        *(
            pl.col(f).alias(f"raw_{f}")
            for f in ("invoice_date", "due_date", "paid_date", "deposit", "discount")
        ),
    ).with_columns(
        *(
            (pl.col(f).cast(pl.Date) if typed(raw, f) else parse_dates(raw, f, order)).alias(f)
            for f in DATE_FIELDS
        ),
        amount,
        (
            pl.col("deposit").cast(pl.Float64)
            if typed(raw, "deposit")
            else parse_deposit(pl.col("deposit"))
        ).alias("deposit"),
        pl.col("currency").str.to_uppercase().alias("currency"),
    )


def _with_status_text(raw: pl.DataFrame) -> pl.DataFrame:
    """The status as written, in lower case with runs of spaces and underscores made one space,
    as a category (``status_text``) in place of its text: a ledger writes a handful of
    statuses, so each is folded once, and ten million rows hold 40 MB of codes, not 160 MB of
    text (and as much again for the word it stands for, ``_statuses``). Done before the dates
    are parsed, so the text is gone before they are made; and in a ``with_columns`` of its own:
    mapped beside the parsed dates, it came back in one block against the others' many, and
    the next filter copied every column into one block to match."""
    written = raw["status"].cast(pl.String).unique().drop_nulls()
    folded = written.str.to_lowercase().str.replace_all(r"[_\s]+", " ")
    text = (
        pl.col("status")
        .cast(pl.String)
        .replace_strict(
            dict(zip(written, folded, strict=True)), default=None, return_dtype=pl.Categorical
        )
    )
    return raw.with_columns(text.alias("status_text")).drop("status")


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
        (
            pl.col("client").str.to_uppercase().is_in(NO_NAME),
            "client",
            pl.col("client"),
            "no client name: the cell holds a placeholder for a missing value",
        ),
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


def _values_ignored(parsed: pl.DataFrame, labels: Labels, numbered: bool) -> list[pl.DataFrame]:
    """Optional cells that cannot be read are ignored, their rows kept; a missing invoice
    number is noted where the sheet has a number column (a sales log has none: each row is a
    sale of its own)."""
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
            pl.col("invoice_no").is_null() & pl.lit(numbered),
            labels["invoice_no"],
            pl.lit(None),
            "no invoice number",
            "row kept",
        )
    )
    return issues


def _statuses(parsed: pl.DataFrame, labels: Labels) -> Found:
    """Each invoice's status as one of tierbook's words, on every one of its lines: the one a
    line states (the first, where lines differ), else inferred from the invoice's sign and paid
    date; an unknown word is noted and the line counted as issued."""
    status = (
        pl.col("status_text")
        .cast(pl.String)
        .replace_strict(STATUS_WORDS, default=None, return_dtype=pl.Categorical)
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
    lines = repeated(parsed, "invoice").height > 0
    total, paid = pl.col("amount"), pl.col("paid_date").is_not_null()
    stated = pl.col("status")
    if lines:  # every line takes its invoice's standing; most ledgers have one line each
        total, paid = total.sum().over("invoice"), paid.any().over("invoice")
        stated = stated.drop_nulls().first().over("invoice")
    inferred = (
        pl.when(total < 0)
        .then(pl.lit("credit_note"))
        .when(paid)
        .then(pl.lit("paid"))
        .otherwise(pl.lit("open"))
        .cast(pl.Categorical)
    )
    return parsed.with_columns(
        pl.col("status").alias("stated_status"), pl.coalesce(stated, inferred).alias("status")
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
    """The rows an export's profile set aside (payments, headings, footers), or the reader
    skipped (a text export's stray lines), with the reasons."""
    return left_out.select(
        pl.lit(table.sheet).alias("sheet"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit("(row)").alias("column"),
        pl.lit(None, dtype=pl.String).alias("value"),
        pl.col("problem"),
        pl.lit(f"row left out ({table.profile})" if table.profile else "skipped").alias("action"),
    ).cast(dict(ISSUE_SCHEMA))  # type: ignore[arg-type]
