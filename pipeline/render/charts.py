"""The briefing's charts: matplotlib figures saved as SVG text, ready to inline in the page.

Deterministic by construction: no date in the metadata, ids hashed from a fixed salt per chart
(so two charts on one page never share an id), and every glyph measured with the DejaVu Sans
that ships inside matplotlib, so the layout is the same on every machine. Text stays text
(``svg.fonttype: none``): the browser draws it with the page's fonts, which is what makes
Chinese and Persian labels readable.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.model.tiers import TIERS
from pipeline.render.i18n import Words
from pipeline.render.text import tier_label

# One colour and one hatch per tier, so print in grey and colour-blind readers still tell them apart.
TIER_STYLE = {
    "anchor": ("#1F4E79", ""),
    "recurring": ("#4F81BD", "//"),
    "one-off": ("#9BBB59", ".."),
    "new": ("#F79646", "xx"),
    "lapsed": ("#A6A6A6", "--"),
}
INK, MUTED, LINE = "#1b1f24", "#5b6470", "#d6dbe1"
VERDICT_COLOURS = {
    "low": "#1F7A3A",
    "moderate": "#8A6D00",
    "high": "#B3541E",
    "very high": "#B01C2E",
}
PARETO_BARS = 40  # clients drawn as bars; the cumulative line always covers every client
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans Arabic', sans-serif"


@dataclass(frozen=True)
class Chart:
    """One inline SVG with what a screen reader and a caption need."""

    key: str
    title: str
    description: str
    svg: str


def _pyplot() -> Any:
    """matplotlib, imported on first use (it costs ~0.3 s) and set for reproducible SVG."""
    import matplotlib

    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.edgecolor": MUTED,
            "axes.labelcolor": INK,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "hatch.linewidth": 0.6,
            "hatch.color": "#ffffff",
            "path.simplify": False,
            "text.parse_math": False,  # a "$" in a business's name is text, not TeX
        }
    )
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    # Glyphs DejaVu lacks (Chinese, Persian) are measured as boxes; the browser draws them.
    warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
    return plt


def _svg(fig: Any, key: str, title: str, description: str, rtl: bool = False) -> str:
    """The figure as an ``<svg>`` element: titled, responsive, ids unique to this chart.

    For a right-to-left language each label is a right-to-left isolate (U+2067..U+2069): the
    chart keeps matplotlib's left-to-right anchors while Persian text reads in its own order.
    """
    import matplotlib

    plt = _pyplot()
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"tierbook-{key}", "svg.id": f"chart-{key}"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    # matplotlib's stylesheet would apply to the whole page once inlined; scope it to this chart.
    text = text.replace("*{stroke-linejoin:", f"#chart-{key} *{{stroke-linejoin:")
    text = re.sub(r'font-family="[^"]*"', "", text)  # fall back to the page's font stack
    text = re.sub(r"font-family: ?'?DejaVu Sans'?[^;\"]*", f"font-family: {_FONT}", text)
    text = re.sub(r'\s(width|height)="[0-9.]+pt"', "", text, count=2)
    head = (
        f'<svg role="img" aria-labelledby="chart-{key}-title chart-{key}-desc" '
        f'preserveAspectRatio="xMidYMid meet" class="chart"'
    )
    text = text.replace("<svg", head, 1)
    label = (
        f'<title id="chart-{key}-title">{_escape(title)}</title>'
        f'<desc id="chart-{key}-desc">{_escape(description)}</desc>'
    )
    if rtl:
        text = re.sub(
            r"(<text\b[^>]*>)(.*?)(</text>)",
            lambda m: f"{m.group(1)}\u2067{m.group(2)}\u2069{m.group(3)}",
            text,
            flags=re.S,
        )
    text = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + label, text, count=1).strip()
    return _scoped_ids(text, f"chart-{key}")


def _scoped_ids(svg: str, prefix: str) -> str:
    """Prefix matplotlib's ids (``axes_1``, ``patch_3``, clip paths) and the references to them,
    so several charts inlined in one page never share an id."""
    ids = {i for i in re.findall(r'\sid="([^"]+)"', svg) if not i.startswith(prefix)}

    def rename(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"{match.group(1)}{prefix}-{name}{match.group(3)}" if name in ids else match.group(0)

    svg = re.sub(r'(\sid=")([^"]+)(")', rename, svg)
    return re.sub(r'((?:url\(|href=")#)([^)"]+)([)"])', rename, svg)


def _with_unit(text: str, currency: str | None, w: Words) -> str:
    return w._("%(what)s (%(detail)s)", what=text, detail=currency) if currency else text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _percent_axis(ax: Any, w: Words, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MultipleLocator(0.2))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: w.percent(v, 0)))


def _money_axis(ax: Any, w: Words, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(5))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: w.number(v)))


def pareto(shares: Sequence[float], w: Words) -> Chart:
    """Each client's share, largest first, with the running total and the 80 % line of class A."""
    plt = _pyplot()
    title = w._("Pareto curve: share of revenue by client, largest first")
    n = len(shares)
    cumulative, running = [], 0.0
    for share in shares:
        running += share
        cumulative.append(running)
    fig, ax = plt.subplots(figsize=(7.2, 2.9))
    shown = min(n, PARETO_BARS)
    xs = list(range(1, n + 1))
    ax.bar(
        xs[:shown],
        shares[:shown],
        color=TIER_STYLE["anchor"][0],
        width=0.8,
        label=w._("Client's share"),
    )
    ax.plot(
        xs,
        cumulative,
        color="#C0504D",
        linewidth=2,
        marker="o" if n <= 25 else None,
        markersize=3,
        label=w._("Cumulative share"),
    )
    ax.axhline(0.8, color=MUTED, linestyle="--", linewidth=0.8)
    ax.text(
        n + 0.5,
        0.81,
        w._("%(share)s of revenue: class A", share=w.percent(0.8, 0)),
        color=MUTED,
        ha="right",
        va="bottom",
        fontsize=8,
    )
    ax.set_ylim(0, 1.04)
    ax.set_xlim(0.4, n + 0.6)
    _percent_axis(ax, w)
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(min(n, 12), integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: w.number(v)))
    ax.set_xlabel(w._("Clients ranked by revenue"))
    ax.set_ylabel(w._("Share of revenue"))
    ax.legend(loc="center right", frameon=False, fontsize=8)
    ax.grid(axis="y", color=LINE, linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    above = next((i + 1 for i, v in enumerate(cumulative) if v >= 0.8 - 1e-12), n)
    description = w.n_(
        "%(top)s of %(n)s client makes %(eighty)s of revenue; the largest brings %(share)s.",
        "%(top)s of %(n)s clients make %(eighty)s of revenue; the largest brings %(share)s.",
        n,
        eighty=w.percent(0.8, 0),
        top=w.number(above),
        share=w.percent(shares[0] if shares else 0.0),
    )
    return Chart("pareto", title, description, _svg(fig, "pareto", title, description, w.rtl))


def revenue_by_tier(
    revenue: dict[str, float], counts: dict[str, int], currency: str | None, w: Words
) -> Chart:
    """Net revenue of the window per tier, each bar labelled with its amount and client count."""
    plt = _pyplot()
    title = _with_unit(w._("Revenue by tier"), currency, w)
    # Anchors always (none is news); other tiers when they have clients in the window, and
    # lapsed clients when a refund or late credit in the window moves the total.
    tiers = [
        t
        for t in TIERS
        if t == "anchor"
        or (counts.get(t, 0) and (t != "lapsed" or abs(revenue.get(t, 0.0)) > 0.005))
    ]
    fig, ax = plt.subplots(figsize=(7.2, 0.7 + 0.35 * len(tiers)))
    ys = list(range(len(tiers)))[::-1]
    values = [revenue.get(t, 0.0) for t in tiers]
    for y, tier, value in zip(ys, tiers, values, strict=True):
        colour, hatch = TIER_STYLE[tier]
        ax.barh(y, value, color=colour, hatch=hatch, edgecolor="#ffffff", height=0.7)
    ax.set_yticks(ys, [tier_label(t, w) for t in tiers])
    top = max([*values, 0.0]) or 1.0
    for y, tier, value in zip(ys, tiers, values, strict=True):
        clients = w.n_("%(n)s client", "%(n)s clients", counts.get(tier, 0))
        ax.text(
            value + top * 0.01,
            y,
            f"{w.money(value)} · {clients}",
            va="center",
            fontsize=8,
            color=INK,
        )
    ax.set_xlim(min(0.0, min(values)), top * 1.35)
    _money_axis(ax, w, "x")
    ax.set_xlabel(_with_unit(w._("Net revenue in the window"), currency, w))
    ax.grid(axis="x", color=LINE, linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    description = w.join(
        [f"{tier_label(t, w)} {w.money(v, currency)}" for t, v in zip(tiers, values, strict=True)]
    )
    return Chart("tiers", title, description, _svg(fig, "tiers", title, description, w.rtl))


def monthly_by_tier(
    months: Sequence[dt.date],
    by_tier: Mapping[str, Sequence[float]],
    currency: str | None,
    w: Words,
) -> Chart:
    """The window's months as stacked bars, one segment per tier."""
    plt = _pyplot()
    title = _with_unit(w._("Monthly revenue by tier"), currency, w)
    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    xs = list(range(len(months)))
    positive = [0.0] * len(months)
    negative = [0.0] * len(months)
    for tier in TIERS:
        values = list(by_tier.get(tier, [0.0] * len(months)))
        if not any(values):
            continue
        colour, hatch = TIER_STYLE[tier]
        bottoms = [p if v >= 0 else q for v, p, q in zip(values, positive, negative, strict=True)]
        ax.bar(
            xs,
            values,
            bottom=bottoms,
            color=colour,
            hatch=hatch,
            edgecolor="#ffffff",
            linewidth=0.4,
            width=0.75,
            label=tier_label(tier, w),
        )
        positive = [p + max(v, 0.0) for p, v in zip(positive, values, strict=True)]
        negative = [q + min(v, 0.0) for q, v in zip(negative, values, strict=True)]
    # At most about 24 labels: a 10-year window labels every fifth month.
    step = max(1, -(-len(months) // 24))
    shown = xs[len(xs) - 1 :: -step][::-1]
    ax.set_xticks(shown, [w.month(months[i]) for i in shown], rotation=45, ha="right", fontsize=7.5)
    _money_axis(ax, w)
    ax.set_ylabel(_with_unit(w._("Net revenue"), currency, w))
    ax.axhline(0, color=MUTED, linewidth=0.6)
    ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, 1.16), frameon=False, fontsize=8)
    ax.grid(axis="y", color=LINE, linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    totals = [p + q for p, q in zip(positive, negative, strict=True)]
    best = max(range(len(totals)), key=lambda i: totals[i]) if totals else 0
    description = w.n_(
        "%(n)s month; the highest, %(month)s, brings %(amount)s.",
        "%(n)s months; the highest, %(month)s, brings %(amount)s.",
        len(months),
        month=w.month(months[best]) if months else "–",
        amount=w.money(totals[best] if totals else 0.0, currency),
    )
    return Chart("monthly", title, description, _svg(fig, "monthly", title, description, w.rtl))


def trend(
    points: Sequence[dt.date],
    top1: Sequence[float | None],
    top5: Sequence[float | None],
    window_months: int,
    w: Words,
) -> Chart:
    """The largest client's and the top five's share of the window's revenue at each month-end."""
    plt = _pyplot()
    title = w.n_(
        "Share of revenue over time: the %(n)s month to each month-end",
        "Share of revenue over time: the %(n)s months to each month-end",
        window_months,
    )
    fig, ax = plt.subplots(figsize=(7.2, 2.3))
    xs = list(range(len(points)))
    ax.plot(
        xs,
        [v if v is not None else float("nan") for v in top5],
        color="#C0504D",
        linewidth=2,
        linestyle="--",
        label=w._("Top-5 share"),
    )
    ax.plot(
        xs,
        [v if v is not None else float("nan") for v in top1],
        color=TIER_STYLE["anchor"][0],
        linewidth=2.4,
        label=w._("Top-1 share"),
    )
    ax.set_ylim(0, 1.04)
    _percent_axis(ax, w)
    step = max(1, len(points) // 9)
    ticks = list(range(len(points) - 1, -1, -step))[::-1]
    ax.set_xticks(ticks, [w.month(points[i]) for i in ticks], fontsize=7.5)
    ax.legend(loc="lower left", frameon=False, fontsize=8, ncols=2)
    ax.grid(axis="y", color=LINE, linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
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
    return Chart("trend", title, description, _svg(fig, "trend", title, description, w.rtl))


def portfolio_top1(
    names: Sequence[str], shares: Sequence[float], verdicts: Sequence[str], w: Words
) -> Chart:
    """Each business's largest-client share, in the table's order, against the verdict bands."""
    plt = _pyplot()
    title = w._("Largest client's share of revenue, by business")
    fig, ax = plt.subplots(figsize=(7.2, 0.8 + 0.28 * len(names)))
    ys = list(range(len(names)))[::-1]
    for y, share, verdict in zip(ys, shares, verdicts, strict=True):
        # The table's verdict decides the colour, so a bar never disagrees with its row.
        ax.barh(y, share, color=VERDICT_COLOURS[verdict], height=0.65)
        ax.text(share + 0.01, y, w.percent(share), va="center", fontsize=7.5, color=INK)
    for limit in (0.1, 0.2, 0.3):
        ax.axvline(limit, color=MUTED, linestyle=":", linewidth=0.8)
    ax.set_yticks(ys, [n if len(n) <= 32 else n[:31] + "…" for n in names], fontsize=7.5)
    ax.set_xlim(0, max(1.0 if max(shares, default=0) > 0.6 else 0.7, max(shares, default=0) + 0.1))
    _percent_axis(ax, w, "x")
    ax.set_xlabel(
        w._(
            "Top-1 share (dotted lines at %(bands)s, where the verdict changes)",
            bands=w.join([w.percent(x, 0) for x in (0.1, 0.2, 0.3)]),
        )
    )
    ax.grid(False)
    fig.tight_layout()
    description = w.join([f"{n} {w.percent(s)}" for n, s in zip(names, shares, strict=True)])
    return Chart("portfolio", title, description, _svg(fig, "portfolio", title, description, w.rtl))
