"""Plain-English phrasing of the model's figures: numbers, reasons, verdicts and warnings.

Every output takes its words from here, so the workbook, the briefing and ``summary.json``
say the same thing. The model decides; this module only words the decision.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from pipeline.config import Config
from pipeline.model.analysis import Analysis, Warning

TIER_LABELS = {
    "anchor": "Anchor",
    "recurring": "Recurring",
    "one-off": "One-off",
    "new": "New",
    "lapsed": "Lapsed",
}
VERDICT_LABELS = {
    "low": "Low dependence",
    "moderate": "Moderate dependence",
    "high": "High dependence",
    "very high": "Very high dependence",
}


def money(value: float | None, currency: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else "–"


def tier_reason(c: Mapping[str, Any], config: Config, as_of: dt.date) -> str:
    rule = c["tier_rule"]
    months = f"billed in {c['months_billed']} of {c['window_months']} months"
    if rule == "lapsed":
        prior = (
            f"{money(c['prior_revenue'])} in the prior window"
            if c["prior_revenue"]
            else "nothing in the prior window either"
        )
        return f"lapsed: last invoice {day(c['last_invoice'])}, none in the window; {prior}"
    if rule == "new":
        return (
            f"new: first invoice {day(c['first_invoice'])}, {c['tenure_days']} days before as-of "
            f"(judged after {config.new_client_days} days)"
        )
    share = f"{percent(c['share'])} of revenue (at least {percent(config.anchor_min_share, 0)})"
    if rule == "anchor_months":
        return f"anchor: {months} (at least {config.anchor_min_months}); {share}; client since {day(c['first_invoice'])}"
    if rule == "anchor_cadence":
        return (
            f"anchor: a regular cadence, an invoice every {c['median_gap_days']:.0f} days "
            f"(gap variation {c['gap_cv']:.2f}, at most {config.anchor_max_gap_cv:.2f}); {share}"
        )
    if rule == "anchor_contract":
        return f"anchor: contract on the Clients sheet ({c['contract']}); {share}"
    if rule == "recurring":
        text = f"recurring: billed in {c['months_billed_ever']} distinct months since {day(c['first_invoice'])}"
        if c["predictable"] and not c["material"]:
            text += f"; predictable but {percent(c['share'])} of revenue is under the {percent(config.anchor_min_share, 0)} anchor threshold"
        elif c["material"] and not c["predictable"]:
            text += f"; material but not predictable ({months}, needs {config.anchor_min_months})"
        return text
    invoices = c["invoices_total"]
    if invoices == 1:
        return f"one-off: a single invoice on {day(c['first_invoice'])}"
    return (
        f"one-off: {invoices} invoices within {c['span_days']} days "
        f"(one project: at most {config.one_off_span_days} days apart)"
    )


def client_reasons(c: Mapping[str, Any], config: Config, as_of: dt.date) -> list[str]:
    """The reasons for a client's labels, each built from the figures that decided it."""
    reasons = [tier_reason(c, config, as_of)]
    if c["share"] is not None:
        reasons.append(
            f"{percent(c['share'])} of revenue, rank {c['rank']}, ABC class {c['abc_class']}"
        )
    else:
        reasons.append(f"net revenue in the window {money(c['revenue'])}: no share")
    if c["major_customer"]:
        reasons.append(
            f"major customer: above {percent(config.major_customer_share, 0)} of revenue"
        )
    if c["at_risk"] and c["tier"] != "lapsed":
        source = "the business's usual" if c["gap_from_business"] else "its usual"
        reasons.append(
            f"at risk: {c['days_since_last']} days since the last invoice, more than "
            f"{config.lapse_gap_multiple:g} × {source} {c['judged_gap_days']:.0f}-day gap"
        )
    if c["was_key"] and (c["tier"] == "lapsed" or c["at_risk"]):
        reasons.append(
            f"key client in the prior window: {percent(c['prior_share'])} of revenue, rank {c['prior_rank']}"
        )
    return reasons


def verdict_sentence(analysis: Analysis) -> str:
    conc = analysis.concentration
    config = analysis.config
    top = analysis.clients["client"][0] if analysis.clients.height else "–"
    band = {
        "low": f"under {percent(config.top1_moderate, 0)}",
        "moderate": f"{percent(config.top1_moderate, 0)}–{percent(config.top1_high, 0)}",
        "high": f"{percent(config.top1_high, 0)}–{percent(config.top1_very_high, 0)}",
        "very high": f"above {percent(config.top1_very_high, 0)}",
    }[conc.verdict]
    return (
        f"The largest client, {top}, brings {percent(conc.top1_share)} of revenue ({band}); "
        f"the top five bring {percent(conc.top5_share)}."
    )


def warning_text(warning: Warning, currency: str | None) -> str:
    f = warning.figures
    match warning.code:
        case "no_anchor":
            return "No anchor client: revenue has no predictable, material base (feast or famine)."
        case "dominant_anchor":
            return (
                f"One anchor, {f['client']}, brings {percent(f['share'])} of revenue: "
                "the business depends on it like a job. Grow a second anchor."
            )
        case "single_anchor":
            return f"Only one anchor ({f['client']}, {percent(f['share'])}): grow a second one."
        case "top5_red_flag":
            return (
                f"The top five clients bring {percent(f['top5_share'])} of revenue "
                f"(red flag at {percent(f['threshold'], 0)})."
            )
        case "major_customers":
            names = ", ".join(
                f"{c} ({percent(s)})" for c, s in zip(f["clients"], f["shares"], strict=True)
            )
            return f"Major customers (above {percent(f['threshold'], 0)} of revenue): {names}."
        case "lost_key_clients":
            return (
                f"Lost key clients: {', '.join(f['clients'])}, who brought "
                f"{money(f['prior_revenue'], currency)} in the prior window."
            )
    return warning.code


def hhi_sentence(analysis: Analysis) -> str:
    conc = analysis.concentration
    return (
        f"HHI {conc.hhi:,.0f} ({conc.hhi_band} by the 2023 US Merger Guidelines bands: "
        f"above {analysis.config.hhi_high:,.0f} highly, {analysis.config.hhi_moderate:,.0f}–"
        f"{analysis.config.hhi_high:,.0f} moderately); shown as context, since even five equal "
        "clients give 2,000."
    )
