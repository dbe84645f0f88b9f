"""Client names: one client under one spelling."""

from __future__ import annotations

import polars as pl

from pipeline.validate.issues import issue_rows
from pipeline.validate.text import clean_text


def one_spelling(frame: pl.DataFrame, column: str) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Names that differ only in case or inner spacing are one client, under its most used
    spelling; each row written otherwise is reported (``column`` names the client column as the
    user wrote it). Padding at either end is not a spelling.

    Decided over the distinct spellings (a few thousand, however long the ledger), then mapped
    onto the rows that need it."""
    # On polars' streaming engine: the same groups (a row's clean name follows from its name as
    # written, so "first" is any), without the eager engine's 0.5 GB per ten million rows.
    spellings = (
        frame.lazy()
        .group_by("raw_client")
        .agg(
            pl.col("client").first().str.to_lowercase().alias("_key"),
            pl.len().alias("_n"),
            pl.col("row").min().alias("_first"),
        )
        .collect(engine="streaming")
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
        issue_rows(
            joined,
            pl.col("_canonical").is_not_null(),
            column,
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
