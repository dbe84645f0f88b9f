"""Settings-sheet rows that were not applied, as data issues of the workbook they came from."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from pipeline.config import Ignored
from pipeline.read.sheets import RawWorkbook
from pipeline.validate.records import DataIssue, issue_frame


def settings_issues(raw: RawWorkbook, ignored: Sequence[Ignored]) -> pl.DataFrame:
    """Each Settings row that is not a setting or holds an unusable value, and each ``map`` row
    that could not be read: listed, never a reason to stop."""
    sheet = raw.settings_sheet or "Settings"
    return issue_frame(
        [
            DataIssue(
                sheet,
                row,
                "(setting)",
                f"{key} = {value}",
                problem,
                "row ignored; the default or --config value applies",
            )
            for row, key, value, problem in ignored
        ]
        + [
            DataIssue(
                sheet,
                row,
                "(setting)",
                f"map = {value}",
                problem,
                "row ignored; the column names and --map decide",
            )
            for row, value, problem in raw.map_issues
        ]
    )
