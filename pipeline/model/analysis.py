"""The one frozen ``Analysis`` every output is rendered from, and the function that builds it."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipeline.config import Config
from pipeline.errors import InputError
from pipeline.model.accounts import (
    account_attributes,
    account_map,
    account_members,
    account_of,
    to_accounts,
)
from pipeline.model.actions import Action, actions
from pipeline.model.bgnbd import BGNBD
from pipeline.model.clients import client_figures, counted_invoices, invoices_of
from pipeline.model.concentration import (
    EPS,
    Concentration,
    StressCase,
    concentration,
    shares,
    stress,
)
from pipeline.model.currencies import CurrencyFigures, currency_figures
from pipeline.model.engine import engine_for
from pipeline.model.grades import assign_grades, payment_figures, without_payment_data
from pipeline.model.lapse import ModelStatus, at_risk, lapse_scores, model_note, with_lapse
from pipeline.model.money import series_total, total
from pipeline.model.moves import Moves, moves, with_changes
from pipeline.model.receivables import receivables
from pipeline.model.replacement import Acquisition, acquisition, replacement_burden
from pipeline.model.roles import assign_roles, referrals
from pipeline.model.styles import working_styles
from pipeline.model.tiers import TIERS, assign_tiers, contract_in_force
from pipeline.model.trend import trend
from pipeline.model.window import Windows, windows
from pipeline.validate.records import (
    BY_DATES,
    BY_SETTING,
    EXCLUDED_STATUSES,
    DateOrder,
    Ledger,
)


@dataclass(frozen=True)
class Totals:
    revenue: float  # net: gross billing less credit notes, in the window
    gross: float
    credits: float  # zero or negative
    invoices: int  # counted invoices (credit notes included) dated in the window
    clients: int  # accounts with at least one counted invoice in the window
    input_amount_total: float  # every usable invoice row, any status and date (ties out to input)
    void_amount: float
    overdue_amount: float | None  # open invoices past their due date at as-of; None: unknown
    d_grade_revenue_share: float  # share of window revenue from grade-D clients


@dataclass(frozen=True)
class Warning:
    code: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    config: Config
    windows: Windows
    basis: str
    currency: str | None
    totals: Totals
    concentration: Concentration
    clients: pl.DataFrame  # one row per account, ranked by window revenue
    lost_key_clients: pl.DataFrame
    stress: tuple[StressCase, ...]
    acquisition: Acquisition
    model: BGNBD | None
    model_status: ModelStatus
    warnings: tuple[Warning, ...]
    issues: pl.DataFrame
    monthly: pl.DataFrame  # month (first day), tier, revenue: the window's calendar months
    trend: pl.DataFrame  # the window's headline figures at each month-end (trend.TREND_SCHEMA)
    invoice_rows: pl.DataFrame  # sheet, row, client (account), note: each usable invoice row
    dates: DateOrder  # how the ledger's dates were read, and how many could be read otherwise
    payment_data: tuple[str, ...]  # what the ledger says of payment (validate.records.PAYMENT_DATA)
    currencies: tuple[CurrencyFigures, ...]  # each currency's own figures; left-out ones too
    amount_source: str  # how each row's amount was had
    client_sheet_rows: pl.DataFrame  # row, client (account): each Clients-sheet row
    moves: Moves | None = None  # revenue against the prior window, and who moved it
    actions: tuple[Action, ...] = ()  # what to do first, ranked by the money at stake
    receivables: pl.DataFrame | None = None  # who owes what at as-of; None: payment unknown

    @property
    def model_note(self) -> str:
        return model_note(self.model_status)

    def by_tier(self) -> dict[str, tuple[float, int]]:
        """Each tier's net revenue in the window and its number of clients (0 for an empty tier)."""
        totals = self.clients.group_by("tier").agg(total(pl.col("revenue")), pl.len())
        found = {t: (float(r), int(n)) for t, r, n in totals.iter_rows()}
        return {tier: found.get(tier, (0.0, 0)) for tier in TIERS}


def invoice_row_notes(invoices: pl.DataFrame, w: Windows, basis: str) -> pl.DataFrame:
    """Why a usable invoice row does or does not count in the window, row by row."""
    day = pl.col("invoice_date") if basis == "invoiced" else pl.col("paid_date")
    note = (
        pl.when(pl.col("status").is_in(EXCLUDED_STATUSES))
        .then(pl.format("{}: not revenue", pl.col("status")))
        .when(day.is_null())
        .then(pl.lit("unpaid: not counted on the paid basis"))
        .when(day < w.start)
        .then(pl.lit("before the window"))
        .when(day > w.as_of)
        .then(pl.lit("after the as-of date"))
    )
    # On a big ledger, a block of rows at a time: evaluated whole, each branch of the note
    # made its own column of every row first (2 GB at ten million invoices).
    return (
        invoices.lazy()
        .select("sheet", "row", "client", note.alias("note"))
        .collect(engine=engine_for(invoices.height))
    )


def monthly_by_tier(counted: pl.DataFrame, clients: pl.DataFrame, w: Windows) -> pl.DataFrame:
    """Revenue per calendar month of the window, split by each client's tier today.

    Every month and tier appears, with zero where nothing was billed, so a chart of it has no gaps.
    """
    # Lazily: each invoice takes its client's tier as it is summed, a block of rows at a time
    # on a big ledger, instead of a copy of the window's rows with a tier beside each (+170 MB
    # at ten million invoices).
    rows = (
        counted.lazy()
        .select("client", "revenue_date", "amount")
        .filter(pl.col("revenue_date").is_between(w.start, w.as_of))
        .join(clients.lazy().select("client", "tier"), on="client", how="left")
    )
    sums = (
        rows.group_by(pl.col("revenue_date").dt.truncate("1mo").alias("month"), "tier")
        .agg(total(pl.col("amount")).alias("revenue"))
        .collect(engine=engine_for(counted.height))
    )
    months = pl.date_range(w.start.replace(day=1), w.as_of.replace(day=1), "1mo", eager=True)
    grid = pl.DataFrame({"month": months}).join(pl.DataFrame({"tier": list(TIERS)}), how="cross")
    return (
        grid.join(sums, on=["month", "tier"], how="left")
        .with_columns(pl.col("revenue").fill_null(0.0))
        .sort("month", pl.col("tier").replace_strict({t: i for i, t in enumerate(TIERS)}))
    )


def _tiers_at(
    counted: pl.DataFrame, attributes: pl.DataFrame, w: Windows, config: Config
) -> pl.DataFrame:
    """Figures, shares and tiers as they stood at ``w.as_of``."""
    ranked = shares(client_figures(counted, w, config))
    return assign_tiers(ranked, contract_in_force(attributes, w.as_of), w, config)


def _prior_key(
    counted: pl.DataFrame, attributes: pl.DataFrame, w: Windows, config: Config
) -> pl.DataFrame:
    """Who was key a window ago: an anchor then, at least the key share, or among the top three."""
    prior = windows(w.prior_end, config.window_months)
    past = counted.select("client", "revenue_date", "amount").filter(
        pl.col("revenue_date") <= w.prior_end
    )
    if past.height == 0:
        return pl.DataFrame(
            schema={
                "client": pl.String,
                "prior_share": pl.Float64,
                "prior_rank": pl.Int64,
                "prior_tier": pl.String,
                "was_key": pl.Boolean,
            }
        )
    then = _tiers_at(past, attributes, prior, config)
    return then.select(
        "client",
        pl.col("share").alias("prior_share"),
        pl.col("rank").cast(pl.Int64).alias("prior_rank"),
        pl.col("tier").alias("prior_tier"),
        (
            (pl.col("tier") == "anchor")
            | (pl.col("share") >= config.key_client_share - EPS)
            | (pl.col("rank") <= 3)
        )
        .fill_null(False)
        .alias("was_key"),
    )


def _warnings(
    conc: Concentration,
    clients: pl.DataFrame,
    lost: pl.DataFrame,
    config: Config,
    dates: DateOrder,
    currencies: tuple[CurrencyFigures, ...] = (),
) -> tuple[Warning, ...]:
    found: list[Warning] = []
    anchors = clients.filter(pl.col("tier") == "anchor")
    if conc.clients_with_revenue and anchors.height == 0:
        found.append(Warning("no_anchor"))
    dominant = anchors.filter(pl.col("share") > 0.5)
    if dominant.height:
        found.append(
            Warning(
                "dominant_anchor", {"client": dominant["client"][0], "share": dominant["share"][0]}
            )
        )
    elif anchors.height == 1:
        found.append(
            Warning("single_anchor", {"client": anchors["client"][0], "share": anchors["share"][0]})
        )
    if conc.top5_red_flag:
        found.append(
            Warning(
                "top5_red_flag", {"top5_share": conc.top5_share, "threshold": config.top5_red_flag}
            )
        )
    if conc.major_customers:
        found.append(
            Warning(
                "major_customers",
                {
                    "clients": [c for c, _ in conc.major_customers],
                    "shares": [s for _, s in conc.major_customers],
                    "threshold": config.major_customer_share,
                },
            )
        )
    if lost.height:
        found.append(
            Warning(
                "lost_key_clients",
                {
                    "clients": lost["client"].to_list(),
                    "prior_revenue": series_total(lost["prior_revenue"]),
                    "revenue_lost": series_total(lost["revenue_lost"]),
                },
            )
        )
    d_grade = clients.filter(pl.col("grade") == "D")
    if d_grade.height:
        found.append(Warning("d_grade_clients", {"clients": d_grade["client"].to_list()}))
    left_out = [c for c in currencies if not c.counted and c.invoices]
    if left_out:
        found.append(
            Warning(
                "currencies_left_out",
                {
                    "currencies": [
                        {"currency": c.currency, "invoices": c.invoices, "revenue": c.revenue}
                        for c in left_out
                    ]
                },
            )
        )
    if dates.ambiguous and dates.decided_by not in (BY_DATES, BY_SETTING):
        found.append(
            Warning(
                "dates_ambiguous",
                {
                    "count": dates.ambiguous,
                    "example": dates.example,
                    "order": dates.order,
                    "other": dates.other,
                    "decided_by": dates.decided_by,
                    "layout": dates.layout,
                },
            )
        )
    return tuple(found)


def _headline_last(points: pl.DataFrame, revenue: float, conc: Concentration) -> pl.DataFrame:
    """The trend's last point is the as-of window: the headline's own figures, bit for bit."""
    last = pl.int_range(pl.len()) == pl.len() - 1
    figures = {
        "revenue": revenue,
        "top1_share": conc.top1_share,
        "top5_share": conc.top5_share,
        "effective_clients": conc.effective_clients,
        "hhi": conc.hhi,
    }
    return points.with_columns(
        pl.when(last).then(pl.lit(v, dtype=pl.Float64)).otherwise(pl.col(k)).alias(k)
        for k, v in figures.items()
    )


def _ledger_end(latest: dt.date, set_aside: pl.DataFrame | None, basis: str) -> dt.date:
    """The ledger ends at its last invoice in any currency: invoices left out for want of a
    rate still show how far the books run, so they move the window as they would if counted."""
    if set_aside is None or set_aside.height == 0:
        return latest
    aside = counted_invoices(set_aside, basis)["revenue_date"].max()
    return max(latest, aside) if isinstance(aside, dt.date) else latest


def analyse(ledger: Ledger, config: Config) -> Analysis:
    """Compute every figure and label of one workbook; nothing here knows files or formats."""
    mapping = account_map(ledger.invoices, ledger.clients)
    lines = to_accounts(ledger.invoices, mapping)
    invoices = invoices_of(lines)
    attributes = account_attributes(ledger.clients, mapping)
    counted = counted_invoices(invoices, config.basis)
    if counted.height == 0:
        if invoices.height and invoices["status"].is_in(EXCLUDED_STATUSES).all():
            raise InputError(
                f"sheet '{ledger.invoice_sheet}': every invoice is void or draft "
                f"({invoices.height} rows), so there is no revenue to analyse."
            )
        if config.basis == "paid" and invoices.height:
            raise InputError(
                f"sheet '{ledger.invoice_sheet}': no invoice has a paid date, so nothing counts on the "
                "paid basis. Add the paid dates, or count by invoice date (--basis invoiced)."
            )
        raise InputError(
            f"sheet '{ledger.invoice_sheet}': no invoice rows can be counted "
            f"({ledger.rows_read} rows read, {ledger.issues.height} data issues"
            f"{_commonest(ledger.issues)}). Each invoice needs a client, a date and an amount."
        )
    first, latest = counted["revenue_date"].min(), counted["revenue_date"].max()
    assert isinstance(first, dt.date) and isinstance(latest, dt.date)  # counted is non-empty
    latest = _ledger_end(latest, ledger.set_aside, config.basis)
    as_of = config.as_of or latest
    w = windows(as_of, config.window_months)
    # What needs only the invoices is worked out on threads (polars lets go of the interpreter,
    # and numpy on whole columns) while the clients are tiered and graded here: the BG/NBD fit,
    # the trend, who was key a window ago, and how each client pays. At 15,000 clients they are
    # 0.15 s, 0.23 s, 0.13 s and 0.05 s on their own; with the fit here, not on a thread, the
    # analysis took 0.61 s against 0.54 s (medians of 8).
    aside = ThreadPoolExecutor(max_workers=3, thread_name_prefix="tierbook-model")
    lapse_ahead = aside.submit(lapse_scores, counted, as_of, config)
    trend_ahead = aside.submit(trend, counted, as_of, config)
    prior_ahead = aside.submit(_prior_key, counted, attributes, w, config)
    paying_ahead = aside.submit(payment_figures, invoices, as_of, config, ledger.has_deposits)
    aside.shutdown(wait=False)  # the threads end with their jobs
    ranked = shares(client_figures(counted, w, config))
    conc = concentration(ranked, config)
    if conc.clients_with_revenue == 0:
        raise InputError(
            f"sheet '{ledger.invoice_sheet}': no client has revenue between {w.start.isoformat()} and "
            f"{w.as_of.isoformat()} ({config.basis} basis); the counted invoices run from "
            f"{first.isoformat()} to {latest.isoformat()}. Choose an --as-of date within them."
        )
    clients = assign_tiers(ranked, contract_in_force(attributes, as_of), w, config)
    clients = at_risk(clients, config)
    lapse = lapse_ahead.result()
    clients = clients.join(prior_ahead.result(), on="client", how="left").with_columns(
        pl.col("was_key").fill_null(False),
        (pl.col("share") > config.major_customer_share + EPS)
        .fill_null(False)
        .alias("major_customer"),
    )
    facts = attributes.select(
        "client",
        pl.col("roles").alias("roles_text"),
        pl.col("working_style").alias("working_style_text"),
        "last_contact",
        "referred_by",
        "client_since",
        "notes",
    )
    clients = clients.join(facts, on="client", how="left")
    clients = clients.join(paying_ahead.result(), on="client", how="left")
    clients = assign_grades(clients, config, ledger.has_deposits)
    if not ledger.knows_payment:
        clients = without_payment_data(clients)
    clients = assign_roles(clients, referrals(ledger.clients, mapping, clients), counted, w, config)
    clients = working_styles(clients, as_of, config)
    clients, model, model_status = with_lapse(clients, lapse), lapse.model, lapse.status
    acq = acquisition(counted, w, config.window_months, clients)
    clients = replacement_burden(clients, acq)
    members = account_members(mapping)
    clients = clients.join(members, on="client", how="left").with_columns(
        pl.col("members").fill_null([])
    )
    clients = with_changes(clients.sort(["revenue", "client"], descending=[True, False]))

    lost = (
        # Lost: gone (lapsed), or silent past what its cadence allows having kept little of
        # what it brought; one still bringing more is slipping, a call to make (see actions).
        clients.filter(
            pl.col("was_key")
            & (
                (pl.col("tier") == "lapsed")
                | (
                    pl.col("at_risk")
                    & (
                        pl.col("revenue").fill_null(0.0)
                        < config.lost_revenue_kept * pl.col("prior_revenue").fill_null(0.0)
                    )
                )
            )
        )
        .select(
            "client",
            "tier",
            "prior_tier",
            "prior_revenue",
            "prior_share",
            "prior_rank",
            "revenue",
            (pl.col("prior_revenue") - pl.col("revenue")).clip(lower_bound=0).alias("revenue_lost"),
            "last_invoice",
            "days_since_last",
            "judged_gap_days",
            "notes",
        )
        .sort("prior_revenue", descending=True)
    )

    # a lost client gets a post-mortem, never a check-in
    clients = clients.with_columns(
        (pl.col("check_in") & ~pl.col("client").is_in(lost["client"].implode())).alias("check_in")
    )
    window_rows = counted.select("client", "revenue_date", "amount").filter(
        pl.col("revenue_date").is_between(w.start, w.as_of)
    )
    currencies = currency_figures(counted, ledger.set_aside, w, ledger.currency, dict(config.rates))
    revenue = series_total(window_rows["amount"])
    d_revenue = series_total(clients.filter(pl.col("grade") == "D")["revenue"].clip(lower_bound=0))
    totals = Totals(
        revenue=revenue,
        gross=series_total(window_rows.filter(pl.col("amount") > 0)["amount"]),
        credits=series_total(window_rows.filter(pl.col("amount") < 0)["amount"]),
        invoices=window_rows.height,
        clients=window_rows["client"].n_unique(),
        input_amount_total=series_total(ledger.invoices["amount"]),
        void_amount=float(
            series_total(
                ledger.invoices.filter(pl.col("status").is_in(["void", "draft"]))["amount"]
            )
        ),
        overdue_amount=(
            series_total(clients["overdue_amount"].fill_null(0)) if ledger.knows_payment else None
        ),
        d_grade_revenue_share=d_revenue / conc.share_base if conc.share_base else 0.0,
    )
    return Analysis(
        moves=moves(counted, clients, w, revenue),
        actions=actions(clients, lost, acq, as_of, config),
        receivables=(
            receivables(invoices, clients.select("client", "revenue"), w, config)
            if ledger.knows_payment
            else None
        ),
        config=config.replace(as_of=as_of),
        windows=w,
        basis=config.basis,
        currency=ledger.currency,
        totals=totals,
        concentration=conc,
        clients=clients,
        lost_key_clients=lost,
        stress=stress(ranked, tuple(k for k in (1, 3) if k == 1 or conc.clients_with_revenue > k)),
        acquisition=acq,
        model=model,
        model_status=model_status,
        warnings=_warnings(conc, clients, lost, config, ledger.dates, currencies),
        issues=ledger.issues,
        monthly=monthly_by_tier(counted, clients, w),
        trend=_headline_last(trend_ahead.result(), totals.revenue, conc),
        invoice_rows=invoice_row_notes(lines, w, config.basis),
        dates=ledger.dates,
        payment_data=ledger.payment_data,
        currencies=currencies,
        amount_source=ledger.amount_source,
        client_sheet_rows=ledger.clients.select(
            "row",
            # a ledger without a Clients sheet looks no name up (the lookup is built per call)
            pl.coalesce(account_of(mapping, pl.col("client")), pl.col("client")).alias("client")
            if ledger.clients.height
            else pl.col("client"),
        ),
    )


def _commonest(issues: pl.DataFrame) -> str:
    """The data issue most rows share, said with its column, so a refusal names the fix."""
    if not issues.height or not {"problem", "column"} <= set(issues.columns):
        return ""
    top = (
        issues.group_by("problem", "column")
        .len()
        .sort(["len", "problem"], descending=[True, False])
        .row(0, named=True)
    )
    column = f" in '{top['column']}'" if top["column"] else ""
    return f", most of them: {top['len']:,} rows with {top['problem']}{column}"
