"""The user's own sheets print on as many pages across as they did before tierbook's columns
were added, those columns on the same pages, never on pages of their own.

A sheet one page wider than before would print its last few columns (or a word of each note)
on extra pages, one per page down: the agency sample grew from 39 to 65 printed pages. Fitted
to the width it had, it prints on the pages it did, a little smaller. Never below
``MIN_SCALE``: a sheet that would need more shrinking than that gets the fewest pages across
that keep it legible. A sheet the user already fits to a page, or whose printing the user
bounds with a print area, is left as the user set it.
"""

from __future__ import annotations

import math
import re

from pipeline.ooxml.worksheet import insert_child
from pipeline.ooxml.xmltext import attrs, collection

MIN_SCALE = 0.6
DEFAULT_WIDTH = 8.43  # characters: the Normal style's default column width
# Paper sizes by the format's paperSize code (width x height, inches); Letter when unset.
PAPER_INCHES = {
    1: (8.5, 11.0),
    5: (8.5, 14.0),
    8: (11.69, 16.54),
    9: (8.27, 11.69),
    11: (5.83, 8.27),
}


def column_pixels(width: float) -> int:
    """A column's width in pixels at 96 dpi, as Excel draws a width in characters of the
    default font (7-pixel digits, 5 pixels of padding)."""
    return int(width * 7 + 5)


def widths(sheet: str, p: str, upto: int) -> list[float]:
    """The widths (characters) of columns 1..``upto``, hidden ones 0."""
    fmt = re.search(rf"<{p}sheetFormatPr\b[^>]*>", sheet)
    default = float(attrs(fmt.group(0)).get("defaultColWidth", DEFAULT_WIDTH)) if fmt else None
    found = [default or DEFAULT_WIDTH] * upto
    inner, _start, _end = collection(sheet, "cols", p)
    for match in re.finditer(r"<(?:\w+:)?col\b[^>]*>", inner or ""):
        a = attrs(match.group(0))
        try:
            low, high = int(a.get("min", "0")), int(a.get("max", "0"))
            width = float(a.get("width", found[0] if found else DEFAULT_WIDTH))
        except ValueError:
            continue
        hidden = a.get("hidden") in {"1", "true"}
        for col in range(max(low, 1), min(high, upto) + 1):
            found[col - 1] = 0.0 if hidden else width
    return found


def printable_pixels(sheet: str, p: str) -> float:
    """The width a page leaves for cells, in pixels at 96 dpi, from the sheet's paper,
    orientation and side margins (the format's defaults where it states none)."""
    setup = re.search(rf"<{p}pageSetup\b[^>]*>", sheet)
    a = attrs(setup.group(0)) if setup else {}
    try:
        paper = PAPER_INCHES.get(int(a.get("paperSize", "1")), PAPER_INCHES[1])
    except ValueError:
        paper = PAPER_INCHES[1]
    across = paper[1] if a.get("orientation") == "landscape" else paper[0]
    margins = re.search(rf"<{p}pageMargins\b[^>]*>", sheet)
    m = attrs(margins.group(0)) if margins else {}
    try:
        side = float(m.get("left", "0.7")) + float(m.get("right", "0.7"))
    except ValueError:
        side = 1.4
    return max(across - side, 1.0) * 96


def pages_across(pixels: list[int], page: float) -> int:
    """Pages across at full size: each page takes whole columns (a column wider than a page
    takes a page of its own)."""
    pages, used = 1, 0.0
    for width in pixels:
        if used and used + width > page:
            pages, used = pages + 1, 0.0
        used += width
    return pages


def fitted(sheet: str, p: str, first: int, last: int) -> tuple[str, int | None]:
    """``sheet`` set to print its columns up to ``last`` on the pages across its columns before
    ``first`` took, or as few more as keep ``MIN_SCALE``; with the pages across it was given
    (None: left as it was)."""
    if _fits_already(sheet, p):
        return sheet, None
    page = printable_pixels(sheet, p)
    pixels = [column_pixels(w) for w in widths(sheet, p, last)]
    before = pages_across(pixels[: first - 1], page) if first > 1 else 1
    after = pages_across(pixels, page)
    if after <= before:
        return sheet, None  # the new columns fit on the pages there were
    needed = math.ceil(MIN_SCALE * sum(pixels) / page - 1e-9)
    wide = max(before, needed)
    return _with_page_setup(_with_fit_flag(sheet, p), p, wide), wide


def _fits_already(sheet: str, p: str) -> bool:
    flag = re.search(rf"<{p}pageSetUpPr\b[^>]*>", sheet)
    return bool(flag and attrs(flag.group(0)).get("fitToPage") in {"1", "true"})


def _with_fit_flag(sheet: str, p: str) -> str:
    flag = re.search(rf"<{p}pageSetUpPr\b[^>]*?(/?)>", sheet)
    if flag:  # there, without fitToPage (or with it off)
        tag = re.sub(r'\sfitToPage\s*=\s*("[^"]*"|\'[^\']*\')', "", flag.group(0))
        tag = re.sub(r"\s*(/?)>$", r' fitToPage="1"\1>', tag)
        return sheet[: flag.start()] + tag + sheet[flag.end() :]
    child = f'<{p}pageSetUpPr fitToPage="1"/>'
    props = re.search(rf"<{p}sheetPr\b[^>]*?(/?)>", sheet)
    if props and props.group(1):  # <sheetPr .../>
        opening = props.group(0)[:-2].rstrip()
        return sheet[: props.start()] + f"{opening}>{child}</{p}sheetPr>" + sheet[props.end() :]
    if props:  # tabColor and outlinePr come first; pageSetUpPr last
        close = sheet.index(f"</{p}sheetPr>", props.end())
        return sheet[:close] + child + sheet[close:]
    root = re.search(rf"<{p}worksheet\b[^>]*>", sheet)
    assert root is not None  # the plan found the worksheet before
    return sheet[: root.end()] + f"<{p}sheetPr>{child}</{p}sheetPr>" + sheet[root.end() :]


def _with_page_setup(sheet: str, p: str, wide: int) -> str:
    setup = re.search(rf"<{p}pageSetup\b[^>]*?/?>", sheet)
    if setup:
        tag = re.sub(r'\sfitTo(?:Width|Height)\s*=\s*("[^"]*"|\'[^\']*\')', "", setup.group(0))
        tag = re.sub(r"\s*(/?)>$", rf' fitToWidth="{wide}" fitToHeight="0"\1>', tag)
        return sheet[: setup.start()] + tag + sheet[setup.end() :]
    return insert_child(sheet, f'<{p}pageSetup fitToWidth="{wide}" fitToHeight="0"/>', "pageSetup")
