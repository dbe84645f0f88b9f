"""Invariants that hold for any ledger (hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.model.concentration import concentration, shares
from pipeline.model.window import windows
from pipeline.validate.amounts import amount_from_clean, parse_amount, parse_amounts
from pipeline.validate.dates import date_from_clean, parse_date, parse_dates
from pipeline.validate.text import clean_columns

revenues = st.lists(
    st.floats(min_value=-1e6, max_value=1e7, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=60,
).filter(lambda xs: any(x > 0.01 for x in xs))


@settings(max_examples=200, deadline=None)
@given(revenues)
def test_shares_sum_to_one_and_hhi_is_bounded(values):
    frame = pl.DataFrame({"client": [f"c{i}" for i in range(len(values))], "revenue": values})
    ranked = shares(frame)
    conc = concentration(ranked, Config())
    positive = [v for v in values if v > 0]
    n = len(positive)
    assert ranked["share"].drop_nulls().sum() == pytest.approx(1.0)
    assert 10_000 / n - 1e-6 <= conc.hhi <= 10_000 + 1e-6
    assert 1 - 1e-9 <= conc.effective_clients <= n + 1e-9
    assert conc.top1_share <= conc.top3_share + 1e-12 <= conc.top5_share + 2e-12 <= 1 + 1e-9
    assert -1e-9 <= conc.gini <= 1 + 1e-9
    assert conc.top1_share == pytest.approx(max(positive) / sum(positive))
    cumulative = ranked["cumulative_share"].drop_nulls().to_list()
    assert cumulative == sorted(cumulative)
    assert cumulative[-1] == pytest.approx(1.0)
    assert ranked["abc_class"].drop_nulls()[0] == "A"


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_window_is_a_year_long_and_ends_on_as_of(as_of):
    w = windows(as_of)
    assert w.end == as_of
    assert 364 <= (w.end - w.start).days <= 365
    assert w.prior_end == w.start - dt.timedelta(days=1)
    assert 364 <= (w.prior_end - w.prior_start).days <= 365


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_amounts_written_with_thousands_separators_parse_back(value):
    number = float(value)
    texts = [
        f"{number:,.2f}",
        f"{number:.2f}",
        f"({abs(number):,.2f})" if number < 0 else f"{number:,.2f}",
    ]
    # German style: 1.234.567,89
    german = f"{abs(number):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    texts.append(("-" if number < 0 else "") + german)
    parsed = pl.DataFrame({"a": texts}).select(parse_amount("a").alias("x"))["x"].to_list()
    assert parsed == pytest.approx([number] * len(texts))


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_dates_as_iso_text_dotted_text_or_serial_parse_back(day):
    serial = (day - dt.date(1899, 12, 30)).days
    texts = [day.isoformat(), f"{day.isoformat()} 00:00:00", day.strftime("%d.%m.%Y"), str(serial)]
    parsed = pl.DataFrame({"d": texts}).select(parse_date("d").alias("x"))["x"].to_list()
    assert parsed == [day] * len(texts)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2029, 12, 31)),
    st.sampled_from(["", " 10:15", " 10:15:59", " 9:05 PM", "T23:59:00Z"]),
)
def test_every_shape_exports_write_parses_back_in_its_order(day, time):
    """Day and month as numbers in either order, two- or four-digit years (Excel's pivot:
    00-29 are 2000s), YYYYMMDD, the month as a word; with a time or without."""
    month = day.strftime("%b")
    by_order = {
        "dmy": [f"{day:%d/%m/%Y}", f"{day.day}.{day.month}.{day:%y}", f"{day:%d-%m-%y}"],
        "mdy": [f"{day.month}/{day.day}/{day:%Y}", f"{day:%m/%d/%y}"],
        "ymd": [f"{day:%y/%m/%d}", f"{day:%Y/%m/%d}"],
    }
    anyway = [
        f"{day:%Y%m%d}",
        f"{day.day} {month} {day:%Y}",
        f"{month} {day.day}, {day:%Y}",
        f"{day:%d}-{month.upper()}-{day:%y}",
    ]
    for order, texts in by_order.items():
        cells = [t + time for t in texts] + anyway
        parsed = pl.DataFrame({"d": cells}).select(parse_date("d", order).alias("x"))["x"]
        assert parsed.to_list() == [day] * len(cells), (order, cells)


# The ledger takes the reader's plain shapes first and runs the full parser on the other cells
# only; both ways must agree on every cell, plain or not.
_cell_text = st.one_of(
    st.text(alphabet="0123456789-.,:/ eE()€T", max_size=22),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.datetimes(min_value=dt.datetime(1, 1, 1)).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    st.dates().map(lambda d: d.isoformat()),
    st.from_regex(r"\A-?\d{1,12}(\.\d{1,12})?\Z"),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?\Z"),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), _cell_text), min_size=1, max_size=30),
    st.sampled_from(["dmy", "mdy", "ymd"]),
)
def test_the_fast_paths_give_what_the_full_parsers_give(cells, order):
    frame = clean_columns(pl.DataFrame({"t": cells}, schema={"t": pl.String}), ["t"])
    full = frame.select(
        amount_from_clean(pl.col("t")).alias("amount"),
        date_from_clean(pl.col("t"), order).alias("date"),
    )
    assert parse_amounts(frame, "t").to_list() == pytest.approx(
        full["amount"].to_list(), nan_ok=True
    )
    # compared as day numbers: polars holds year 0 ("0000/1/1"), Python's dates do not
    assert (
        parse_dates(frame, "t", order).to_physical().to_list()
        == full["date"].to_physical().to_list()
    )


_SPACED = st.text(
    alphabet=st.sampled_from(list("ab1 -\t\n\r\x0b\x0c\u00a0\u2003é\u0301Ä")), max_size=8
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(st.none(), _SPACED, st.from_regex(r"\A[A-Za-z0-9 .-]{0,8}\Z")), max_size=20)
)
@example(["Acme  Ltd", "Birch"])  # a run of plain spaces inside
@example(["Acme", ""])  # an empty cell
@example(["Acme\tLtd"])  # white space other than a space
@example([" Acme", "Birch "])  # padding
@example(["Cafe\u0301"])  # NFD
def test_a_column_kept_as_it_is_is_what_cleaning_it_would_give(cells):
    """``clean_columns`` keeps a column it judges clean; it must be exactly what cleaning every
    cell gives, for any mix of padding, runs, tabs, non-breaking and Unicode spaces, and NFD."""
    from pipeline.validate.text import already_clean, clean_text

    frame = pl.DataFrame({"t": cells}, schema={"t": pl.String})
    kept = clean_columns(frame, ["t"])["t"].to_list()
    assert kept == frame.select(clean_text("t").alias("t"))["t"].to_list()
    if already_clean(frame, ["t"])["t"] is None:
        assert kept == cells
        trimmed = frame.select(pl.col("t").str.normalize("NFC").str.strip_chars())["t"]
        assert trimmed.to_list() == cells


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["A-1", "A-2", "B-1", "", "a-1", None]), max_size=30))
@example([None, None])  # nulls are no value: never repeats of each other
@example(["A-1", "A-1", None])
def test_repeated_rows_are_those_whose_value_another_row_holds(values):
    """``repeated`` looks among hashes first; it must find exactly the rows a comparison of
    every value finds, in their order, nulls never counted as repeats."""
    from pipeline.validate.duplicates import repeated

    frame = pl.DataFrame({"key": values, "row": list(range(len(values)))})
    found = repeated(frame, "key")["row"].to_list()
    assert found == [i for i, v in enumerate(values) if v is not None and values.count(v) > 1]


@given(st.lists(st.sampled_from(["A-1", "A-2", "B-1", "", "a-1", "\x1eInvoices2"]), max_size=30))
def test_each_key_is_numbered_by_its_first_row(values):
    """The ledger numbers its invoice keys by the first row holding each: the lines of one
    invoice share a number, and no two invoices do."""
    from pipeline.validate.duplicates import first_of_each

    got = first_of_each(pl.DataFrame({"k": values}, schema={"k": pl.String}), pl.col("k")).to_list()
    assert got == [values.index(v) for v in values]


def test_keys_are_numbered_apart_where_hashes_collide(monkeypatch):
    """Two keys with one hash (forced here) are two invoices all the same."""
    from pipeline.validate.duplicates import first_of_each

    # every key hashes to 7, one per row
    monkeypatch.setattr(pl.Expr, "hash", lambda self, *a, **k: self.is_null().cast(pl.UInt64) + 7)
    keys = pl.Series("invoice", ["x", "y", "x", "z", "y"])
    assert first_of_each(keys.to_frame(), pl.col("invoice")).to_list() == [0, 1, 0, 3, 1]


def test_repeated_compares_values_where_hashes_collide(monkeypatch):
    """Two values with one hash (forced here) are not repeats of each other."""
    from pipeline.validate.duplicates import repeated

    monkeypatch.setattr(pl.Expr, "hash", lambda self, *a, **k: pl.lit(7, pl.UInt64))
    frame = pl.DataFrame({"key": ["x", "y", "y", None], "row": [0, 1, 2, 3]})
    assert repeated(frame, "key")["row"].to_list() == [1, 2]
