"""The client table with its reasons in words: what every output's client rows are made from."""

from __future__ import annotations

import polars as pl

from pipeline.model.analysis import Analysis
from pipeline.words.i18n import ENGLISH, Words
from pipeline.words.reasons import reason_columns

# The last analysis's worded table, per language: the workbook, its notes, the briefing and the
# JSON all show the same reasons.
_LAST: tuple[Analysis | None, dict[str, pl.DataFrame]] = (None, {})


def worded(analysis: Analysis, w: Words = ENGLISH) -> pl.DataFrame:
    """The client table in rank order with its reasons in words: ``reasons``, ``role_reasons``,
    ``style_line`` and ``replacement_line`` (``reasons.reason_columns``)."""
    global _LAST
    last, cached = _LAST
    if last is not analysis:
        cached = {}
        _LAST = (analysis, cached)
    if w.lang not in cached:
        cached[w.lang] = reason_columns(analysis, w)
    return cached[w.lang]
