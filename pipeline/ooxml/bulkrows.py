"""The long tables of the analysis workbook, their rows written as sheet XML by polars.

xlsxwriter spends some 15 µs storing and then writing each cell: a table of 2,000 clients by
34 columns is a second of it. So a long table's first row goes through xlsxwriter, which fixes
each column's style there, and the other rows are made here a column at a time and put into
the sheet's XML once xlsxwriter has closed the workbook. They come out as xlsxwriter would
write them: numbers as numbers, dates as whole day numbers in the column's style, text always
as a string (never a formula), true/false as "yes"/"no", and no cell for a blank. Numbers keep
all their 17 digits, where xlsxwriter writes 16; infinity, which xlsxwriter refuses, is a blank.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

from pipeline.ooxml.sheetdata import escaped, inline_pieces, utf8_values
from pipeline.ooxml.xmltext import CONTROL
from pipeline.ooxml.zipwriter import Pieces, sliced

MAX_TEXT = 32_767  # characters a cell holds; xlsxwriter cuts text there too
_RUNS = 12  # runs of a row's pieces made side by side, then joined (``_cells``)
# Rows of a long table made at a time when the package is deflated: some 30 MB of XML at a
# Client analysis's 1.8 kB a row. A table this long or shorter is made whole, as before; at
# 380,000 clients the whole table was 660 MB of XML, held three times over while it was joined.
PIECE_ROWS = 16_384


@dataclass(frozen=True)
class Formula:
    """A cell's formula (tierbook's own, never the user's text) and the value it computes to,
    which readers that do not calculate show."""

    text: str
    cached: Any


@dataclass(frozen=True)
class Later:
    """Rows of one sheet to be written after the workbook is closed."""

    sheet: int  # the worksheet's position in the workbook: its part is sheet{sheet + 1}.xml
    top: int  # the 0-based row of the first of them; the row above was written by xlsxwriter
    left: int  # the 0-based column of their first value
    values: pl.DataFrame  # one column per table column, in order
    heights: pl.Series | None = None  # each row's height in points (wrapped text), if set
    # The Excel table they belong to (its name, and the range it covers with them): xlsxwriter
    # was given the header and first row only, so as not to mark every cell, and the table's
    # part is stretched to this range (``stretched_table``).
    table: tuple[str, str] | None = None


# The kinds of value a column may hold (with blanks), as Python types.
_KINDS: tuple[frozenset[type], ...] = (
    frozenset({bool}),
    frozenset({int}),
    frozenset({float}),
    frozenset({int, float}),
    frozenset({str}),
    frozenset({dt.date}),
    frozenset({dt.datetime}),
    frozenset(),
)


# A column of formulas: each one's text and the value it computes to (a number, or text).
FORMULAS = (
    pl.Struct({"f": pl.String, "v": pl.Float64}),
    pl.Struct({"f": pl.String, "v": pl.String}),
)


def frame(rows: Sequence[Sequence[Any]], formats: Sequence[str | None]) -> pl.DataFrame | None:
    """The rows as a frame this module can write, or None (then xlsxwriter writes them all):
    each column holds one kind of value (numbers, text, true/false, dates in a column with a
    date format) besides blanks."""
    columns = {}
    for i, number_format in enumerate(formats):
        values = [row[i] for row in rows]
        kinds = frozenset(type(v) for v in values if v is not None)
        if kinds == {Formula}:
            cached = frozenset(type(v.cached) for v in values if v is not None)
            if cached not in ({int}, {float}, {int, float}, {str}):
                return None
            columns[f"c{i}"] = pl.Series(
                [None if v is None else {"f": v.text, "v": v.cached} for v in values],
                dtype=pl.Struct(
                    {"f": pl.String, "v": pl.String if cached == {str} else pl.Float64}
                ),
            )
            continue
        if kinds not in _KINDS or (kinds & {dt.date, dt.datetime} and not number_format):
            return None
        try:
            columns[f"c{i}"] = pl.Series(values, dtype=pl.Float64 if len(kinds) > 1 else None)
        except (OverflowError, TypeError, ValueError):  # an integer beyond 64 bits, say
            return None
    return pl.DataFrame(columns)


def typed(values: pl.DataFrame, formats: Sequence[str | None]) -> pl.DataFrame | None:
    """A frame's columns as this module writes them, or None where one holds what ``frame``
    would not take (lists, say, or dates without a date format): the same cells as its rows
    through ``frame``, without making a Python value of every cell first."""
    columns = {}
    for i, (series, number_format) in enumerate(zip(values.iter_columns(), formats, strict=True)):
        kind = series.dtype
        if kind in FORMULAS:  # a formula beside its value, as ``frame`` makes of ``Formula``s
            columns[f"c{i}"] = series
            continue
        plain = kind in (pl.Boolean, pl.String, pl.Null) or kind.is_numeric()
        if not (plain or (kind in (pl.Date, pl.Datetime) and number_format)):
            return None
        columns[f"c{i}"] = series.cast(pl.Float64) if kind.is_float() else series
    return pl.DataFrame(columns)


def _day_number(value: pl.Expr, kind: pl.DataType, date_1904: bool) -> pl.Expr:
    """Excel's serial day, as xlsxwriter counts it (with 1900's phantom 29 February)."""
    epoch = dt.datetime(1904, 1, 1) if date_1904 else dt.datetime(1899, 12, 31)
    stamp = value.cast(pl.Datetime("us")) if kind == pl.Date else value.dt.replace_time_zone(None)
    days = (stamp - pl.lit(epoch)).dt.total_microseconds() / 86_400_000_000
    return days if date_1904 else pl.when(days > 59).then(days + 1).otherwise(days)


def _excel_escapes(text: pl.Expr) -> pl.Expr:
    """Excel's own escapes, as xlsxwriter writes them: a carriage return as _x000D_ (XML
    would read it as a line feed), the two non-characters alike, and text that looks like such
    an escape with its underscore escaped, so that it reads back as typed."""
    return (
        text.str.replace_all(r"(_x[0-9a-fA-F]{4}_)", "_x005F${1}")
        .str.replace_all("\r", "_x000D_", literal=True)
        .str.replace_all("\ufffe", "_xFFFE_", literal=True)
        .str.replace_all("\uffff", "_xFFFF_", literal=True)
    )


# Any character of cell text that one of the passes below changes: what XML cannot hold or must
# escape, and what Excel escapes its own way.
_CHANGED = r"[\x00-\x08\x0B\x0C\x0E-\x1F\r&<>\uFFFE\uFFFF]|_x[0-9a-fA-F]{4}_"


def _plain_text(values: pl.DataFrame) -> set[str]:
    """The text columns none of whose values any pass changes: all of them in most tables
    (names, labels, reasons). Found in one scan of each, where the passes are nine: at 15,000
    clients they took 0.15 s of the Client analysis rows' 0.25 s."""
    text = [name for name, kind in values.schema.items() if kind == pl.String]
    if not text:
        return set()
    changed = values.select(pl.col(text).str.contains(_CHANGED).any()).row(0)
    return {name for name, found in zip(text, changed, strict=True) if not found}


# Each row's number as text, made once for every cell of the row.
_ROW_TEXT = "_row_text"


def _cell_pieces(letter: str, attrs: str, *pieces: pl.Expr, end: str = "</c>") -> list[pl.Expr]:
    """``<c r="{letter}{row}"{attrs}``, then ``pieces``, then ``end``, as pieces to join."""
    head = pl.lit(f'<c r="{letter}')
    return [head, pl.col(_ROW_TEXT), pl.lit(f'"{attrs}'), *pieces, pl.lit(end)]


def _cell(letter: str, attrs: str, *pieces: pl.Expr, end: str = "</c>") -> pl.Expr:
    """``_cell_pieces`` joined: null where a piece is."""
    return pl.concat_str(_cell_pieces(letter, attrs, *pieces, end=end))


def _whole(values: pl.DataFrame, name: str) -> bool:
    """Whether every value of a column makes a cell: none missing, no NaN or infinity."""
    column = values[name]
    if column.null_count():
        return False
    return not column.dtype.is_float() or bool(column.is_finite().all())


def _cells(later: Later, styles: dict[str, str], date_1904: bool) -> list[pl.Expr]:
    """Each row's cells as a few runs of text to join; a blank makes a styled empty cell or none
    at all.

    A cell is pieces of one ``concat_str``, not pieces added one to the next: each ``+``
    makes a column of text. At 15,000 clients the Client analysis rows took 0.11-0.12 s
    against 0.14-0.19 s (medians of 9, several times over). A column with a cell on every row
    (``_whole``) puts its pieces straight into the row's ``concat_str``; only one that may
    lack a cell makes a column of its cells first, to be blank where it has none.
    """
    parts: list[pl.Expr] = []
    plain = _plain_text(later.values)
    for i, name in enumerate(later.values.columns):
        letter = xl_col_to_name(later.left + i)
        kind = later.values.schema[name]
        style = f' s="{styles[letter]}"' if letter in styles else ""
        blank = _cell(letter, style + "/>", end="") if style else pl.lit("")
        value = pl.col(name)
        if isinstance(kind, pl.Struct):  # a formula and its value, as xlsxwriter writes them
            formula = escaped(value.struct.field("f"))
            cached = value.struct.field("v")
            if kind.to_schema()["v"] == pl.String:
                made = _cell(
                    letter,
                    style + ' t="str"><f>',
                    formula,
                    pl.lit("</f><v>"),
                    escaped(cached),
                    end="</v></c>",
                )
            else:
                number = (
                    pl.when(cached.is_finite()).then(cached.cast(pl.String)).otherwise(pl.lit("0"))
                )
                made = _cell(
                    letter, style + "><f>", formula, pl.lit("</f><v>"), number, end="</v></c>"
                )
            parts.append(made.fill_null(blank))
            continue
        if kind == pl.Boolean:
            text: pl.Expr | None = (
                pl.when(value).then(pl.lit("yes")).when(~value).then(pl.lit("no"))
            )
        elif name in plain:
            text = value.str.slice(0, MAX_TEXT)
        elif kind == pl.String:
            # cut to what a cell holds before escaping, so no entity is cut in two
            kept = value.str.replace_all(CONTROL, "")
            text = escaped(_excel_escapes(kept.str.slice(0, MAX_TEXT)))
        else:
            text = None
        if kind == pl.Null:
            parts.append(blank)
            continue
        whole = _whole(later.values, name)
        if text is not None:
            pieces = _cell_pieces(letter, style + ' t="inlineStr">', *inline_pieces("", text))
        elif kind.is_integer() or kind == pl.Date:
            # a date is a whole day: its serial number as a whole number, as xlsxwriter writes
            # it (45231, not 45231.0)
            whole_number = _day_number(value, kind, date_1904) if kind == pl.Date else value
            pieces = _cell_pieces(
                letter, style + "><v>", whole_number.cast(pl.Int64).cast(pl.String), end="</v></c>"
            )
        else:
            number = _day_number(value, kind, date_1904) if kind.is_temporal() else value
            number = number.cast(pl.Float64)
            pieces = _cell_pieces(letter, style + "><v>", number.cast(pl.String), end="</v></c>")
            if not whole:
                # NaN and infinity: blank, as Excel has none
                parts.append(
                    pl.when(number.is_finite()).then(pl.concat_str(pieces)).fill_null(blank)
                )
                continue
        if whole:
            parts.extend(pieces)
        else:
            parts.append(pl.concat_str(pieces).fill_null(blank))
    # In a dozen runs of pieces, each a column polars makes on a thread of its own, then joined
    # (null where any is, as one join would be). At 15,000 clients the Client analysis sheet
    # was filled in 0.096 s against 0.147 s with one join, in less processor time (0.138 s
    # against 0.153 s; medians of 5 processes, 9 runs each, interleaved).
    size = max(-(-len(parts) // _RUNS), 1)
    return [pl.concat_str(parts[i : i + size]) for i in range(0, len(parts), size)] or [pl.lit("")]


def _styles(sheet: bytes, row: int) -> dict[str, str]:
    """Column letter -> style of the cells xlsxwriter wrote in 1-based ``row``."""
    found = re.search(rb'<row r="%d"[^>]*>(.*?)</row>' % row, sheet, re.S)
    if found is None:
        return {}
    cells = re.findall(rb'<c r="([A-Z]+)\d+" s="(\d+)"', found.group(1))
    return {letter.decode(): style.decode() for letter, style in cells}


def rows_xml(sheet: bytes, later: Later, date_1904: bool) -> pl.DataFrame:
    """``row`` (1-based) and ``cells``: the cells of ``later``'s rows, styled like the row
    xlsxwriter wrote above them; rows with no cell left out."""
    return _row_maker(sheet, later, date_1904)(0, later.values.height)


def _row_maker(sheet: bytes, later: Later, date_1904: bool) -> Callable[[int, int], pl.DataFrame]:
    """``rows_xml``'s frame for any slice of ``later``'s rows (its first and how many), the
    cells' expressions worked out once for the whole table: every slice is written alike."""
    styles = _styles(sheet, later.top)
    runs = _cells(later, styles, date_1904)
    names = [f"_run{i}" for i in range(len(runs))]

    def made(start: int, count: int) -> pl.DataFrame:
        rows = (
            later.values.slice(start, count)
            .with_row_index("row", offset=later.top + 1 + start)
            .with_columns(pl.col("row").cast(pl.String).alias(_ROW_TEXT))
            .select(
                pl.col("row").cast(pl.Int64),
                *(run.alias(n) for run, n in zip(runs, names, strict=True)),
            )
            .select("row", pl.concat_str(names).alias("cells"))
        )
        if later.heights is not None:
            heights = later.heights.slice(start, count).round(2)
            # as xlsxwriter writes a height: 90, not 90.0
            shown = heights.cast(pl.String).str.strip_suffix(".0")
            rows = rows.with_columns(pl.format(' ht="{}" customHeight="1"', shown).alias("attrs"))
        return rows.filter(pl.col("cells") != "")

    return made


# A row element as xlsxwriter writes it: number, other attributes, then its cells or none.
_ROW = re.compile(rb'<row r="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)


def _with_rows(sheet: bytes, later: Later, date_1904: bool) -> bytes | Pieces:
    """``sheet`` with ``later``'s rows in place, in ascending order as the format requires.

    Another table may sit beside this one (the Concentration sheet's figures, right of its
    Pareto table): its rows, which xlsxwriter has written, get the new cells before their own,
    which must all lie right of them. From the first row below the table with a cell in its
    columns (a total row) on, the rows stay after it as they are.

    In UTF-8 bytes throughout, never Python text: one character beyond ASCII in a reason
    ("×") made a long table's 28 MB of XML a 56 MB string to join and then encode. At 15,000
    clients the sheet took 0.17-0.18 s against 0.27-0.28 s (medians of 15, side by side).
    A table alone on its rows and longer than ``PIECE_ROWS`` comes as pieces, made a slice of
    rows at a time as the package is deflated.
    """
    head, rest = sheet.split(b"<sheetData>", 1)
    data, tail = rest.split(b"</sheetData>", 1)
    first, last = later.top + 1, later.top + later.values.height
    right = later.left + later.values.width - 1
    rows_of = _row_maker(sheet, later, date_1904)

    def reaches(cells: bytes) -> bool:
        """Whether a row has a cell in the table's columns (or left of them)."""
        refs = re.findall(rb'<c r="([A-Z]+\d+)"', cells)
        return any(xl_cell_to_rowcol(ref.decode())[1] <= right for ref in refs)

    found = [(int(m[1]), m[2], m[3] or b"", m.start()) for m in _ROW.finditer(data)]
    below = next((b[3] for b in found if b[0] > last and reaches(b[2])), len(data))
    beside = [b for b in found if b[0] >= first and b[3] < below]
    if not beside:
        row = pl.format(
            '<row r="{}"{}>{}</row>',
            "row",
            pl.col("attrs") if later.heights is not None else pl.lit(""),
            "cells",
        )
        return sliced(
            b"".join((head, b"<sheetData>", data[:below])),
            b"".join((data[below:], b"</sheetData>", tail)),
            later.values.height,
            PIECE_ROWS,
            lambda start, count: utf8_values(rows_of(start, count).select(row)),
        )
    made = rows_of(0, later.values.height)
    for number, _, cells, _ in beside:
        if reaches(cells):
            raise ValueError(f"row {number} holds cells where the later rows of a table go")
    others = pl.DataFrame(
        {
            "row": [b[0] for b in beside],
            # spans only hints at the cells' columns, and these rows gain some
            "attrs": [re.sub(rb'\s+spans="[^"]*"', b"", b[1]).decode() for b in beside],
            "own": [b[2].decode() for b in beside],
        },
        schema={"row": pl.Int64, "attrs": pl.String, "own": pl.String},
    )
    rows = utf8_values(
        made.join(others, on="row", how="full", coalesce=True)
        .sort("row")
        .select(
            pl.format(
                '<row r="{}"{}>{}{}</row>',
                "row",
                pl.col("attrs").fill_null(""),
                pl.col("cells").fill_null(""),
                pl.col("own").fill_null(""),
            )
        )
    )
    return b"".join(
        (head, b"<sheetData>", data[: beside[0][3]], *rows, data[below:], b"</sheetData>", tail)
    )


def _stretched(sheet: bytes, last_row: int, last_col: int) -> bytes:
    """The sheet's ``<dimension>`` reaching 1-based ``last_row`` and 0-based ``last_col``."""

    def wider(m: re.Match[bytes]) -> bytes:
        col = max((m[3] or m[1]).decode(), xl_col_to_name(last_col), key=lambda c: (len(c), c))
        end = max(int(m[4] or m[2]), last_row)
        return b'<dimension ref="%s%s:%s%d"' % (m[1], m[2], col.encode(), end)

    return re.sub(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', wider, sheet, count=1)


def _part(block: Later) -> str:
    return f"xl/worksheets/sheet{block.sheet + 1}.xml"


def fill_sheet(sheet: str, blocks: Sequence[Later], date_1904: bool) -> bytes | Pieces:
    """One sheet's XML, as UTF-8, with its later rows in place and its dimension stretched
    over them: as pieces where its last table is long (``_with_rows``)."""
    xml: bytes | Pieces = sheet.encode("utf-8")
    for block in blocks:
        assert isinstance(xml, bytes)  # only the last block's rows may come as pieces
        # the dimension first, while the sheet holds xlsxwriter's few rows and not these
        xml = _stretched(xml, block.top + block.values.height, block.left + block.values.width - 1)
        xml = _with_rows(xml, block, date_1904)
    return xml


@dataclass(frozen=True)
class Unfilled:
    """xlsxwriter's package with the long tables' rows still to put in.

    Whoever copies its sheets on fills them on the way (``filled``), after its own passes over
    the sheet's XML, which then cover xlsxwriter's few rows and not twenty thousand of ours;
    and the rows are deflated once, in the package they end up in.
    """

    package: bytes
    later: tuple[Later, ...] = ()
    date_1904: bool = False

    def parts(self) -> list[str]:
        """The names of the sheets that have rows to put in."""
        return list(dict.fromkeys(_part(block) for block in self.later))

    def filled(self, part: str, sheet: str) -> bytes | Pieces:
        """``sheet``, the XML of ``part`` (its name in ``package``), with its rows in place,
        as UTF-8 (its bytes, or pieces of them for a long table)."""
        blocks = [block for block in self.later if _part(block) == part]
        return fill_sheet(sheet, blocks, self.date_1904)

    def stretched_table(self, table: str) -> str:
        """``table``, the XML of a table part, over its rows put in later (unchanged for a
        table with none)."""
        head = re.search(r"<(?:\w+:)?table\b[^>]*>", table)
        name = re.search(r'\bdisplayName="([^"]*)"', head.group(0)) if head else None
        ranges = dict(block.table for block in self.later if block.table is not None)
        if head is None or name is None or name.group(1) not in ranges:
            return table
        ref = f'ref="{ranges[name.group(1)]}"'
        table = (
            table[: head.start()]
            + re.sub(r'\bref="[^"]*"', ref, head.group(0), count=1)
            + table[head.end() :]
        )
        return re.sub(
            r'(<(?:\w+:)?autoFilter\b[^>]*?)\bref="[^"]*"', rf"\g<1>{ref}", table, count=1
        )
