"""The model's per-client figures, now taken lazily from only the columns they read, against
the rules written out row by row in plain Python over drawn ledgers: nulls in every date, each
status, credits, zero amounts, deposits and projects or none. A figure picked by ``when``
instead of ``filter`` must treat a null exactly as a row left out."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from pipeline.config import Config
from pipeline.model.accounts import MEMBER, account_map, account_of, to_accounts
from pipeline.model.clients import client_figures, counted_invoices
from pipeline.model.currencies import currency_figures
from pipeline.model.grades import payment_figures
from pipeline.model.receivables import BUCKETS, receivables
from pipeline.model.replacement import acquisition
from pipeline.model.trend import trend
from pipeline.model.window import windows
from pipeline.read.sheets import read_workbook
from pipeline.validate.ledger import build_ledger, handed_over
from pipeline.validate.records import EXCLUDED_STATUSES, INVOICE_SCHEMA

AS_OF = dt.date(2026, 6, 30)
TERMS = Config().default_terms_days
STATUSES = ("paid", "open", "void", "draft", "credit_note", "written_off", "partial")
# Back past the start of the window before the last (730 days), where cadence gaps stop.
DAY = st.integers(-900, 60).map(lambda n: AS_OF + dt.timedelta(days=n))

row = st.fixed_dictionaries(
    {
        "client": st.sampled_from(("Ash", "Birch", "Cedar", "Dogwood")),
        "invoice_no": st.sampled_from(("1", "2", "3")) | st.none(),
        "invoice_date": DAY,
        "due_date": DAY | st.none(),
        "paid_date": DAY | st.none(),
        "amount": st.sampled_from((-40.0, 0.0, 0.1, 0.2, 12.5, 300.0, 1999.99)),
        "status": st.sampled_from(STATUSES),
        "deposit": st.sampled_from((None, 0.0, 50.0)),
        "project": st.sampled_from((None, "site", "audit")),
        "currency": st.sampled_from(("EUR", "USD")) | st.none(),
    }
)
ledgers = st.lists(row, min_size=1, max_size=40)
CLIENTS = pl.DataFrame(
    {"client": ["Ash"], "tier": ["anchor"], "major_customer": [True]},
)


def frame(rows: list[dict]) -> pl.DataFrame:
    """The drawn rows as the ledger holds them: one invoice per row."""
    full = [
        {
            **r,
            "row": i + 2,
            "sheet": "Invoices",
            "description": None,
            "invoice": i,  # each row its own invoice, numbered as the ledger numbers them
            "currency_written": r["currency"],
            "amount_written": r["amount"],
        }
        for i, r in enumerate(rows)
    ]
    return pl.DataFrame(full, schema=INVOICE_SCHEMA)


def due(r: dict) -> dt.date:
    return r["due_date"] or r["invoice_date"] + dt.timedelta(days=TERMS)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def expected_payment(rows: list[dict], has_deposits: bool) -> dict[str, dict]:
    """The grade figures per client, by the rules of ``grades`` read one row at a time."""
    upto = [r for r in rows if r["invoice_date"] <= AS_OF]
    billed = defaultdict(list)
    for r in upto:
        if r["amount"] > 0 and r["status"] not in ("void", "draft", "credit_note"):
            billed[r["client"]].append(r)
    found = {}
    for client, mine in billed.items():
        dated = [r for r in mine if r["paid_date"] is not None and r["paid_date"] <= AS_OF]
        late = [(r["paid_date"] - due(r)).days for r in dated]

        def paid(r: dict, dated: list[dict] = dated) -> bool:
            return any(r is d for d in dated) or (r["status"] == "paid" and r["paid_date"] is None)

        matured = [r for r in mine if due(r) <= AS_OF]
        owing = [r for r in matured if not paid(r) and r["status"] == "open"]
        overdue = [
            (AS_OF - due(r)).days for r in matured if not paid(r) and r["status"] != "written_off"
        ]
        worst = [x for x in (max(late, default=None), max(overdue, default=None)) if x is not None]
        projects = {r["project"] for r in mine if r["project"] is not None}
        deposits = sum(1 for r in mine if (r["deposit"] or 0) > 0)
        matured_billing = sum(r["amount"] for r in matured)
        paid_billing = sum(r["amount"] for r in matured if paid(r))
        units = len(projects) or len(mine)
        found[client] = {
            "median_days_late": statistics.median(late) if late else None,
            "worst_days_late": max(worst) if worst else None,
            "matured_billing": matured_billing,
            "paid_billing": paid_billing,
            "overdue_amount": sum(r["amount"] for r in owing),
            "oldest_overdue_days": max(((AS_OF - due(r)).days for r in owing), default=None),
            "write_offs": sum(1 for r in mine if r["status"] == "written_off"),
            "written_off_amount": sum(r["amount"] for r in mine if r["status"] == "written_off"),
            "invoices_billed": len(mine),
            "invoices_with_deposit": deposits,
            "projects": len(projects),
            "voids": sum(1 for r in upto if r["client"] == client and r["status"] == "void"),
            "paid_share": paid_billing / matured_billing if matured_billing > 0 else None,
            "deposit_share": min(max(deposits / units, 0), 1) if has_deposits else None,
        }
    return found


@settings(max_examples=150, deadline=None)
@given(ledgers, st.booleans())
def test_payment_figures_follow_the_rules_row_by_row(rows, has_deposits):
    got = payment_figures(frame(rows), AS_OF, Config(), has_deposits)
    want = expected_payment(rows, has_deposits)
    assert got.columns[:2] == ["client", "median_days_late"]
    assert set(got["client"]) == set(want)
    for figures in got.iter_rows(named=True):
        for name, value in want[figures["client"]].items():
            assert close(figures[name], value), (figures["client"], name, figures[name], value)


@settings(max_examples=150, deadline=None)
@given(ledgers)
def test_receivables_follow_the_rules_row_by_row(rows):
    w = windows(AS_OF, 12)
    revenue = {"Ash": 1000.0, "Birch": 0.0, "Cedar": None, "Dogwood": 250.0}
    got = receivables(
        frame(rows),
        pl.DataFrame({"client": list(revenue), "revenue": list(revenue.values())}),
        w,
        Config(),
    )
    owing: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in rows:
        paid = (r["paid_date"] is not None and r["paid_date"] <= AS_OF) or r["status"] == "paid"
        if r["invoice_date"] <= AS_OF and r["amount"] > 0 and r["status"] == "open" and not paid:
            owing[r["client"]].append(((AS_OF - due(r)).days, r["amount"]))
    want = {}
    for client, owed in owing.items():
        outstanding = sum(a for _, a in owed)
        if outstanding <= 0:
            continue
        buckets = {
            column: sum(
                a
                for days, a in owed
                if (low is None or days >= low) and (high is None or days <= high)
            )
            for column, low, high in BUCKETS
        }
        rev = revenue[client]
        want[client] = {
            **buckets,
            "outstanding": outstanding,
            "oldest_days_past_due": max(days for days, _ in owed),
            "overdue": round(outstanding - buckets["current"], 2),
            "debtor_days": (
                round(outstanding / rev * ((w.end - w.start).days + 1)) if rev else None
            ),
        }
    assert got["client"].to_list() == sorted(want, key=lambda c: (-want[c]["outstanding"], c))
    for figures in got.iter_rows(named=True):
        for name, value in want[figures["client"]].items():
            assert close(figures[name], value), (figures["client"], name, figures[name], value)


@settings(max_examples=100, deadline=None)
@given(ledgers, st.sampled_from(("invoiced", "paid")))
def test_counted_invoices_are_the_ledgers_rows_that_count_in_order(rows, basis):
    got = counted_invoices(frame(rows), basis)
    want = []
    for r in rows:
        if r["status"] in EXCLUDED_STATUSES:
            continue
        if basis == "invoiced":
            day = r["invoice_date"]
        elif r["amount"] < 0:
            day = r["paid_date"] or r["invoice_date"]
        else:
            day = r["paid_date"] if r["status"] != "written_off" else None
        if day is not None:
            want.append((r["client"], r["amount"], day))
    assert got.select("client", "amount", "revenue_date").rows() == want


@settings(max_examples=100, deadline=None)
@given(ledgers, st.sampled_from(("invoiced", "paid")), st.sets(st.integers(0, 39)))
def test_counted_invoices_keep_each_amount_as_written(rows, basis, converted):
    """Where a rate converted some amounts, each counted row keeps the amount it was written
    in; where none did, the amount as written is the amount (shared, not copied)."""
    ledger = frame(rows).with_columns(
        pl.when(pl.int_range(pl.len()).is_in(sorted(converted)))
        .then(pl.col("amount") * 4)
        .otherwise(pl.col("amount"))
        .alias("amount_written")
    )
    got = counted_invoices(ledger, basis)
    want = [
        (r["amount"], r["amount"] * 4 if i in converted else r["amount"])
        for i, r in enumerate(rows)
        if r["status"] not in EXCLUDED_STATUSES
    ]
    kept = counted_invoices(frame(rows), basis)  # every amount as written
    assert got.columns == kept.columns
    assert got.height == kept.height
    if basis == "invoiced":  # every row not excluded counts, in order
        assert got.select("amount", "amount_written").rows() == want
    assert kept["amount_written"].to_list() == kept["amount"].to_list()


@settings(max_examples=100, deadline=None)
@given(ledgers, ledgers)
def test_each_currencys_invoices_are_counted_once(rows, aside_rows):
    """Counted invoices are one row each; set-aside rows are lines of invoices, several of which
    may share one number, so the invoices there are told by their key."""
    w = windows(AS_OF, 12)
    counted = counted_invoices(frame(rows), "invoiced")
    aside = frame(aside_rows).with_columns(
        pl.concat_str("invoice_no", "client", separator="/")
        .fill_null(pl.col("invoice").cast(pl.String))  # set aside, keys keep their text
        .alias("invoice")
    )
    got = {
        (c.currency, c.counted): (c.invoices, c.revenue)
        for c in currency_figures(counted, aside, w, "EUR", {})
    }
    want: dict[tuple[str, bool], tuple[set, float]] = {}

    def counts(r: dict) -> bool:
        return (
            r["status"] not in EXCLUDED_STATUSES
            and r["currency"] is not None
            and w.start <= r["invoice_date"] <= AS_OF
        )

    for r in filter(counts, rows):
        keys, total = want.get((r["currency"], True), (set(), 0.0))
        want[(r["currency"], True)] = (keys | {id(r)}, total + r["amount"])
    for r in filter(counts, aside_rows):
        key = f"{r['invoice_no']}/{r['client']}" if r["invoice_no"] else id(r)
        keys, total = want.get((r["currency"], False), (set(), 0.0))
        want[(r["currency"], False)] = (keys | {key}, total + r["amount"])
    assert set(got) == set(want)
    for key, (keys, total) in want.items():
        assert got[key][0] == len(keys)
        assert close(got[key][1], total)


@settings(max_examples=40, deadline=None)
@given(ledgers, st.sampled_from(("invoiced", "paid")))
def test_both_engines_give_the_same_counted_rows_and_figures(rows, basis):
    """A big ledger's queries stream, a small one's run in memory: the same rows, in the same
    order, and the same figures either way."""
    import pipeline.model.engine as engine

    def run() -> tuple:
        counted = counted_invoices(frame(rows), basis)
        w = windows(AS_OF, 12)
        return counted.rows(), acquisition(counted, w, 12, CLIENTS), trend(counted, AS_OF, Config())

    small = run()
    previous = engine.STREAMING_FROM
    engine.STREAMING_FROM = 0
    try:
        big = run()
    finally:
        engine.STREAMING_FROM = previous
    assert small[0] == big[0]
    assert small[1] == big[1]
    assert small[2].equals(big[2])


def expected_client_figures(counted: list[tuple], as_of: dt.date) -> dict[str, dict]:
    """``client_figures`` by its rules, one counted row at a time."""
    w = windows(as_of, 12)

    def month(d: dt.date) -> int:  # the rolling month a day is in: 0 for the one ending as-of
        return (as_of.year * 12 + as_of.month) - (d.year * 12 + d.month) - (d.day > as_of.day)

    by_client: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
    for client, amount, day in counted:
        if day <= as_of:
            by_client[client].append((day, amount))
    want = {}
    for client, rows in by_client.items():
        inside = [a for d, a in rows if w.start <= d <= as_of]
        active = sorted({d for d, a in rows if a >= 0})
        cadence = [d for d in active if w.prior_start <= d <= as_of]
        gaps = [(b - a).days for a, b in zip(cadence, cadence[1:], strict=False)]
        every_gap = [(b - a).days for a, b in zip(active, active[1:], strict=False)]
        first, last = (active[0], active[-1]) if active else (None, None)
        want[client] = {
            "revenue": sum(inside),
            "gross": sum(a for a in inside if a > 0),
            "credits": sum(a for a in inside if a < 0),
            "prior_revenue": sum(a for d, a in rows if w.prior_start <= d <= w.prior_end),
            "revenue_before_window": sum(a for d, a in rows if d < w.start),
            "invoices_in_window": sum(1 for d, a in rows if w.start <= d <= as_of and a >= 0),
            "invoices_total": sum(1 for _, a in rows if a >= 0),
            "months_billed": len({month(d) for d in active if w.start <= d}),
            "months_billed_ever": len({(d.year, d.month) for d in active}),
            "first_invoice": first,
            "last_invoice": last,
            "gap_cv": statistics.stdev(gaps) / statistics.mean(gaps) if len(gaps) > 1 else None,
            "cadence_invoices": len(cadence),
            "median_gap_days": statistics.median(gaps) if gaps else None,
            "typical_gap_days": statistics.median(every_gap) if every_gap else None,
            "tenure_days": (as_of - first).days if first else None,
            "days_since_last": (as_of - last).days if last else None,
            "span_days": (last - first).days if first else None,
        }
    return want


@settings(max_examples=150, deadline=None)
@given(ledgers, st.sampled_from(("invoiced", "paid")), st.integers(-200, 30))
def test_client_figures_follow_the_rules_row_by_row(rows, basis, back):
    """Sums picked by ``when``, dates from each client's distinct days: the same figures as
    reading every counted row, for clients with credits alone, zeros, and rows after as-of;
    and the same from both engines."""
    import pipeline.model.engine as engine

    as_of = AS_OF + dt.timedelta(days=back)
    counted = counted_invoices(frame(rows), basis)
    got = client_figures(counted, windows(as_of, 12), Config())
    want = expected_client_figures(counted.select("client", "amount", "revenue_date").rows(), as_of)
    assert set(got["client"]) == set(want)
    for figures in got.iter_rows(named=True):
        assert figures["window_months"] == 12
        for name, value in want[figures["client"]].items():
            if isinstance(value, float) or isinstance(figures[name], float):
                assert close(figures[name], value), (figures["client"], name, figures[name], value)
            else:
                assert figures[name] == value, (figures["client"], name, figures[name], value)
    previous = engine.STREAMING_FROM
    engine.STREAMING_FROM = 0
    try:
        streamed = client_figures(counted, windows(as_of, 12), Config())
    finally:
        engine.STREAMING_FROM = previous
    assert streamed.sort("client").equals(got.sort("client"))


# --- The rows' text handed over to the ledger, and accounts that are their one billed name ---

HANDED = [
    Path(__file__).parent.parent / "sample_workbooks" / "agency_diversified.xlsx",
    Path(__file__).parent / "data" / "real" / "wave-transactions" / "wave_invoices.csv",
    Path(__file__).parent
    / "data"
    / "real"
    / "freshbooks-invoice-lines"
    / "freshbooks_invoices.csv",
]


@pytest.mark.parametrize("path", HANDED, ids=lambda p: p.name)
def test_a_ledger_from_handed_over_text_is_the_same_ledger(path: Path) -> None:
    """The text handed over (and let go of sheet by sheet) gives the ledger the workbook gives:
    the same rows, issues and dates; the workbook keeps everything but the invoice rows."""
    config = Config()
    whole = build_ledger(read_workbook(path), config)
    bare, texts = handed_over(read_workbook(path))
    handed = build_ledger(bare, config, None, (), texts)
    assert texts == []  # each sheet's text was taken, so nothing here still holds it
    assert all(t.frame.height == 0 for t in bare.invoices)
    assert all(t.frame.width > 0 for t in bare.invoices)  # the columns are kept
    if bare.clients is not None:
        assert bare.clients.frame.height > 0
    assert_frame_equal(handed.invoices, whole.invoices)
    assert_frame_equal(handed.issues, whole.issues)
    assert (handed.rows_read, handed.dates) == (whole.rows_read, whole.dates)


names = st.lists(st.sampled_from(("Ash", "Birch", "Cedar", "ash ")), min_size=1, max_size=12)


@given(names, st.booleans())
def test_accounts_that_are_their_own_name_map_alike(billed: list[str], merged: bool) -> None:
    """Where every account is its one billed name the column is shared, not mapped again: the
    same frame as mapping by value, whether or not other names in the map are merged."""
    invoices = pl.DataFrame({"client": billed, "amount": [1.0] * len(billed)})
    distinct = sorted(set(billed))
    identity = pl.DataFrame({MEMBER: distinct, "client": distinct})
    # the same names, and one no invoice bills (merged into another account, or its own)
    extra = pl.DataFrame({MEMBER: ["Zed"], "client": ["Ash" if merged else "Zed"]})
    general = pl.concat([identity, extra])
    expected = pl.DataFrame({"client": billed, "amount": [1.0] * len(billed), MEMBER: billed})
    for mapping in (identity, general):
        got = to_accounts(invoices, mapping)
        assert_frame_equal(got.select(expected.columns), expected)


billed_names = st.lists(
    st.one_of(
        st.sampled_from(("Ash", "ASH", "ash", "Straße", "STRASSE", "strasse", "Ölberg", "ÖLBERG")),
        st.text(st.sampled_from("aAbBßS Ö"), min_size=1, max_size=4),
        st.none(),
    ),
    max_size=14,
)


@settings(max_examples=300)
@given(billed_names)
def test_names_without_groups_are_measured_under_their_first_spelling(billed) -> None:
    """With no groups and no sub-customers, a name's account is the first (in sorted order) of
    the billed names that are the same to ``casefold``: "Straße" and "STRASSE" are one account."""
    invoices = pl.DataFrame({"client": billed}, schema={"client": pl.String})
    sheet = pl.DataFrame(
        {"client": [], "group": []}, schema={"client": pl.String, "group": pl.String}
    )
    first: dict[str, str] = {}
    for name in sorted({b for b in billed if b is not None}):
        first.setdefault(name.casefold(), name)
    expected = {name: first[name.casefold()] for name in billed if name is not None}
    got = account_map(invoices, sheet)
    assert got[MEMBER].to_list() == sorted(expected)
    assert dict(got.iter_rows()) == expected


def test_accounts_that_join_names_still_map_them() -> None:
    invoices = pl.DataFrame({"client": ["Ash", "Ash Ltd", "Birch"], "amount": [1.0, 2.0, 3.0]})
    mapping = pl.DataFrame({MEMBER: ["Ash", "Ash Ltd", "Birch"], "client": ["Ash", "Ash", "Birch"]})
    got = to_accounts(invoices, mapping)
    assert got["client"].to_list() == ["Ash", "Ash", "Birch"]
    assert got[MEMBER].to_list() == ["Ash", "Ash Ltd", "Birch"]


spellings = st.sampled_from(("Ash", "ASH", "ash", "Birch", "birch ", "Cedar", "Ölberg", "ÖLBERG"))


@given(
    st.lists(st.tuples(spellings, spellings), max_size=10),
    st.lists(st.one_of(st.none(), spellings, st.just("Nobody")), max_size=10),
)
def test_free_text_names_map_to_accounts_as_a_lookup_would(
    pairs: list[tuple[str, str]], typed: list[str | None]
) -> None:
    """A name typed on the Clients sheet finds its account whatever its case; where two
    spellings in the map differ only in case, the later one's account is taken; a name the map
    lacks, or none, finds none. The reference is a dict, built and read in plain Python."""
    mapping = pl.DataFrame(
        {MEMBER: [m for m, _ in pairs], "client": [c for _, c in pairs]},
        schema={MEMBER: pl.String, "client": pl.String},
    )
    lookup = {member.lower(): account for member, account in pairs}
    expected = [None if name is None else lookup.get(name.lower()) for name in typed]
    frame = pl.DataFrame({"typed": typed}, schema={"typed": pl.String})
    assert frame.select(account_of(mapping, pl.col("typed")))["typed"].to_list() == expected
