"""The portfolio of a batch: ``index.html`` and ``portfolio.xlsx`` from the reports it wrote.

Built from each report's ``summary.json``, so it needs no state of its own and works the same
whether the workbooks ran in one process or many. Both files are written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from pipeline.model.portfolio import Failure, business, labelled, ranked
from pipeline.render.html.portfolio_page import render_index
from pipeline.render.xlsx.portfolio_book import render_portfolio_book
from pipeline.words.i18n import words
from pipeline.write import fixed_time, write_atomic

INDEX = "index.html"
BOOK = "portfolio.xlsx"
RESERVED_NAMES = (INDEX, BOOK)  # a report folder never takes these names
_NO_DATE = dt.date(2000, 1, 1)  # the time written when no business was reported


def write_portfolio(
    out_dir: Path,
    done: Sequence[tuple[Path, str]],
    failures: Sequence[Failure],
    lang: str = "en",
    version: str = "",
) -> list[Path]:
    """Write index.html and portfolio.xlsx for the reports in ``done`` (folder, name) and the
    inputs that ``failures`` could not report; return the two paths."""
    found = [
        business(json.loads((folder / f"{name}.summary.json").read_text(encoding="utf-8")), name)
        for folder, name in done
    ]
    rows = ranked(labelled(found))
    failures = sorted(failures, key=lambda f: f.file.casefold())
    w = words(lang)
    when = fixed_time(max((b.as_of for b in rows), default=_NO_DATE))
    index = Path(out_dir) / INDEX
    book = Path(out_dir) / BOOK
    write_atomic(index, render_index(rows, failures, w, version))
    write_atomic(book, render_portfolio_book(rows, failures, w, version, when))
    return [index, book]
