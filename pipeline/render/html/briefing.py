"""The HTML briefing: one self-contained page in the reader's language, autoescaped throughout."""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.model.analysis import Analysis
from pipeline.model.issues import listed as issue_rows
from pipeline.model.receivables import COLUMNS, receivable_totals
from pipeline.model.tiers import TIERS
from pipeline.model.window import month_cover
from pipeline.render.html import charts
from pipeline.render.provenance import Provenance
from pipeline.render.templates import environment, html_lang
from pipeline.words.actions import action_entries, moved_sentence
from pipeline.words.columns import yes
from pipeline.words.i18n import ENGLISH, Words
from pipeline.words.labels import verdict_label
from pipeline.words.reasons import check_in_line
from pipeline.words.rows import worded
from pipeline.words.sentences import (
    balance_advice,
    hhi_sentence,
    model_sentence,
    steady_anchor_note,
    stress_sentence,
    trend_sentences,
    verdict_sentence,
    warning_text,
)

ISSUES_SHOWN = 200
CLIENTS_SHOWN = 60
LIST_SHOWN = 25  # the clients each of the briefing's lists names, largest first
LAPSED_SHOWN = 30  # the lapsed clients named, latest first; the rest are counted


def context(analysis: Analysis, provenance: Provenance, w: Words = ENGLISH) -> dict[str, Any]:
    cur = analysis.currency
    config = analysis.config
    table = worded(analysis, w)
    lost = pl.col("client").is_in(analysis.lost_key_clients["client"].implode())
    current = (pl.col("tier") != "lapsed").fill_null(True)

    listed: dict[str, int] = {}  # how many clients each list holds, shown or not

    def rows(which: pl.Expr, name: str | None = None) -> list[dict[str, Any]]:
        """The clients ``which`` picks, in rank order, as the template reads them: only these
        become rows (a long tail's every client would cost a dict each). A named list shows
        its largest ``LIST_SHOWN``; the template says how many more the workbook lists."""
        picked = table.filter(which)
        if name is not None:
            listed[name] = picked.height
            picked = picked.head(LIST_SHOWN)
        found = picked.to_dicts()
        for c in found:
            c["role_reasons"] = dict(zip(c["roles"], c["role_reasons"], strict=True))
            c["check_in_line"] = check_in_line(c, w) if c["check_in"] else None
        return found

    # Only the names and dates of the lapsed, and only the ones named become dicts: at a long
    # tail 7,064 clients have lapsed, and the briefing names 30 of them.
    lapsed = (
        table.lazy()
        .filter(pl.col("tier") == "lapsed")
        .select("client", "last_invoice")
        .sort("last_invoice", "client", descending=True, maintain_order=True)
        .collect()
    )
    return {
        "lang": html_lang(w.lang),
        "dir": w.direction,
        "title": provenance.title,
        "provenance": provenance,
        "analysis": analysis,
        "windows": analysis.windows,
        "totals": analysis.totals,
        "conc": analysis.concentration,
        "verdict_label": verdict_label(analysis.concentration.verdict, w),
        "verdict_sentence": verdict_sentence(analysis, w),
        "hhi_sentence": hhi_sentence(analysis, w),
        "model_sentence": model_sentence(analysis.model_status, w),
        "warnings": [warning_text(x, cur, w) for x in analysis.warnings],
        "stress": [stress_sentence(case, cur, w) for case in analysis.stress],
        "advice": balance_advice(analysis, w),
        # A page read in five minutes: the largest clients; the workbook has every one.
        "table_clients": rows(current & (current.cum_sum() <= CLIENTS_SHOWN)),
        "table_total": table.filter(current).height,
        "anchors": rows(pl.col("tier") == "anchor", "anchors"),
        "lost": rows(lost, "lost"),
        "at_risk": rows(yes("at_risk") & ~lost, "at_risk"),
        "growth": rows(pl.col("roles").list.contains("growth"), "growth"),
        "referrers": rows(pl.col("roles").list.contains("referrer"), "referrers"),
        "lapsed": lapsed.head(LAPSED_SHOWN).to_dicts(),
        "lapsed_total": lapsed.height,
        "d_grade": rows(pl.col("grade") == "D", "d_grade"),
        "check_ins": rows(yes("check_in"), "check_ins"),
        "styled": rows(pl.col("style_line").is_not_null() & current, "styled"),
        "list_totals": listed,
        "issues": issue_rows(analysis.issues).head(ISSUES_SHOWN).to_dicts(),
        "issues_total": analysis.issues.height,
        "dates_note": next(
            (warning_text(x, cur, w) for x in analysis.warnings if x.code == "dates_ambiguous"),
            None,
        ),
        "config_items": config.shown_items(),
        "currency": cur,
        "charts": _charts(analysis, w),
        "trend_lines": trend_sentences(analysis, w),
        "moved": moved_sentence(analysis, w),
        "change": _change(analysis, w),
        "actions": action_entries(analysis, w),
        "receivables": _receivables(analysis),
        "steady_note": steady_anchor_note(config, w),
    }


RECEIVABLES_SHOWN = 20


def _receivables(analysis: Analysis) -> dict[str, Any] | None:
    """The clients owing most, and the totals of all of them (None: payment is unknown)."""
    owed = analysis.receivables
    if owed is None:
        return None
    return {
        "columns": COLUMNS,
        "clients": owed.head(RECEIVABLES_SHOWN).to_dicts(),
        "total_clients": owed.height,
        "totals": receivable_totals(owed),
    }


def _change(analysis: Analysis, w: Words) -> str | None:
    """The headline's change in revenue: "-7.6%" (the sentence below gives the money)."""
    m = analysis.moves
    if m is None or m.change_pct is None:
        return None
    return ("+" if m.change > 0 else "") + w.percent(m.change_pct)


def _charts(analysis: Analysis, w: Words) -> dict[str, charts.Chart | None]:
    clients = analysis.clients
    shared = clients.filter(clients["share"].is_not_null()).sort("rank")
    shares, names = shared["share"].to_list(), shared["client"].to_list()
    by_tier = analysis.by_tier()
    revenue = {tier: figures[0] for tier, figures in by_tier.items()}
    counts = {tier: figures[1] for tier, figures in by_tier.items()}
    monthly = analysis.monthly.pivot(on="tier", index="month", values="revenue").sort("month")
    months = monthly["month"].to_list()
    series = {t: monthly[t].fill_null(0.0).to_list() for t in TIERS if t in monthly.columns}
    # Every key is present (None when there is nothing to draw): the template is strict.
    found: dict[str, charts.Chart | None] = dict.fromkeys(("pareto", "tiers", "monthly", "trend"))
    if shares:
        found["pareto"] = charts.pareto(names, shares, w)
    found["tiers"] = charts.revenue_by_tier(revenue, counts, analysis.currency, w)
    if months:
        cover = [month_cover(m, analysis.windows) for m in months]
        found["monthly"] = charts.monthly_by_tier(months, series, analysis.currency, w, cover)
    points = analysis.trend
    if points.height >= 2 and points["top1_share"].drop_nulls().len():
        found["trend"] = charts.trend(
            points["as_of"].to_list(),
            points["top1_share"].to_list(),
            points["top5_share"].to_list(),
            analysis.config.window_months,
            w,
        )
    return found


def render_briefing(analysis: Analysis, provenance: Provenance, w: Words = ENGLISH) -> bytes:
    template = environment(w.lang).get_template("briefing.html")
    return template.render(context(analysis, provenance, w)).encode("utf-8")
