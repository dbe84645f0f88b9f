"""Why each client carries its payment grade, and how late it pays, in words built from the
figures that decided them (the grade's reason is one of ``reasons.reason_columns``)."""

from __future__ import annotations

import polars as pl

from pipeline.config import Config
from pipeline.words.columns import Wording, yes
from pipeline.words.i18n import ENGLISH, Words
from pipeline.words.labels import days


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


def grade_reason(x: Wording, config: Config) -> pl.Expr:
    """Each client's grade and what decided it: the rule, its limits and the client's figures."""
    w, rule = x.w, pl.col("grade_rule")
    median, deposit_share = pl.col("median_days_late"), pl.col("deposit_share")
    paid = x._("paid %(share)s of billing now due", share=x.percent("paid_share", 0))
    late = (
        pl.when(median.is_null())  # paid on no known day: a status without a paid date
        .then(x._("no paid dates, so how late is unknown"))
        .otherwise(x.each(["median_days_late", "worst_days_late"], lambda m, v: lateness(m, v, w)))
    )
    deposits = (
        pl.when(deposit_share.is_not_null())
        .then(
            x._(
                "; deposits on %(share)s of projects",
                share=x.percent("deposit_share", 0),
            )
        )
        .otherwise(pl.lit(""))
    )
    standing = (pl.col("tier") == "anchor").fill_null(False) | yes("predictable_by_contract")
    short_of_a = [
        (
            x.above("median_days_late", config.grade_a_max_median_late),
            x._("median more than %(days)s late", days=days(config.grade_a_max_median_late, w)),
        ),
        (
            x.above("worst_days_late", config.grade_a_max_worst_late),
            x._("worst more than %(days)s late", days=days(config.grade_a_max_worst_late, w)),
        ),
        (
            x.below("paid_share", config.grade_a_min_paid_share),
            x._("under %(share)s paid", share=w.percent(config.grade_a_min_paid_share, 0)),
        ),
        (pl.col("months_billed_ever") < 2, x._("no repeat work")),
        (
            ~yes("sizeable"),
            x._(
                "small and occasional: under %(multiple)s × the typical client's %(typical)s and "
                "billed in under half the months",
                multiple=w.number(config.grade_a_min_size, 1),
                typical=x.money("typical_client_revenue"),
            ),
        ),
        (
            deposit_share.is_not_null()
            & x.below("deposit_share", config.grade_a_min_deposit_share)
            & ~standing,
            x._(
                "deposits on under %(share)s of projects",
                share=w.percent(config.grade_a_min_deposit_share, 0),
            ),
        ),
    ]
    missing = pl.concat_str(
        [pl.when(short).then(text) for short, text in short_of_a],
        separator=w._(", "),
        ignore_nulls=True,
    )
    why = (
        pl.when(pl.any_horizontal(short for short, _ in short_of_a))
        .then(x._(" (not A: %(missing)s)", missing=missing))
        .otherwise(pl.lit(""))
    )
    return x.cases(
        (
            rule.is_null(),
            x._("no grade yet: no invoice has reached its due date"),
        ),
        (
            rule == "no_payment_data",
            x._("no grade: the ledger holds no paid dates or payment statuses"),
        ),
        (
            rule == "D_write_off",
            x.n_(
                "grade D: %(n)s invoice written off (%(amount)s)",
                "grade D: %(n)s invoices written off (%(amount)s)",
                "write_offs",
                amount=x.money("written_off_amount"),
            ),
        ),
        (
            rule == "D_chronic_late",
            x._(
                "grade D: pays %(late)s, more than %(limit)s",
                late=late,
                limit=days(config.chronic_late_days, w),
            ),
        ),
        (
            rule == "D_unpaid",
            x._(
                "grade D: %(paid)s, under %(limit)s",
                paid=paid,
                limit=w.percent(config.grade_d_max_paid_share, 0),
            ),
        ),
        (
            rule == "A",
            x._(
                "grade A: pays on time (%(late)s); %(paid)s; repeat work that is sizeable or steady%(deposits)s",
                late=late,
                paid=paid,
                deposits=deposits,
            ),
        ),
        (
            (rule == "C") & median.is_null(),
            x._(
                "grade C: %(paid)s; %(late)s (B needs %(share)s paid)%(deposits)s",
                paid=paid,
                late=late,
                share=w.percent(config.grade_b_min_paid_share, 0),
                deposits=deposits,
            ),
        ),
        (
            rule == "B_undated",
            x._(
                "grade B: %(paid)s; %(late)s (A needs paying on time)%(deposits)s",
                paid=paid,
                late=late,
                deposits=deposits,
            ),
        ),
        (
            rule == "B",
            x._(
                "grade B: pays %(late)s; %(paid)s%(deposits)s%(why)s",
                late=late,
                paid=paid,
                deposits=deposits,
                why=why,
            ),
        ),
        otherwise=x._(
            "grade C: pays %(late)s; %(paid)s%(deposits)s (B needs a median of at most %(median)s "
            "and %(share)s paid)",
            late=late,
            paid=paid,
            deposits=deposits,
            median=days(config.grade_b_max_median_late, w),
            share=w.percent(config.grade_b_min_paid_share, 0),
        ),
    )
