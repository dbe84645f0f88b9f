"""CSV and other delimited text exports, read as one sheet of text cells.

Accounting packages export CSV in the encoding and separator of the machine that made it:
UTF-8 with or without a byte-order mark, UTF-16 from some Windows tools, cp1252 from older
ones; commas, semicolons (where the comma is the decimal mark), tabs or pipes. Both are
sniffed, never assumed, and the frame looks like a sheet read by calamine: every cell text,
row *i* of the frame is line *i+1* of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from pathlib import Path

import polars as pl

from pipeline.errors import InputError

DELIMITED = {".csv", ".tsv", ".txt"}  # .txt: many packages' tab-delimited export
# A .txt in a folder is read only when it looks like a table: folders of workbooks hold notes.
TABLE_SNIFF_BYTES, TABLE_MIN_LINES, TABLE_MIN_FIELDS = 16384, 3, 3
SEPARATORS = (",", ";", "\t", "|")
SNIFF_LINES = 50
# Read as Python text and cells, a CSV takes about 17 times its size in memory (a 100 MB file
# about 1.7 GB): 300 MB stays within the machine with room for the analysis.
MAX_TEXT_BYTES = 300 * 1024**2
MAX_FIELD = 1024**2  # one cell; a longer one is not an export's
csv.field_size_limit(MAX_FIELD)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text and the encoding it was in: a byte-order mark decides, else UTF-8, else cp1252."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    head = data[:4096]
    if head.count(b"\x00") * 3 > len(head):  # UTF-16 without a byte-order mark
        odd_nulls = head[1::2].count(b"\x00") > head[0::2].count(b"\x00")
        encoding = "utf-16-le" if odd_nulls else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    if b"\x00" in head:
        raise InputError(
            f"{name}: this is not a text export (it holds binary data), so it cannot be read as CSV."
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so nothing is refused.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def sniff_separator(text: str) -> str:
    """The separator that splits the most leading lines into the same number of fields (> 1)."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=sep) if row]
        except csv.Error:  # a cell longer than any export's: this separator cannot tell
            continue
        common = Counter(w for w in widths if w > 1).most_common(1)
        if not common:
            continue
        width, count = common[0]
        score = (count, width)
        if score > best_score:
            best, best_score = sep, score
    return best


def looks_like_a_table(path: Path) -> bool:
    """Whether a text file's first lines are a table: one separator splits at least three of
    them into the same number of fields, three or more. A note or a README has prose lines of
    any width; an export's lines all have its header's."""
    try:
        with path.open("rb") as handle:
            head = handle.read(TABLE_SNIFF_BYTES)
        text, _ = decode(head, path.name)
    except (OSError, InputError, UnicodeDecodeError):
        return False
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    if len(head) == TABLE_SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    for sep in SEPARATORS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=sep)]
        except csv.Error:
            continue
        common = Counter(w for w in widths if w >= TABLE_MIN_FIELDS).most_common(1)
        if common and common[0][1] >= min(TABLE_MIN_LINES, len(widths)) and len(widths) >= 2:
            return True
    return False


MAX_CELL_LINES = 50  # an address or a note in one quoted cell; more is a quote left open


def _records(text: str, sep: str, name: str) -> list[list[str]]:
    """The records of RFC 4180 text: a quoted field may hold the separator, doubled quotes and
    line breaks (an address on three lines is one cell, its record one row, as a spreadsheet
    program shows it). A quote left open swallows the records after it into one cell; that is
    refused with the line it opened on, never guessed at."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)
    rows: list[list[str]] = []
    starts: list[int] = []
    last = 0  # the line the previous record ended on
    try:
        for row in reader:
            starts.append(last + 1)
            last = reader.line_num
            rows.append(row)
    except csv.Error as exc:
        raise InputError(
            f"{name}: the text cannot be read as {sep!r}-separated values ({exc})."
        ) from None
    widths = Counter(len(r) for r in rows if len(r) > 1)
    width = widths.most_common(1)[0][0] if widths else 1
    for row, start in zip(rows, starts, strict=True):
        for cell in row:
            if "\n" not in cell:
                continue
            inner = cell.split("\n")
            # Whole records inside one cell: lines holding as many separators as a record has.
            records = sum(1 for line in inner if width > 2 and line.count(sep) >= width - 1)
            if records >= 2 or len(inner) > MAX_CELL_LINES:
                raise InputError(
                    f"{name}: a quoted cell opened on line {start} runs over {len(inner)} lines "
                    f"and holds what look like {records or 'many'} records; a quote is probably "
                    "not closed there. Fix the quote, or export the file again."
                )
    return rows


def read_delimited(path: Path) -> tuple[pl.DataFrame, str, str]:
    """Every record as a row of text cells ``c0..cN`` (short rows padded), the encoding and
    separator."""
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise InputError(
            f"{path.name}: the file is {size / 1024**2:,.0f} MB, more than the "
            f"{MAX_TEXT_BYTES / 1024**2:,.0f} MB tierbook reads from a text export; save it as "
            ".xlsx or split it by year."
        )
    text, encoding = decode(path.read_bytes(), path.name)
    if not text.strip():
        raise InputError(f"{path.name}: the file holds no text, so there is nothing to read.")
    sep = sniff_separator(text)
    rows = _records(text, sep, path.name)
    width = max((len(r) for r in rows), default=0)
    # Made columns by ``zip``, their empty cells made null by polars, not cell by cell in
    # Python: a Shopify export of 100,000 lines of 75 fields took 0.71 s against 1.39 s.
    padded = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows]
    names = [f"c{i}" for i in range(width)]
    columns = zip(names, zip(*padded, strict=True), strict=True)
    frame = pl.DataFrame([pl.Series(name, cells, dtype=pl.String) for name, cells in columns])
    blank = (pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in names)
    return frame.with_columns(blank), encoding, sep
