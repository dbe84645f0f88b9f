"""A naive baseline, as a first script would be written: pandas over openpyxl, a full load, a
Python loop over rows gathering each client's figures, and openpyxl (its normal, not write-only,
mode) writing the rows back with the same five annotation columns the floor and tierbook write.

The labels follow tierbook's rules only roughly; what matters is that the baseline writes the
same cells as the others by the naive route, so the ratios compare equal work.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

ANNOTATIONS = [
    "tierbook: tier",
    "tierbook: grade",
    "tierbook: roles",
    "tierbook: share",
    "tierbook: flags",
]


def year_before(day: dt.date) -> dt.date:
    """The day after the same date a year earlier, as the window starts."""
    try:
        return day.replace(year=day.year - 1) + dt.timedelta(days=1)
    except ValueError:  # Feb 29
        return day.replace(year=day.year - 1, day=28) + dt.timedelta(days=1)


def gather(frame: pd.DataFrame, start: dt.date, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """Per-client figures, one row at a time: the loop a vectorised tool avoids."""
    clients: dict[str, dict[str, Any]] = {}
    for _, row in frame.iterrows():
        c = clients.setdefault(
            row["Client"],
            {"revenue": 0.0, "months": set(), "first": None, "paid": 0, "invoices": 0},
        )
        if str(row["Status"]).lower() == "void":
            continue
        day = row["Invoice Date"].date()
        c["first"] = day if c["first"] is None else min(c["first"], day)
        c["invoices"] += 1
        c["paid"] += not pd.isna(row["Paid Date"])
        if start <= day <= as_of:
            c["revenue"] += float(row["Amount"])
            c["months"].add((day.year, day.month))
    return clients


def label(c: dict[str, Any], share: float, as_of: dt.date) -> list[Any]:
    """tier, grade, roles, share, flags of one client."""
    if c["revenue"] <= 0:
        tier = "Lapsed"
    elif c["first"] and (as_of - c["first"]).days < 90:
        tier = "New"
    elif len(c["months"]) >= 9:
        tier = "Anchor"
    elif len(c["months"]) >= 2:
        tier = "Recurring"
    else:
        tier = "One-off"
    paid = c["paid"] / c["invoices"] if c["invoices"] else 0.0
    grade = "A" if paid >= 0.95 else "B" if paid >= 0.8 else "C" if paid >= 0.5 else "D"
    roles = "large-constant" if tier == "Anchor" and share >= 0.2 else ""
    flags = "major customer" if share > 0.1 else ""
    return [tier, grade, roles, share, flags]


def cell(value: Any) -> Any:
    """What openpyxl can write: pandas' missing values become empty cells."""
    return None if pd.isna(value) else value


def main(source: Path, target: Path) -> None:
    frame = pd.read_excel(source, sheet_name="Invoices", engine="openpyxl")
    as_of = frame.loc[frame["Status"].str.lower() != "void", "Invoice Date"].max().date()
    clients = gather(frame, year_before(as_of), as_of)
    total = sum(c["revenue"] for c in clients.values() if c["revenue"] > 0)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoices"
    ws.append([*frame.columns, *ANNOTATIONS])
    for _, row in frame.iterrows():
        c = clients[row["Client"]]
        share = c["revenue"] / total if c["revenue"] > 0 else 0.0
        ws.append([*(cell(v) for v in row), *label(c, share, as_of)])
    wb.save(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
