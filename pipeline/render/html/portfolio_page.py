"""The portfolio page (``index.html``): every business of a batch, ranked by risk, linked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from pipeline.config import Config
from pipeline.model.portfolio import D_GRADE_RISK, LOST_BANDS, TOP1_RISE_RISK, Business, Failure
from pipeline.render.html import charts
from pipeline.render.templates import environment, html_lang
from pipeline.words.i18n import Words
from pipeline.words.sentences import risk_reason


def context(
    rows: Sequence[Business], failures: Sequence[Failure], w: Words, version: str
) -> dict[str, Any]:
    shown = []
    for b in rows:
        item = dict(b.__dict__)
        item.update(
            # relative links, percent-encoded: a '#' or '?' in a name must not end the path
            briefing=quote(f"{b.name}/{b.name}.briefing.html"),
            workbook=quote(f"{b.name}/{b.name}.annotated.xlsx"),
            lost_revenue=b.lost_revenue,
            reasons=[risk_reason(code, f, b.currency, w) for code, f in b.risk_reasons],
        )
        shown.append(item)
    chart = (
        charts.portfolio_top1(
            [b.label for b in rows], [b.top1_share for b in rows], [b.verdict for b in rows], w
        )
        if rows
        else None
    )
    return {
        "lang": html_lang(w.lang),
        "dir": w.direction,
        "rows": shown,
        "failures": failures,
        "version": version,
        "chart": chart,
        "red_flag": Config().top5_red_flag,
        "d_grade": D_GRADE_RISK,
        "rise": round(TOP1_RISE_RISK * 100),
        "lost_bands": [low for low, _ in LOST_BANDS[:2]],
    }


def render_index(
    rows: Sequence[Business], failures: Sequence[Failure], w: Words, version: str
) -> bytes:
    env = environment(w.lang)
    template = env.get_template("index.html")
    page = template.render(context(rows, failures, w, version))
    return page.encode("utf-8")
