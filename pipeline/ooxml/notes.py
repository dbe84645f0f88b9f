"""Cell notes ("comments"): the comments part, the legacy drawing Excel shows them through, and
its place among a worksheet's elements."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence

import polars as pl

from pipeline.ooxml.parts import MAIN_NS, REL_NS
from pipeline.ooxml.sheetdata import escaped, utf8_values
from pipeline.ooxml.worksheet import insert_child
from pipeline.ooxml.xmltext import prefix, rel_id
from pipeline.ooxml.zipwriter import Pieces, sliced

COMMENTS_TYPE = REL_NS + "/comments"
VML_TYPE = REL_NS + "/vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
SHAPES_PER_BLOCK = 1024  # a VML drawing's shape ids come in blocks of this many
# Notes made at a time for a long list (one a client, on its first invoice row): some 8 MB of
# comments and 9 MB of drawing. The long tail's 15,259 notes are made whole, as before.
NOTE_ROWS = 16_384


class CellNotes(Mapping[int, str]):
    """Notes by Excel row, each some key's text (a client's), the texts made only when first
    read: which rows get a note is known at once, their words (every reason of every client)
    not until the merge, so the data sheets can be spliced on their thread meanwhile."""

    def __init__(self, rows: pl.DataFrame, texts: Callable[[], pl.DataFrame]) -> None:
        self._rows = rows  # "row" (Excel row) and "key"
        self._texts = texts  # "key" and "note", made once for all sheets
        self._frame: pl.DataFrame | None = None
        self._by_row: dict[int, str] | None = None

    def frame(self) -> pl.DataFrame:
        """``row`` and ``note``, in row order."""
        if self._frame is None:
            self._frame = (
                self._rows.join(self._texts(), on="key", how="left")
                .select(pl.col("row").cast(pl.Int64), pl.col("note").cast(pl.String))
                .sort("row")
            )
        return self._frame

    def __getitem__(self, row: int) -> str:
        if self._by_row is None:
            self._by_row = dict(self.frame().iter_rows())
        return self._by_row[row]

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows["row"].to_list())

    def __len__(self) -> int:
        return self._rows.height


def note_frame(notes: Mapping[int, str]) -> pl.DataFrame:
    """``row`` and ``note`` of any notes by row, in row order."""
    if isinstance(notes, CellNotes):
        return notes.frame()
    return pl.DataFrame(
        {"row": list(notes), "note": list(notes.values())},
        schema={"row": pl.Int64, "note": pl.String},
    ).sort("row")


def comments_part(column: str, notes: pl.DataFrame) -> bytes | Pieces:
    """A comments part (UTF-8) with one note per row of ``notes`` (``row``, ``note``), in
    ``column``, by the author 'tierbook'; made by polars, as a long table's rows are, and kept
    in bytes as they are (at 15,000 clients the notes' 7.6 MB took 0.025-0.029 s against
    0.033-0.043 s made as text and then encoded). More than ``NOTE_ROWS`` notes come as
    pieces, that many at a time, made as the package is deflated."""
    note = pl.format(
        f'<comment ref="{column}{{}}" authorId="0"><text><t xml:space="preserve">{{}}</t>'
        "</text></comment>",
        "row",
        escaped(pl.col("note").fill_null("")),
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN_NS}"><authors><author>tierbook</author></authors><commentList>'
    ).encode()
    return sliced(
        head,
        b"</commentList></comments>",
        notes.height,
        NOTE_ROWS,
        lambda start, count: utf8_values(notes.slice(start, count).select(note)),
    )


def blocks_needed(cells: int) -> int:
    """Shape-id blocks a drawing of ``cells`` notes takes."""
    return max(1, -(-cells // SHAPES_PER_BLOCK))


def vml_part(rows: pl.Series, column: int, block: int) -> bytes | Pieces:
    """The legacy drawing Excel needs to show notes (UTF-8): one hidden note shape per cell, at
    the 0-based ``rows`` of the 0-based ``column``; for more than ``NOTE_ROWS`` notes as
    pieces, each shape's id and place in the stack counted on from the piece before.

    Shape ids live in blocks of 1024 named by ``o:idmap``; ``block`` is the first one free in
    the package, so no two drawings share ids.
    """
    head, tail = _vml_ends(rows.len(), block)
    return sliced(
        head.encode("utf-8"),
        tail.encode("utf-8"),
        rows.len(),
        NOTE_ROWS,
        lambda start, count: [_shapes(rows.slice(start, count), column, block, start).encode()],
    )


def _vml_ends(cells: int, block: int) -> tuple[str, str]:
    """A drawing's text before its shapes (the blocks its ``cells`` shapes take, from
    ``block``) and after them."""
    blocks = ",".join(str(block + i) for i in range(blocks_needed(cells)))
    head = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        f'<o:idmap v:ext="edit" data="{blocks}"/>'
        '</o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
    )
    return head, "</xml>"


def _shapes(rows: pl.Series, column: int, block: int, before: int = 0) -> str:
    """The note shapes at ``rows``, the first the drawing's shape number ``before`` + 1."""
    shape = (
        '<v:shape id="_x0000_s{}" type="#_x0000_t202" style="position:absolute;'
        'margin-left:59.25pt;margin-top:1.5pt;width:240pt;height:120pt;z-index:{};visibility:hidden" '
        'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
        f"<x:Row>{{}}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape>"
    )
    i = pl.int_range(pl.len(), dtype=pl.Int64) + before
    shapes = (
        pl.DataFrame({"row": rows.cast(pl.Int64)})
        .select(pl.format(shape, block * SHAPES_PER_BLOCK + 1 + i, i + 1, "row").str.join(""))
        .item()
    )
    return shapes or ""


def used_blocks(drawings: Sequence[bytes]) -> list[int]:
    """The shape-id blocks the package's VML drawings already claim."""
    return [
        int(b)
        for drawing in drawings
        for group in re.findall(rb'idmap[^>]*data="([\d,\s]+)"', drawing)
        for b in group.split(b",")
        if b.strip()
    ]


def insert_legacy_drawing(sheet: str, rid: str) -> str:
    """Put ``<legacyDrawing>`` among the worksheet's children in the order the schema sets."""
    p = prefix(sheet, "worksheet")
    element = f"<{p}legacyDrawing {rel_id(sheet, 'worksheet', rid)}/>"
    return insert_child(sheet, element, "legacyDrawing")
