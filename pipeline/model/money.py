"""Sums that give the same bytes however polars splits the work.

Floating-point addition depends on its order, and polars adds a group's values in an order
that follows how many threads ran and how the rows were chunked: two runs of one ledger gave
shares differing in the 17th digit. Money is therefore added as decimals (to the 10^-12,
exact integer arithmetic, any order) and shares in a sorted order.
"""

from __future__ import annotations

import polars as pl

EXACT = pl.Decimal(38, 12)  # to the 10^-12: a float amount rounded far below a cent, sums exact


def total(amount: pl.Expr) -> pl.Expr:
    """The sum of money, exact and the same in any order, as a float."""
    return amount.cast(EXACT).sum().cast(pl.Float64)


def series_total(amounts: pl.Series) -> float:
    """``total`` of a column already in hand."""
    return float(amounts.cast(EXACT).sum() or 0)


def ordered_sum(values: pl.Expr) -> pl.Expr:
    """The sum of fractions (shares, their squares) in one fixed order: smallest first."""
    return values.sort().sum()
