"""Cell notes ("comments"): the comments part, the legacy drawing Excel shows them through, and
its place among a worksheet's elements."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pipeline.ooxml.parts import MAIN_NS, REL_NS
from pipeline.ooxml.worksheet import insert_child
from pipeline.ooxml.xmltext import prefix, rel_id, text

COMMENTS_TYPE = REL_NS + "/comments"
VML_TYPE = REL_NS + "/vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
SHAPES_PER_BLOCK = 1024  # a VML drawing's shape ids come in blocks of this many


def comments_part(refs: Mapping[str, str]) -> str:
    """A comments part with one note per cell reference, by the author 'tierbook'."""
    items = "".join(
        f'<comment ref="{ref}" authorId="0"><text><t xml:space="preserve">{text(note)}</t></text></comment>'
        for ref, note in refs.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN_NS}"><authors><author>tierbook</author></authors>'
        f"<commentList>{items}</commentList></comments>"
    )


def blocks_needed(cells: int) -> int:
    """Shape-id blocks a drawing of ``cells`` notes takes."""
    return max(1, -(-cells // SHAPES_PER_BLOCK))


def vml_part(cells: Sequence[tuple[int, int]], block: int) -> str:
    """The legacy drawing Excel needs to show notes: one hidden note shape per cell (0-based).

    Shape ids live in blocks of 1024 named by ``o:idmap``; ``block`` is the first one free in
    the package, so no two drawings share ids.
    """
    blocks = ",".join(str(block + i) for i in range(blocks_needed(len(cells))))
    shapes = "".join(
        f'<v:shape id="_x0000_s{block * SHAPES_PER_BLOCK + 1 + i}" type="#_x0000_t202" style="position:absolute;'
        f'margin-left:59.25pt;margin-top:1.5pt;width:240pt;height:120pt;z-index:{i + 1};visibility:hidden" '
        'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
        f"<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
        for i, (row, col) in enumerate(cells)
    )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        f'<o:idmap v:ext="edit" data="{blocks}"/>'
        '</o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{shapes}</xml>"
    )


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
