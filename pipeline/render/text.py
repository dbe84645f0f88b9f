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


def _anchor_gap(c: Mapping[str, Any], config: Config, months: str) -> str:
    """Why a material or predictable client is not an anchor, in the model's own terms."""
    gap = c.get("anchor_gap")
    threshold = percent(config.anchor_min_share, 0)
    if gap == "not_material":
        return f"; predictable but {percent(c['share'])} of revenue is under the {threshold} anchor threshold"
    if gap == "not_predictable":
        return f"; material but not predictable ({months}, needs {config.anchor_min_months}, or a regular cadence or a contract)"
    if gap == "short_tenure":
        return (
            f"; material and regular but billed only since {day(c['first_invoice'])}: "
            f"an anchor has been billed for at least {config.anchor_min_tenure_months} months"
        )
    return ""


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
            f"anchor: a regular cadence, an invoice every {c['median_gap_days']:.0f} days over "
            f"{c['cadence_invoices']} invoices in two windows (gap variation {c['gap_cv']:.2f}, "
            f"at most {config.anchor_max_gap_cv:.2f}); {share}"
        )
    if rule == "anchor_contract":
        return f"anchor: contract on the Clients sheet ({c['contract']}); {share}"
    if rule == "recurring":
        text = f"recurring: billed in {c['months_billed_ever']} distinct months since {day(c['first_invoice'])}"
        return text + _anchor_gap(c, config, months)
    invoices = c["invoices_total"]
    if rule == "credit_only":
        return f"one-off: credit notes only, no invoice ({money(c['credits'])} in the window)"
    if invoices == 1:
        return f"one-off: a single invoice on {day(c['first_invoice'])}"
    return (
        f"one-off: {invoices} invoices within {c['span_days']} days "
        f"(one project: at most {config.one_off_span_days} days apart)"
    )


def _days(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f} day{'s' if abs(value) != 1 else ''}"


def grade_reason(c: Mapping[str, Any], config: Config) -> str:
    rule = c.get("grade_rule")
    paid = f"paid {percent(c['paid_share'], 0)} of billing now due"
    late = (
        f"a median of {_days(c['median_days_late'])} past due, worst {_days(c['worst_days_late'])}"
    )
    if rule is None:
        return "no grade yet: no invoice has reached its due date"
    if rule == "D_write_off":
        return (
            f"grade D: {c['write_offs']} invoice{'s' if c['write_offs'] != 1 else ''} written off "
            f"({money(c['written_off_amount'])})"
        )
    if rule == "D_chronic_late":
        return f"grade D: pays {late}, more than {_days(config.chronic_late_days)}"
    if rule == "D_unpaid":
        return f"grade D: {paid}, under {percent(config.grade_d_max_paid_share, 0)}"
    deposits = ""
    if c.get("deposit_share") is not None:
        deposits = f"; deposits on {percent(c['deposit_share'], 0)} of projects"
    if rule == "A":
        return f"grade A: pays on time ({late}); {paid}; repeat work that is sizeable or steady{deposits}"
    short_of_a = []
    if (c["median_days_late"] or 0) > config.grade_a_max_median_late:
        short_of_a.append(f"median more than {_days(config.grade_a_max_median_late)} late")
    if (c["worst_days_late"] or 0) > config.grade_a_max_worst_late:
        short_of_a.append(f"worst more than {_days(config.grade_a_max_worst_late)} late")
    if (c["paid_share"] or 0) < config.grade_a_min_paid_share:
        short_of_a.append(f"under {percent(config.grade_a_min_paid_share, 0)} paid")
    if c["months_billed_ever"] < 2:
        short_of_a.append("no repeat work")
    if not c["sizeable"]:
        short_of_a.append(
            f"small and occasional: under {config.grade_a_min_size:g} × the typical client's "
            f"{money(c['typical_client_revenue'])} and billed in under half the months"
        )
    standing = c["tier"] == "anchor" or c.get("predictable_by_contract")
    if (
        deposits
        and (c.get("deposit_share") or 0) < config.grade_a_min_deposit_share
        and not standing
    ):
        short_of_a.append(
            f"deposits on under {percent(config.grade_a_min_deposit_share, 0)} of projects"
        )
    why = f" (not A: {', '.join(short_of_a)})" if short_of_a else ""
    if rule == "B":
        return f"grade B: pays {late}; {paid}{deposits}{why}"
    return (
        f"grade C: pays {late}; {paid}{deposits} (B needs a median of at most "
        f"{_days(config.grade_b_max_median_late)} and {percent(config.grade_b_min_paid_share, 0)} paid)"
    )


def role_reasons(c: Mapping[str, Any], config: Config) -> list[str]:
    found = []
    for role in c["roles"]:
        if role == "large-constant":
            found.append(
                f"large-constant: an anchor with {percent(c['share'])} of revenue "
                f"(at least {percent(config.large_constant_share, 0)})"
            )
        elif role == "growth":
            ratio = c["revenue"] / c["prior_revenue"]
            found.append(
                f"growth: {money(c['revenue'])} in this window against {money(c['prior_revenue'])} "
                f"in the prior one (×{ratio:.1f}), rising: {money(c['second_half'])} in the second half "
                f"against {money(c['first_half'])} in the first"
            )
        elif role == "referrer":
            names = ", ".join(c["referred_clients"])
            found.append(
                f"referrer: named by {len(c['referred_clients'])} clients ({names}), "
                f"who bring {money(c['referred_revenue'])} in this window"
            )
        else:
            found.append(f"{role}: tagged on the Clients sheet ({c['roles_text']})")
    return found


STYLE_ADVICE = {
    "laissez-faire": "trusts you to get on with it; the risk is silent dissatisfaction, so check in every few weeks",
    "micromanager": "agree scope, milestones and reporting up front, then send short regular updates",
    "in-the-dark": "needs educating: explain the process, the options and what you need from them",
    "savvy": "loyal and refers others: keep in touch and ask for introductions",
}


def style_reason(c: Mapping[str, Any], config: Config) -> str | None:
    style = c.get("working_style")
    if style is None:
        return None
    text = f"working style {style}: {STYLE_ADVICE[style]}"
    if c.get("check_in"):
        since = c.get("days_since_contact")
        contact = f"last contact {since} days ago" if since is not None else "no contact recorded"
        text += f"; check in now ({contact}, more than {config.check_in_days} days)"
    return text


def lapse_reason(c: Mapping[str, Any], config: Config, model_fitted: bool) -> str | None:
    parts = []
    if c["at_risk"]:
        source = "the business's usual" if c["gap_from_business"] else "its usual"
        parts.append(
            f"at risk: {c['days_since_last']} days since the last invoice, more than "
            f"{config.lapse_gap_multiple:g} × {source} {c['judged_gap_days']:.0f}-day gap"
        )
    if c.get("p_alive") is not None:
        expected = c.get("expected_invoices_12m")
        ahead = (
            f", {expected:.1f} invoices expected in the next 12 months"
            if expected is not None
            else ""
        )
        parts.append(f"P(alive) {c['p_alive']:.2f}{ahead} (BG/NBD)")
    elif model_fitted and c["tier"] != "lapsed":
        parts.append(
            "no repeat invoice yet, so no P(alive): judged by the business's typical repeat gap"
        )
    return "; ".join(parts) or None


def replacement_reason(c: Mapping[str, Any], analysis: Analysis) -> str | None:
    needed = c.get("replacement_clients")
    if needed is None:
        return None
    acq = analysis.acquisition
    text = (
        f"replacing it would take {needed:.1f} new clients at the average first-year revenue of "
        f"{money(acq.average_first_year_revenue)}"
    )
    months = c.get("replacement_months")
    if months is not None:
        when = f"about {months:.0f} months" if months >= 1 else "under a month"
        text += f", {when} at the recent pace of {acq.new_clients_per_year:.1f} new clients a year"
    return text


def client_reasons(c: Mapping[str, Any], analysis: Analysis) -> list[str]:
    """The reasons for a client's labels, each built from the figures that decided it."""
    config = analysis.config
    reasons = [tier_reason(c, config, analysis.windows.as_of), grade_reason(c, config)]
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
    reasons.extend(role_reasons(c, config))
    for extra in (
        lapse_reason(c, config, analysis.model is not None),
        replacement_reason(c, analysis),
        style_reason(c, config),
    ):
        if extra:
            reasons.append(extra)
    if c["was_key"] and (c["tier"] == "lapsed" or c["at_risk"]):
        prior_tier = f" ({c['prior_tier']})" if c.get("prior_tier") == "anchor" else ""
        reasons.append(
            f"key client in the prior window{prior_tier}: {percent(c['prior_share'])} of revenue, rank {c['prior_rank']}"
        )
    if c.get("members"):
        reasons.append(f"measured as one with {', '.join(c['members'])} (common control)")
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
                f"Lost or slipping key clients: {', '.join(f['clients'])}, who brought "
                f"{money(f['prior_revenue'], currency)} in the prior window "
                f"({money(f['revenue_lost'], currency)} less in this one)."
            )
        case "d_grade_clients":
            return f"Grade D clients (write-offs, chronic lateness or unpaid billing): {', '.join(f['clients'])}."
    return warning.code


def hhi_sentence(analysis: Analysis) -> str:
    conc = analysis.concentration
    return (
        f"HHI {conc.hhi:,.0f} ({conc.hhi_band} by the 2023 US Merger Guidelines bands: "
        f"above {analysis.config.hhi_high:,.0f} highly, {analysis.config.hhi_moderate:,.0f}–"
        f"{analysis.config.hhi_high:,.0f} moderately); shown as context, since even five equal "
        "clients give 2,000."
    )


def stress_sentence(case: Any, currency: str | None) -> str:
    who = (
        case.clients_lost[0]
        if case.lost == 1
        else f"the top {case.lost} ({', '.join(case.clients_lost)})"
    )
    after = (
        f"HHI {case.hhi_after:,.0f}, {case.effective_clients_after:.1f} effective clients"
        if case.hhi_after is not None
        else "no client left"
    )
    return (
        f"Losing {who}: {money(case.revenue_lost, currency)} of client revenue goes; the rest bring "
        f"{money(case.revenue_after, currency)}, {percent(case.revenue_after_share)} of today's; {after}."
    )


def balance_advice(analysis: Analysis) -> list[str]:
    """What to do about the balance of the client base, grounded in the figures."""
    advice = []
    codes = {w.code: w.figures for w in analysis.warnings}
    if "no_anchor" in codes:
        advice.append(
            "No anchor: revenue has no predictable base. Offer your best recurring client a retainer "
            "or an annual contract."
        )
    if "dominant_anchor" in codes:
        f = codes["dominant_anchor"]
        advice.append(
            f"{f['client']} brings {percent(f['share'])} of revenue: the business behaves like a job. "
            "Grow a second anchor before anything else."
        )
    elif "single_anchor" in codes:
        advice.append("One anchor only: grow a second one from the recurring clients.")
    anchors = analysis.clients.filter(analysis.clients["tier"] == "anchor").to_dicts()
    for c in anchors[:1]:
        text = replacement_reason(c, analysis)
        if text:
            advice.append(f"If {c['client']} left, {text}.")
    if analysis.lost_key_clients.height:
        advice.append(
            "Run a short post-mortem on each lost key client: why the work stopped, whether it showed "
            "in time, and whether there is a way back."
        )
    advice.append(
        "Winning a new client costs about 2–6 times as much as keeping one: the check-ins below are cheap insurance."
    )
    return advice
