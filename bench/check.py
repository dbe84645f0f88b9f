"""What ``run.py --quick`` checks: that the reports are right, never how long they took.

The figures are computed again here, from the generator's own rows, by plain Python (no polars,
nothing of pipeline/), so a report that agrees with them agrees with an independent reading of
the product's definitions: revenue is the sum of non-void amounts dated in the 12 months ending
at the as-of date (the latest counted invoice date), both ends included; shares are over the
clients with positive revenue; HHI is the sum of squared shares times 10,000. The workbooks are
opened with a second reader (openpyxl, read-only), not the ones that wrote them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

NOT_REVENUE = {"void", "draft"}
ANNOTATIONS = ("tier", "grade", "roles", "share", "flags")
PREFIX = "tierbook: "
MONEY = 0.005  # half a cent: sums taken in another order may differ in the last bits
SHARE = 1e-9
SHOWN = 5  # mismatching rows listed before the rest are counted


@dataclass(frozen=True)
class Expected:
    """The figures a correct summary.json states for a ledger."""

    as_of: dt.date
    window_start: dt.date
    revenue: float
    gross: float
    credits: float
    invoices: int
    share_base: float
    clients_with_revenue: int
    top1_share: float
    top3_share: float
    top5_share: float
    hhi: float
    client_revenue: dict[str, float]


def window_start(as_of: dt.date) -> dt.date:
    """The day after the same date a year earlier (Feb 29 falls back to Feb 28)."""
    year = as_of.year - 1
    day = min(as_of.day, calendar.monthrange(year, as_of.month)[1])
    return dt.date(year, as_of.month, day) + dt.timedelta(days=1)


def expected_figures(rows: Iterable[Mapping[str, Any]]) -> Expected:
    """The figures of ``rows`` (dicts with Client, Invoice Date, Amount, Status)."""
    counted = [r for r in rows if str(r["Status"]).lower() not in NOT_REVENUE]
    as_of = max(r["Invoice Date"] for r in counted)
    start = window_start(as_of)
    window = [r for r in counted if start <= r["Invoice Date"] <= as_of]
    by_client: dict[str, list[float]] = {}
    for r in window:
        by_client.setdefault(r["Client"], []).append(r["Amount"])
    revenue = {client: math.fsum(amounts) for client, amounts in by_client.items()}
    positive = sorted((v for v in revenue.values() if v > 0), reverse=True)
    base = math.fsum(positive)
    shares = [v / base for v in positive] if base else []
    amounts = [r["Amount"] for r in window]
    return Expected(
        as_of=as_of,
        window_start=start,
        revenue=math.fsum(amounts),
        gross=math.fsum(a for a in amounts if a > 0),
        credits=math.fsum(a for a in amounts if a < 0),
        invoices=len(window),
        share_base=base,
        clients_with_revenue=len(positive),
        top1_share=sum(shares[:1]),
        top3_share=sum(shares[:3]),
        top5_share=sum(shares[:5]),
        hhi=math.fsum(s * s for s in shares) * 10_000,
        client_revenue=revenue,
    )


def _differs(stated: Any, wanted: Any, tolerance: float) -> bool:
    if isinstance(wanted, float):
        return not isinstance(stated, int | float) or abs(stated - wanted) > tolerance
    return stated != wanted


def check_summary(summary: Mapping[str, Any], expected: Expected) -> list[str]:
    """Each figure of ``summary`` (a parsed summary.json) that disagrees with ``expected``."""
    totals, conc = summary.get("totals", {}), summary.get("concentration", {})
    pairs: list[tuple[str, Any, Any, float]] = [
        ("as_of", summary.get("as_of"), expected.as_of.isoformat(), 0),
        (
            "window.start",
            summary.get("window", {}).get("start"),
            expected.window_start.isoformat(),
            0,
        ),
        ("window.end", summary.get("window", {}).get("end"), expected.as_of.isoformat(), 0),
        ("basis", summary.get("basis"), "invoiced", 0),
        ("totals.revenue", totals.get("revenue"), expected.revenue, MONEY),
        ("totals.gross", totals.get("gross"), expected.gross, MONEY),
        ("totals.credits", totals.get("credits"), expected.credits, MONEY),
        ("totals.invoices", totals.get("invoices"), expected.invoices, 0),
        ("totals.share_base", totals.get("share_base"), expected.share_base, MONEY),
        (
            "totals.clients_with_revenue",
            totals.get("clients_with_revenue"),
            expected.clients_with_revenue,
            0,
        ),
        ("concentration.top1_share", conc.get("top1_share"), expected.top1_share, SHARE),
        ("concentration.top3_share", conc.get("top3_share"), expected.top3_share, SHARE),
        ("concentration.top5_share", conc.get("top5_share"), expected.top5_share, SHARE),
        ("concentration.hhi", conc.get("hhi"), expected.hhi, 10_000 * SHARE),
    ]
    problems = [
        f"summary.json {key} is {stated!r}, the ledger gives {wanted!r}"
        for key, stated, wanted, tolerance in pairs
        if _differs(stated, wanted, tolerance)
    ]
    return problems + _client_revenue(summary.get("clients", []), expected.client_revenue)


def _client_revenue(clients: list[Mapping[str, Any]], wanted: dict[str, float]) -> list[str]:
    """Every client's window revenue, including clients the report left out or made up."""
    stated = {c.get("client"): c.get("revenue") or 0.0 for c in clients}
    wrong = [
        f"summary.json revenue of {name!r} is {stated.get(name, 0.0)!r}, the ledger gives {wanted.get(name, 0.0)!r}"
        for name in sorted(set(stated) | set(wanted), key=str)
        if _differs(float(stated.get(name, 0.0)), float(wanted.get(name, 0.0)), MONEY)
    ]
    return _capped(wrong)


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= SHOWN:
        return problems
    return [*problems[:SHOWN], f"... and {len(problems) - SHOWN} more like these"]


def sheet_rows(path: Path, sheet: str | None = None) -> list[tuple[Any, ...]]:
    """The rows of a sheet (the first one by default) as openpyxl reads them, read-only."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        return [tuple(row) for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _trimmed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row without the empty cells at its end (readers pad rows to different widths)."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def check_annotated(source: Path, annotated: Path) -> list[str]:
    """The annotated Invoices sheet holds every input row, values unchanged, plus annotations."""
    original = sheet_rows(source, "Invoices")
    try:
        written = sheet_rows(annotated, "Invoices")
    except KeyError:
        return [f"{annotated.name} has no Invoices sheet"]
    if not original or not written:
        return [f"{annotated.name}: the Invoices sheet is empty"]
    width = len(_trimmed(original[0]))
    header = written[0]
    problems = []
    if tuple(header[:width]) != _trimmed(original[0]):
        problems.append(f"{annotated.name}: the header {header[:width]} is not the input's")
    added = [str(h) for h in header[width:] if h is not None]
    missing = [a for a in ANNOTATIONS if PREFIX + a not in added]
    if missing or not all(h.startswith(PREFIX) for h in added):
        problems.append(
            f"{annotated.name}: annotation columns {added}, wanted {PREFIX}<{'|'.join(ANNOTATIONS)}>"
        )
    if len(written) != len(original):
        problems.append(
            f"{annotated.name}: {len(written)} rows in Invoices, the input has {len(original)}"
        )
    changed = [
        f"{annotated.name} row {n}: {_trimmed(tuple(after[:width]))} was {_trimmed(before)}"
        for n, (before, after) in enumerate(zip(original, written, strict=False), start=1)
        if _trimmed(tuple(after[:width])) != _trimmed(before)
    ]
    return problems + _capped(changed)


def check_rows(path: Path, rows: int) -> list[str]:
    """``path`` exists, and its first sheet holds a header with the annotation columns and
    ``rows`` data rows: the floor and the baseline wrote the cells tierbook writes."""
    if not path.is_file():
        return [f"{path.name} was not written"]
    found = sheet_rows(path)
    header = [str(h) for h in found[0] if h is not None] if found else []
    problems = [
        f"{path.name} has no {PREFIX}{a} column" for a in ANNOTATIONS if PREFIX + a not in header
    ]
    if len(found) - 1 != rows:
        problems.append(f"{path.name} holds {len(found) - 1} data rows, the input {rows}")
    return problems


def check_outputs(folder: Path, stem: str) -> list[str]:
    """tierbook wrote its three files for ``stem``, none of them empty."""
    names = (f"{stem}.annotated.xlsx", f"{stem}.briefing.html", f"{stem}.summary.json")
    return [
        f"tierbook wrote no {name} in its report folder"
        for name in names
        if not (folder / name).is_file() or (folder / name).stat().st_size == 0
    ]
