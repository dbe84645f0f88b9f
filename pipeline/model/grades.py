"""Grades A-D from how a client pays and buys, measured on its invoices up to as-of.

A best: pays on time, pays in full, repeat work that is sizeable (at least half the typical
  client's revenue) or steady (billed in half the window's months, or under contract).
B good: pays within a month of the due date and most of what is billed.
C tolerable: everything in between.
D worst: a write-off, chronic lateness (median days past due above a threshold) or most of the
matured billing unpaid. Deposits, where the workbook has a deposit column, are reported, and a
client that never pays one on a project cannot be A.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.config import Config
from pipeline.model.money import total

NO_PAYMENT_DATA = "no_payment_data"  # the grade rule of a ledger that says nothing of payment


def payment_figures(
    invoices: pl.DataFrame, as_of: dt.date, config: Config, has_deposits: bool
) -> pl.DataFrame:
    """Per client: days late (median over paid invoices, worst including open overdue ones),
    share of matured billing paid, write-offs, voids and deposits."""
    # Lazily, on the columns read here only, each figure a sum or extreme of values picked by
    # ``when``: polars then folds each client's rows as they stream by. Picked by ``filter``, it
    # gathered every group's rows for each figure, 1.8 GB more at ten million invoices.
    upto = (
        invoices.lazy()
        .select(
            "client",
            "invoice_date",
            "due_date",
            "paid_date",
            "amount",
            "status",
            "deposit",
            "project",
        )
        .filter(pl.col("invoice_date") <= as_of)
    )
    billed = upto.filter(
        (pl.col("amount") > 0) & ~pl.col("status").is_in(["void", "draft", "credit_note"])
    )
    due = pl.coalesce(
        "due_date", pl.col("invoice_date") + pl.duration(days=config.default_terms_days)
    )
    dated = pl.col("paid_date").is_not_null() & (pl.col("paid_date") <= as_of)
    # "paid" with no paid date is paid on an unknown day: paid, but no days-late figure.
    paid = dated | ((pl.col("status") == "paid") & pl.col("paid_date").is_null())
    late = (pl.col("paid_date") - due).dt.total_days()
    overdue = (pl.lit(as_of) - due).dt.total_days()
    matured = due <= as_of
    owing = ~paid & matured & (pl.col("status") == "open")
    amount = pl.col("amount")
    medians = _median_days(billed.filter(dated), late)
    folded = billed.group_by("client").agg(
        pl.max_horizontal(
            pl.when(dated).then(late).max(),
            pl.when(~paid & matured & (pl.col("status") != "written_off")).then(overdue).max(),
        ).alias("worst_days_late"),
        total(pl.when(matured).then(amount)).alias("matured_billing"),
        total(pl.when(matured & paid).then(amount)).alias("paid_billing"),
        total(pl.when(owing).then(amount)).alias("overdue_amount"),
        pl.when(owing).then(overdue).max().alias("oldest_overdue_days"),
        (pl.col("status") == "written_off").sum().cast(pl.Int64).alias("write_offs"),
        total(pl.when(pl.col("status") == "written_off").then(amount)).alias("written_off_amount"),
        pl.len().cast(pl.Int64).alias("invoices_billed"),
        (pl.col("deposit").fill_null(0) > 0).sum().cast(pl.Int64).alias("invoices_with_deposit"),
        pl.col("project").drop_nulls().n_unique().cast(pl.Int64).alias("projects"),
    )
    voids = (
        upto.filter(pl.col("status") == "void")
        .group_by("client")
        .agg(pl.len().cast(pl.Int64).alias("voids"))
    )
    # Each collected on its own: together, polars would hold the rows they share in memory.
    figures = (
        folded.collect()
        .join(medians, on="client", how="left")
        .select("client", "median_days_late", pl.exclude("client", "median_days_late"))
    )
    figures = figures.join(voids.collect(), on="client", how="left").with_columns(
        pl.col("voids").fill_null(0),
        pl.when(pl.col("matured_billing") > 0)
        .then(pl.col("paid_billing") / pl.col("matured_billing"))
        .alias("paid_share"),
    )
    if has_deposits:
        units = (
            pl.when(pl.col("projects") > 0)
            .then(pl.col("projects"))
            .otherwise(pl.col("invoices_billed"))
        )
        figures = figures.with_columns(
            (pl.col("invoices_with_deposit") / units).clip(0, 1).alias("deposit_share")
        )
    else:
        figures = figures.with_columns(pl.lit(None, pl.Float64).alias("deposit_share"))
    return figures


def _median_days(rows: pl.LazyFrame, days: pl.Expr) -> pl.DataFrame:
    """Each client's median of ``days`` (whole days), read off how many rows say each number.

    A median gathers each client's values, which takes the other figures off folding rows as
    they pass (0.7 GB more at ten million invoices). Days are few distinct whole numbers, so
    their counts are taken instead and, in order, the middle value found, or the mean of the
    middle two: the figure polars' own median gives."""
    counts = (
        rows.group_by("client", days.alias("days"))
        .agg(pl.len().alias("rows"))
        .collect()
        .sort("client", "days")
        .with_columns(
            pl.col("rows").cum_sum().over("client").alias("_through"),
            pl.col("rows").sum().over("client").alias("_all"),
        )
    )

    def at(place: pl.Expr) -> pl.Expr:  # the value at a 0-based place in the client's order
        return pl.col("days").filter(pl.col("_through") > place).first().cast(pl.Float64)

    middle = (at((pl.col("_all") - 1) // 2) + at(pl.col("_all") // 2)) / 2
    return counts.group_by("client").agg(middle.alias("median_days_late"))


def assign_grades(clients: pl.DataFrame, config: Config, has_deposits: bool) -> pl.DataFrame:
    """Add ``grade`` and ``grade_rule`` (the test that decided it); null with no matured invoice."""
    median_late = pl.col("median_days_late")
    worst = pl.col("worst_days_late").fill_null(0)
    paid_share = pl.col("paid_share")
    median = clients.filter(pl.col("revenue") > 0)["revenue"].median()
    typical = float(median) if isinstance(median, int | float) else 0.0
    repeat = pl.col("months_billed_ever") >= 2
    # Retainers and anchors are billed in arrears by arrangement: no deposit is asked of them.
    standing = (pl.col("tier") == "anchor") | pl.col("predictable_by_contract").fill_null(False)
    # "Big projects" or steady work: at least half the typical client's revenue, billed in
    # at least half the window's months, or a standing arrangement. Small and occasional is B.
    sizeable = (
        (pl.col("revenue") >= config.grade_a_min_size * typical)
        | (pl.col("months_billed") * 2 >= pl.col("window_months"))
        | standing
    )
    deposits_ok = (
        pl.lit(True)
        if not has_deposits
        else (pl.col("deposit_share").fill_null(0) >= config.grade_a_min_deposit_share) | standing
    )
    # Paid, but on no known day (a "paid" status without a paid date): how late is unknown, so
    # "on time" cannot be claimed for A, and B says so.
    on_time = median_late.is_not_null() & (median_late <= config.grade_a_max_median_late)
    rule = (
        pl.when(pl.col("matured_billing").fill_null(0) <= 0)
        .then(None)
        .when(pl.col("write_offs") > 0)
        .then(pl.lit("D_write_off"))
        .when(median_late > config.chronic_late_days)
        .then(pl.lit("D_chronic_late"))
        .when(paid_share < config.grade_d_max_paid_share)
        .then(pl.lit("D_unpaid"))
        .when(
            on_time
            & (worst <= config.grade_a_max_worst_late)
            & (paid_share >= config.grade_a_min_paid_share)
            & repeat
            & sizeable
            & deposits_ok
        )
        .then(pl.lit("A"))
        .when(median_late.is_null() & (paid_share >= config.grade_b_min_paid_share))
        .then(pl.lit("B_undated"))
        .when(
            (median_late <= config.grade_b_max_median_late)
            & (paid_share >= config.grade_b_min_paid_share)
        )
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
    )
    return clients.with_columns(rule.alias("grade_rule")).with_columns(
        pl.col("grade_rule").str.slice(0, 1).alias("grade"),
        sizeable.alias("sizeable"),
        pl.lit(typical, pl.Float64).alias("typical_client_revenue"),
    )


# The payment figures that mean nothing where the ledger does not say who paid.
_PAYMENT_FIGURES = (
    "median_days_late",
    "worst_days_late",
    "paid_share",
    "overdue_amount",
    "oldest_overdue_days",
    "paid_billing",
)


def without_payment_data(clients: pl.DataFrame) -> pl.DataFrame:
    """Grades and payment figures as unknown, for a ledger with no paid dates and no payment
    statuses (a sales log, an export of invoices alone): its invoices are not unpaid, they
    are of unknown standing, so no client is graded and nothing is overdue."""
    return clients.with_columns(
        pl.lit(NO_PAYMENT_DATA).alias("grade_rule"),
        pl.lit(None, pl.String).alias("grade"),
        *(pl.lit(None, clients.schema[c]).alias(c) for c in _PAYMENT_FIGURES),
    )
