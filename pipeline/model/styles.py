"""Working styles from the Clients sheet, and the laissez-faire clients due a check-in."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.config import Config

STYLES = ("laissez-faire", "micromanager", "in-the-dark", "savvy")
_PATTERNS = {
    "laissez-faire": r"laiss?ez[\s-]*fair|hands[\s-]*off",
    "micromanager": r"micro[\s-]*manag",
    "in-the-dark": r"in[\s-]+the[\s-]+dark|needs? education",
    "savvy": r"savvy",
}


def working_styles(clients: pl.DataFrame, as_of: dt.date, config: Config) -> pl.DataFrame:
    """Add ``working_style`` (one of ``STYLES`` or null), ``days_since_contact`` and ``check_in``."""
    text = pl.col("working_style_text").fill_null("").str.to_lowercase()
    style = pl.lit(None, pl.String)
    for name in reversed(STYLES):
        style = pl.when(text.str.contains(_PATTERNS[name])).then(pl.lit(name)).otherwise(style)
    since = (pl.lit(as_of) - pl.col("last_contact")).dt.total_days()
    active = pl.col("tier").is_in(["anchor", "recurring", "new"])
    return clients.with_columns(
        style.alias("working_style"), since.alias("days_since_contact")
    ).with_columns(
        (
            (pl.col("working_style") == "laissez-faire")
            & active
            & (
                pl.col("days_since_contact").is_null()
                | (pl.col("days_since_contact") > config.check_in_days)
            )
        )
        .fill_null(False)
        .alias("check_in")
    )
