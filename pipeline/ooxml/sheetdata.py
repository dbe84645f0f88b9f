"""A worksheet's rows, streamed a block at a time, with tierbook's cells spliced into them.

A million-row sheet is some 300 MB of XML: it is never held whole, and its rows are never
visited by a Python loop. Each block of complete rows is split into row elements and handled
by polars expressions: the row numbers read, the new cells (built as XML text per row, also by
expressions) joined on and inserted before each row's end. Between two rows nothing but the
split is undone, so what is not a new cell stays as the user's file wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

from pipeline.errors import SheetError
from pipeline.ooxml.xmltext import NOT_XML_CHARACTERS

# Bytes of sheet XML handled at a time. Each block's rows pass through a few whole-block
# strings (split, spliced, joined, deflated), so small blocks keep them in memory the allocator
# already holds: at 100k rows 2 MB blocks peaked at 440 MB against 900 MB with 16 MB blocks,
# with half the page faults (145k against 300k); at 1 MB the work per block starts to tell.
BLOCK = 1 << 21

_ROW_NUMBER = r'^[^>]*?\br="(\d+)"'
_SELF_CLOSED = r"^[^>]*/>"
# A row's ``spans`` hint ends at the last column its cells use, so the splice rewrites the number
# after its colon. Where that number sits in each row is found when the rows are split (by the
# scan ahead, while the cells are parsed on the other core), and the splice after the analysis
# only cuts and pastes: at 100k rows 0.06 s against 0.10 s for the same rewrite by a regular
# expression there.
_SPANS = r'^([^>]*?\bspans="\d+:)(\d+)"'
# How Excel starts every row: its number, then its spans. A block whose rows all start so is
# split by this one anchored pattern, which finds what the two above would (nothing can come
# before either); a block with any other row start (another writer, an attribute between the
# two) takes those two. At 100k rows: 0.02 s against 0.09 s.
_AS_EXCEL_WRITES = r'^ r="(\d+)" spans="(\d+:)(\d+)"'
_AROUND_NUMBER = len(' r="') + len('" spans="')


# A sheet whose rows' XML is no larger than this keeps them from the scan, split as the splice
# needs them, when the scan is made ahead (``scan(..., keep=KEEP)``): the scan runs while the
# cells are parsed, with a core to spare, and the splice after the analysis then need not
# inflate, split and number the rows again. At a million rows (310 MB of XML) the report took
# 17.7 s against 21.4 s, its peak 1,330 MB against 965 MB; a larger sheet is read again when
# spliced, as before, so that holding its rows never adds more than about 450 MB.
KEEP = 384 << 20


@dataclass(frozen=True)
class Rows:
    """A block of whole rows, split as the splice needs it: the text before its first row, and
    each row (its ``<row`` taken off, as ``piece``) with its number (``row``) and where in it
    the last column of its ``spans`` is written, in characters (``spans_at`` up to
    ``spans_end``; null where it has none)."""

    lead: str
    rows: pl.DataFrame


@dataclass(frozen=True)
class SheetScan:
    """What one reading of a sheet found: its text outside the rows, and facts about the rows."""

    head: str  # everything up to and including the <sheetData> start tag
    tail: str  # </sheetData> and everything after it (after <sheetData/> when self-closed)
    self_closed: bool  # <sheetData/>: no rows at all
    widest: str  # the right-most column letters any cell uses ('' when none)
    rows: tuple[Rows, ...] | None = None  # the rows, kept when asked and no larger than asked


def _blocks(stream: BinaryIO, prefix: str) -> Iterator[tuple[str, bytes]]:
    """("head", text up to the rows), then ("rows", whole rows)..., then ("tail", the rest);
    ("empty", b"") before the tail when the sheet has no rows (``<sheetData/>``)."""
    size = BLOCK
    start = re.compile(rb"<" + re.escape(prefix.encode()) + rb"sheetData\b[^>]*?(/?)>")
    close = f"</{prefix}sheetData>".encode()
    row_end = f"</{prefix}row>".encode()
    buffer = b""
    state = "head"
    while True:
        block = stream.read(size)
        buffer += block
        if state == "head":
            found = start.search(buffer)
            if found is None:
                if not block:
                    raise SheetError("no <sheetData> element")
                continue
            yield "head", buffer[: found.end()]
            buffer = buffer[found.end() :]
            if found.group(1):  # <sheetData/>
                yield "empty", b""
                yield "tail", buffer + stream.read()
                return
            state = "rows"
        end = buffer.find(close)
        if end >= 0:
            if end:
                yield "rows", buffer[:end]
            yield "tail", buffer[end:] + stream.read()
            return
        if not block:
            raise SheetError("no </sheetData> end tag")
        cut = buffer.rfind(row_end)
        if cut >= 0 and len(buffer) >= size:
            cut += len(row_end)
            yield "rows", buffer[:cut]
            buffer = buffer[cut:]


def _pieces(text: str, prefix: str) -> pl.Series:
    """A block split at each row's start: element 0 is what precedes the first row (white
    space), every other element a row with its ``<row`` taken off."""
    return pl.Series("piece", [text]).str.split(f"<{prefix}row").explode()


def _numbers(rows: pl.Series, previous: int) -> pl.Series:
    """Each row's number: its ``r`` attribute, or one more than the row before it."""
    given = rows.str.extract(_ROW_NUMBER, 1).cast(pl.Int64, strict=False)
    if not given.null_count():
        return given
    frame = pl.DataFrame({"given": given}).with_row_index("i")
    i = pl.col("i").cast(pl.Int64)
    last_i = pl.when(pl.col("given").is_not_null()).then(i).forward_fill()
    last_given = pl.col("given").forward_fill()
    return frame.select(
        pl.when(last_given.is_null())
        .then(previous + i + 1)
        .otherwise(last_given + i - last_i)
        .alias("row")
    ).to_series()


def _as_excel_writes(rows: pl.Series) -> pl.DataFrame | None:
    """``split_rows``'s frame when every row starts as Excel starts it; None otherwise."""
    if not rows.len():
        return None
    found = rows.str.extract_groups(_AS_EXCEL_WRITES).struct
    number = found.field("1").cast(pl.Int64, strict=False)
    if number.null_count():
        return None
    at = (
        found.field("1").str.len_chars() + found.field("2").str.len_chars() + _AROUND_NUMBER
    ).cast(pl.UInt32)
    return pl.DataFrame(
        {
            "piece": rows,
            "row": number,
            "spans_at": at,
            "spans_end": at + found.field("3").str.len_chars(),
        }
    )


def split_rows(text: str, prefix: str, previous: int) -> Rows:
    """A block's rows split and numbered; ``previous`` is the number of the row before it."""
    pieces = _pieces(text, prefix)
    rows = pieces.slice(1)
    quick = _as_excel_writes(rows)
    if quick is not None:
        return Rows(pieces[0], quick)
    numbers = _numbers(rows, previous) if rows.len() else pl.Series("row", [], pl.Int64)
    spans = rows.str.extract_groups(_SPANS).struct
    at = spans.field("1").str.len_chars()
    return Rows(
        pieces[0],
        pl.DataFrame(
            {
                "piece": rows,
                "row": numbers,
                "spans_at": at,
                "spans_end": at + spans.field("2").str.len_chars(),
            }
        ),
    )


def _last(block: Rows, previous: int) -> int:
    return int(block.rows["row"][-1]) if block.rows.height else previous


def read_rows(open_part: Callable[[], BinaryIO], prefix: str) -> Iterator[Rows]:
    """The sheet's rows, a block at a time, split and numbered as they are read."""
    previous = 0
    with open_part() as stream:
        for kind, data in _blocks(stream, prefix):
            if kind == "rows":
                block = split_rows(data.decode("utf-8"), prefix, previous)
                previous = _last(block, previous)
                yield block


def _beyond(letters: str) -> str:
    """A pattern for the column letters that come after ``letters`` (``H``: ``I``-``Z``,
    ``AA``-``XFD``)."""
    alternatives = [f"[A-Z]{{{len(letters) + 1},3}}"] if len(letters) < 3 else []
    for i, letter in enumerate(letters):
        if letter < "Z":
            rest = len(letters) - i - 1
            alternatives.append(
                letters[:i] + f"[{chr(ord(letter) + 1)}-Z]" + (f"[A-Z]{{{rest}}}" if rest else "")
            )
    return "|".join(alternatives)


def _dimension(head: str, prefix: str) -> str:
    """The right-most column the sheet's ``<dimension>`` claims, or ''."""
    found = re.search(
        rf'<{re.escape(prefix)}dimension\b[^>]*\bref="[A-Z]+\d+(?::([A-Z]+)\d+)?"', head
    )
    if not found:
        return ""
    return found.group(1) or re.search(r'ref="([A-Z]+)', found.group(0)).group(1)  # type: ignore[union-attr]


# A cell start tag none of whose attributes is ``r``: its column is only implied by its place.
_UNREFERENCED = (
    r"<(?:\w+:)?c(?:\s+(?:[^r\s>/=][^=\s]*|r[^=\s]+)\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*/?>"
)


def _widest(text: pl.Series) -> str:
    """The right-most column letters the cells of a block use, '' when it has none."""
    references = text.str.extract_all(r'<(?:\w+:)?c\b[^>]*?\br="[A-Z]+').explode()
    letters = references.drop_nulls().str.extract(r'"([A-Z]+)$', 1)
    found = letters.str.pad_start(3, "@").max()
    return found.lstrip("@") if isinstance(found, str) else ""


def _wider(a: str, b: str) -> str:
    return max(a, b, key=lambda c: (len(c), c))


def scan(
    open_part: Callable[[], BinaryIO], prefix: str, trust: bool = True, keep: int = 0
) -> SheetScan:
    """Read the sheet once: its head and tail, and the right-most column its cells use; and
    its rows split (``read_rows``) when their XML is ``keep`` bytes or fewer.

    The ``<dimension>`` element names that column, and two searches of each block confirm it
    (no cell beyond it, some cell in it); only where it is wrong or missing are the cells'
    references collected, which costs ten times as much.
    """
    head = tail = ""
    self_closed = False
    widest = claimed = ""
    confirmed = False
    kept: list[Rows] | None = [] if keep else None
    size = previous = 0
    with open_part() as stream:
        for kind, data in _blocks(stream, prefix):
            if kind == "head":
                head = data.decode("utf-8")
                claimed = _dimension(head, prefix) if trust else ""
            elif kind == "empty":
                self_closed = True
            elif kind == "tail":
                tail = data.decode("utf-8")
            else:
                decoded = data.decode("utf-8")
                size += len(data)
                if kept is not None and size <= keep:
                    kept.append(split_rows(decoded, prefix, previous))
                    previous = _last(kept[-1], previous)
                else:
                    kept = None  # too large to hold: the splice reads the rows again
                text = pl.Series([decoded])
                cell = r'<(?:\w+:)?c\b[^>]*?\br="'
                beyond = rf"{cell}(?:{_beyond(claimed)})\d" if claimed else ""
                # Either finding in one pass where the dimension is trusted: a block holds
                # neither, as a rule, and each search reads every byte of it (at 100k rows,
                # 0.060 s for both together against 0.062 s and 0.078 s one after the other).
                if text.str.contains(
                    rf"(?:{_UNREFERENCED})|(?:{beyond})" if beyond else _UNREFERENCED
                )[0]:
                    if text.str.contains(_UNREFERENCED)[0]:
                        raise SheetError("some cells carry no reference")
                    if beyond and text.str.contains(beyond)[0]:
                        claimed = ""  # wrong: this block and the later ones hold the widest
                if claimed:
                    confirmed = confirmed or bool(text.str.contains(rf"{cell}{claimed}\d")[0])
                else:
                    widest = _wider(widest, _widest(text))
    if claimed:
        if not confirmed:  # no cell reaches the claimed column: read every reference
            return scan(open_part, prefix, trust=False, keep=keep)
        widest = claimed
    return SheetScan(head, tail, self_closed, widest, None if kept is None else tuple(kept))


# Each character ``escaped`` replaces, and what with: the ones XML cannot hold dropped.
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", **dict.fromkeys(NOT_XML_CHARACTERS, "")}


def escaped(text: pl.Expr) -> pl.Expr:
    """XML character data: the characters XML cannot hold dropped, & < > escaped.

    In one pass of literal replacements, each character looked at once: the same text as a
    pass for each (a character replaced is never looked at again, and none of the
    replacements holds another), in 14.5 ms against 21.2 ms over 6.4 MB of text like the reasons."""
    return text.str.replace_many(list(_ESCAPES), list(_ESCAPES.values()))


def utf8_values(text: pl.DataFrame) -> list[bytes]:
    """A one-column frame of text as each value's UTF-8 bytes, to be joined with the rest of a
    part. Never through Python text: one character beyond ASCII makes a string of several MB
    take two or four bytes a character, then to be encoded again. 28 MB of rows took 0.02 s so,
    against 0.04 s joined in polars and taken as one value."""
    return text.to_series().cast(pl.Binary).to_list()


def inline_text(prefix: str, text: pl.Expr) -> pl.Expr:
    """An inline string's ``<is>`` element for escaped ``text``; ``xml:space="preserve"`` only
    where white space at either end would otherwise be dropped, as Excel writes it (a fifth of
    an annotation cell's bytes, on every row)."""
    return pl.concat_str(inline_pieces(prefix, text))


def inline_pieces(prefix: str, text: pl.Expr) -> list[pl.Expr]:
    """``inline_text``'s pieces, for a ``concat_str`` of a whole cell."""
    p = prefix
    # Two searches, not one of "^\s|\s$": the alternation searched the whole of each text, and
    # at 15,000 clients the reasons' column took 0.010 s against 0.001 s.
    ends = text.str.contains(r"^\s") | text.str.contains(r"\s$")
    space = pl.when(ends).then(pl.lit(' xml:space="preserve"'))
    return [
        pl.lit(f"<{p}is><{p}t"),
        space.otherwise(pl.lit("")),
        pl.lit(">"),
        text,
        pl.lit(f"</{p}t></{p}is>"),
    ]


def _has_cell(values: pl.DataFrame, column: str) -> pl.Expr:
    """Whether a value makes a cell: a finite number, or text that is not empty."""
    value = pl.col(column)
    if values.schema[column].is_numeric():
        return value.is_finite().fill_null(False)
    return (value.is_not_null() & (value != "")).fill_null(False)


def cell_rows(values: pl.DataFrame) -> int:
    """How many rows of ``values`` get at least one cell from ``cells_xml``."""
    columns = [c for c in values.columns if c != "row"]
    if not columns:
        return 0
    return int(values.select(pl.any_horizontal(_has_cell(values, c) for c in columns).sum()).item())


# Stands for the row number in a cell reference while cells are made once per distinct set of
# values; the values themselves never hold it (XML cannot, so ``escaped`` drops it).
_ROW = "\x00"


def cells_xml(
    values: pl.DataFrame,
    letters: list[str],
    text_style: int,
    number_styles: list[int],
    prefix: str,
) -> pl.DataFrame:
    """``row`` and ``xml``: each row's new cells, one per value column in column ``letters``.

    Text columns become inline strings (never a formula, whatever they hold); number columns
    numbers, in their ``number_styles`` entry; a null, empty or non-finite value no cell.
    Invoices of one client mostly carry the same labels, so each distinct set of values is made
    into cells once (some thousands among 100k rows) and each row's number then put into its
    references: a fifth of the work of making every row's cells.
    """
    p = prefix
    parts = []
    columns = [c for c in values.columns if c != "row"]
    for column, letter, number_style in zip(columns, letters, number_styles, strict=True):
        value = pl.col(column)
        reference = f'r="{letter}{_ROW}"'
        if values.schema[column].is_numeric():
            cell = pl.format(
                f'<{p}c {reference} s="{number_style}"><{p}v>{{}}</{p}v></{p}c>',
                value.cast(pl.Float64).cast(pl.String),
            )
        else:
            cell = pl.format(
                f'<{p}c {reference} s="{text_style}" t="inlineStr">{{}}</{p}c>',
                inline_text(p, escaped(value.cast(pl.String))),
            )
        parts.append(pl.when(_has_cell(values, column)).then(cell).otherwise(pl.lit("")))
    made = (
        values.group_by(columns, maintain_order=True)
        .agg(pl.col("row").cast(pl.Int64))
        .select("row", pl.concat_str(parts).alias("xml"))
        .filter(pl.col("xml") != "")
        .explode("row")
    )
    return made.select(
        "row", pl.col("xml").str.replace_all(_ROW, pl.col("row").cast(pl.String), literal=True)
    )


# A block's new cells come from cells made for this many rows of values at once: ``cells_xml``
# makes each distinct set of values once per call, and a 2 MB block holds only a few thousand
# rows, so block by block the same sets were made again and again. At 100k rows: 0.04 s in two
# calls against 0.10 s in fourteen, and the semi-joins picking each block's values (0.02 s) go.
CELL_BATCH = 1 << 16


def block_cells(
    values: pl.DataFrame,
    make: Callable[[pl.DataFrame], pl.DataFrame],
    batch: int = CELL_BATCH,
) -> Callable[[pl.Series], pl.DataFrame]:
    """``splice``'s ``cells``: ``make``'s cells (``row`` and ``xml``) of the ``values`` rows
    whose number lies between a block's first and last row, made ``batch`` rows at a time in
    row order. A row in that range which the block does not hold joins to nothing in the
    splice, so what is placed is what making exactly the block's rows would place."""
    ordered = values.sort("row", maintain_order=True)
    numbers = ordered["row"]
    made = ordered.clear()
    covered = (0, -1)  # made holds the cells of every values row numbered in this range

    def cells(rows: pl.Series) -> pl.DataFrame:
        nonlocal made, covered
        low, high = int(rows.min()), int(rows.max())  # type: ignore[arg-type]
        if low < covered[0] or high > covered[1]:
            start = int(numbers.search_sorted(low, "left"))
            reach = min(start + batch, ordered.height)
            last = max(high, int(numbers[reach - 1])) if reach > start else high
            stop = int(numbers.search_sorted(last, "right"))
            made, covered = make(ordered.slice(start, stop - start)), (low, last)
        return made.filter(pl.col("row").is_between(low, high))

    return cells


def splice(
    blocks: Iterable[Rows],
    prefix: str,
    cells: Callable[[pl.Series], pl.DataFrame],
    expected: int,
    last_column: int,
) -> Iterator[bytes]:
    """The rows of the sheet (``read_rows``, or a scan's) with new cells added at the end of
    their rows, block by block.

    ``cells(row_numbers)`` gives the ``row`` and ``xml`` of the new cells of a block's rows, so
    the new cells' text is only ever made for one block at a time; ``expected`` rows must gain
    cells, each exactly once, or ``SheetError`` says what went wrong.
    """
    p = prefix
    closing = f"</{p}row>"
    placed = 0
    for block in blocks:
        if not block.rows.height:
            yield block.lead.encode("utf-8")
            continue
        frame = block.rows.join(
            cells(block.rows["row"]), on="row", how="left", maintain_order="left"
        )
        added = pl.col("xml")
        self_closed = pl.col("piece").str.contains(_SELF_CLOSED)
        ends = self_closed | pl.col("piece").str.contains(closing, literal=True)
        at = pl.col("spans_at")
        piece = (
            pl.when(at.is_not_null())
            .then(
                pl.concat_str(
                    pl.col("piece").str.slice(0, at),
                    pl.lit(str(last_column)),
                    pl.col("piece").str.slice(pl.col("spans_end")),
                )
            )
            .otherwise(pl.col("piece"))
        )
        grown = piece.str.replace(closing, added + closing, literal=True)
        if frame.select((added.is_not_null() & self_closed).any()).item():
            # polars works out every branch for every row, so this one only when needed
            grown = (
                pl.when(self_closed)
                .then(piece.str.replace("/>", pl.lit(">") + added + closing, literal=True))
                .otherwise(grown)
            )
        joined = frame.select(
            (pl.lit(f"<{p}row") + pl.when(added.is_null()).then(pl.col("piece")).otherwise(grown))
            .str.join("")
            .cast(pl.Binary),
            (added.is_not_null() & ends).sum().alias("placed"),
        )
        placed += int(joined["placed"][0])
        yield block.lead.encode("utf-8")
        yield joined.to_series(0)[0]
    if placed < expected:
        raise SheetError(f"{expected - placed} rows to annotate have no row element")
    if placed > expected:
        raise SheetError("some rows appear more than once")
