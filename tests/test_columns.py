"""Wording a whole column at once gives, row by row, the text ``Words`` gives one value at a
time (``Words`` itself is held to Babel in ``test_numbers``): figures, messages, plurals, and
the yes/no judgements the reasons branch on."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.languages import LOCALES
from pipeline.words import numbers
from pipeline.words.columns import Wording
from pipeline.words.i18n import number_pattern, words

LANGS = tuple(LOCALES)
VALUES = st.one_of(
    st.none(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e18, -3e17]),  # Babel stops near 1e26
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
    st.integers(min_value=-(10**11), max_value=10**11).map(lambda c: c / 100),
    st.integers(min_value=-(10**8), max_value=10**8).map(lambda c: c / 1000 + 0.0005),
    st.sampled_from(numbers.PROBES),
)


def _column(values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame({"v": values}, schema={"v": pl.Float64})


def _said(x: Wording, expr: pl.Expr) -> list[str | None]:
    return x.frame.with_columns(expr.alias("said"))["said"].to_list()


def _unsigned(value: float | None) -> float | None:
    """A negative zero as zero: the column words both as zero (polars keeps one for both)."""
    return value + 0.0 if value is not None and value == 0 else value


def test_every_figure_tierbook_words_has_a_column_form_in_every_language() -> None:
    """The speed is real only if no language falls back to one value at a time."""
    for lang in LANGS:
        w = words(lang)
        for digits in range(3):
            assert numbers.column_format("decimal", number_pattern(digits), w.locale_id), lang
            assert numbers.column_format("percent", w.percent_pattern(digits), w.locale_id)
        for digits in range(3, 11):  # a small share's decimals (``Words.share``)
            assert numbers.column_format("percent", w.percent_pattern(digits), w.locale_id)
        for currency in ("USD", "EUR", "JPY", "GBP"):
            assert numbers.column_format("currency", currency, w.locale_id), (lang, currency)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(VALUES, max_size=30),
    lang=st.sampled_from(LANGS),
    digits=st.integers(0, 2),
    currency=st.sampled_from([None, "USD", "EUR", "JPY", "XYZ"]),
)
@example(values=[2.675, 0.125, 999.995, -0.001, 1e15 + 0.3], lang="en", digits=2, currency="EUR")
@example(values=[1234567.891, -42.0, 0.0005], lang="fa", digits=1, currency="USD")
@example(values=[0.0125, 0.00049, 1.0, None, math.nan], lang="ru", digits=1, currency=None)
def test_figures_in_a_column_are_the_words_of_each_value(
    values: list[float | None], lang: str, digits: int, currency: str | None
) -> None:
    w = words(lang)
    x = Wording(_column(values), w, currency)
    plain = [_unsigned(v) for v in values]
    assert _said(x, x.number("v", digits)) == [w.number(v, digits) for v in plain]
    assert _said(x, x.percent("v", digits)) == [w.percent(v, digits) for v in plain]
    assert _said(x, x.money("v")) == [w.money(v, currency) for v in plain]


def test_a_negative_zero_is_worded_as_zero() -> None:
    """Babel writes -0.0 as "-0"; a column cannot tell the two zeros apart once polars has
    grouped them, so both are worded as zero, whichever comes first."""
    w = words("en")
    for values in ([-0.0, 0.0], [0.0, -0.0], [-0.0]):
        x = Wording(_column(values), w, "USD")
        assert set(_said(x, x.number("v"))) == {"0"}
        assert set(_said(x, x.money("v"))) == {w.money(0.0, "USD")}
        assert set(_said(x, x.each("v", repr))) == {"0.0"}


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.one_of(st.none(), st.integers(0, 130)), max_size=25))
@example(counts=[0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, None])
def test_plurals_take_each_rows_own_form_in_every_language(counts: list[int | None]) -> None:
    """Russian has three forms (1 день, 2 дня, 5 дней), Chinese and Persian one, English two;
    each row takes the form ``Words.n_`` chooses for its own count."""
    frame = pl.DataFrame(
        {"n": counts, "who": ["a<b>"] * len(counts)}, schema_overrides={"n": pl.Int64}
    )
    for lang in LANGS:
        w = words(lang)
        x = Wording(frame, w)
        said = _said(x, x.n_("%(n)s day", "%(n)s days", "n"))
        assert said == [None if n is None else w.n_("%(n)s day", "%(n)s days", n) for n in counts]
        named = _said(
            x,
            x.n_(
                "referrer: named by %(n)s client (%(names)s), who brings %(amount)s in this window",
                "referrer: named by %(n)s clients (%(names)s), who bring %(amount)s in this window",
                "n",
                names=pl.col("who"),
                amount="5",
            ),
        )
        assert named == [
            None
            if n is None
            else w.n_(
                "referrer: named by %(n)s client (%(names)s), who brings %(amount)s in this window",
                "referrer: named by %(n)s clients (%(names)s), who bring %(amount)s in this window",
                n,
                names="a<b>",
                amount="5",
            )
            for n in counts
        ]


def test_a_message_is_its_translation_with_each_rows_values() -> None:
    """Persian isolates every value (its catalog marks them), a percent sign in a value stays
    one, and a missing value leaves the row without the message."""
    frame = pl.DataFrame({"share": ["12%", "%(x)s", None], "rank": ["1", "2", "3"]})
    for lang in LANGS:
        w = words(lang)
        x = Wording(frame, w)
        message = "%(share)s of revenue, rank %(rank)s, ABC class %(abc)s"
        said = _said(x, x._(message, share=pl.col("share"), rank=pl.col("rank"), abc="A"))
        assert said == [
            w._(message, share=s, rank=r, abc="A") if s is not None else None
            for s, r in frame.iter_rows()
        ]
        assert _said(x, x._("no repeat work")) == [w._("no repeat work")] * 3


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.floats(allow_infinity=True)), max_size=12),
    limit=st.floats(-5, 5),
)
@example(values=[math.nan, None, 0.0, -0.0, 3.0], limit=0.0)
def test_above_and_below_judge_as_python_does(values: list[float | None], limit: float) -> None:
    """``(value or 0) > limit``: a missing value is 0, and NaN is never above nor below (polars
    orders NaN above every number, Python compares it false)."""
    x = Wording(_column(values), words("en"))
    assert _said(x, x.above("v", limit)) == [(v or 0) > limit for v in values]
    assert _said(x, x.below("v", limit)) == [(v or 0) < limit for v in values]


def test_each_formats_a_value_once_and_only_for_the_rows_asked() -> None:
    frame = pl.DataFrame(
        {"v": [3, 1, 3, None, 2, 3], "keep": [True, False, True, True, False, True]}
    )
    x = Wording(frame, words("en"))
    asked: list[int | None] = []

    def make(v: int | None) -> str:
        asked.append(v)
        return f"<{v}>"

    said = _said(x, x.each("v", make, where=pl.col("keep")))
    assert sorted(asked, key=str) == [3, None]
    assert said == ["<3>", None, "<3>", "<None>", None, "<3>"]


def test_a_column_worded_again_by_the_same_maker_is_not_formatted_again() -> None:
    """A date or a count is in several messages: worded once per column and maker. Another
    maker, or another column, is its own; rows no ``where`` holds cost nothing and say nothing."""
    frame = pl.DataFrame({"v": [3, 1, 3, None], "u": [1, 1, 2, 2]})
    x = Wording(frame, words("en"))
    asked: list[tuple[str, int | None]] = []

    def make(v: int | None) -> str:
        asked.append(("make", v))
        return f"<{v}>"

    def other(v: int | None) -> str:
        asked.append(("other", v))
        return f"[{v}]"

    first, again = _said(x, x.each("v", make)), _said(x, x.each("v", make))
    assert first == again == ["<3>", "<1>", "<3>", "<None>"]
    assert _said(x, x.each("v", other)) == ["[3]", "[1]", "[3]", "[None]"]
    assert _said(x, x.each("u", make)) == ["<1>", "<1>", "<2>", "<2>"]
    assert sorted(asked, key=str) == sorted(
        [("make", 3), ("make", 1), ("make", None), ("other", 3), ("other", 1), ("other", None)]
        + [("make", 1), ("make", 2)],
        key=str,
    )
    assert _said(x, x.each("v", make, where=pl.lit(False))) == [None] * 4
    assert len(asked) == 8


@pytest.mark.parametrize("lang", LANGS)
def test_pairs_of_values_are_formatted_per_distinct_pair(lang: str) -> None:
    frame = pl.DataFrame({"a": [1, 1, 2, None], "b": [5.0, 5.0, 5.0, math.nan]})
    x = Wording(frame, words(lang))
    calls: list[tuple[object, object]] = []

    def make(a: object, b: object) -> str:
        calls.append((a, b))
        return f"{a}/{b}"

    assert _said(x, x.each(["a", "b"], make)) == ["1/5.0", "1/5.0", "2/5.0", "None/nan"]
    assert len(calls) == 3


def test_cases_take_the_first_branch_whose_condition_holds() -> None:
    """Worked out by hand: a null condition is not met, an earlier branch wins, a row no
    condition takes gets ``otherwise``, a value may be null, and a figure worded by ``each``
    is read on the rows of its branch."""
    frame = pl.DataFrame(
        {
            "rule": ["a", "b", None, "a", "c", "b"],
            "n": [1, 2, 3, None, 5, 6],
            "big": [False, True, True, True, None, False],
        }
    )
    x = Wording(frame, words("en"))
    n = x.each("n", lambda v: f"#{v}")
    said = x.cases(
        (pl.col("big"), x._("big %(n)s", n=n)),
        (pl.col("rule") == "a", x._("rule a, %(n)s", n=n)),
        (pl.col("rule") == "b", "rule b"),
        otherwise=pl.lit(None, pl.String),
    )
    assert _said(x, said) == ["rule a, #1", "big #2", "big #3", "big #None", None, "rule b"]


MAYBE = st.one_of(st.none(), st.booleans())


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(MAYBE, MAYBE, MAYBE, st.one_of(st.none(), st.text(max_size=4))),
        max_size=25,
    )
)
def test_cases_equal_the_when_chain_they_replace(
    rows: list[tuple[bool | None, bool | None, bool | None, str | None]],
) -> None:
    """Row for row, ``cases`` gives what ``pl.when(...).then(...)...otherwise(...)`` gives, for
    conditions that are true, false or null, overlapping or not, and values that are null."""
    frame = pl.DataFrame(
        rows,
        schema={"c0": pl.Boolean, "c1": pl.Boolean, "c2": pl.Boolean, "t": pl.String},
        orient="row",
    )
    x = Wording(frame, words("en"))
    values = [pl.col("t") + pl.lit("|0"), pl.lit("one"), pl.col("t").str.to_uppercase()]
    otherwise = pl.concat_str([pl.lit("else "), pl.col("t")])
    chain = pl.when(pl.col("c0")).then(values[0])
    for i in (1, 2):
        chain = chain.when(pl.col(f"c{i}")).then(values[i])
    expected = frame.select(chain.otherwise(otherwise).alias("said"))["said"].to_list()
    said = x.cases(*((pl.col(f"c{i}"), values[i]) for i in range(3)), otherwise=otherwise)
    assert _said(x, said) == expected


REASONS = st.one_of(st.none(), st.sampled_from(["a", "b; c", "", "  x", "ä×"]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(REASONS, st.one_of(st.none(), st.lists(REASONS, max_size=3)), REASONS),
        max_size=12,
    )
)
def test_each_rows_reasons_are_its_said_columns_in_order_nulls_left_out(rows) -> None:
    from pipeline.words.reasons import _listed

    frame = pl.DataFrame(
        rows,
        schema={"one": pl.String, "roles": pl.List(pl.String), "two": pl.String},
        orient="row",
    )
    listed = _listed(frame, ["one", "roles", "two"])
    assert listed.dtype == pl.List(pl.String)
    assert listed.to_list() == [
        [t for t in (one, *(roles or ()), two) if t is not None] for one, roles, two in rows
    ]


SHARES = st.one_of(
    VALUES,
    st.floats(min_value=1e-12, max_value=2e-3),  # the small shares, each band of decimals
    st.sampled_from([1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 0.0009995, 0.00009995]),
)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(SHARES, max_size=30), lang=st.sampled_from(LANGS))
@example(values=[0.00034, 3.4e-5, 5e-7, 0.25, None, 0.0, math.nan, 1e-3, 9.99e-4], lang="fa")
def test_shares_in_a_column_are_the_words_of_each_share(
    values: list[float | None], lang: str
) -> None:
    w = words(lang)
    x = Wording(_column(values), w)
    assert _said(x, x.share("v")) == [w.share(v) for v in map(_unsigned, values)]


def test_a_share_that_is_not_zero_never_reads_as_zero() -> None:
    """One decimal from 0.1% up, as every percentage; below, two significant digits."""
    w = words("en")
    said = {
        0.25: "25.0%",
        0.001: "0.1%",
        0.000999: "0.100%",
        0.00034: "0.034%",
        0.0001: "0.010%",
        3.4e-5: "0.0034%",
        5e-7: "0.000050%",
        1.2e-10: "0.000000012%",
        0.0: "0.0%",
        None: "–",
    }
    assert {v: w.share(v) for v in said} == said
    assert words("fi").share(0.00034) == "0,034\xa0%"  # a no-break space, as Finnish writes it
