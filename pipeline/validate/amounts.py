"""Amounts as people type them, read by polars expressions: ``9,000.00``, ``€ 1 234,56``,
``(1,200.00)``, a deposit column's yes/no marks.

Each parser returns null where a cell cannot be read, for the caller to report.
"""

from __future__ import annotations

import polars as pl

from pipeline.validate.text import clean_text, fast_then_full

MAX_AMOUNT = 1e12  # no small business bills a trillion in one invoice
_SYMBOLS = r"(?:[A-Z]{3}|[€$£¥₽₹﷼]|kr|zł|CHF|R\$|US\$|A\$|C\$)"
_AMOUNT_SHAPE = (
    rf"^\(?\s*[-+]?\s*{_SYMBOLS}?\s*[-+]?\s*\d[\d.,\s\u00a0\u2007\u202f']*\s*{_SYMBOLS}?\s*\)?-?$"
)
_YES = r"(?i)^(yes|y|x|true|paid|received|\u2713|\u2714)$"
_NO = r"(?i)^(no|n|false|none|-|\u2013|0)$"


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
    return fast_then_full(frame, column, _plain_number(text), amount_from_clean(text))


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


def parse_deposit(text: pl.Expr) -> pl.Expr:
    """A deposit column (clean text) holds amounts or yes/no marks; a mark counts as 1 (paid) or 0."""
    return (
        pl.when(text.str.contains(_YES))
        .then(pl.lit(1.0))
        .when(text.str.contains(_NO))
        .then(pl.lit(0.0))
        .otherwise(amount_from_clean(text))
    )
