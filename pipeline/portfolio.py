"""The portfolio of a batch: ``index.html`` and ``portfolio.xlsx`` from the reports it wrote.

Built from each report's ``summary.json`` figures, so it needs no state of its own and works
the same whether the workbooks ran in one process or many: the report that made them hands
them back with its outcome (``summary_with_head``), and one made before is read from its file.
Both files are written atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from pipeline.model.portfolio import Business, Failure, Lost, labelled, ranked, scored
from pipeline.model.trend import year_ago
from pipeline.naming import PORTFOLIO_BOOK, PORTFOLIO_PAGE
from pipeline.render.html.portfolio_page import render_index
from pipeline.render.xlsx.portfolio_book import render_portfolio_book
from pipeline.words.i18n import words
from pipeline.write import fixed_time, write_atomic

INDEX, BOOK = PORTFOLIO_PAGE, PORTFOLIO_BOOK
_NO_DATE = dt.date(2000, 1, 1)  # the time written when no business was reported


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# summary.json as render.json writes it (two-space indents): its client list, between these
# lines, each client on a line of its own with its keys unspaced. No line of JSON text holds a
# line break, a quote within a string is escaped, and no object nested in a client has a key
# named "tier", so these are found only where they mean this. Reports of earlier versions put
# each key on its own line, six spaces in: an anchor there is the second pattern, which the
# first layout never holds.
_CLIENTS = b'\n  "clients": [\n'
_CLIENTS_END = b"\n  ]"
_ANCHORS = (b'"tier":"anchor"', b'\n      "tier": "anchor"')


def read_summary(path: Path) -> tuple[dict[str, Any], int | None]:
    """A report's ``summary.json`` parsed without its client list, which the portfolio needs
    only to count anchors, and that count; the whole document (and None) when it is not laid
    out as tierbook writes it. At 15,000 clients the list is 31 of its 32 MB: parsing it took
    0.2-0.3 s at the end of every report the command makes."""
    data = path.read_bytes()
    start = data.find(_CLIENTS)
    end = data.find(_CLIENTS_END, start + 1) if start >= 0 else -1
    if end < 0:
        return orjson.loads(data), None
    anchors = sum(data.count(anchor, start, end) for anchor in _ANCHORS)
    try:
        rest = orjson.loads(data[:start] + b'\n  "clients": []' + data[end + len(_CLIENTS_END) :])
    except orjson.JSONDecodeError:
        return orjson.loads(data), None
    return rest, anchors


def business(data: Mapping[str, Any], name: str, anchors: int | None = None) -> Business:
    """The figures of one report, from its ``summary.json`` as parsed; ``name`` is the
    report's folder under the output folder; ``anchors``, when its client list was left out
    (``read_summary``), how many of its clients it counted as anchors."""
    conc, totals = data["concentration"], data["totals"]
    as_of = dt.date.fromisoformat(data["as_of"])
    points = [{**p, "as_of": dt.date.fromisoformat(p["as_of"])} for p in data.get("trend", [])]
    then = year_ago(points, as_of)
    found = Business(
        name=name,
        file=data["input"]["file"],
        label=data["input"]["file"],
        sha256=data["input"]["sha256"],
        as_of=as_of,
        currency=data["currency"],
        revenue=totals["revenue"],
        clients=totals["clients"],
        effective_clients=conc["effective_clients"],
        top1_share=conc["top1_share"],
        top5_share=conc["top5_share"],
        top5_red_flag=conc["top5_red_flag"],
        top1_year_ago=then["top1_share"] if then else None,
        year_ago=then["as_of"] if then else None,
        verdict=conc["verdict"],
        anchors=(
            anchors if anchors is not None else sum(c["tier"] == "anchor" for c in data["clients"])
        ),
        prior_revenue=totals.get("prior_revenue"),
        lost=tuple(
            Lost(
                client=item["client"],
                prior_revenue=item["prior_revenue"] or 0.0,
                revenue=item["revenue"] or 0.0,
                revenue_lost=item["revenue_lost"] or 0.0,
                last_invoice=_day(item.get("last_invoice")),
            )
            for item in data["lost_key_clients"]
        ),
        d_grade_share=totals["d_grade_revenue_share"] or 0.0,
        overdue=totals["overdue"],
        data_issues=len(data["data_issues"]),
        business=data["input"].get("business"),
    )
    return scored(found)


def write_portfolio(
    out_dir: Path,
    done: Sequence[tuple[Path, str]],
    failures: Sequence[Failure],
    lang: str = "en",
    version: str = "",
    known: Mapping[Path, Business] | None = None,
) -> list[Path]:
    """Write index.html and portfolio.xlsx for the reports in ``done`` (folder, name) and the
    inputs that ``failures`` could not report; return the two paths. ``known`` holds, by
    folder, the figures of reports this process has just made (``business`` of their
    ``ReportResult.summary``); the others are read from their ``summary.json``."""
    found = []
    for folder, name in done:
        if known is not None and folder in known:
            found.append(known[folder])
            continue
        data, anchors = read_summary(folder / f"{name}.summary.json")
        found.append(business(data, name, anchors))
    rows = ranked(labelled(found))
    failures = sorted(failures, key=lambda f: f.file.casefold())
    w = words(lang)
    when = fixed_time(max((b.as_of for b in rows), default=_NO_DATE))
    index = Path(out_dir) / INDEX
    book = Path(out_dir) / BOOK
    write_atomic(index, render_index(rows, failures, w, version))
    write_atomic(book, render_portfolio_book(rows, failures, w, version, when))
    return [index, book]
