"""Why each client carries its labels, in words built from the figures that decided them.

The model decides; this module only words the decision, in the language of the ``Words`` it is
given (English when none is), so the workbook, the briefing and ``summary.json`` give the same
reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.config import Config
from pipeline.model.analysis import Analysis
from pipeline.words.i18n import ENGLISH, Words
from pipeline.words.labels import days, role_label, style_label


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
            w._(
                "%(amount)s in the prior window",
                amount=w.money(c["prior_revenue"], c.get("currency")),
            )
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
            amount=w.money(c["credits"], c.get("currency")),
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


def lateness(median: float | None, worst: float | None, w: Words = ENGLISH) -> str:
    """How late a client pays, as people say it: "a median of 4 days early, never past due"."""
    m = round(median) if median is not None else 0
    if m > 0:
        part = w._("a median of %(days)s past due", days=days(m, w))
    elif m < 0:
        part = w._("a median of %(days)s early", days=days(-m, w))
    else:
        part = w._("on the due date at the median")
    if worst is not None and round(worst) > 0:
        return w._("%(median)s, worst %(worst)s past due", median=part, worst=days(worst, w))
    return w._("%(median)s, never past due", median=part)


def grade_reason(c: Mapping[str, Any], config: Config, w: Words = ENGLISH) -> str:
    rule = c.get("grade_rule")
    paid = w._("paid %(share)s of billing now due", share=w.percent(c["paid_share"], 0))
    late = lateness(c["median_days_late"], c["worst_days_late"], w)
    if rule is None:
        return w._("no grade yet: no invoice has reached its due date")
    if rule == "no_payment_data":
        return w._("no grade: the ledger holds no paid dates or payment statuses")
    if c["median_days_late"] is None:  # paid on no known day: a status without a paid date
        late = w._("no paid dates, so how late is unknown")
    if rule == "D_write_off":
        return w.n_(
            "grade D: %(n)s invoice written off (%(amount)s)",
            "grade D: %(n)s invoices written off (%(amount)s)",
            c["write_offs"],
            amount=w.money(c["written_off_amount"], c.get("currency")),
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
                typical=w.money(c["typical_client_revenue"], c.get("currency")),
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
    if rule == "C" and c["median_days_late"] is None:
        return w._(
            "grade C: %(paid)s; %(late)s (B needs %(share)s paid)%(deposits)s",
            paid=paid,
            late=late,
            share=w.percent(config.grade_b_min_paid_share, 0),
            deposits=deposits,
        )
    if rule == "B_undated":
        return w._(
            "grade B: %(paid)s; %(late)s (A needs paying on time)%(deposits)s",
            paid=paid,
            late=late,
            deposits=deposits,
        )
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
                    now=w.money(c["revenue"], c.get("currency")),
                    before=w.money(c["prior_revenue"], c.get("currency")),
                    ratio=w.number(c["revenue"] / c["prior_revenue"], 1),
                    second=w.money(c["second_half"], c.get("currency")),
                    first=w.money(c["first_half"], c.get("currency")),
                )
            )
        elif role == "referrer":
            found.append(
                w.n_(
                    "referrer: named by %(n)s client (%(names)s), who brings %(amount)s in this window",
                    "referrer: named by %(n)s clients (%(names)s), who bring %(amount)s in this window",
                    len(c["referred_clients"]),
                    names=w.join(list(c["referred_clients"])),
                    amount=w.money(c["referred_revenue"], c.get("currency")),
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
    if c.get("check_in") and c.get("check_in_why") == "style":
        since = c.get("days_since_contact")
        contact = (
            w._("last contact %(days)s ago", days=days(since, w))
            if since is not None
            else w._("no contact recorded")
        )
        text += w._(
            "; check in now (%(contact)s, more than %(limit)s)",
            contact=contact,
            limit=days(c.get("check_in_every") or config.check_in_days, w),
        )
    return text


def check_in_line(c: Mapping[str, Any], w: Words = ENGLISH) -> str:
    """Why a client is due a check-in, its last contact, and by when."""
    since = c.get("days_since_contact")
    contact = (
        w._("last contact %(days)s ago", days=days(since, w))
        if since is not None
        else w._("no contact recorded")
    )
    if c.get("check_in_why") == "quiet":
        text = w._(
            "a key client silent %(days)s against a usual gap of %(gap)s, whatever its style",
            days=days(c["days_since_last"], w),
            gap=days(c["judged_gap_days"], w),
        )
    else:
        text = w._(
            "%(style)s: %(advice)s (every %(every)s)",
            style=style_label(c["working_style"], w),
            advice=style_advice(c["working_style"], w),
            every=days(c["check_in_every"], w),
        )
    return w._(
        "%(why)s; %(contact)s; check in by %(date)s",
        why=text,
        contact=contact,
        date=w.day(c["next_check_in"]),
    )


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
        average=w.money(acq.average_first_year_revenue, analysis.currency),
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
    c = {**c, "currency": analysis.currency}  # every amount in the reasons says its currency
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
            w._(
                "net revenue in the window %(amount)s: no share",
                amount=w.money(c["revenue"], c.get("currency")),
            )
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
