"""Why each client carries its labels, in words built from the figures that decided them.

The model decides; this module only words the decision, in the language of the ``Words`` it is
given (English when none is), so the workbook, the briefing and ``summary.json`` give the same
reasons. Every client is worded at once (``pipeline.words.columns``): a message is a string
expression over the client table, each distinct figure formatted once, so twenty thousand
clients cost a few hundred expressions rather than a million Python steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from pipeline.config import Config
from pipeline.model.analysis import Analysis
from pipeline.words.columns import Value, Wording, shown, yes
from pipeline.words.i18n import ENGLISH, Words
from pipeline.words.labels import days, role_label, style_label
from pipeline.words.payment_reasons import grade_reason


def reason_columns(analysis: Analysis, w: Words = ENGLISH) -> pl.DataFrame:
    """The client table with its reasons in words: ``reasons`` (every reason, in order),
    ``role_reasons`` (one per role, in the roles' order), ``style_line`` and
    ``replacement_line`` (null where there is none)."""
    clients = analysis.clients
    config = analysis.config
    cur = analysis.currency
    x = Wording(clients, w, cur)
    key_client = _key_client(x)
    members = pl.when(pl.col("members").list.len().fill_null(0) > 0).then(
        x._(
            "measured as one with %(members)s (common control)",
            members=x.join(pl.col("members")),
        )
    )
    roles = _role_reasons(clients, config, cur, w)
    style = _style_reason(x, config)
    replacement = _replacement_reason(x, analysis)
    # The tier's and the grade's reasons are worked out first, each message on its own rule's
    # clients only (``Wording.cases``): at 15,000 clients the reasons took 0.28 s of processor
    # time against 0.32 s (medians of 7, interleaved; at 2,000 clients 0.13 s either way). The
    # rest is one query, lazily, so that polars works out a figure's text once where several
    # messages hold it.
    tier, grade = _tier_reason(x, config), grade_reason(x, config)
    share_line, lapse = _share_line(x), _lapse_reason(x, config, analysis.model is not None)
    major = pl.when(yes("major_customer")).then(
        x._(
            "major customer: above %(threshold)s of revenue",
            threshold=w.percent(config.major_customer_share, 0),
        )
    )
    # Every reason a column first, in one pass, then the list made of the columns some client
    # has a reason in: most ledgers leave several empty on every row (no working styles, no
    # groups), and a list built from them only had those nulls dropped again. At 15,000
    # clients the reasons took 0.220 s against 0.239 s (medians of 7 processes, interleaved).
    kept = {"role_reasons": roles, "style_line": style, "replacement_line": replacement}
    worded = (
        x.frame.lazy()
        .with_columns(part.alias(name) for name, part in kept.items())
        .with_columns(
            tier.alias("_tier"),
            grade.alias("_grade"),
            share_line.alias("_share"),
            major.alias("_major"),
            lapse.alias("_lapse"),
            key_client.alias("_key"),
            members.alias("_members"),
        )
        .drop(x.hidden)
        .collect()
    )
    order = ["_tier", "_grade", "_share", "_major", "role_reasons", "_lapse"]
    order += ["replacement_line", "style_line", "_key", "_members"]
    said = [name for name in order if _any_said(worded[name])] or order
    return worded.with_columns(_listed(worded, said).alias("reasons")).drop(
        name for name in order if name.startswith("_")
    )


def _listed(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Each row's text in ``columns`` (columns of text, or of lists of text), in their order,
    nulls left out: one list a row, empty where nothing is said. A missing list says nothing
    (``concat_list`` would have made the row's list missing; the role reasons never are).

    Stacked in one long table and grouped by row, not joined row by row as lists: at 15,259
    clients the reasons' lists took 4.9 ms against 23.7 ms (``concat_list``, then its nulls
    dropped); at 1,858, 3.0 ms against 3.2 ms.
    """
    at, part, text = "__row", "__part", "__text"
    rows = frame.select(columns).with_row_index(at)
    pieces = []
    for i, name in enumerate(columns):
        listed = isinstance(frame.schema[name], pl.List)
        piece = rows.select(
            at,
            pl.lit(i, pl.UInt32).alias(part),
            pl.col(name).cast(pl.List(pl.String) if listed else pl.String).alias(text),
        )
        pieces.append((piece.explode(text) if listed else piece).drop_nulls(text))
    # a list's own items stay in their order
    stacked = pl.concat(pieces).sort(at, part, maintain_order=True)
    return _lists_by_row(stacked, at, text, frame.height)


def _lists_by_row(long: pl.DataFrame, at: str, text: str, rows: int) -> pl.Series:
    """``long``'s ``text`` as one list for each row number ``at`` from 0 to ``rows`` - 1 (``long``
    sorted by it), in ``long``'s order within a row; an empty list for a row it does not name."""
    lists = long.group_by(at, maintain_order=True).agg(text)
    if lists.height < rows:
        every = pl.DataFrame({at: pl.int_range(rows, dtype=pl.UInt32, eager=True)})
        lists = every.join(lists, on=at, how="left", maintain_order="left")
    return lists.get_column(text).fill_null(pl.lit([], pl.List(pl.String)))


def _any_said(column: pl.Series) -> bool:
    """Whether any row of a reason's column says something (an empty list says nothing)."""
    if isinstance(column.dtype, pl.List):
        return bool((column.list.len() > 0).any())
    return column.null_count() < column.len()


def _anchor_gap(x: Wording, config: Config, months: pl.Expr) -> pl.Expr:
    """Why a material or predictable client is not an anchor, in the model's own terms."""
    w, gap = x.w, pl.col("anchor_gap")
    return (
        pl.when(gap == "not_material")
        .then(
            x._(
                "; predictable but %(share)s of revenue is under the %(threshold)s anchor threshold",
                share=x.share("share"),
                threshold=w.percent(config.anchor_min_share, 0),
            )
        )
        .when(gap == "not_predictable")
        .then(
            x._(
                "; material but not predictable (%(months)s, needs %(needed)s, or a regular cadence or a contract)",
                months=months,
                needed=w.number(config.anchor_min_months),
            )
        )
        .when(gap == "short_tenure")
        .then(
            x.n_(
                "; material and regular but billed only since %(date)s: an anchor has been billed "
                "for at least %(n)s month",
                "; material and regular but billed only since %(date)s: an anchor has been billed "
                "for at least %(n)s months",
                config.anchor_min_tenure_months,
                date=x.each("first_invoice", w.day),
            )
        )
        .otherwise(pl.lit(""))
    )


def _tier_reason(x: Wording, config: Config) -> pl.Expr:
    w, rule = x.w, pl.col("tier_rule")
    first = x.each("first_invoice", w.day)
    months = x.n_(
        "billed in %(billed)s of %(n)s month",
        "billed in %(billed)s of %(n)s months",
        "window_months",
        billed=x.number("months_billed"),
    )
    prior = (
        pl.when(pl.col("prior_revenue").is_not_null() & (pl.col("prior_revenue") != 0))
        .then(x._("%(amount)s in the prior window", amount=x.money("prior_revenue")))
        .otherwise(x._("nothing in the prior window either"))
    )
    share = x._(
        "%(share)s of revenue (at least %(threshold)s)",
        share=x.share("share"),
        threshold=w.percent(config.anchor_min_share, 0),
    )
    recurring = x.n_(
        "recurring: billed in %(n)s distinct month since %(date)s",
        "recurring: billed in %(n)s distinct months since %(date)s",
        "months_billed_ever",
        date=first,
    )
    return x.cases(
        (
            rule == "lapsed",
            x._(
                "lapsed: last invoice %(date)s, none in the window; %(prior)s",
                date=x.each("last_invoice", w.day),
                prior=prior,
            ),
        ),
        (
            rule == "new",
            x._(
                "new: first invoice %(date)s, %(days)s before as-of (judged after %(after)s)",
                date=first,
                days=x.each("tenure_days", lambda v: days(v, w)),
                after=days(config.new_client_days, w),
            ),
        ),
        (
            rule == "anchor_months",
            x._(
                "anchor: %(months)s (at least %(needed)s); %(share)s; client since %(date)s",
                months=months,
                needed=w.number(config.anchor_min_months),
                share=share,
                date=first,
            ),
        ),
        (
            rule == "anchor_cadence",
            x.n_(
                "anchor: a regular cadence, an invoice every %(gap)s over %(n)s invoice in two "
                "windows (gap variation %(cv)s, at most %(max_cv)s); %(share)s",
                "anchor: a regular cadence, an invoice every %(gap)s over %(n)s invoices in two "
                "windows (gap variation %(cv)s, at most %(max_cv)s); %(share)s",
                "cadence_invoices",
                gap=x.each("median_gap_days", lambda v: days(v, w)),
                cv=x.number("gap_cv", 2),
                max_cv=w.number(config.anchor_max_gap_cv, 2),
                share=share,
            ),
        ),
        (
            rule == "anchor_contract",
            x._(
                "anchor: contract on the Clients sheet (%(contract)s); %(share)s",
                contract=shown("contract"),
                share=share,
            ),
        ),
        (rule == "recurring", recurring + _anchor_gap(x, config, months)),
        (
            rule == "credit_only",
            x._(
                "one-off: credit notes only, no invoice (%(amount)s in the window)",
                amount=x.money("credits"),
            ),
        ),
        (pl.col("invoices_total") == 1, x._("one-off: a single invoice on %(date)s", date=first)),
        otherwise=x.n_(
            "one-off: %(n)s invoice within %(span)s (one project: at most %(limit)s apart)",
            "one-off: %(n)s invoices within %(span)s (one project: at most %(limit)s apart)",
            "invoices_total",
            span=x.each("span_days", lambda v: days(v, w)),
            limit=days(config.one_off_span_days, w),
        ),
    )


def _share_line(x: Wording) -> pl.Expr:
    return (
        pl.when(pl.col("share").is_not_null())
        .then(
            x._(
                "%(share)s of revenue, rank %(rank)s, ABC class %(abc)s",
                share=x.share("share"),
                rank=x.number("rank"),
                abc=shown("abc_class"),
            )
        )
        .otherwise(
            x._(
                "net revenue in the window %(amount)s: no share",
                amount=x.money("revenue"),
            )
        )
    )


def _role_reasons(clients: pl.DataFrame, config: Config, currency: str | None, w: Words) -> pl.Expr:
    """Each client's roles in words, one per role in the roles' order (an empty list for none)."""
    one = (
        clients.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_client"),
            pl.col("roles").alias("_role"),
            "share",
            "revenue",
            "prior_revenue",
            "second_half",
            "first_half",
            "referred_clients",
            pl.col("referred_clients").list.len().alias("_referred"),
            "referred_revenue",
            "roles_text",
            (pl.col("revenue") / pl.col("prior_revenue")).alias("_ratio"),
        )
        .explode("_role")
        .filter(pl.col("_role").is_not_null())
    )
    x = Wording(one, w, currency)
    role = pl.col("_role")
    said = (
        pl.when(role == "large-constant")
        .then(
            x._(
                "large-constant: an anchor with %(share)s of revenue (at least %(threshold)s)",
                share=x.percent("share"),  # at least the threshold: one decimal is enough
                threshold=w.percent(config.large_constant_share, 0),
            )
        )
        .when(role == "growth")
        .then(
            x._(
                "growth: %(now)s in this window against %(before)s in the prior one "
                "(×%(ratio)s), rising: %(second)s in the second half against %(first)s in the first",
                now=x.money("revenue"),
                before=x.money("prior_revenue"),
                ratio=x.number("_ratio", 1),
                second=x.money("second_half"),
                first=x.money("first_half"),
            )
        )
        .when(role == "referrer")
        .then(
            x.n_(
                "referrer: named by %(n)s client (%(names)s), who brings %(amount)s in this window",
                "referrer: named by %(n)s clients (%(names)s), who bring %(amount)s in this window",
                "_referred",
                names=x.join(pl.col("referred_clients")),
                amount=x.money("referred_revenue"),
            )
        )
        .otherwise(
            x._(
                "%(role)s: tagged on the Clients sheet (%(text)s)",
                role=x.each("_role", lambda r: role_label(r, w)),
                text=shown("roles_text"),
            )
        )
    )
    said_by = x.frame.select("_client", said.alias("_said"))
    return pl.lit(_lists_by_row(said_by, "_client", "_said", clients.height))


def _lapse_reason(x: Wording, config: Config, model_fitted: bool) -> pl.Expr:
    w = x.w
    figures: dict[str, Value] = {
        "days": x.each("days_since_last", lambda v: days(v, w)),
        "multiple": w.number(config.lapse_gap_multiple, 1),
        "gap": x.each("judged_gap_days", lambda v: days(v, w)),
    }
    at_risk = pl.when(yes("at_risk")).then(
        pl.when(yes("gap_from_business"))
        .then(
            x._(
                "at risk: %(days)s since the last invoice, more than %(multiple)s × the "
                "business's usual %(gap)s gap",
                **figures,
            )
        )
        .otherwise(
            x._(
                "at risk: %(days)s since the last invoice, more than %(multiple)s × its usual "
                "%(gap)s gap",
                **figures,
            )
        )
    )
    p = x.number("p_alive", 2)
    alive = (
        pl.when(pl.col("p_alive").is_not_null() & pl.col("expected_invoices_12m").is_not_null())
        .then(
            x._(
                "P(alive) %(p)s, %(expected)s invoices expected in the next 12 months (BG/NBD)",
                p=p,
                expected=x.number("expected_invoices_12m", 1),
            )
        )
        .when(pl.col("p_alive").is_not_null())
        .then(x._("P(alive) %(p)s (BG/NBD)", p=p))
    )
    if model_fitted:
        alive = alive.when((pl.col("tier") != "lapsed").fill_null(True)).then(
            x._(
                "no repeat invoice yet, so no P(alive): judged by the business's typical repeat gap"
            )
        )
    parts = pl.concat_str([at_risk, alive], separator="; ", ignore_nulls=True)
    return pl.when(parts != "").then(parts)


def _replacement_reason(x: Wording, analysis: Analysis) -> pl.Expr:
    """What replacing the client would take, for the clients the model measured it for."""
    w, acq = x.w, analysis.acquisition

    def when(months: float | None) -> str | None:
        if months is None:
            return None
        if months >= 1:
            return w.n_("about %(n)s month", "about %(n)s months", round(months))
        return w._("under a month")

    pace = x._(
        ", %(when)s at the recent pace of %(pace)s new clients a year",
        when=x.each("replacement_months", when),
        pace=w.number(acq.new_clients_per_year, 1),
    )
    return pl.when(pl.col("replacement_clients").is_not_null()).then(
        x._(
            "replacing it would take %(needed)s new clients at the average first-year revenue of %(average)s",
            needed=x.number("replacement_clients", 1),
            average=w.money(acq.average_first_year_revenue, x.currency),
        )
        + pl.when(pl.col("replacement_months").is_not_null()).then(pace).otherwise(pl.lit(""))
    )


def _style_reason(x: Wording, config: Config) -> pl.Expr:
    w = x.w
    since = pl.col("days_since_contact")
    contact = (
        pl.when(since.is_not_null())
        .then(
            x._(
                "last contact %(days)s ago",
                days=x.each("days_since_contact", lambda v: days(v, w)),
            )
        )
        .otherwise(x._("no contact recorded"))
    )
    check_in = x._(
        "; check in now (%(contact)s, more than %(limit)s)",
        contact=contact,
        limit=x.each("check_in_every", lambda v: days(v or config.check_in_days, w)),
    )
    return pl.when(pl.col("working_style").is_not_null()).then(
        x._(
            "working style %(style)s: %(advice)s",
            style=x.each("working_style", lambda s: style_label(s, w) if s else None),
            advice=x.each("working_style", lambda s: style_advice(s, w) if s else None),
        )
        + pl.when(yes("check_in") & (pl.col("check_in_why") == "style").fill_null(False))
        .then(check_in)
        .otherwise(pl.lit(""))
    )


def _key_client(x: Wording) -> pl.Expr:
    """Why a lapsed or at-risk client counts as lost key business."""
    prior: dict[str, Value] = {
        "share": x.percent("prior_share"),
        "rank": x.number("prior_rank"),
    }
    gone = (pl.col("tier") == "lapsed").fill_null(False) | yes("at_risk")
    return pl.when(yes("was_key") & gone).then(
        pl.when((pl.col("prior_tier") == "anchor").fill_null(False))
        .then(
            x._(
                "key client in the prior window (anchor): %(share)s of revenue, rank %(rank)s",
                **prior,
            )
        )
        .otherwise(
            x._("key client in the prior window: %(share)s of revenue, rank %(rank)s", **prior)
        )
    )


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
