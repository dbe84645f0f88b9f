"""The Rust I/O floor: read the Invoices sheet with calamine (fastexcel) and write the same rows
plus five annotation columns with rust_xlsxwriter, through its Python binding (rustpy-xlsxwriter)
from the polars frame. No analysis at all: what the fastest readers and writers at hand spend on
these cells, so tierbook's own work shows as the gap above it."""

from __future__ import annotations

import sys
from pathlib import Path

import fastexcel
import polars as pl
from rustpy_xlsxwriter import FastExcel


def main(source: Path, target: Path) -> None:
    frame = fastexcel.read_excel(str(source)).load_sheet("Invoices").to_polars()
    frame = frame.with_columns(
        pl.lit("Recurring").alias("tierbook: tier"),
        pl.lit("B").alias("tierbook: grade"),
        pl.lit("").alias("tierbook: roles"),
        pl.lit(0.01).alias("tierbook: share"),
        pl.lit("").alias("tierbook: flags"),
    )
    FastExcel(str(target)).sheet("Invoices", frame).save()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
