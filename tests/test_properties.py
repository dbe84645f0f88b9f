"""Invariants that hold for any ledger (hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.model.concentration import concentration, shares
from pipeline.model.window import windows
from pipeline.parse import parse_amount, parse_date

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
