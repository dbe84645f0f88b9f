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


def clean_text(col: str | pl.Expr) -> pl.Expr:
    """Trim and collapse inner white space; empty text becomes null."""
    expr = pl.col(col) if isinstance(col, str) else col
    cleaned = (
        expr.cast(pl.String)
        .str.normalize("NFC")  # "Bärén" typed on a Mac (NFD) is the same name as on Windows (NFC)
        .str.replace_all(r"[\s\u00a0\u202f]+", " ")
        .str.strip_chars()
    )
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


SLASH_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"


def parse_date(col: str, day_first: bool = True) -> pl.Expr:
    """Excel dates (read as ISO text), ISO text, ``dd.mm.yyyy``, ``dd/mm/yyyy`` (or
    ``mm/dd/yyyy`` when not ``day_first``) and Excel serial numbers."""
    text = clean_text(col)
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


def parse_amount(col: str) -> pl.Expr:
    """Numbers as typed by people: ``9,000.00``, ``€ 1 234,56``, ``(1,200.00)``, ``-5``, ``1.5e3``.

    With both separators the last one is the decimal mark; a lone comma is a thousands mark
    only in the ``1,234,567`` pattern, otherwise a decimal comma.
    """
    text = clean_text(col)
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
            frame.select(clean_text(c).str.extract_groups(SLASH_DATE).alias("p")).unnest("p")
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
