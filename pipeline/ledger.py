"""Validate raw sheet text into a typed ledger, reporting every cell it could not use.

Nothing is dropped silently: a row left out, a value ignored or a value reinterpreted becomes a
data issue naming the sheet, the Excel row, the column as the user wrote it, and what was done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from pipeline.config import Config
from pipeline.parse import (
    SLASH_DATE,
    amount_from_clean,
    clean_columns,
    clean_text,
    parse_amounts,
    parse_date,
    parse_dates,
    slash_order,
)
from pipeline.read.sheets import ROW, RawTable, RawWorkbook
from pipeline.records import (
    CLIENT_SCHEMA,
    INVOICE_SCHEMA,
    ISSUE_SCHEMA,
    STATUS_WORDS,
    Ledger,
)

# A total row names no client but a total: "Total", "TOTAL", "Grand total", "Total for Acme".
TOTAL_ROW = r"(?i)^\s*(grand\s+|sub[-\s]?)?totals?\s*(:|for\b.*)?\s*$"
EARLIEST = dt.date(1990, 1, 1)  # older invoice dates are typos (or numbers read as dates)
FUTURE_DAYS = 366  # invoice dates more than this after the run date are typos
MAX_AMOUNT = 1e12  # no small business bills a trillion in one invoice
_DATE_LIKE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_CONTRACT_OVER = r"(?i)\b(no|none|ended|expired|cancell?ed|terminated|former|lapsed|n/a)\b"


_YES = r"(?i)^(yes|y|x|true|paid|received|\u2713|\u2714)$"
_NO = r"(?i)^(no|n|false|none|-|\u2013|0)$"


def parse_deposit(text: pl.Expr) -> pl.Expr:
    """A deposit column (clean text) holds amounts or yes/no marks; a mark counts as 1 (paid) or 0."""
    return (
        pl.when(text.str.contains(_YES))
        .then(pl.lit(1.0))
        .when(text.str.contains(_NO))
        .then(pl.lit(0.0))
        .otherwise(amount_from_clean(text))
    )


def _day_first(frame: pl.DataFrame, columns: list[str], config: Config) -> bool:
    order = slash_order(frame, columns)
    return config.day_first if order is None else order


def _label(table: RawTable, field: str) -> str:
    found = table.columns.fields.get(field)
    return found[1] if found else field.replace("_", " ")


def _issues(
    frame: pl.DataFrame,
    when: pl.Expr,
    column: str,
    value: pl.Expr,
    problem: str | pl.Expr,
    action: str,
) -> pl.DataFrame:
    """Issue rows for every row of ``frame`` (which carries ``sheet`` and ``row``) where ``when``."""
    return frame.filter(when.fill_null(False)).select(
        pl.col("sheet"),
        pl.col("row").cast(pl.Int64),
        pl.lit(column).alias("column"),
        value.cast(pl.String).alias("value"),
        (pl.lit(problem) if isinstance(problem, str) else problem).cast(pl.String).alias("problem"),
        pl.lit(action).alias("action"),
    )


def _with_fields(table: RawTable, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """The schema's fields as text (null where the sheet lacks one), the row and the sheet."""
    frame = table.frame
    columns = [
        pl.col(f) if f in frame.columns else pl.lit(None, pl.String).alias(f)
        for f in schema
        if f not in {"row", "sheet", "contract_end", "contract_ended"}
    ]
    return frame.select(pl.col(ROW).alias("row"), *columns).with_columns(
        pl.lit(table.sheet).alias("sheet")
    )


def _drop_blank(frame: pl.DataFrame) -> pl.DataFrame:
    values = [c for c in frame.columns if c not in {"row", "sheet"}]
    return frame.filter(pl.any_horizontal(clean_text(c).is_not_null() for c in values))


_DATE_FIELDS = ("invoice_date", "due_date", "paid_date")
_NUMBER_FIELDS = ("amount", "deposit")


def _typed(frame: pl.DataFrame, field: str) -> bool:
    """Whether a field arrived typed (a Parquet file's dates and amounts), not as text."""
    dtype = frame.schema[field]
    if field in _DATE_FIELDS:
        return dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime)
    return field in _NUMBER_FIELDS and dtype.is_numeric()


def _cleaned(frame: pl.DataFrame, keep: tuple[str, ...] = ()) -> pl.DataFrame:
    """Every text field cleaned once (``keep`` also as ``raw_<name>``, trimmed but as
    written), and the rows left with no value at all dropped. Dates and amounts that arrive
    typed stay as they are; anything else is read as text."""
    values = [c for c in frame.columns if c not in {"row", "sheet"}]
    frame = frame.with_columns(
        pl.col(c).cast(pl.String).str.normalize("NFC").str.strip_chars().alias(f"raw_{c}")
        for c in keep
    )
    frame = clean_columns(frame, [c for c in values if not _typed(frame, c)])
    return frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in values))


def _parse_invoices(
    table: RawTable, config: Config, today: dt.date
) -> tuple[pl.DataFrame, list[pl.DataFrame], int]:
    """One invoice sheet: typed rows that can be used, and the issues of those that cannot."""
    raw = _cleaned(_with_fields(table, INVOICE_SCHEMA), keep=("client",))
    lbl = {f: _label(table, f) for f in INVOICE_SCHEMA}
    issues: list[pl.DataFrame] = []
    date_columns = list(_DATE_FIELDS)
    texts = [c for c in date_columns if not _typed(raw, c)]
    order = slash_order(raw, texts) if texts else None
    day_first = config.day_first if order is None else order
    slashed = (
        raw.select(
            pl.any_horizontal(pl.col(c).str.contains(SLASH_DATE) for c in texts).sum()
        ).item()
        if texts
        else 0
    )
    if order is None and slashed:
        issues.append(
            pl.DataFrame(
                [
                    {
                        "sheet": table.sheet,
                        "row": table.header_row,
                        "column": lbl["invoice_date"],
                        "value": None,
                        "problem": f"{slashed} dates like 03/04/2026 could be day or month first",
                        "action": f"read {'day' if day_first else 'month'} first (setting day_first)",
                    }
                ],
                schema=dict(ISSUE_SCHEMA),
            )
        )
    # The text as cleaned stays beside each parsed value, to report the cells that fail.
    parsed = raw.with_columns(
        *(
            pl.col(f).alias(f"raw_{f}")
            for f in ("invoice_date", "amount", "due_date", "paid_date", "deposit")
        ),
    ).with_columns(
        *(
            (pl.col(f).cast(pl.Date) if _typed(raw, f) else parse_dates(raw, f, day_first)).alias(f)
            for f in date_columns
        ),
        (
            pl.col("amount").cast(pl.Float64)
            if _typed(raw, "amount")
            else parse_amounts(raw, "amount")
        ).alias("amount"),
        (
            pl.col("deposit").cast(pl.Float64)
            if _typed(raw, "deposit")
            else parse_deposit(pl.col("deposit"))
        ).alias("deposit"),
        pl.col("currency").str.to_uppercase().alias("currency"),
        pl.col("status").str.to_lowercase().str.replace_all(r"[_\s]+", " ").alias("status_text"),
    )
    is_total = pl.col("client").str.contains(TOTAL_ROW) | (
        pl.col("client").is_null() & pl.col("invoice_no").str.contains(TOTAL_ROW)
    )
    issues.append(
        _issues(
            parsed,
            is_total,
            lbl["client"],
            pl.coalesce("client", "invoice_no"),
            "a total or subtotal row, not an invoice",
            "row left out",
        )
    )
    parsed = parsed.filter(~is_total.fill_null(False))
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
    unusable = pl.lit(False)
    for when, field, value, problem in checks:
        issues.append(
            _issues(parsed.filter(~unusable), when, lbl[field], value, problem, "row left out")
        )
        unusable = unusable | when.fill_null(False)
    parsed = parsed.filter(~unusable)
    for field, problem in (
        ("due_date", "not a date"),
        ("paid_date", "not a date"),
        ("deposit", "not a number"),
    ):
        bad = pl.col(f"raw_{field}").is_not_null() & pl.col(field).is_null()
        issues.append(
            _issues(
                parsed, bad, lbl[field], pl.col(f"raw_{field}"), problem, "value ignored; row kept"
            )
        )
    issues.append(
        _issues(
            parsed,
            pl.col("invoice_no").is_null(),
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
            lbl["status"],
            pl.col("status_text"),
            "status not recognised",
            "counted as an issued invoice",
        )
    )
    inferred = (
        pl.when(amount < 0)
        .then(pl.lit("credit_note"))
        .when(pl.col("paid_date").is_not_null())
        .then(pl.lit("paid"))
        .otherwise(pl.lit("open"))
    )
    parsed = parsed.with_columns(pl.coalesce("status", inferred).alias("status"))
    positive_credit = (pl.col("status") == "credit_note") & (amount > 0)
    issues.append(
        _issues(
            parsed,
            positive_credit,
            lbl["amount"],
            pl.col("raw_amount"),
            "credit note with a positive amount",
            "counted as negative",
        )
    )
    parsed = parsed.with_columns(
        pl.when(positive_credit).then(-amount).otherwise(amount).alias("amount")
    )
    if config.basis == "paid":
        unpaid_paid = (pl.col("status") == "paid") & pl.col("paid_date").is_null()
        issues.append(
            _issues(
                parsed,
                unpaid_paid,
                lbl["paid_date"],
                pl.lit(None),
                "marked paid but no paid date",
                "not counted on the paid basis",
            )
        )
    if table.line_items:
        # An export of invoice lines repeats the number on every line, and two equal lines of
        # one invoice are two lines: neither is a duplicate. One number on another client or
        # another date is still worth a look.
        number = pl.col("invoice_no")
        marked = parsed.sort("row").with_columns(
            pl.col("row").first().over("invoice_no").alias("_first"),
            (
                (pl.col("client") != pl.col("client").first().over("invoice_no"))
                | (pl.col("invoice_date") != pl.col("invoice_date").first().over("invoice_no"))
            )
            .fill_null(False)
            .alias("_mixed"),
        )
        odd = number.is_not_null() & pl.col("_mixed") & (pl.col("row") != pl.col("_first"))
        found: list[pl.DataFrame] = [
            _issues(
                marked,
                odd,
                lbl["invoice_no"],
                number,
                pl.format(
                    "invoice number also on row {} with another client or date", pl.col("_first")
                ),
                "both kept, as separate lines",
            )
        ]
    else:
        parsed, found = _duplicates(parsed, lbl)
    if table.left_out is not None and table.left_out.height:
        found.append(
            table.left_out.select(
                pl.lit(table.sheet).alias("sheet"),
                pl.col("_row").cast(pl.Int64).alias("row"),
                pl.lit("(row)").alias("column"),
                pl.lit(None, dtype=pl.String).alias("value"),
                pl.col("problem"),
                pl.lit(f"row left out ({table.profile})").alias("action"),
            ).cast(dict(ISSUE_SCHEMA))  # type: ignore[arg-type]
        )
    return (
        parsed,
        issues + found,
        raw.height + (table.left_out.height if table.left_out is not None else 0),
    )


_CONTENT = [
    "invoice_no",
    "client",
    "invoice_date",
    "due_date",
    "paid_date",
    "amount",
    "currency",
    "status",
    "project",
    "description",
    "deposit",
]


def _content_hash() -> pl.Expr:
    return pl.struct(_CONTENT).hash()


def _copies(parsed: pl.DataFrame) -> pl.DataFrame:
    """``parsed`` with ``_copy_of``: the first row holding the same contents.

    Rows are grouped by a 64-bit hash of their contents rather than by the eleven columns
    themselves, which on ten million rows took 2.7 GB more; every copy the hash finds is then
    compared with its first row, and should two different rows ever share a hash, the exact
    grouping decides instead.
    """
    hashed = parsed.with_columns(_content_hash().alias("_hash"))
    marked = hashed.with_columns(pl.col("row").min().over("_hash").alias("_copy_of"))
    copies = marked.filter(pl.col("row") != pl.col("_copy_of"))
    if copies.height:
        firsts = marked.filter(pl.col("_hash").is_in(copies["_hash"].implode())).filter(
            pl.col("row") == pl.col("_copy_of")
        )
        pairs = copies.select("_hash", *_CONTENT).join(
            firsts.select("_hash", *(pl.col(c).alias(f"_first_{c}") for c in _CONTENT)),
            on="_hash",
        )
        same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"_first_{c}")) for c in _CONTENT)
        if pairs.height != copies.height or not pairs.select(same.all()).item():
            marked = parsed.with_columns(pl.col("row").min().over(_CONTENT).alias("_copy_of"))
    return marked.drop("_hash", strict=False)


def _duplicates(
    parsed: pl.DataFrame, lbl: Mapping[str, str]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Exact copies of a row are counted once; one invoice number on rows that differ is reported."""
    marked = _copies(parsed)
    copy = pl.col("row") != pl.col("_copy_of")
    found = [
        _issues(
            marked,
            copy,
            lbl["invoice_no"],
            pl.col("invoice_no"),
            pl.format("an exact copy of row {}", pl.col("_copy_of")),
            "counted once",
        )
    ]
    kept = marked.filter(~copy).with_columns(
        pl.col("row").min().over("invoice_no").alias("_number_on")
    )
    shared = pl.col("invoice_no").is_not_null() & (pl.col("row") != pl.col("_number_on"))
    found.append(
        _issues(
            kept,
            shared,
            lbl["invoice_no"],
            pl.col("invoice_no"),
            pl.format("invoice number also on row {} with other contents", pl.col("_number_on")),
            "both kept, as separate lines",
        )
    )
    return kept.drop("_copy_of", "_number_on"), found


def _one_spelling(
    frame: pl.DataFrame, tables: tuple[RawTable, ...]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Names that differ only in case or inner spacing are one client, under its most used
    spelling; each row written otherwise is reported. Padding at either end is not a spelling.

    Decided over the distinct spellings (a few thousand, however long the ledger), then mapped
    onto the rows that need it."""
    spellings = frame.group_by("raw_client").agg(
        pl.col("client").first().str.to_lowercase().alias("_key"),
        pl.len().alias("_n"),
        pl.col("row").min().alias("_first"),
    )
    canonical = (
        spellings.sort(["_n", "_first", "raw_client"], descending=[True, False, False])
        .group_by("_key", maintain_order=True)
        .agg(pl.col("raw_client").first().alias("_canonical"))
    )
    others = (
        spellings.join(canonical, on="_key")
        .filter(pl.col("raw_client") != pl.col("_canonical"))
        .with_columns(clean_text("_canonical").alias("_client"))
    )
    if not others.height:
        return frame, []
    raw = pl.col("raw_client")
    joined = frame.with_columns(
        raw.replace_strict(
            others["raw_client"], others["_canonical"], default=None, return_dtype=pl.String
        ).alias("_canonical")
    )
    found = [
        _issues(
            joined,
            pl.col("_canonical").is_not_null(),
            _label(tables[0], "client"),
            raw,
            pl.format("written differently from '{}' (case or spacing)", pl.col("_canonical")),
            "merged with it",
        )
    ]
    merged = joined.with_columns(
        raw.replace_strict(
            others["raw_client"],
            others["_client"],
            default=pl.col("client"),
            return_dtype=pl.String,
        ).alias("client")
    )
    return merged.drop("_canonical"), found


def _currency(
    parsed: pl.DataFrame, tables: tuple[RawTable, ...], config: Config
) -> tuple[pl.DataFrame, list[pl.DataFrame], str | None]:
    """Analyse one currency: the one asked for, else the most frequent; never add others in."""
    currency = config.currency
    if currency is None:
        counts = parsed.filter(pl.col("currency").is_not_null())["currency"].value_counts(sort=True)
        currency = counts["currency"][0] if counts.height else None
    if currency is None or not any("currency" in t.columns.fields for t in tables):
        return parsed.with_columns(pl.lit(currency, pl.String).alias("currency")), [], currency
    label = next(_label(t, "currency") for t in tables if "currency" in t.columns.fields)
    other = pl.col("currency").is_not_null() & (pl.col("currency") != currency)
    issues = [
        _issues(
            parsed,
            other,
            label,
            pl.col("currency"),
            pl.format("in {}, not the analysed currency", pl.col("currency")),
            f"row left out; amounts in other currencies are never added to {currency}",
        ),
        _issues(
            parsed,
            pl.col("currency").is_null(),
            label,
            pl.lit(None),
            "no currency",
            f"assumed {currency}; row kept",
        ),
    ]
    kept = parsed.filter(pl.col("currency").fill_null(currency) == currency)
    return kept.with_columns(pl.lit(currency, pl.String).alias("currency")), issues, currency


def _clients(table: RawTable, config: Config) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    label = {f: _label(table, f) for f in CLIENT_SCHEMA}
    raw = _drop_blank(_with_fields(table, CLIENT_SCHEMA))
    text_fields = [
        f
        for f in CLIENT_SCHEMA
        if f
        not in {"row", "sheet", "client_since", "last_contact", "contract_end", "contract_ended"}
    ]
    end_text = pl.col("contract").str.extract(f"({_DATE_LIKE})")
    parsed = raw.with_columns(
        *(clean_text(f).alias(f) for f in text_fields),
        *(
            parse_date(f, _day_first(raw, ["client_since", "last_contact"], config)).alias(f)
            for f in ("client_since", "last_contact")
        ),
        *(clean_text(f).alias(f"raw_{f}") for f in ("client_since", "last_contact")),
    ).with_columns(
        pl.coalesce(
            end_text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
            end_text.str.strptime(pl.Date, "%d.%m.%Y", strict=False),
        ).alias("contract_end"),
        pl.col("contract").str.contains(_CONTRACT_OVER).fill_null(False).alias("contract_ended"),
    )
    issues = [
        _issues(
            parsed,
            pl.col("client").is_null(),
            label["client"],
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
                label[field],
                pl.col(f"raw_{field}"),
                "not a date",
                "value ignored; row kept",
            )
        )
    unread_end = end_text.is_not_null() & pl.col("contract_end").is_null()
    issues.append(
        _issues(
            parsed,
            unread_end,
            label["contract"],
            pl.col("contract"),
            "end date not understood (write it as YYYY-MM-DD)",
            "contract treated as in force with no end date",
        )
    )
    parsed = parsed.filter(pl.col("client").is_not_null())
    key = pl.col("client").str.to_lowercase()
    repeat = key.is_duplicated() & ~key.is_first_distinct()
    issues.append(
        _issues(
            parsed,
            repeat,
            label["client"],
            pl.col("client"),
            "client listed more than once",
            "first row used",
        )
    )
    clients = parsed.filter(~repeat).select(
        [pl.col(n).cast(t) for n, t in CLIENT_SCHEMA.items() if n != "sheet"]
    )
    return clients, issues


def build_ledger(raw: RawWorkbook, config: Config, today: dt.date | None = None) -> Ledger:
    """Type, clean and check the raw sheets; the result holds only usable rows."""
    today = today or dt.date.today()
    parts, issues, rows_read = [], [], 0
    for table in raw.invoices:
        parsed, found, count = _parse_invoices(table, config, today)
        parts.append(parsed)
        issues += found
        rows_read += count
    for table in raw.skipped:
        issues.append(
            pl.DataFrame(
                [
                    {
                        "sheet": table.sheet,
                        "row": table.header_row,
                        "column": "(header)",
                        "value": None,
                        "problem": f"looks like an invoice table, but its columns differ from sheet '{raw.invoices[0].sheet}'",
                        "action": "sheet not read; give it the same columns to include it",
                    }
                ],
                schema=dict(ISSUE_SCHEMA),
            )
        )
    combined = pl.concat(parts, how="diagonal_relaxed")
    combined, found, currency = _currency(combined, raw.invoices, config)
    issues += found
    combined, found = _one_spelling(combined, raw.invoices)
    issues += found
    invoices = combined.select([pl.col(n).cast(t) for n, t in INVOICE_SCHEMA.items()])
    if raw.clients is not None:
        clients, client_issues = _clients(raw.clients, config)
        issues += client_issues
        billed = invoices["client"].str.to_lowercase().unique().implode()
        idle = ~pl.col("client").str.to_lowercase().is_in(billed)
        issues.append(
            _issues(
                clients.with_columns(pl.lit(raw.clients.sheet).alias("sheet")),
                idle,
                _label(raw.clients, "client"),
                pl.col("client"),
                "no invoices for this client",
                "listed; not in the figures",
            )
        )
    else:
        clients = pl.DataFrame(schema={k: v for k, v in CLIENT_SCHEMA.items() if k != "sheet"})
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
        invoice_sheets=tuple(t.sheet for t in raw.invoices),
        invoice_header_row=raw.invoices[0].header_row,
        client_sheet=raw.clients.sheet if raw.clients else None,
        rows_read=rows_read,
        has_deposits=invoices["deposit"].is_not_null().any(),  # a column left empty says nothing
    )
