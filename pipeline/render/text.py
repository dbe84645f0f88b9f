"""The model's figures in words: labels, reasons, verdicts, warnings and advice.

Every output takes its words from here, so the workbook, the briefing and ``summary.json``
say the same thing. The model decides; this module only words the decision, in the language
of the ``Words`` it is given (English when none is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.config import Config
from pipeline.model.analysis import Analysis, Warning
from pipeline.model.trend import year_ago
from pipeline.render.i18n import ENGLISH, Words


def tier_label(tier: str, w: Words = ENGLISH) -> str:
    """A tier's name for people; ``summary.json`` keeps the exact value."""
    return {
        "anchor": w._("Anchor"),
        "recurring": w._("Recurring"),
        "one-off": w._("One-off"),
        "new": w._("New"),
        "lapsed": w._("Lapsed"),
    }[tier]


def verdict_label(verdict: str, w: Words = ENGLISH) -> str:
    return {
        "low": w._("Low dependence"),
        "moderate": w._("Moderate dependence"),
        "high": w._("High dependence"),
        "very high": w._("Very high dependence"),
    }[verdict]


def role_label(role: str, w: Words = ENGLISH) -> str:
    return {
        "large-constant": w._("large-constant"),
        "growth": w._("growth"),
        "referrer": w._("referrer"),
        "image": w._("image"),
        "tester": w._("tester"),
        "special": w._("special"),
    }.get(role, role)


def grade_label(grade: str | None, w: Words = ENGLISH) -> str:
    # NOTE: a payment grade, A best to D worst; keep the letter.
    return w._("grade %(grade)s", grade=grade) if grade else "–"


def days(value: float | None, w: Words = ENGLISH) -> str:
    if value is None:
        return "–"
    n = round(value)
    # The plural form follows the size; the sign stays (a negative lateness is early payment).
    return w.n_("%(n)s day", "%(n)s days", abs(n)).replace(w.number(abs(n)), w.number(n), 1)


def _anchor_gap(c: Mapping[str, Any], config: Config, months: str, w: Words) -> str:
    """Why a material or predictable client is not an anchor, in the model's own terms."""
    gap = c.get("anchor_gap")
    threshold = w.percent(config.anchor_min_share, 0)
    if gap == "not_material":
        return w._(
            "; predictable but %(share)s of revenue is under the %(threshold)s anchor threshold",
            share=w.percent(c["share"]),
            threshold=threshold,
        )
    if gap == "not_predictable":
        return w._(
            "; material but not predictable (%(months)s, needs %(needed)s, or a regular cadence or a contract)",
            months=months,
            needed=w.number(config.anchor_min_months),
        )
    if gap == "short_tenure":
        return w.n_(
            "; material and regular but billed only since %(date)s: an anchor has been billed "
            "for at least %(n)s month",
            "; material and regular but billed only since %(date)s: an anchor has been billed "
            "for at least %(n)s months",
            config.anchor_min_tenure_months,
            date=w.day(c["first_invoice"]),
        )
    return ""


def tier_reason(c: Mapping[str, Any], config: Config, w: Words = ENGLISH) -> str:
    rule = c["tier_rule"]
    months = w.n_(
        "billed in %(billed)s of %(n)s month",
        "billed in %(billed)s of %(n)s months",
        c["window_months"],
        billed=w.number(c["months_billed"]),
    )
    if rule == "lapsed":
        prior = (
            w._("%(amount)s in the prior window", amount=w.money(c["prior_revenue"]))
            if c["prior_revenue"]
            else w._("nothing in the prior window either")
        )
        return w._(
            "lapsed: last invoice %(date)s, none in the window; %(prior)s",
            date=w.day(c["last_invoice"]),
            prior=prior,
        )
    if rule == "new":
        return w._(
            "new: first invoice %(date)s, %(days)s before as-of (judged after %(after)s)",
            date=w.day(c["first_invoice"]),
            days=days(c["tenure_days"], w),
            after=days(config.new_client_days, w),
        )
    share = w._(
        "%(share)s of revenue (at least %(threshold)s)",
        share=w.percent(c["share"]),
        threshold=w.percent(config.anchor_min_share, 0),
    )
    if rule == "anchor_months":
        return w._(
            "anchor: %(months)s (at least %(needed)s); %(share)s; client since %(date)s",
            months=months,
            needed=w.number(config.anchor_min_months),
            share=share,
            date=w.day(c["first_invoice"]),
        )
    if rule == "anchor_cadence":
        return w.n_(
            "anchor: a regular cadence, an invoice every %(gap)s over %(n)s invoice in two "
            "windows (gap variation %(cv)s, at most %(max_cv)s); %(share)s",
            "anchor: a regular cadence, an invoice every %(gap)s over %(n)s invoices in two "
            "windows (gap variation %(cv)s, at most %(max_cv)s); %(share)s",
            c["cadence_invoices"],
            gap=days(c["median_gap_days"], w),
            cv=w.number(c["gap_cv"], 2),
            max_cv=w.number(config.anchor_max_gap_cv, 2),
            share=share,
        )
    if rule == "anchor_contract":
        return w._(
            "anchor: contract on the Clients sheet (%(contract)s); %(share)s",
            contract=c["contract"],
            share=share,
        )
    if rule == "recurring":
        text = w.n_(
            "recurring: billed in %(n)s distinct month since %(date)s",
            "recurring: billed in %(n)s distinct months since %(date)s",
            c["months_billed_ever"],
            date=w.day(c["first_invoice"]),
        )
        return text + _anchor_gap(c, config, months, w)
    if rule == "credit_only":
        return w._(
            "one-off: credit notes only, no invoice (%(amount)s in the window)",
            amount=w.money(c["credits"]),
        )
    invoices = c["invoices_total"]
    if invoices == 1:
        return w._("one-off: a single invoice on %(date)s", date=w.day(c["first_invoice"]))
    return w.n_(
        "one-off: %(n)s invoice within %(span)s (one project: at most %(limit)s apart)",
        "one-off: %(n)s invoices within %(span)s (one project: at most %(limit)s apart)",
        invoices,
        span=days(c["span_days"], w),
        limit=days(config.one_off_span_days, w),
    )


def grade_reason(c: Mapping[str, Any], config: Config, w: Words = ENGLISH) -> str:
    rule = c.get("grade_rule")
    paid = w._("paid %(share)s of billing now due", share=w.percent(c["paid_share"], 0))
    late = w._(
        "a median of %(median)s past due, worst %(worst)s",
        median=days(c["median_days_late"], w),
        worst=days(c["worst_days_late"], w),
    )
    if rule is None:
        return w._("no grade yet: no invoice has reached its due date")
    if rule == "D_write_off":
        return w.n_(
            "grade D: %(n)s invoice written off (%(amount)s)",
            "grade D: %(n)s invoices written off (%(amount)s)",
            c["write_offs"],
            amount=w.money(c["written_off_amount"]),
        )
    if rule == "D_chronic_late":
        return w._(
            "grade D: pays %(late)s, more than %(limit)s",
            late=late,
            limit=days(config.chronic_late_days, w),
        )
    if rule == "D_unpaid":
        return w._(
            "grade D: %(paid)s, under %(limit)s",
            paid=paid,
            limit=w.percent(config.grade_d_max_paid_share, 0),
        )
    deposits = ""
    if c.get("deposit_share") is not None:
        deposits = w._(
            "; deposits on %(share)s of projects", share=w.percent(c["deposit_share"], 0)
        )
    if rule == "A":
        return w._(
            "grade A: pays on time (%(late)s); %(paid)s; repeat work that is sizeable or steady%(deposits)s",
            late=late,
            paid=paid,
            deposits=deposits,
        )
    short_of_a = []
    if (c["median_days_late"] or 0) > config.grade_a_max_median_late:
        short_of_a.append(
            w._("median more than %(days)s late", days=days(config.grade_a_max_median_late, w))
        )
    if (c["worst_days_late"] or 0) > config.grade_a_max_worst_late:
        short_of_a.append(
            w._("worst more than %(days)s late", days=days(config.grade_a_max_worst_late, w))
        )
    if (c["paid_share"] or 0) < config.grade_a_min_paid_share:
        short_of_a.append(
            w._("under %(share)s paid", share=w.percent(config.grade_a_min_paid_share, 0))
        )
    if c["months_billed_ever"] < 2:
        short_of_a.append(w._("no repeat work"))
    if not c["sizeable"]:
        short_of_a.append(
            w._(
                "small and occasional: under %(multiple)s × the typical client's %(typical)s and "
                "billed in under half the months",
                multiple=w.number(config.grade_a_min_size, 1),
                typical=w.money(c["typical_client_revenue"]),
            )
        )
    standing = c["tier"] == "anchor" or c.get("predictable_by_contract")
    if (
        deposits
        and (c.get("deposit_share") or 0) < config.grade_a_min_deposit_share
        and not standing
    ):
        short_of_a.append(
            w._(
                "deposits on under %(share)s of projects",
                share=w.percent(config.grade_a_min_deposit_share, 0),
            )
        )
    why = w._(" (not A: %(missing)s)", missing=w.join(short_of_a)) if short_of_a else ""
    if rule == "B":
        return w._(
            "grade B: pays %(late)s; %(paid)s%(deposits)s%(why)s",
            late=late,
            paid=paid,
            deposits=deposits,
            why=why,
        )
    return w._(
        "grade C: pays %(late)s; %(paid)s%(deposits)s (B needs a median of at most %(median)s "
        "and %(share)s paid)",
        late=late,
        paid=paid,
        deposits=deposits,
        median=days(config.grade_b_max_median_late, w),
        share=w.percent(config.grade_b_min_paid_share, 0),
    )


def role_reasons(c: Mapping[str, Any], config: Config, w: Words = ENGLISH) -> list[str]:
    found = []
    for role in c["roles"]:
        if role == "large-constant":
            found.append(
                w._(
                    "large-constant: an anchor with %(share)s of revenue (at least %(threshold)s)",
                    share=w.percent(c["share"]),
                    threshold=w.percent(config.large_constant_share, 0),
                )
            )
        elif role == "growth":
            found.append(
                w._(
                    "growth: %(now)s in this window against %(before)s in the prior one "
                    "(×%(ratio)s), rising: %(second)s in the second half against %(first)s in the first",
                    now=w.money(c["revenue"]),
                    before=w.money(c["prior_revenue"]),
                    ratio=w.number(c["revenue"] / c["prior_revenue"], 1),
                    second=w.money(c["second_half"]),
                    first=w.money(c["first_half"]),
                )
            )
        elif role == "referrer":
            found.append(
                w.n_(
                    "referrer: named by %(n)s client (%(names)s), who brings %(amount)s in this window",
                    "referrer: named by %(n)s clients (%(names)s), who bring %(amount)s in this window",
                    len(c["referred_clients"]),
                    names=w.join(list(c["referred_clients"])),
                    amount=w.money(c["referred_revenue"]),
                )
            )
        else:
            found.append(
                w._(
                    "%(role)s: tagged on the Clients sheet (%(text)s)",
                    role=role_label(role, w),
                    text=c["roles_text"],
                )
            )
    return found


def style_label(style: str, w: Words = ENGLISH) -> str:
    """A working style's name (the Clients sheet's ``Working style`` values)."""
    return {
        "laissez-faire": w._("laissez-faire"),
        "micromanager": w._("micromanager"),
        "in-the-dark": w._("in the dark"),
        "savvy": w._("savvy"),
    }.get(style, style)


def style_advice(style: str, w: Words = ENGLISH) -> str:
    return {
        "laissez-faire": w._(
            "trusts you to get on with it; the risk is silent dissatisfaction, so check in every few weeks"
        ),
        "micromanager": w._(
            "agree scope, milestones and reporting up front, then send short regular updates"
        ),
        "in-the-dark": w._(
            "needs educating: explain the process, the options and what you need from them"
        ),
        "savvy": w._("loyal and refers others: keep in touch and ask for introductions"),
    }[style]


def style_reason(c: Mapping[str, Any], config: Config, w: Words = ENGLISH) -> str | None:
    style = c.get("working_style")
    if style is None:
        return None
    text = w._(
        "working style %(style)s: %(advice)s",
        style=style_label(style, w),
        advice=style_advice(style, w),
    )
    if c.get("check_in"):
        since = c.get("days_since_contact")
        contact = (
            w._("last contact %(days)s ago", days=days(since, w))
            if since is not None
            else w._("no contact recorded")
        )
        text += w._(
            "; check in now (%(contact)s, more than %(limit)s)",
            contact=contact,
            limit=days(config.check_in_days, w),
        )
    return text


def lapse_reason(
    c: Mapping[str, Any], config: Config, model_fitted: bool, w: Words = ENGLISH
) -> str | None:
    parts = []
    if c["at_risk"]:
        figures = {
            "days": days(c["days_since_last"], w),
            "multiple": w.number(config.lapse_gap_multiple, 1),
            "gap": days(c["judged_gap_days"], w),
        }
        parts.append(
            w._(
                "at risk: %(days)s since the last invoice, more than %(multiple)s × the "
                "business's usual %(gap)s gap",
                **figures,
            )
            if c["gap_from_business"]
            else w._(
                "at risk: %(days)s since the last invoice, more than %(multiple)s × its usual "
                "%(gap)s gap",
                **figures,
            )
        )
    if c.get("p_alive") is not None:
        expected = c.get("expected_invoices_12m")
        if expected is not None:
            parts.append(
                w._(
                    "P(alive) %(p)s, %(expected)s invoices expected in the next 12 months (BG/NBD)",
                    p=w.number(c["p_alive"], 2),
                    expected=w.number(expected, 1),
                )
            )
        else:
            parts.append(w._("P(alive) %(p)s (BG/NBD)", p=w.number(c["p_alive"], 2)))
    elif model_fitted and c["tier"] != "lapsed":
        parts.append(
            w._(
                "no repeat invoice yet, so no P(alive): judged by the business's typical repeat gap"
            )
        )
    return "; ".join(parts) or None


def replacement_reason(c: Mapping[str, Any], analysis: Analysis, w: Words = ENGLISH) -> str | None:
    needed = c.get("replacement_clients")
    if needed is None:
        return None
    acq = analysis.acquisition
    text = w._(
        "replacing it would take %(needed)s new clients at the average first-year revenue of %(average)s",
        needed=w.number(needed, 1),
        average=w.money(acq.average_first_year_revenue),
    )
    months = c.get("replacement_months")
    if months is not None:
        when = (
            w.n_("about %(n)s month", "about %(n)s months", round(months))
            if months >= 1
            else w._("under a month")
        )
        text += w._(
            ", %(when)s at the recent pace of %(pace)s new clients a year",
            when=when,
            pace=w.number(acq.new_clients_per_year, 1),
        )
    return text


def client_reasons(c: Mapping[str, Any], analysis: Analysis, w: Words = ENGLISH) -> list[str]:
    """The reasons for a client's labels, each built from the figures that decided it."""
    config = analysis.config
    reasons = [tier_reason(c, config, w), grade_reason(c, config, w)]
    if c["share"] is not None:
        reasons.append(
            w._(
                "%(share)s of revenue, rank %(rank)s, ABC class %(abc)s",
                share=w.percent(c["share"]),
                rank=w.number(c["rank"]),
                abc=c["abc_class"],
            )
        )
    else:
        reasons.append(
            w._("net revenue in the window %(amount)s: no share", amount=w.money(c["revenue"]))
        )
    if c["major_customer"]:
        reasons.append(
            w._(
                "major customer: above %(threshold)s of revenue",
                threshold=w.percent(config.major_customer_share, 0),
            )
        )
    reasons.extend(role_reasons(c, config, w))
    for extra in (
        lapse_reason(c, config, analysis.model is not None, w),
        replacement_reason(c, analysis, w),
        style_reason(c, config, w),
    ):
        if extra:
            reasons.append(extra)
    if c["was_key"] and (c["tier"] == "lapsed" or c["at_risk"]):
        prior = {"share": w.percent(c["prior_share"]), "rank": w.number(c["prior_rank"])}
        reasons.append(
            w._(
                "key client in the prior window (anchor): %(share)s of revenue, rank %(rank)s",
                **prior,
            )
            if c.get("prior_tier") == "anchor"
            else w._("key client in the prior window: %(share)s of revenue, rank %(rank)s", **prior)
        )
    if c.get("members"):
        reasons.append(
            w._(
                "measured as one with %(members)s (common control)",
                members=w.join(list(c["members"])),
            )
        )
    return reasons


def verdict_sentence(analysis: Analysis, w: Words = ENGLISH) -> str:
    conc = analysis.concentration
    config = analysis.config
    top = analysis.clients["client"][0] if analysis.clients.height else "–"
    band = {
        "low": w._("under %(limit)s", limit=w.percent(config.top1_moderate, 0)),
        "moderate": f"{w.percent(config.top1_moderate, 0)}–{w.percent(config.top1_high, 0)}",
        "high": f"{w.percent(config.top1_high, 0)}–{w.percent(config.top1_very_high, 0)}",
        "very high": w._("above %(limit)s", limit=w.percent(config.top1_very_high, 0)),
    }[conc.verdict]
    return w._(
        "The largest client, %(client)s, brings %(share)s of revenue (%(band)s); the top five "
        "bring %(top5)s.",
        client=top,
        share=w.percent(conc.top1_share),
        band=band,
        top5=w.percent(conc.top5_share),
    )


def warning_text(warning: Warning, currency: str | None, w: Words = ENGLISH) -> str:
    f = warning.figures
    match warning.code:
        case "no_anchor":
            return w._(
                "No anchor client: revenue has no predictable, material base (feast or famine)."
            )
        case "dominant_anchor":
            return w._(
                "One anchor, %(client)s, brings %(share)s of revenue: the business depends on it "
                "like a job. Grow a second anchor.",
                client=f["client"],
                share=w.percent(f["share"]),
            )
        case "single_anchor":
            return w._(
                "Only one anchor (%(client)s, %(share)s): grow a second one.",
                client=f["client"],
                share=w.percent(f["share"]),
            )
        case "top5_red_flag":
            return w._(
                "The top five clients bring %(share)s of revenue (red flag at %(threshold)s).",
                share=w.percent(f["top5_share"]),
                threshold=w.percent(f["threshold"], 0),
            )
        case "major_customers":
            names = w.join(
                [
                    w._("%(what)s (%(detail)s)", what=c, detail=w.percent(s))
                    for c, s in zip(f["clients"], f["shares"], strict=True)
                ]
            )
            return w._(
                "Major customers (above %(threshold)s of revenue): %(clients)s.",
                threshold=w.percent(f["threshold"], 0),
                clients=names,
            )
        case "lost_key_clients":
            return w._(
                "Lost or slipping key clients: %(clients)s, who brought %(prior)s in the prior "
                "window (%(lost)s less in this one).",
                clients=w.join(list(f["clients"])),
                prior=w.money(f["prior_revenue"], currency),
                lost=w.money(f["revenue_lost"], currency),
            )
        case "d_grade_clients":
            return w._(
                "Grade D clients (write-offs, chronic lateness or unpaid billing): %(clients)s.",
                clients=w.join(list(f["clients"])),
            )
    return warning.code


def hhi_band_label(band: str, w: Words = ENGLISH) -> str:
    return {
        "unconcentrated": w._("unconcentrated"),
        "moderately concentrated": w._("moderately concentrated"),
        "highly concentrated": w._("highly concentrated"),
    }.get(band, band)


def hhi_sentence(analysis: Analysis, w: Words = ENGLISH) -> str:
    conc = analysis.concentration
    return w._(
        "HHI %(hhi)s (%(band)s by the 2023 US Merger Guidelines bands: above %(high)s highly, "
        "%(moderate)s–%(high)s moderately); shown as context, since even five equal clients "
        "give %(five)s.",
        hhi=w.number(conc.hhi),
        band=hhi_band_label(conc.hhi_band, w),
        high=w.number(analysis.config.hhi_high),
        moderate=w.number(analysis.config.hhi_moderate),
        five=w.number(2000),
    )


def stress_sentence(case: Any, currency: str | None, w: Words = ENGLISH) -> str:
    who = (
        case.clients_lost[0]
        if case.lost == 1
        else w._(
            "the top %(n)s (%(names)s)",
            n=w.number(case.lost),
            names=w.join(list(case.clients_lost)),
        )
    )
    after = (
        w._(
            "HHI %(hhi)s, %(effective)s effective clients",
            hhi=w.number(case.hhi_after),
            effective=w.number(case.effective_clients_after, 1),
        )
        if case.hhi_after is not None
        else w._("no client left")
    )
    return w._(
        "Losing %(who)s: %(lost)s of client revenue goes; the rest bring %(after_revenue)s, "
        "%(after_share)s of today's; %(after)s.",
        who=who,
        lost=w.money(case.revenue_lost, currency),
        after_revenue=w.money(case.revenue_after, currency),
        after_share=w.percent(case.revenue_after_share),
        after=after,
    )


def balance_advice(analysis: Analysis, w: Words = ENGLISH) -> list[str]:
    """What to do about the balance of the client base, grounded in the figures."""
    advice = []
    codes = {warning.code: warning.figures for warning in analysis.warnings}
    if "no_anchor" in codes:
        advice.append(
            w._(
                "No anchor: revenue has no predictable base. Offer your best recurring client a "
                "retainer or an annual contract."
            )
        )
    if "dominant_anchor" in codes:
        f = codes["dominant_anchor"]
        advice.append(
            w._(
                "%(client)s brings %(share)s of revenue: the business behaves like a job. Grow a "
                "second anchor before anything else.",
                client=f["client"],
                share=w.percent(f["share"]),
            )
        )
    elif "single_anchor" in codes:
        advice.append(w._("One anchor only: grow a second one from the recurring clients."))
    anchors = analysis.clients.filter(analysis.clients["tier"] == "anchor").to_dicts()
    for c in anchors[:1]:
        text = replacement_reason(c, analysis, w)
        if text:
            advice.append(w._("If %(client)s left, %(burden)s.", client=c["client"], burden=text))
    if analysis.lost_key_clients.height:
        advice.append(
            w._(
                "Run a short post-mortem on each lost key client: why the work stopped, whether it "
                "showed in time, and whether there is a way back."
            )
        )
    advice.append(
        w._(
            "Winning a new client costs about 2–6 times as much as keeping one: the check-ins "
            "below are cheap insurance."
        )
    )
    return advice


def trend_sentences(analysis: Analysis, w: Words = ENGLISH) -> list[str]:
    """Is it getting better or worse: the largest client's share and the steady anchors a year
    ago against now, from the trend's own points."""
    points = analysis.trend.to_dicts()
    then = year_ago(points, analysis.windows.as_of)
    if then is None or not points:
        return [w._("No trend yet: comparing with a year ago needs two years of invoices.")]
    now = points[-1]
    figures = {
        "before": w.percent(then["top1_share"], 0),
        "now": w.percent(now["top1_share"], 0),
        "date": w.day(then["as_of"]),
    }
    change = (now["top1_share"] or 0.0) - then["top1_share"]
    if change >= 0.01:
        share = w._(
            "Your largest client's share rose from %(before)s to %(now)s since %(date)s.",
            **figures,
        )
    elif change <= -0.01:
        share = w._(
            "Your largest client's share fell from %(before)s to %(now)s since %(date)s.",
            **figures,
        )
    else:
        share = w._("Your largest client's share held at about %(now)s since %(date)s.", **figures)
    if now["anchors"] != then["anchors"]:
        anchors = w.n_(
            "You now have %(n)s steady anchor where you had %(before)s.",
            "You now have %(n)s steady anchors where you had %(before)s.",
            now["anchors"],
            before=w.number(then["anchors"]),
        )
    else:
        anchors = w.n_(
            "You have %(n)s steady anchor, as then.",
            "You have %(n)s steady anchors, as then.",
            now["anchors"],
        )
    return [share, anchors]


def steady_anchor_note(config: Config, w: Words = ENGLISH) -> str:
    return w._(
        "A steady anchor is billed in at least %(months)s of the %(window)s months and brings at "
        "least %(share)s of revenue; anchors by cadence or contract are judged at the as-of date "
        "only.",
        months=w.number(config.anchor_min_months),
        window=w.number(config.window_months),
        share=w.percent(config.anchor_min_share, 0),
    )


def risk_reason(code: str, f: Mapping[str, Any], currency: str | None, w: Words = ENGLISH) -> str:
    """One part of a business's risk score in the portfolio, with the figures behind it."""
    points = w.n_("+%(n)s point", "+%(n)s points", f["points"])
    match code:
        case "verdict":
            text = w._(
                "largest client %(share)s (%(verdict)s)",
                share=w.percent(f["share"]),
                verdict=verdict_label(f["verdict"], w).lower(),
            )
        case "lost":
            text = w.n_(
                "%(n)s lost key client, %(amount)s less than in the prior window",
                "%(n)s lost key clients, %(amount)s less than in the prior window",
                f["count"],
                amount=w.money(f["revenue"], currency),
            )
        case "top5":
            text = w._("top five %(share)s", share=w.percent(f["share"]))
        case "no_anchor":
            text = w._("no anchor client")
        case "d_grade":
            text = w._("grade D clients bring %(share)s", share=w.percent(f["share"]))
        case "rising":
            text = w._(
                "largest client's share up from %(before)s to %(now)s in a year",
                before=w.percent(f["before"]),
                now=w.percent(f["now"]),
            )
        case _:
            text = code
    return w._("%(what)s (%(detail)s)", what=text, detail=points)
