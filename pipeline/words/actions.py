"""The actions and what moved, in the reader's words: each action names its client, the figure
behind it and a date; the change in revenue names the clients that made it."""

from __future__ import annotations

from typing import Any

from pipeline.model.actions import Action
from pipeline.model.analysis import Analysis
from pipeline.words.i18n import ENGLISH, Words, isolate


def action_title(action: Action, w: Words = ENGLISH) -> str:
    """What to do, in a few words (the client is named beside it)."""
    return {
        "call": w._("Call this week"),
        "chase": w._("Chase payment"),
        "terms": w._("Change the terms"),
        "replace": w._("Replace lost revenue"),
        "grow": w._("Grow into an anchor"),
    }[action.kind]


def action_reason(action: Action, currency: str | None, w: Words = ENGLISH) -> str:
    """Why, from the figures that call for it, and by when."""
    f: dict[str, Any] = action.figures
    money = lambda value: w.money(value, currency)  # noqa: E731
    if action.kind == "call":
        if f["down"]:
            text = w._(
                "billed %(now)s in the last 12 months against %(then)s before, %(drop)s less",
                now=money(f["revenue"]),
                then=money(f["prior_revenue"]),
                drop=w.percent(1 - f["revenue"] / f["prior_revenue"], 0),
            )
        else:
            text = w._("brought %(now)s in the last 12 months", now=money(f["revenue"]))
        if f["at_risk"]:
            text += w._(
                "; silent %(days)s against a usual gap of %(gap)s",
                days=w.n_("%(n)s day", "%(n)s days", int(f["days_since_last"])),
                gap=w.n_("%(n)s day", "%(n)s days", round(f["judged_gap_days"] or 0)),
            )
        else:
            text += w._("; last invoice %(date)s", date=w.day(f["last_invoice"]))
        if f.get("last_contact"):
            text += w._(", last contact %(date)s", date=w.day(f["last_contact"]))
    elif action.kind == "chase":
        text = w._(
            "%(amount)s overdue, the oldest %(days)s past due",
            amount=money(f["overdue_amount"]),
            days=w.n_("%(n)s day", "%(n)s days", int(f["oldest_overdue_days"] or 0)),
        )
    elif action.kind == "terms" and not f["worst_days_late"]:
        text = w._(
            "grade D with %(share)s of revenue (%(revenue)s), %(paid)s of its billing now due "
            "paid: ask for a deposit or shorter terms before the next invoice, or plan to let it go",
            share=w.share(f["share"]),
            revenue=money(f["revenue"]),
            paid=w.percent(f["paid_share"] or 0.0, 0),
        )
    elif action.kind == "terms":
        text = w._(
            "grade D with %(share)s of revenue (%(revenue)s), up to %(days)s late: ask for a "
            "deposit or shorter terms before the next invoice, or plan to let it go",
            share=w.share(f["share"]),
            revenue=money(f["revenue"]),
            days=w.n_("%(n)s day", "%(n)s days", int(f["worst_days_late"] or 0)),
        )
    elif action.kind == "replace":
        text = w._(
            "brought %(lost)s less than the %(prior)s of the prior 12 months; last invoice %(date)s",
            lost=money(action.amount),
            prior=money(f["prior_revenue"]),
            date=w.day(f["last_invoice"]),
        )
        if f["needed"] is not None:
            text += w._(
                "; replacing it takes about %(needed)s new clients", needed=w.number(f["needed"], 1)
            )
            if f["years"] is not None:
                text += w._(
                    ", %(months)s at your pace of %(pace)s a year",
                    months=w.n_("%(n)s month", "%(n)s months", max(1, round(f["years"] * 12))),
                    pace=w.number(f["pace"], 1),
                )
    else:  # grow
        text = w._(
            "billed in %(months)s of 12 months with %(share)s of revenue, just under the "
            "anchor share: offer a retainer or an annual contract",
            months=w.number(f["months_billed"]),
            share=w.percent(f["share"]),
        )
    text = text[:1].upper() + text[1:]
    return w._("%(reason)s. By %(date)s.", reason=text, date=w.day(action.due))


def action_entries(analysis: Analysis, w: Words = ENGLISH) -> list[dict[str, Any]]:
    """The actions as the outputs show them: kind, client, amount, reason, due."""
    return [
        {
            "kind": a.kind,
            "title": action_title(a, w),
            "client": a.client,
            "amount": a.amount,
            "reason": action_reason(a, analysis.currency, w),
            "due": a.due,
        }
        for a in analysis.actions
    ]


def moved_sentence(analysis: Analysis, w: Words = ENGLISH) -> str | None:
    """Revenue now against the prior 12 months, and the clients that moved it most."""
    m = analysis.moves
    if m is None or m.prior_revenue <= 0:
        return None
    cur = analysis.currency
    figures = {
        "now": w.money(m.revenue, cur),
        "then": w.money(m.prior_revenue, cur),
        "pct": w.percent(abs(m.change_pct or 0.0)),
        "diff": w.money(abs(m.change), cur),
    }
    if m.change_pct is not None and m.change_pct <= -0.005:
        text = w._(
            "Revenue fell %(pct)s to %(now)s, %(diff)s less than the %(then)s of the prior 12 "
            "months.",
            **figures,
        )
    elif m.change_pct is not None and m.change_pct >= 0.005:
        text = w._(
            "Revenue rose %(pct)s to %(now)s, %(diff)s more than the %(then)s of the prior 12 "
            "months.",
            **figures,
        )
    else:
        text = w._("Revenue held at %(now)s against %(then)s in the prior 12 months.", **figures)
    parts = [
        w._("%(client)s %(diff)s less", client=who(x.client, w), diff=w.money(-x.change, cur))
        for x in m.losses[:2]
    ] + [
        w._("%(client)s %(diff)s more", client=who(x.client, w), diff=w.money(x.change, cur))
        for x in m.gains[:2]
    ]
    if parts:
        text += " " + w._("What moved it: %(parts)s.", parts=w.join(parts))
    if m.prior_from > analysis.windows.prior_start:
        text += " " + w._(
            "The ledger starts on %(date)s, so the prior 12 months are not complete.",
            date=w.day(m.prior_from),
        )
    return text


def who(name: str, w: Words) -> str:
    """A client's name set apart from the figures beside it on a right-to-left page."""
    return isolate(name) if w.rtl else name


def change_words(analysis: Analysis, w: Words = ENGLISH) -> str | None:
    """The change for the command's one line: "-7.6% on the prior 12 months"."""
    m = analysis.moves
    if m is None or m.change_pct is None:
        return None
    return w._("%(pct)s on the prior 12 months", pct=_signed(m.change_pct, w))


def _signed(value: float, w: Words) -> str:
    return ("+" if value > 0 else "") + w.percent(value)
