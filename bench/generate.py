"""Deterministic benchmark ledgers: ~2,000 clients with heavy-tailed revenue over three years.

Written with xlsxwriter in constant-memory mode (the fastest writer measured), into bench/data/
(ignored by git). The same size and seed give the same file.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import xlsxwriter

DATA = Path(__file__).resolve().parent / "data"
CLIENTS = 2_000
START = dt.date(2023, 11, 1)
DAYS = 3 * 365


def ledger_path(rows: int, seed: int = 7) -> Path:
    return DATA / f"ledger-{rows}-s{seed}.xlsx"


def generate(rows: int, seed: int = 7) -> Path:
    """The ledger of ``rows`` invoices; generated once, then reused."""
    path = ledger_path(rows, seed)
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    names = [f"Client {i:04d} Ltd" for i in range(CLIENTS)]
    weights = [1 / (i + 1) ** 1.1 for i in range(CLIENTS)]  # a few large clients, a long tail
    partial = path.with_suffix(".tmp.xlsx")
    wb = xlsxwriter.Workbook(str(partial), {"constant_memory": True, "strings_to_formulas": False})
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    ws = wb.add_worksheet("Invoices")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": "#,##0.00"})
    ws.write_row(
        0,
        0,
        [
            "Invoice No",
            "Client",
            "Invoice Date",
            "Amount",
            "Status",
            "Due Date",
            "Paid Date",
            "Project",
        ],
    )
    clients = rng.choices(range(CLIENTS), weights, k=rows)
    for r in range(1, rows + 1):
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        due = day + dt.timedelta(days=30)
        ws.write_string(r, 0, f"INV-{r:07d}")
        ws.write_string(r, 1, names[clients[r - 1]])
        ws.write_datetime(r, 2, dt.datetime(day.year, day.month, day.day), date)
        ws.write_number(r, 3, round(rng.lognormvariate(7, 1), 2), money)
        paid = rng.random() < 0.85
        ws.write_string(r, 4, "paid" if paid else "open")
        ws.write_datetime(r, 5, dt.datetime(due.year, due.month, due.day), date)
        if paid:
            when = due + dt.timedelta(days=rng.randrange(-20, 60))
            ws.write_datetime(r, 6, dt.datetime(when.year, when.month, when.day), date)
        ws.write_string(r, 7, f"Project {rng.randrange(50)}")
    wb.close()
    partial.replace(path)
    return path


if __name__ == "__main__":
    for size in sys.argv[1:]:
        print(generate(int(size)))
