"""Client rows with their reasons in words: what every output's client table is made from."""

from __future__ import annotations

from typing import Any

from pipeline.model.analysis import Analysis
from pipeline.words.i18n import ENGLISH, Words
from pipeline.words.reasons import reason_columns

# The last analysis's rows, per language: the workbook, its notes, the briefing and the JSON all
# show the same reasons.
_LAST: tuple[Analysis | None, dict[str, list[dict[str, Any]]]] = (None, {})


def client_rows(analysis: Analysis, w: Words = ENGLISH) -> list[dict[str, Any]]:
    """Client rows in rank order, each with its reasons in words (``reasons.WORDED``; fresh
    dicts: callers add keys)."""
    global _LAST
    last, cached = _LAST
    if last is not analysis:
        cached = {}
        _LAST = (analysis, cached)
    if w.lang not in cached:
        cached[w.lang] = reason_columns(analysis, w).to_dicts()
    return [dict(row) for row in cached[w.lang]]
