"""The HTML briefing: one self-contained page, rendered by Jinja with autoescape on."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import jinja2

from pipeline.model.analysis import Analysis
from pipeline.render.context import Provenance, client_rows
from pipeline.render.text import (
    TIER_LABELS,
    VERDICT_LABELS,
    day,
    hhi_sentence,
    money,
    percent,
    verdict_sentence,
    warning_text,
)

ISSUES_SHOWN = 200


@cache
def environment() -> jinja2.Environment:
    """Templates ship inside the package (``pipeline.templates``), so installs find them too."""
    root = files("pipeline.templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (root / name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=money, percent=percent, day=day)
    return env


def context(analysis: Analysis, provenance: Provenance) -> dict[str, Any]:
    cur = analysis.currency
    clients = client_rows(analysis)
    for c in clients:
        c["tier_label"] = TIER_LABELS[c["tier"]]
    return {
        "title": provenance.file_name,
        "provenance": provenance,
        "analysis": analysis,
        "windows": analysis.windows,
        "totals": analysis.totals,
        "conc": analysis.concentration,
        "verdict_label": VERDICT_LABELS[analysis.concentration.verdict],
        "verdict_sentence": verdict_sentence(analysis),
        "hhi_sentence": hhi_sentence(analysis),
        "warnings": [warning_text(w, cur) for w in analysis.warnings],
        "clients": clients,
        "anchors": [c for c in clients if c["tier"] == "anchor"],
        "lost": [
            {**c, "prior_share": c.get("prior_share")}
            for c in clients
            if c["client"] in set(analysis.lost_key_clients["client"].to_list())
        ],
        "issues": analysis.issues.head(ISSUES_SHOWN).to_dicts(),
        "issues_total": analysis.issues.height,
        "config_items": analysis.config.items(),
        "currency": cur,
    }


def render_briefing(analysis: Analysis, provenance: Provenance) -> bytes:
    html = environment().get_template("briefing.html").render(context(analysis, provenance))
    return html.encode("utf-8")
