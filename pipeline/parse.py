"""polars expressions that turn spreadsheet text into dates, amounts and clean names.

Each returns null where the text cannot be parsed; the caller compares with the input to
report every such cell as a data issue rather than losing it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 in the 1900 date system
_MAX_SERIAL = 2_958_465  # 9999-12-31

_SPACES = r"[\s\u00a0\u2007\u202f']"
_SYMBOLS = r"(?:[A-Z]{3}|[€$£¥₽₹﷼]|kr|zł|CHF|R\$|US\$|A\$|C\$)"
_AMOUNT_SHAPE = (
    rf"^\(?\s*[-+]?\s*{_SYMBOLS}?\s*[-+]?\s*\d[\d.,\s\u00a0\u2007\u202f']*\s*{_SYMBOLS}?\s*\)?-?$"
)


_WHITE_SPACE = r"\s\s+|[^\S ]"  # a run of white space, or one that is not a plain space


def clean_text(col: str | pl.Expr, nfc: bool = True) -> pl.Expr:
    """Trim and collapse inner white space; empty text becomes null.

    ``nfc=False`` skips Unicode normalisation, for a column known to be ASCII (where it is the
    identity and, on a large column, the dearest step).
    """
    expr = pl.col(col) if isinstance(col, str) else col
    text = expr.cast(pl.String)
    if nfc:  # "Bärén" typed on a Mac (NFD) is the same name as on Windows (NFC)
        text = text.str.normalize("NFC")
    cleaned = text.str.replace_all(_WHITE_SPACE, " ").str.strip_chars()
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def clean_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``frame`` with each of ``columns`` replaced by its clean text, each cleaned once."""
    if not columns:
        return frame
    non_ascii = frame.select(
        pl.col(c).cast(pl.String).str.contains(r"[^\x00-\x7F]").any().alias(c) for c in columns
    ).row(0)
    return frame.with_columns(
        clean_text(c, nfc=bool(needed)).alias(c)
        for c, needed in zip(columns, non_ascii, strict=True)
    )


def _fast_then_full(frame: pl.DataFrame, column: str, fast: pl.Expr, full: pl.Expr) -> pl.Series:
    """``full`` of every cell, computed as ``fast`` where ``fast`` applies and ``full`` only on
    the other cells. ``fast`` must equal ``full`` wherever it is not null (a property test
    checks this): exports hold the plain shape in nearly every cell, and the full parser's
    dozen regular expressions over a million cells are most of a ledger's validation time."""
    quick = frame.select(fast.alias(column)).to_series()
    todo = quick.is_null() & frame[column].is_not_null()
    if not todo.any():
        return quick
    rest = frame.filter(todo).select(full.alias(column)).to_series()
    return quick.scatter(todo.arg_true(), rest)


SLASH_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"


def parse_date(col: str | pl.Expr, day_first: bool = True) -> pl.Expr:
    """Excel dates (read as ISO text), ISO text, ``dd.mm.yyyy``, ``dd/mm/yyyy`` (or
    ``mm/dd/yyyy`` when not ``day_first``) and Excel serial numbers."""
    return date_from_clean(clean_text(col), day_first)


def date_from_clean(text: pl.Expr, day_first: bool = True) -> pl.Expr:
    """``parse_date`` of text already through ``clean_text``."""
    slashed = text.str.strptime(pl.Date, "%d/%m/%Y" if day_first else "%m/%d/%Y", strict=False)
    iso = text.str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})").str.strptime(
        pl.Date, "%Y-%m-%d", strict=False
    )
    dotted = text.str.strptime(pl.Date, "%d.%m.%Y", strict=False)
    is_serial = text.str.contains(r"^\d+(\.\d+)?$")
    serial = text.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False)
    from_serial = pl.when(is_serial & serial.is_between(1, _MAX_SERIAL)).then(
        pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)
    )
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"))
        .then(iso)
        .when(text.str.contains(r"^\d{1,2}\.\d{1,2}\.\d{4}$"))
        .then(dotted)
        .when(text.str.contains(SLASH_DATE))
        .then(slashed)
        .otherwise(from_serial.cast(pl.Date))
    )


def _iso_date(text: pl.Expr) -> pl.Expr:
    """The shape a spreadsheet reader gives a date cell (``2026-03-31`` or ``2026-03-31
    00:00:00``), the one case ``date_from_clean`` reads as its ISO branch; null otherwise."""
    return pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$")).then(
        text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    )


def parse_dates(frame: pl.DataFrame, column: str, day_first: bool = True) -> pl.Series:
    """``date_from_clean`` of a clean text column, the reader's ISO shape taken first."""
    text = pl.col(column)
    return _fast_then_full(frame, column, _iso_date(text), date_from_clean(text, day_first))


def parse_amount(col: str | pl.Expr) -> pl.Expr:
    """Numbers as typed by people: ``9,000.00``, ``€ 1 234,56``, ``(1,200.00)``, ``-5``, ``1.5e3``.

    With both separators the last one is the decimal mark; a lone comma is a thousands mark
    only in the ``1,234,567`` pattern, otherwise a decimal comma.
    """
    return amount_from_clean(clean_text(col))


def _plain_number(text: pl.Expr) -> pl.Expr:
    """The shape a spreadsheet reader gives a number cell (``-1234.5``), which
    ``amount_from_clean`` reads as written; null otherwise."""
    return pl.when(text.str.contains(r"^-?\d+(?:\.\d+)?$")).then(
        text.cast(pl.Float64, strict=False)
    )


def parse_amounts(frame: pl.DataFrame, column: str) -> pl.Series:
    """``amount_from_clean`` of a clean text column, plain numbers taken first."""
    text = pl.col(column)
    return _fast_then_full(frame, column, _plain_number(text), amount_from_clean(text))


def amount_from_clean(text: pl.Expr) -> pl.Expr:
    """``parse_amount`` of text already through ``clean_text``."""
    scientific = text.str.contains(r"^[-+]?\d+(\.\d+)?[eE][-+]?\d+$")
    shaped = text.str.contains(_AMOUNT_SHAPE)
    negative = (
        (text.str.starts_with("(") & text.str.ends_with(")"))
        | text.str.contains(r"^\(?\s*-")
        | text.str.contains(rf"^\(?\s*{_SYMBOLS}\s*-")
        | text.str.ends_with("-")
    )
    digits = text.str.replace_all(r"[^\d.,]", "")
    last_comma = digits.str.find(r",[^,]*$")
    last_dot = digits.str.find(r"\.[^.]*$")
    both = last_comma.is_not_null() & last_dot.is_not_null()
    normalised = (
        pl.when(both & (last_comma > last_dot))
        .then(digits.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(both)
        .then(digits.str.replace_all(",", ""))
        .when(digits.str.contains(r"^\d{1,3}(,\d{3})+$"))
        .then(digits.str.replace_all(",", ""))
        .when(digits.str.contains(r"^\d+,\d+$"))
        .then(digits.str.replace(",", "."))
        .when(digits.str.contains(r"^\d{1,3}(\.\d{3}){2,}$"))
        .then(digits.str.replace_all(r"\.", ""))
        .otherwise(digits)
    )
    magnitude = normalised.cast(pl.Float64, strict=False)
    return (
        pl.when(scientific)
        .then(text.cast(pl.Float64, strict=False))
        .when(shaped & magnitude.is_not_null())
        .then(pl.when(negative).then(-magnitude).otherwise(magnitude))
        .otherwise(None)
    )


def slash_order(frame: pl.DataFrame, columns: list[str]) -> bool | None:
    """Day first (True) or month first (False), as the slash dates in ``columns`` show it:
    a first field above 12 is a day, a second field above 12 is a day; None when they never say."""
    parts = pl.concat(
        [
            frame.select(pl.col(c).cast(pl.String))
            .filter(pl.col(c).str.contains("/", literal=True))
            .select(clean_text(c).str.extract_groups(SLASH_DATE).alias("p"))
            .unnest("p")
            for c in columns
        ],
        how="vertical",
    ).drop_nulls()
    if parts.height == 0:
        return None
    first, second = parts["1"].cast(pl.Int64), parts["2"].cast(pl.Int64)
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first != month_first:
        return day_first
    return None
