"""A naive baseline, as a first script would be written: pandas over openpyxl, a full load, a
Python loop over rows for per-client revenue, and openpyxl writing the annotated rows."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd


def main(source: Path, target: Path) -> None:
    frame = pd.read_excel(source, sheet_name="Invoices", engine="openpyxl")
    revenue: dict[str, float] = {}
    for _, row in frame.iterrows():  # the per-row loop a vectorised tool avoids
        revenue[row["Client"]] = revenue.get(row["Client"], 0.0) + float(row["Amount"])
    total = sum(v for v in revenue.values() if v > 0)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoices"
    ws.append([*frame.columns, "share"])
    for row in frame.itertuples(index=False):
        ws.append([*row, revenue[row.Client] / total])
    wb.save(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
