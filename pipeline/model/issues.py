"""Data issues as they are listed: every kind shown, none repeated past a cap.

A ledger of ten million copies of one row has ten million data issues of one kind; listed one
by one they would take gigabytes to write and no one would read them. Each kind (its problem,
column and action) is listed up to ``PER_KIND`` times, then one row says how many more there
are. Counts everywhere (the headline, Method) stay the full counts.
"""

from __future__ import annotations

import polars as pl

PER_KIND = 1_000
_KIND = ("problem", "column", "action")  # what makes two issues one kind


def listed(issues: pl.DataFrame, per_kind: int = PER_KIND) -> pl.DataFrame:
    """``issues`` with each kind's rows past ``per_kind`` replaced by one row saying how many."""
    if issues.height <= per_kind:
        return issues
    # "identical to row 2" and "identical to row 7" are one kind: numbers are not what differs.
    kind = [
        pl.col(c).fill_null("").str.replace_all(r"\d[\d,.]*", "#") if c == "problem" else pl.col(c)
        for c in _KIND
    ]
    numbered = issues.with_columns(
        pl.int_range(pl.len()).over(kind).alias("_n"),
        pl.len().over(kind).alias("_of"),
        pl.int_range(pl.len()).alias("_at"),
    )
    if numbered["_of"].max() <= per_kind:  # type: ignore[operator]
        return issues
    kept = numbered.filter(pl.col("_n") < per_kind)
    beyond = numbered.filter(pl.col("_n") == per_kind)
    more = beyond.with_columns(
        pl.lit(None, dtype=issues.schema["row"]).alias("row"),
        pl.lit(None, dtype=issues.schema["value"]).alias("value"),
        pl.Series(
            "problem",
            [
                f"and {of - per_kind:,} more rows with the same kind of problem (such as: "
                f"{problem}), not listed one by one"
                for of, problem in beyond.select("_of", "problem").iter_rows()
            ],
            dtype=pl.String,
        ),
    )
    return (
        pl.concat([kept, more.select(kept.columns)])
        .sort("_at", maintain_order=True)
        .drop("_n", "_of", "_at")
    )
