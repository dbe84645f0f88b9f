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
    balance_advice,
    day,
    hhi_sentence,
    money,
    percent,
    role_reasons,
    stress_sentence,
    style_reason,
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
        # HTML is escaped; plain-text templates (cell notes) are escaped by the writer that uses them.
        autoescape=jinja2.select_autoescape(
            ("html", "xml"), disabled_extensions=("txt",), default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=money, percent=percent, day=day)
    return env


def context(analysis: Analysis, provenance: Provenance) -> dict[str, Any]:
    cur = analysis.currency
    config = analysis.config
    clients = client_rows(analysis)
    for c in clients:
        c["tier_label"] = TIER_LABELS[c["tier"]]
        c["role_reasons"] = dict(zip(c["roles"], role_reasons(c, config), strict=True))
        c["style_line"] = style_reason(c, config)
    lost_names = set(analysis.lost_key_clients["client"].to_list())
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
        "stress": [stress_sentence(case, cur) for case in analysis.stress],
        "advice": balance_advice(analysis),
        "clients": clients,
        "anchors": [c for c in clients if c["tier"] == "anchor"],
        "lost": [c for c in clients if c["client"] in lost_names],
        "at_risk": [c for c in clients if c["at_risk"] and c["client"] not in lost_names],
        "growth": [c for c in clients if "growth" in c["roles"]],
        "referrers": [c for c in clients if "referrer" in c["roles"]],
        "lapsed": [c for c in clients if c["tier"] == "lapsed"],
        "d_grade": [c for c in clients if c["grade"] == "D"],
        "check_ins": [c for c in clients if c["check_in"]],
        "styled": [c for c in clients if c["style_line"] and c["tier"] != "lapsed"],
        "issues": analysis.issues.head(ISSUES_SHOWN).to_dicts(),
        "issues_total": analysis.issues.height,
        "config_items": config.items(),
        "currency": cur,
    }


def render_briefing(analysis: Analysis, provenance: Provenance) -> bytes:
    html = environment().get_template("briefing.html").render(context(analysis, provenance))
    return html.encode("utf-8")
