"""The business in sentences: the verdict, warnings, the stress test, the trend, advice, and the
portfolio's risk reasons, each built from the figures behind it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from pipeline.config import Config
from pipeline.model.analysis import Analysis, Warning
from pipeline.model.trend import year_ago
from pipeline.words.i18n import ENGLISH, Words, isolate
from pipeline.words.labels import hhi_band_label, verdict_label
from pipeline.words.rows import worded


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
        share=w.share(conc.top1_share),
        band=band,
        top5=w.percent(conc.top5_share),
    )


NAMES_SHOWN = 10  # the clients a warning names, largest first; the workbook lists every one


def named(names: list[str], w: Words = ENGLISH) -> str:
    """Clients in running text: the first ``NAMES_SHOWN``, then how many more (a long tail's
    six hundred grade D clients are the workbook's to list, not a sentence's)."""
    shown = list(names[:NAMES_SHOWN])
    rest = len(names) - len(shown)
    if rest > 0:
        shown.append(w.n_("and %(num)s more", "and %(num)s more", rest, num=w.number(rest)))
    return w.join(shown)


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
            names = named(
                [
                    w._("%(what)s (%(detail)s)", what=c, detail=w.percent(s))
                    for c, s in zip(f["clients"], f["shares"], strict=True)
                ],
                w,
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
                clients=named(list(f["clients"]), w),
                prior=w.money(f["prior_revenue"], currency),
                lost=w.money(f["revenue_lost"], currency),
            )
        case "d_grade_clients":
            return w._(
                "Grade D clients (write-offs, chronic lateness or unpaid billing): %(clients)s.",
                clients=named(list(f["clients"]), w),
            )
        case "dates_ambiguous":
            return dates_sentence(f, w)
        case "currencies_left_out":
            return currencies_sentence(f, currency, w)
    return warning.code


def currencies_sentence(f: Mapping[str, Any], reporting: str | None, w: Words = ENGLISH) -> str:
    """Invoices in currencies with no rate: how many, how much, and how to count them."""
    parts = [
        w.n_(
            "%(n)s %(currency)s invoice (%(amount)s in this window)",
            "%(n)s %(currency)s invoices (%(amount)s in this window)",
            c["invoices"],
            currency=c["currency"],
            amount=w.money(c["revenue"], c["currency"]),
        )
        for c in f["currencies"]
    ]
    first = f["currencies"][0]["currency"]
    return w._(
        "Not counted: %(what)s. Amounts in another currency are never added to %(currency)s; "
        "to count them, give a rate (for example --rate %(code)s=…, the %(currency)s of one "
        "%(code)s).",
        what=w.join(parts),
        currency=reporting or "",
        code=first,
    )


def order_label(order: str, w: Words = ENGLISH) -> str:
    """How a date's numbers run, for people."""
    return {
        "dmy": w._("day first"),
        "mdy": w._("month first"),
        "ymd": w._("year first"),
    }[order]


def dates_sentence(f: Mapping[str, Any], w: Words = ENGLISH) -> str:
    """Dates that could be read either way: how they were read, and the flag that reads them
    the other way."""
    how = {
        "layout": w._("as %(layout)s writes them", layout=f.get("layout") or ""),
        "plausibility": w._("the reading in which they look more like a ledger's dates"),
        "default": w._("by default"),
    }.get(f["decided_by"], f["decided_by"])
    return w.n_(
        "%(n)s date, such as %(example)s, could be read day first or month first; it was read "
        "%(order)s (%(how)s). If that is wrong, run again with --dates %(flag)s.",
        "%(n)s dates, such as %(example)s, could be read day first or month first; they were "
        "read %(order)s (%(how)s). If that is wrong, run again with --dates %(flag)s.",
        f["count"],
        example=f["example"],
        order=order_label(f["order"], w),
        how=how,
        flag=f["other"],
    )


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
    first = worded(analysis, w).filter(pl.col("tier") == "anchor").head(1)
    for c in first.select("client", "replacement_line").to_dicts():
        text = c["replacement_line"]
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
        top = analysis.clients.filter(pl.col("prior_rank") == 1)
        if top.height and (top["change"][0] or 0.0) < 0:
            # The share fell because the largest client shrank or left: no better balance.
            share = w._(
                "Your largest client's share fell from %(before)s to %(now)s since %(date)s "
                "because %(client)s, the largest then, brought %(lost)s less, not because the "
                "others grew.",
                client=isolate(top["client"][0]) if w.rtl else top["client"][0],
                lost=w.money(-top["change"][0], analysis.currency),
                **figures,
            )
    else:
        share = w._("Your largest client's share held at about %(now)s since %(date)s.", **figures)
    # The trend counts anchors by the months rule alone; the sentence says so, since the
    # anchor list beside it also holds anchors by cadence or contract.
    rule = {
        "months": w.number(analysis.config.anchor_min_months),
        "window": w.number(analysis.config.window_months),
    }
    if now["anchors"] != then["anchors"]:
        anchors = w.n_(
            "You now have %(n)s steady anchor (billed in %(months)s of %(window)s months or "
            "more) where you had %(before)s.",
            "You now have %(n)s steady anchors (billed in %(months)s of %(window)s months or "
            "more) where you had %(before)s.",
            now["anchors"],
            before=w.number(then["anchors"]),
            **rule,
        )
    else:
        anchors = w.n_(
            "You have %(n)s steady anchor (billed in %(months)s of %(window)s months or more), "
            "as then.",
            "You have %(n)s steady anchors (billed in %(months)s of %(window)s months or more), "
            "as then.",
            now["anchors"],
            **rule,
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
        case "lost" if f.get("share") is not None:
            text = w.n_(
                "%(n)s lost key client, %(amount)s less than in the prior window "
                "(%(share)s of its revenue)",
                "%(n)s lost key clients, %(amount)s less than in the prior window "
                "(%(share)s of its revenue)",
                f["count"],
                amount=w.money(f["revenue"], currency),
                share=w.percent(f["share"]),
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


def model_sentence(status: tuple[str, Mapping[str, Any]], w: Words = ENGLISH) -> str:
    """Whether the lapse model (BG/NBD) was used, and why, in the reader's language."""
    code, f = status
    if code == "not_fitted":
        return w._(
            "The lapse model (BG/NBD) was not fitted: %(repeaters)s clients have repeat "
            "invoices, fewer than the %(needed)s it needs, so at-risk flags come from each "
            "client's own gap between invoices.",
            repeaters=w.number(f["repeaters"]),
            needed=w.number(f["needed"]),
        )
    if code == "ran_away":
        return w._(
            "The lapse model (BG/NBD) was not used: its fit on %(clients)s clients ran away "
            "(%(params)s), as the ledger's rhythm is too uniform for it, so at-risk flags come "
            "from each client's own gap between invoices.",
            clients=w.number(f["clients"]),
            params=f["params"],
        )
    return w._(
        "The lapse model (BG/NBD) was fitted on %(clients)s clients (%(repeaters)s with repeat "
        "invoices), time in weeks; it gives each client's chance of still being active.",
        clients=w.number(f["clients"]),
        repeaters=w.number(f["repeaters"]),
    )
