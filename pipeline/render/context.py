"""What every renderer shares: where the input came from, and client rows with their reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.model.analysis import Analysis
from pipeline.render.i18n import ENGLISH, Words
from pipeline.render.text import client_reasons


@dataclass(frozen=True)
class Provenance:
    """The input file and the tool that read it, as the Method sheet and the JSON record them."""

    file_name: str
    sha256: str
    version: str
    format: str
    invoice_sheets: tuple[str, ...]
    client_sheet: str | None
    header_rows: Mapping[str, int]  # sheet -> Excel row of its header
    rows_read: int
    sheet_names: tuple[str, ...]

    @property
    def invoice_sheet(self) -> str:
        return ", ".join(self.invoice_sheets)

    @property
    def invoice_header_row(self) -> int:
        return self.header_rows[self.invoice_sheets[0]]


# The last analysis's rows, per language: the workbook, its notes, the briefing and the JSON all
# show the same reasons, and wording them for two thousand clients is not free.
_LAST: tuple[Analysis | None, dict[str, list[dict[str, Any]]]] = (None, {})


def client_rows(analysis: Analysis, w: Words = ENGLISH) -> list[dict[str, Any]]:
    """Client rows in rank order, each with its reasons in words (fresh dicts: callers add keys)."""
    global _LAST
    last, cached = _LAST
    if last is not analysis:
        cached = {}
        _LAST = (analysis, cached)
    if w.lang not in cached:
        rows = analysis.clients.to_dicts()
        for row in rows:
            row["reasons"] = client_reasons(row, analysis, w)
        cached[w.lang] = rows
    return [dict(row) for row in cached[w.lang]]
