"""Which polars engine runs a query over the ledger's rows.

The streaming engine takes a block of rows at a time, so a ledger of ten million invoices is
never copied whole for one figure; starting it costs a few milliseconds a query, which a
ledger of usual size would pay for nothing (30-40 ms of a 0.3 s model at 100,000 invoices).
Both engines give the same rows in the same order, and money is summed exactly
(``money.total``), so the choice never changes a figure.
"""

from __future__ import annotations

from typing import Literal

STREAMING_FROM = 1_000_000  # rows from which a query over the ledger streams


def engine_for(rows: int) -> Literal["streaming", "in-memory"]:
    """The engine for a query over ``rows`` rows."""
    return "streaming" if rows >= STREAMING_FROM else "in-memory"
