"""Names that must not clash: report folders, sheets, tables, pass-through columns."""

from __future__ import annotations

# The portfolio's files sit in the output folder beside the report folders: no report folder
# takes these names.
PORTFOLIO_PAGE = "index.html"
PORTFOLIO_BOOK = "portfolio.xlsx"
RESERVED_NAMES = (PORTFOLIO_PAGE, PORTFOLIO_BOOK)


def unique(wanted: str, taken: set[str], form: str = "{name} ({n})", fold: bool = True) -> str:
    """``wanted``, or ``form`` with the first counter from 2 that makes a name not in ``taken``.

    The name chosen is added to ``taken``, case-folded when ``fold`` (Excel's sheet and table
    names, and file names on most disks, ignore case), so the next call avoids it too.
    """
    key = str.casefold if fold else str
    name, n = wanted, 1
    while key(name) in taken:
        n += 1
        name = form.format(name=wanted, n=n)
    taken.add(key(name))
    return name
