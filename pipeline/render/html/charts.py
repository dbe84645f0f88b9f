"""The briefing's charts, drawn as SVG text by hand, ready to inline in the page.

Bars, lines, axes, a legend: a few hundred elements, written straight out. (matplotlib drew
them before; at 100k invoices it spent 0.3-0.7 s of the main thread on four small charts, and
0.3 s more being imported.) Deterministic by construction: nothing but the figures decides a
byte, and every id starts with the chart's own key, so two charts on one page never share one.
Text stays text: the browser draws it with the page's fonts, which is what makes Chinese and
Persian labels readable; room for labels is judged from their length, wide (East Asian)
characters counting double.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.model.tiers import TIERS
from pipeline.ooxml.xmltext import escape
from pipeline.words.i18n import Words, isolate
from pipeline.words.labels import tier_label

# One colour and one hatch per tier, so print in grey and colour-blind readers still tell them apart.
TIER_STYLE = {
    "anchor": ("#1F4E79", ""),
    "recurring": ("#4F81BD", "//"),
    "one-off": ("#9BBB59", ".."),
    "new": ("#F79646", "xx"),
    "lapsed": ("#A6A6A6", "--"),
}
INK, MUTED, LINE = "#1b1f24", "#5b6470", "#d6dbe1"
CUMULATIVE = "#C0504D"
VERDICT_COLOURS = {
    "low": "#1F7A3A",
    "moderate": "#8A6D00",
    "high": "#B3541E",
    "very high": "#B01C2E",
}
PARETO_NAMED = 10  # clients named on the Pareto chart; the rest are one bar
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans Arabic', sans-serif"
WIDTH = 720  # the viewBox's width; the page scales the chart to its column (46rem at most)
TEXT, SMALL, TINY = 12.0, 10.5, 10.0  # font sizes: 9, 8 and 7.5 points at 96 dpi


@dataclass(frozen=True)
class Chart:
    """One inline SVG with what a screen reader and a caption need."""

    key: str
    title: str
    description: str
    svg: str


def _n(value: float) -> str:
    """A coordinate: one decimal, no "-0"."""
    text = f"{value:.1f}"
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn at ``size`` px: wide characters one em, others 0.58."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.58 * size for ch in text)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values covering ``low``..``high`` in at most ``count`` steps of 1, 2, 2.5, 3, 4, 5,
    6 or 8 x 10^k, the first at or below ``low`` and the last at or above ``high``."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(
        m * magnitude
        for m in (1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
        if m * magnitude >= raw * 0.999
    )
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def ticks_within(low: float, high: float, count: int = 5) -> list[float]:
    """``nice_ticks`` that fall inside ``low``..``high``, for an axis whose range the data sets."""
    slack = (high - low) * 1e-9
    return [t for t in nice_ticks(low, high, count) if low - slack <= t <= high + slack]


@dataclass
class _Frame:
    """The plotting area, in px, and the data ranges it shows."""

    left: float
    top: float
    right: float
    bottom: float
    x0: float
    x1: float
    y0: float
    y1: float

    def x(self, value: float) -> float:
        return self.left + (value - self.x0) / (self.x1 - self.x0) * (self.right - self.left)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)


@dataclass
class _Canvas:
    """The elements of one chart, in drawing order, and its patterns."""

    key: str
    height: float
    rtl: bool
    defs: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    _hatches: dict[str, str] = field(default_factory=dict)

    def fill(self, tier: str) -> str:
        """The tier's colour, or its hatch pattern over the colour (made once per chart)."""
        colour, hatch = TIER_STYLE[tier]
        if not hatch:
            return colour
        if tier not in self._hatches:
            pattern = f"chart-{self.key}-hatch-{len(self._hatches) + 1}"
            marks = {
                "//": '<path d="M-2 2L2-2M0 8L8 0M6 10L10 6" stroke="#fff" stroke-width="1"/>',
                "..": '<circle cx="2" cy="2" r="1" fill="#fff"/><circle cx="6" cy="6" r="1" fill="#fff"/>',
                "xx": '<path d="M0 0L8 8M8 0L0 8" stroke="#fff" stroke-width="0.8"/>',
                "--": '<path d="M0 4H8" stroke="#fff" stroke-width="1"/>',
            }[hatch]
            self.defs.append(
                f'<pattern id="{pattern}" patternUnits="userSpaceOnUse" width="8" height="8">'
                f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
            )
            self._hatches[tier] = f"url(#{pattern})"
        return self._hatches[tier]

    def rect(self, x: float, y: float, w: float, h: float, fill: str, edge: bool = False) -> None:
        x, w = (x + w, -w) if w < 0 else (x, w)
        y, h = (y + h, -h) if h < 0 else (y, h)
        stroke = ' stroke="#fff" stroke-width="0.5"' if edge else ""
        self.body.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"{stroke}/>'
        )

    def line(
        self,
        points: Sequence[tuple[float, float]],
        colour: str,
        width: float = 1.0,
        dash: str = "",
    ) -> None:
        if len(points) < 2:
            return
        d = "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.body.append(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}"{dashed} '
            'stroke-linejoin="round"/>'
        )

    def dot(self, x: float, y: float, colour: str, r: float = 2.5) -> None:
        self.body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}" fill="{colour}"/>')

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float = TEXT,
        anchor: str = "start",
        colour: str = INK,
        rotate: float = 0.0,
    ) -> None:
        """``content`` centred on ``y``; in a right-to-left language as an isolate, so its own
        words keep their order inside the chart's left-to-right layout."""
        turn = f' transform="rotate({_n(rotate)} {_n(x)} {_n(y)})"' if rotate else ""
        shown = f"\u2067{escape(content)}\u2069" if self.rtl else escape(content)
        self.body.append(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{colour}" '
            f'text-anchor="{anchor}" dominant-baseline="central"{turn}>{shown}</text>'
        )

    def svg(self, title: str, description: str) -> str:
        k = self.key
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return (
            f'<svg role="img" aria-labelledby="chart-{k}-title chart-{k}-desc" '
            f'preserveAspectRatio="xMidYMid meet" class="chart" id="chart-{k}" '
            f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(self.height)}" '
            f'font-family="{_FONT}">'
            f'<title id="chart-{k}-title">{escape(title)}</title>'
            f'<desc id="chart-{k}-desc">{escape(description)}</desc>'
            f"{defs}{''.join(self.body)}</svg>"
        )


def _y_axis(
    c: _Canvas, f: _Frame, ticks: Sequence[float], label: str, shown: Sequence[str], grid: bool
) -> None:
    """Tick labels left of the frame, grid lines across it, the axis title turned upright."""
    for value, text in zip(ticks, shown, strict=True):
        y = f.y(value)
        if grid:
            c.line([(f.left, y), (f.right, y)], LINE, 0.6)
        c.line([(f.left - 4, y), (f.left, y)], MUTED, 0.8)
        c.text(f.left - 7, y, text, SMALL, "end", MUTED)
    if label:
        c.text(14, (f.top + f.bottom) / 2, label, TEXT, "middle", INK, rotate=-90)


def _x_axis_line(c: _Canvas, f: _Frame, at: float | None = None) -> None:
    y = f.bottom if at is None else f.y(at)
    c.line([(f.left, y), (f.right, y)], MUTED, 0.8)


def _legend(c: _Canvas, x: float, y: float, entries: Sequence[tuple[str, str, str]]) -> float:
    """Entries (kind "bar" or "line" or "dash", colour or fill, label) in a row from ``x``;
    returns the row's width."""
    start = x
    for kind, paint, label in entries:
        if kind == "bar":
            c.rect(x, y - 5, 14, 10, paint)
        else:
            c.line([(x, y), (x + 16, y)], paint, 2.0, "5 3" if kind == "dash" else "")
        c.text(x + 20, y, label, SMALL)
        x += 20 + text_width(label, SMALL) + 14
    return x - start


def _legend_width(entries: Sequence[tuple[str, str, str]]) -> float:
    return sum(20 + text_width(label, SMALL) + 14 for _, _, label in entries)


def _with_unit(text: str, currency: str | None, w: Words) -> str:
    return w._("%(what)s (%(detail)s)", what=text, detail=currency) if currency else text


def _month_ticks(count: int, at_most: int) -> list[int]:
    """Every step-th position counted back from the last, so the latest month is labelled."""
    step = max(1, -(-count // at_most))
    return list(range(count - 1, -1, -step))[::-1]


def pareto(names: Sequence[str], shares: Sequence[float], w: Words) -> Chart:
    """The largest ten clients by name with their shares and the running total, then the others
    as one bar: who makes up the 80 % is read off the names."""
    title = w._("Pareto: share of revenue by client, largest first")
    n = len(shares)
    # only the named clients' names are shortened (a long tail has thousands)
    named = zip(names[:PARETO_NAMED], shares[:PARETO_NAMED], strict=True)
    rows = [(isolate(_short(name)), share) for name, share in named]
    if n > PARETO_NAMED:
        rest = n - PARETO_NAMED
        others = w.n_("%(n)s other client", "%(n)s other clients", rest)
        rows.append((others, sum(shares[PARETO_NAMED:])))
    cumulative, running = [], 0.0
    for _label, share in rows:
        running += share
        cumulative.append(running)
    above = next((i + 1 for i, v in enumerate(itertools.accumulate(shares)) if v >= 0.8 - 1e-12), n)
    height = 62 + 24 * len(rows)
    c = _Canvas("pareto", height, w.rtl)
    heading = w._("Running total")
    column = max(text_width(heading, SMALL), text_width(w.percent(1.0), TINY)) + 8
    left = 16 + max([text_width(label, TINY) for label, _ in rows] or [0.0])
    highest = max([share for _, share in rows] or [0.0])
    limit = max(0.1, highest * 1.18)
    f = _Frame(left, 22, WIDTH - 14 - column - 8, height - 40, 0.0, limit, len(rows) - 0.5, -0.5)
    c.text(WIDTH - 14, f.top - 8, heading, SMALL, "end", MUTED)
    for row, ((label, share), total_share) in enumerate(zip(rows, cumulative, strict=True)):
        y = f.y(row)
        colour = TIER_STYLE["anchor"][0] if row < PARETO_NAMED else MUTED
        c.rect(f.x(0), y - 8, max(0.0, f.x(max(share, 0.0)) - f.x(0)), 16, colour)
        c.text(f.x(max(share, 0.0)) + 5, y, w.share(share), TINY)
        c.text(f.left - 7, y, label, TINY, "end")
        # the row where the running total reaches 80 % of revenue stands out
        reached = row + 1 == above
        c.text(WIDTH - 14, y, w.percent(total_share), TINY, "end", CUMULATIVE if reached else INK)
    c.line([(f.left, f.top), (f.left, f.bottom)], MUTED, 0.8)
    _x_axis_line(c, f)
    for value in ticks_within(0.0, limit, 4):
        x = f.x(value)
        c.line([(x, f.bottom), (x, f.bottom + 4)], MUTED, 0.8)
        c.text(x, f.bottom + 13, w.percent(value, 0), SMALL, "middle", MUTED)
    c.text((f.left + f.right) / 2, f.bottom + 30, w._("Client's share of revenue"), TEXT, "middle")
    description = w.n_(
        "%(top)s of %(n)s client makes %(eighty)s of revenue; the largest brings %(share)s.",
        "%(top)s of %(n)s clients make %(eighty)s of revenue; the largest brings %(share)s.",
        n,
        eighty=w.percent(0.8, 0),
        top=w.number(above),
        share=w.share(shares[0] if shares else 0.0),
    )
    return Chart("pareto", title, description, c.svg(title, description))


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def revenue_by_tier(
    revenue: dict[str, float], counts: dict[str, int], currency: str | None, w: Words
) -> Chart:
    """Net revenue of the window per tier, each bar labelled with its amount and client count."""
    title = _with_unit(w._("Revenue by tier"), currency, w)
    # Anchors always (none is news); other tiers when they have clients in the window, and
    # lapsed clients when a refund or late credit in the window moves the total.
    tiers = [
        t
        for t in TIERS
        if t == "anchor"
        or (counts.get(t, 0) and (t != "lapsed" or abs(revenue.get(t, 0.0)) > 0.005))
    ]
    values = [revenue.get(t, 0.0) for t in tiers]
    labels = [tier_label(t, w) for t in tiers]
    height = 62 + 35 * len(tiers)
    c = _Canvas("tiers", height, w.rtl)
    top = max([*values, 0.0]) or 1.0
    low = min(0.0, *values)
    left = 16 + max(text_width(label, SMALL) for label in labels)
    f = _Frame(left, 8, WIDTH - 14, height - 44, low, top * 1.35, len(tiers) - 0.5, -0.5)
    for value in ticks_within(low, top * 1.35):
        x = f.x(value)
        if x + text_width(w.number(value), SMALL) / 2 > WIDTH:
            continue  # its label would be cut off at the edge
        c.line([(x, f.top), (x, f.bottom)], LINE, 0.6)
        c.line([(x, f.bottom), (x, f.bottom + 4)], MUTED, 0.8)
        c.text(x, f.bottom + 13, w.number(value), SMALL, "middle", MUTED)
    for row, (tier, value, label) in enumerate(zip(tiers, values, labels, strict=True)):
        y = f.y(row)
        c.rect(f.x(0), y - 12, f.x(value) - f.x(0), 24, c.fill(tier))
        c.text(f.left - 7, y, label, SMALL, "end", INK)
        clients = w.n_("%(n)s client", "%(n)s clients", counts.get(tier, 0))
        c.text(f.x(max(value, 0.0)) + 5, y, f"{w.money(value)} · {clients}", SMALL)
    c.line([(f.x(0), f.top), (f.x(0), f.bottom)], MUTED, 0.8)
    _x_axis_line(c, f)
    c.text(
        (f.left + f.right) / 2,
        f.bottom + 32,
        _with_unit(w._("Net revenue in the window"), currency, w),
        TEXT,
        "middle",
    )
    description = w.join(
        [f"{tier_label(t, w)} {w.money(v, currency)}" for t, v in zip(tiers, values, strict=True)]
    )
    return Chart("tiers", title, description, c.svg(title, description))


def monthly_by_tier(
    months: Sequence[dt.date],
    by_tier: Mapping[str, Sequence[float]],
    currency: str | None,
    w: Words,
    cover: Sequence[tuple[int, int]] = (),
) -> Chart:
    """The window's months as stacked bars, one segment per tier; a month the window covers
    only in part (``cover``: days in the window, days in the month) is labelled with an
    asterisk and said, so a two-day first month never reads as a collapse."""
    title = _with_unit(w._("Monthly revenue by tier"), currency, w)
    count = len(months)
    drawn = [
        (tier, list(by_tier.get(tier, [0.0] * count)))
        for tier in TIERS
        if any(by_tier.get(tier, [0.0] * count))
    ]
    positive = [0.0] * count
    negative = [0.0] * count
    for _, values in drawn:
        positive = [p + max(v, 0.0) for p, v in zip(positive, values, strict=True)]
        negative = [q + min(v, 0.0) for q, v in zip(negative, values, strict=True)]
    low, high = min([0.0, *negative]) * 1.05, max([0.0, *positive]) * 1.05 or 1.0
    ticks = ticks_within(low, high)
    shown_ticks = [w.number(t) for t in ticks]
    left = 30 + max(text_width(t, SMALL) for t in shown_ticks)
    c = _Canvas("monthly", 300, w.rtl)
    f = _Frame(left, 34, WIDTH - 14, 300 - 58, -0.6, count - 0.4, low, high)
    _y_axis(c, f, ticks, _with_unit(w._("Net revenue"), currency, w), shown_ticks, grid=True)
    up, down = [0.0] * count, [0.0] * count
    for tier, values in drawn:
        paint = c.fill(tier)
        for i, v in enumerate(values):
            if not v:
                continue
            base = up[i] if v > 0 else down[i]
            c.rect(
                f.x(i - 0.375),
                f.y(base + v),
                f.x(i + 0.375) - f.x(i - 0.375),
                f.y(base) - f.y(base + v),
                paint,
                edge=True,
            )
            if v > 0:
                up[i] += v
            else:
                down[i] += v
    _x_axis_line(c, f)
    if low < 0:  # credits below the line: the zero line between them and the revenue
        _x_axis_line(c, f, 0.0)
    # At most about 24 labels: a 10-year window labels every fifth month.
    for i in _month_ticks(count, 24):
        x = f.x(i)
        c.line([(x, f.bottom), (x, f.bottom + 4)], MUTED, 0.8)
        partial = i < len(cover) and cover[i][0] < cover[i][1]
        label = w.month(months[i]) + ("*" if partial else "")
        c.text(x + 3, f.bottom + 10, label, TINY, "end", MUTED, rotate=-45)
    entries = [("bar", c.fill(tier), tier_label(tier, w)) for tier, _ in drawn]
    _legend(c, (f.left + f.right - _legend_width(entries)) / 2, 12, entries)
    totals = [p + q for p, q in zip(positive, negative, strict=True)]
    best = max(range(count), key=lambda i: totals[i]) if totals else 0
    description = w.n_(
        "%(n)s month; the highest, %(month)s, brings %(amount)s.",
        "%(n)s months; the highest, %(month)s, brings %(amount)s.",
        count,
        month=w.month(months[best]) if months else "–",
        amount=w.money(totals[best] if totals else 0.0, currency),
    )
    parts = [
        w._(
            "%(month)s* (%(days)s of %(all)s days)",
            month=w.month(m),
            days=w.number(inside),
            all=w.number(length),
        )
        for m, (inside, length) in zip(months, cover, strict=False)
        if inside < length
    ]
    if parts:
        description += " " + w._("The window covers only part of %(months)s.", months=w.join(parts))
    return Chart("monthly", title, description, c.svg(title, description))


def _runs(f: _Frame, values: Sequence[float | None]) -> list[list[tuple[float, float]]]:
    """The points of a line, broken where a value is missing."""
    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            runs.append([])
        else:
            runs[-1].append((f.x(i), f.y(v)))
    return [r for r in runs if r]


def trend(
    points: Sequence[dt.date],
    top1: Sequence[float | None],
    top5: Sequence[float | None],
    window_months: int,
    w: Words,
) -> Chart:
    """The largest client's and the top five's share of the window's revenue at each month-end."""
    title = w.n_(
        "Share of revenue over time: the %(n)s month to each month-end",
        "Share of revenue over time: the %(n)s months to each month-end",
        window_months,
    )
    count = len(points)
    c = _Canvas("trend", 230, w.rtl)
    margin = max(count - 1, 1) * 0.05
    f = _Frame(62, 10, WIDTH - 14, 230 - 28, -margin, count - 1 + margin, 0.0, 1.04)
    ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    _y_axis(c, f, ticks, "", [w.percent(t, 0) for t in ticks], grid=True)
    for run in _runs(f, top5):
        c.line(run, CUMULATIVE, 2.0, "7 4")
    for run in _runs(f, top1):
        c.line(run, TIER_STYLE["anchor"][0], 2.4)
    _x_axis_line(c, f)
    for i in _month_ticks(count, 9):
        x = f.x(i)
        c.line([(x, f.bottom), (x, f.bottom + 4)], MUTED, 0.8)
        c.text(x, f.bottom + 13, w.month(points[i]), TINY, "middle", MUTED)
    _legend(
        c,
        f.left + 10,
        f.bottom - 14,
        [
            ("dash", CUMULATIVE, w._("Top-5 share")),
            ("line", TIER_STYLE["anchor"][0], w._("Top-1 share")),
        ],
    )
    known = [(p, v) for p, v in zip(points, top1, strict=True) if v is not None]
    description = (
        w._(
            "The largest client's share went from %(before)s on %(start)s to %(now)s on %(end)s.",
            before=w.percent(known[0][1]),
            start=w.day(known[0][0]),
            now=w.percent(known[-1][1]),
            end=w.day(known[-1][0]),
        )
        if known
        else ""
    )
    return Chart("trend", title, description, c.svg(title, description))


def portfolio_top1(
    names: Sequence[str], shares: Sequence[float], verdicts: Sequence[str], w: Words
) -> Chart:
    """Each business's largest-client share, in the table's order, against the verdict bands."""
    title = w._("Largest client's share of revenue, by business")
    labels = [n if len(n) <= 32 else n[:31] + "…" for n in names]
    height = 64 + 28 * len(names)
    c = _Canvas("portfolio", height, w.rtl)
    highest = max(shares, default=0.0)
    limit = max(1.0 if highest > 0.6 else 0.7, highest + 0.1)
    left = 16 + max([text_width(label, TINY) for label in labels] or [0.0])
    f = _Frame(left, 8, WIDTH - 14, height - 44, 0.0, limit, len(names) - 0.5, -0.5)
    for row, (share, verdict, label) in enumerate(zip(shares, verdicts, labels, strict=True)):
        y = f.y(row)
        # The table's verdict decides the colour, so a bar never disagrees with its row.
        c.rect(f.x(0), y - 9, f.x(share) - f.x(0), 18, VERDICT_COLOURS[verdict])
        c.text(f.x(share) + 5, y, w.percent(share), TINY)
        c.text(f.left - 7, y, isolate(label), TINY, "end")
    for band in (0.1, 0.2, 0.3):
        c.line([(f.x(band), f.top), (f.x(band), f.bottom)], MUTED, 0.8, "1.5 2.5")
    c.line([(f.left, f.top), (f.left, f.bottom)], MUTED, 0.8)
    _x_axis_line(c, f)
    for value in [k / 5 for k in range(int(limit * 5 + 1e-9) + 1)]:
        x = f.x(value)
        c.line([(x, f.bottom), (x, f.bottom + 4)], MUTED, 0.8)
        c.text(x, f.bottom + 13, w.percent(value, 0), SMALL, "middle", MUTED)
    c.text(
        (f.left + f.right) / 2,
        f.bottom + 32,
        w._(
            "Top-1 share (dotted lines at %(bands)s, where the verdict changes)",
            bands=w.join([w.percent(x, 0) for x in (0.1, 0.2, 0.3)]),
        ),
        TEXT,
        "middle",
    )
    # A name is the user's text: isolated, a right-to-left mark in it cannot turn the rest.
    description = w.join(
        [f"{isolate(n)} {w.percent(s)}" for n, s in zip(names, shares, strict=True)]
    )
    return Chart("portfolio", title, description, c.svg(title, description))
