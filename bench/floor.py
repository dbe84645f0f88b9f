"""The I/O floor: read the Invoices sheet with calamine (fastexcel) and write the same rows plus
five annotation columns with xlsxwriter in constant-memory mode. No analysis at all: the least
any tool reading and writing these cells could spend."""

from __future__ import annotations

import sys
from pathlib import Path

import fastexcel
import xlsxwriter


def main(source: Path, target: Path) -> None:
    frame = fastexcel.read_excel(str(source)).load_sheet("Invoices").to_polars()
    options = {"constant_memory": True, "default_date_format": "yyyy-mm-dd"}
    wb = xlsxwriter.Workbook(str(target), options)
    ws = wb.add_worksheet("Invoices")
    headers = [
        *frame.columns,
        *(f"tierbook: {a}" for a in ("tier", "grade", "roles", "share", "flags")),
    ]
    ws.write_row(0, 0, headers)
    for r, row in enumerate(frame.iter_rows(), start=1):
        ws.write_row(r, 0, [*row, "Recurring", "B", "", 0.01, ""])
    wb.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
