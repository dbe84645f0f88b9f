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


def check_in_every(config: Config) -> dict[str, int]:
    """How often each working style needs to hear from you, in days."""
    return {
        "laissez-faire": config.check_in_days,
        "micromanager": config.check_in_days_micromanager,
        "in-the-dark": config.check_in_days_in_the_dark,
        "savvy": config.check_in_days_savvy,
    }


def working_styles(clients: pl.DataFrame, as_of: dt.date, config: Config) -> pl.DataFrame:
    """Add ``working_style`` (one of ``STYLES`` or null), ``days_since_contact``, and who is due
    a check-in: a client whose style calls for more contact than it has had, or a key client
    gone quiet whatever its style (``check_in``, ``check_in_why``, ``check_in_every``,
    ``next_check_in``). Lost clients are taken off later, once they are known."""
    text = pl.col("working_style_text").fill_null("").str.to_lowercase()
    style = pl.lit(None, pl.String)
    for name in reversed(STYLES):
        style = pl.when(text.str.contains(_PATTERNS[name])).then(pl.lit(name)).otherwise(style)
    since = (pl.lit(as_of) - pl.col("last_contact")).dt.total_days()
    active = pl.col("tier").is_in(["anchor", "recurring", "new"])
    every = pl.col("working_style").replace_strict(
        check_in_every(config), default=None, return_dtype=pl.Int64
    )
    by_style = (
        active
        & pl.col("working_style").is_not_null()
        & (pl.col("days_since_contact").is_null() | (pl.col("days_since_contact") > every))
    ).fill_null(False)
    key = pl.col("was_key").fill_null(False) | (pl.col("tier") == "anchor")
    quiet = (key & pl.col("at_risk").fill_null(False) & (pl.col("tier") != "lapsed")).fill_null(
        False
    )
    due = pl.col("last_contact") + pl.duration(days=every)
    return (
        clients.with_columns(style.alias("working_style"), since.alias("days_since_contact"))
        .with_columns(every.alias("check_in_every"))
        .with_columns(
            (by_style | quiet).alias("check_in"),
            pl.when(quiet)
            .then(pl.lit("quiet"))
            .when(by_style)
            .then(pl.lit("style"))
            .alias("check_in_why"),
            # when to be in touch next: the style's interval after the last contact, and now
            # where that has passed, no contact is recorded, or a key client has gone quiet
            pl.when(quiet | due.is_null())
            .then(pl.lit(as_of))
            .otherwise(pl.max_horizontal(due, pl.lit(as_of)))
            .alias("next_check_in"),
        )
    )
