"""Ledgers past what a sheet can hold: Parquet files and large UTF-8 text exports.

A firm that pools its clients' ledgers has more invoices than a sheet's 1,048,576 rows. Such a
file is scanned by polars (``scan_parquet``, ``scan_csv``) and collected by its streaming
engine with only the columns the header maps, so no Python object per cell or row is ever made
and a column nobody asked for is never read. Parquet keeps its types (dates stay dates, amounts
numbers); text stays text for the ledger to parse and check, cell by cell, as it does a sheet's.

Small text exports still go through Python's ``csv`` module (``delimited.py``): it reads every
encoding a package exports and can name the line of a quote left open; polars reads UTF-8 only.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import polars as pl

from pipeline.errors import InputError, UnsafeWorkbook
from pipeline.read.delimited import decode, sniff_separator

PARQUET = {".parquet"}
# Above this a UTF-8 text export is scanned by polars; below, Python's csv module reads it.
LAZY_TEXT_BYTES = 64 * 1024**2
_HEAD_BYTES = 1024**2  # enough of a text file to sniff and to find its header in
_ROW = "_row"
# Ten times the largest ledger tierbook is measured on (10M invoices, 2 GiB at most); a sheet
# holds 16,384 columns.
MAX_PARQUET_ROWS, MAX_COLUMNS = 100_000_000, 16_384


class ScannedSheet:
    """A Parquet file or a large UTF-8 text export as a one-sheet reader.

    ``load(n)`` gives its first rows as text cells ``c0..cN`` (the header search reads them as it
    reads a sheet's); ``rows(header_index)`` the rows below the header as a ``LazyFrame`` with
    their row numbers.
    """

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.format = fmt
        self.sheet_names = [path.stem]
        self.encoding = self.separator = ""
        if fmt == "parquet":
            try:
                self.scan = pl.scan_parquet(path)
                names = self.scan.collect_schema().names()
            except Exception as exc:  # polars says why a Parquet file cannot be read
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise InputError(
                    f"{path.name}: the Parquet file cannot be read ({first})."
                ) from None
            # Parquet compresses repeated values to nothing: ten million copies of one row
            # fit in 30 KB. Its footer says how many rows there are, before any is read.
            rows = self.scan.select(pl.len()).collect().item()
            if rows > MAX_PARQUET_ROWS or len(names) > MAX_COLUMNS:
                raise UnsafeWorkbook(
                    f"{path.name}: the Parquet file holds {rows:,} rows of {len(names):,} "
                    f"columns, more than the {MAX_PARQUET_ROWS:,} rows and {MAX_COLUMNS:,} "
                    "columns tierbook reads (its own footer says so; nothing was read). Split "
                    "it by year."
                )
            self.width = len(names)
            self.scan = self.scan.rename({n: f"c{i}" for i, n in enumerate(names)})
            self.names = names
            return
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
        text, self.encoding = decode(head[: head.rfind(b"\n") + 1] or head, path.name)
        self.separator = sniff_separator(text)
        self._head = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.separator))
        self.width = max((len(r) for r in self._head), default=0)
        self.scan = pl.scan_csv(
            path,
            has_header=False,
            separator=self.separator,
            schema={f"c{i}": pl.String for i in range(self.width)},
            truncate_ragged_lines=True,
            missing_columns="insert",  # title rows above the header hold fewer cells
            encoding="utf8",
            raise_if_empty=False,
        )

    def load(self, n_rows: int | None) -> pl.DataFrame:
        """The first ``n_rows`` rows as text (the header row first, for Parquet)."""
        columns = [f"c{i}" for i in range(self.width)]
        if self.format == "parquet":
            first = self.scan.head(max((n_rows or 1) - 1, 0)).collect()
            header = pl.DataFrame([self.names], schema=columns, orient="row")
            body = first.select(pl.col(c).cast(pl.String) for c in columns)
            return pl.concat([header, body])
        rows = self._head[:n_rows]
        return pl.DataFrame(
            [
                [cell if cell != "" else None for cell in r] + [None] * (self.width - len(r))
                for r in rows
            ],
            schema={c: pl.String for c in columns},
            orient="row",
        )

    def rows(self, header_index: int) -> pl.LazyFrame:
        """The rows below the header, ``_row`` numbering them as a sheet would (Parquet's header
        is row 1; a text file's row *i* is its record *i*)."""
        if self.format == "parquet":
            if header_index != 0:
                raise InputError(
                    f"{self.path.name}: the Parquet file's column names are its header; "
                    "its first rows cannot be a title."
                )
            return self.scan.with_row_index(_ROW, offset=2)
        return self.scan.with_row_index(_ROW, offset=1).slice(header_index + 1)


def scanned(path: Path, fmt: str) -> bool:
    """Whether ``path`` is read by ``ScannedSheet``: Parquet always, a text export when it is
    large and UTF-8 (with or without a byte-order mark)."""
    if fmt == "parquet":
        return True
    if fmt != "csv" or path.stat().st_size <= LAZY_TEXT_BYTES:
        return False
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head[:4096]:
        return False
    try:
        head[: head.rfind(b"\n") + 1].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


__all__ = ["LAZY_TEXT_BYTES", "PARQUET", "ScannedSheet", "scanned"]
