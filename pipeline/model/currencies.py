"""Each currency's own figures in the window: what the business billed in it, whether it is
counted in the reported figures (the reporting currency, or converted at a rate), and at what
rate. A currency that is neither is never added in, and never hidden either."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.model.money import total
from pipeline.model.window import Windows
from pipeline.validate.records import EXCLUDED_STATUSES


@dataclass(frozen=True)
class CurrencyFigures:
    currency: str
    invoices: int  # invoices dated in the window (credit notes too)
    revenue: float  # their net amount, in this currency
    counted: bool  # in the reported figures: the reporting currency, or converted at ``rate``
    rate: float | None  # units of the reporting currency per unit of this one, where converted


def currency_figures(
    counted: pl.DataFrame,
    set_aside: pl.DataFrame | None,
    w: Windows,
    reporting: str | None,
    rates: dict[str, float],
) -> tuple[CurrencyFigures, ...]:
    """The reporting currency first, then the converted ones, then those left out, each by
    revenue; the counted invoices' own currencies come from what their rows were written in."""
    day = pl.col("revenue_date")
    # A counted invoice is one row (``invoices_of`` summed its lines), so its rows are counted;
    # rows set aside are lines, so their invoices are. Counted apart, the counted frame needs
    # no invoice key (370 MB at ten million invoices).
    own = (
        counted.lazy()
        .filter(day.is_between(w.start, w.as_of))
        .select(
            pl.col("currency_written").fill_null(pl.col("currency")).alias("currency"),
            pl.col("amount_written").alias("amount"),
        )
        .filter(pl.col("currency").is_not_null())
        .group_by("currency")
        .agg(pl.len().alias("invoices"), total(pl.col("amount")).alias("revenue"))
        .with_columns(pl.lit(True).alias("counted"))
    )
    parts = [own]
    if set_aside is not None:
        parts.append(
            set_aside.lazy()
            .filter(
                ~pl.col("status").is_in(EXCLUDED_STATUSES)
                & pl.col("invoice_date").is_between(w.start, w.as_of)
                & pl.col("currency").is_not_null()
            )
            .group_by("currency")
            .agg(
                pl.col("invoice").n_unique().alias("invoices"),
                total(pl.col("amount")).alias("revenue"),
            )
            .with_columns(pl.lit(False).alias("counted"))
        )
    figures = (
        pl.concat(parts)
        .with_columns(
            pl.col("currency").ne_missing(pl.lit(reporting, pl.String)).alias("_other"),
            pl.col("revenue").abs().alias("_size"),
        )
        .sort(["_other", "counted", "_size", "currency"], descending=[False, True, True, False])
        .collect()
    )
    return tuple(
        CurrencyFigures(
            currency=r["currency"],
            invoices=int(r["invoices"]),
            revenue=float(r["revenue"]),
            counted=bool(r["counted"]),
            rate=rates.get(r["currency"]) if r["currency"] != reporting else None,
        )
        for r in figures.iter_rows(named=True)
    )
