"""Rows that repeat, and what they are.

Rows with one invoice number, client and date are lines of one invoice, in any layout: an
export repeats the number on every line by design, and two equal lines are two lines (five
sessions billed alike are five lines). So nothing is dropped: a number on another client or
another date is noted, and in a sales log without numbers, a row identical to an earlier one
is kept and listed as a possible copy (a shop's same-day repeat sale is real).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pipeline.validate.issues import issue_rows

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


def repeated(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The rows whose ``column`` holds a value another row holds too (nulls are no value).

    Looked for first among 64-bit hashes, sorted, where a repeat sits beside its twin: equal
    values hash alike, so none is missed, and most ledgers repeat no key at all. Only rows
    whose hash repeats have their values compared. On ten million keys of text: 0.3 s and
    150 MB, where comparing every key took 3 s and 600 MB."""
    value = pl.col(column)
    hashes = frame.select(pl.when(value.is_not_null()).then(value.hash())).to_series()
    twice = _twice(hashes.drop_nulls())
    if twice.is_empty():
        return frame.clear()
    maybe = frame.filter(value.is_not_null() & value.hash().is_in(twice.implode()))
    return maybe.filter(value.is_duplicated())


def _twice(hashes: pl.Series) -> pl.Series:
    """The hashes that occur more than once: sorted, a repeat sits beside its twin."""
    ordered = hashes.sort()
    return ordered.filter(ordered == ordered.shift(1)).unique()


def first_of_each(frame: pl.DataFrame, key: pl.Expr) -> pl.Series:
    """For each row of ``frame``, the position of the first row whose ``key`` (never null) is
    the same: equal keys get equal numbers and different keys different ones, exactly.

    The ledger keys its invoices by these numbers, not by the keys' text: at ten million rows
    76 MB against 370 MB, held from the sheet's parsing on. The keys are hashed a block of
    rows at a time, so their text is never made whole; only rows whose hash another row has
    too (none in most ledgers) have their key made and compared. The numbers come in the
    blocks ``frame``'s columns are held in, so adding them copies none."""
    # the numbers are made once the hashes are let go of: 160 MB less at the peak
    twice = _twice(frame.lazy().select(key.hash()).collect(engine="streaming").to_series())
    ids = pl.int_range(frame.height, dtype=pl.Int64, eager=True)
    if twice.len():
        keyed = (
            frame.lazy()
            .with_row_index("at")
            .filter(key.hash().is_in(twice.implode()))
            .select(pl.col("at").cast(pl.Int64), key.alias("key"))
            .collect(engine="streaming")
        )
        firsts = keyed.select("at", pl.col("at").min().over("key").alias("first"))
        ids = ids.scatter(firsts["at"], firsts["first"])
    return blocks_like(ids, frame.to_series(0) if frame.width else ids)


def blocks_like(column: pl.Series, like: pl.Series) -> pl.Series:
    """``column`` cut into blocks of the lengths ``like``'s are held in. A column in blocks of
    its own has polars copy every column of its frame into one block to match: at ten million
    rows 1.4 GB more, in every stage after."""
    pieces, start = [], 0
    for length in like.chunk_lengths():
        pieces.append(column.slice(start, length))
        start += length
    return pl.concat(pieces, rechunk=False) if len(pieces) > 1 else column


def content_hash() -> pl.Expr:
    return pl.struct(_CONTENT).hash()


def _copies(parsed: pl.DataFrame) -> pl.DataFrame:
    """``parsed`` with ``_copy_of``: the first row holding the same contents.

    Rows are grouped by a 64-bit hash of their contents rather than by the eleven columns
    themselves, which on ten million rows took 2.7 GB more; every copy the hash finds is then
    compared with its first row, and should two different rows ever share a hash, the exact
    grouping decides instead.
    """
    hashed = parsed.with_columns(content_hash().alias("_hash"))
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


def possible_copies(parsed: pl.DataFrame, labels: Mapping[str, str]) -> pl.DataFrame:
    """Rows without an invoice number identical to an earlier one: kept, and listed."""
    unnumbered = parsed.filter(pl.col("invoice_no").is_null())
    marked = (
        _copies(unnumbered)
        if unnumbered.height > 1
        else unnumbered.with_columns(pl.col("row").alias("_copy_of"))
    )
    return issue_rows(
        marked,
        pl.col("row") != pl.col("_copy_of"),
        labels["client"],
        pl.col("client"),
        pl.format("identical to row {}", pl.col("_copy_of")),
        "kept: a repeat sale, or a copy to remove from the sheet",
    )


def line_numbers(parsed: pl.DataFrame, labels: Mapping[str, str]) -> pl.DataFrame:
    """For an export of invoice lines: a number also on another client or date."""
    number = pl.col("invoice_no")
    # Only a number on more than one row can be on another client or date: the windows then
    # run over those rows, not over every distinct number (1.5 GB more at ten million rows).
    shared = repeated(parsed, "invoice_no")
    marked = shared.sort("row").with_columns(
        pl.col("row").first().over("invoice_no").alias("_first"),
        (
            (pl.col("client") != pl.col("client").first().over("invoice_no"))
            | (pl.col("invoice_date") != pl.col("invoice_date").first().over("invoice_no"))
        )
        .fill_null(False)
        .alias("_mixed"),
    )
    odd = number.is_not_null() & pl.col("_mixed") & (pl.col("row") != pl.col("_first"))
    return issue_rows(
        marked,
        odd,
        labels["invoice_no"],
        number,
        pl.format("invoice number also on row {} with another client or date", pl.col("_first")),
        "both kept, as separate lines",
    )
