"""A raw table's fields as the validators take them: named, cleaned once, blank rows gone."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pipeline.read.sheets import ROW, RawTable
from pipeline.validate.text import already_clean, clean_columns, clean_text

DATE_FIELDS = ("invoice_date", "due_date", "paid_date")
NUMBER_FIELDS = ("amount", "deposit", "quantity", "unit_price", "discount")
_DERIVED = {"row", "sheet", "contract_end", "contract_ended", "invoice"}  # not a sheet's columns


def label(table: RawTable, field: str) -> str:
    """The header the user wrote for ``field``, as issues name the column."""
    found = table.columns.fields.get(field)
    return found[1] if found else field.replace("_", " ")


def with_fields(
    table: RawTable, schema: Mapping[str, pl.DataType], extra: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The schema's fields and the ``extra`` ones as text (null where the sheet lacks one), the
    row and the sheet."""
    frame = table.frame
    columns = [
        pl.col(f) if f in frame.columns else pl.lit(None, pl.String).alias(f)
        for f in (*schema, *extra)
        if f not in _DERIVED
    ]
    return frame.select(pl.col(ROW).alias("row"), *columns).with_columns(
        pl.lit(table.sheet).alias("sheet")
    )


def drop_blank(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows with some value besides their number and sheet."""
    values = [c for c in frame.columns if c not in {"row", "sheet"}]
    return frame.filter(pl.any_horizontal(clean_text(c).is_not_null() for c in values))


def typed(frame: pl.DataFrame, field: str) -> bool:
    """Whether a field arrived typed (a Parquet file's dates and amounts), not as text."""
    dtype = frame.schema[field]
    if field in DATE_FIELDS:
        return dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime)
    return field in NUMBER_FIELDS and dtype.is_numeric()


def cleaned(frame: pl.DataFrame, keep: tuple[str, ...] = ()) -> pl.DataFrame:
    """Every text field cleaned once (``keep`` also as ``raw_<name>``, trimmed but as
    written), and the rows left with no value at all dropped. Dates and amounts that arrive
    typed stay as they are; anything else is read as text."""
    values = [c for c in frame.columns if c not in {"row", "sheet"}]
    texts = [c for c in values if not typed(frame, c)]
    shape = already_clean(frame, [*texts, *(c for c in keep if c not in texts)])
    frame = frame.with_columns(
        # as written; a column already clean is its own trimmed form, shared, not copied
        (
            pl.col(c)
            if shape[c] is None
            else pl.col(c).cast(pl.String).str.normalize("NFC").str.strip_chars()
        ).alias(f"raw_{c}")
        for c in keep
    )
    frame = clean_columns(frame, texts, shape)
    return frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in values))
