"""``summary.json``'s list of clients written by polars: one client per line.

At a long tail the list is nearly all of the file. polars writes each row's JSON itself
(``struct.json_encode``: for strings, numbers, NaN, infinities, dates, booleans, nulls, lists and
nested objects the very text orjson writes without indenting, which a test checks on hostile
values), so each client is one line of compact JSON, two levels in; orjson indents the rest of
the document around the list's place, and the list is put there.

One client per line, not each key on its own line: at 15,000 clients the list took 0.10 s
against 0.18 s and 23.4 MB against 31.2 MB, and a line is still one client to ``grep`` or
``diff``. The values are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from pipeline.ooxml.sheetdata import utf8_values

_ITEM = "    "  # a client is an item of the document's top-level "clients" list
_END = "  "  # the list's closing bracket, at the key's own indent

# The client list's place in the document orjson writes around it (given as an
# ``orjson.Fragment``): orjson writes every control character in a string escaped, so a NUL
# byte in its output can only be this. The list is put in afterwards, not given to orjson whole,
# which would copy its megabytes once more: at 15,000 clients the whole file took 0.067-0.080 s
# against 0.127-0.131 s (medians of 15, side by side).
PLACE = b"\x00"

# Clients a piece of the list: some 6 MB of JSON at a long tail's 1.6 kB a client. The file is
# written a piece at a time (``pipeline.write``), so a list of 150,000 clients (240 MB) is never
# held whole, nor copied whole into a join, beside the workbook being finished.
PIECE_ROWS = 4096


def client_list_pieces(
    document: bytes, frame: pl.DataFrame, rows: int | None = None
) -> Iterator[bytes]:
    """``document``, holding ``PLACE`` once, with the JSON of ``frame``'s rows in its place: a
    list of objects keyed by the column names, in order, one object per line (a struct column
    is an object within its row's line). Given in pieces of ``rows`` clients (``PIECE_ROWS``),
    each made only when it is asked for, so the list is never held whole."""
    rows = rows or PIECE_ROWS
    head, tail = document.split(PLACE)
    if frame.height == 0:
        yield b"".join((head, b"[]", tail))
        return
    encoded = pl.struct(pl.all()).struct.json_encode()
    item = f"\n{_ITEM}".encode()
    between = b"," + item
    closing = f"\n{_END}]".encode()
    for start in range(0, frame.height, rows):
        values = utf8_values(frame.slice(start, rows).select(encoded))
        # One join a piece, its ends put on its first and last rows: joining the rows, then
        # the whole, copied the list's megabytes twice into memory not touched before.
        values[0] = b"".join((head, b"[", item, values[0]) if start == 0 else (between, values[0]))
        if start + rows >= frame.height:
            values[-1] += closing + tail
        yield between.join(values)
