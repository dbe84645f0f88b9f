"""The compiled number patterns give Babel's text, byte for byte, in every language tierbook
speaks: Babel itself is the reference, called directly, never through the compiled path."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.languages import LOCALES
from pipeline.words import numbers
from pipeline.words.i18n import words

DECIMALS = ("#,##0", "#,##0.0", "#,##0.00", "#,##0.000")
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "BHD", "CHF", "RUB", "IRR", "CNY")
LOCALE_IDS = tuple(str(Locale.parse(code)) for code in LOCALES.values())
# Ledger-like amounts: cents, halves that round either way, big and tiny values, signs of zero.
VALUES = st.one_of(
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**12), max_value=10**12).map(lambda c: c / 100),
    st.integers(min_value=-(10**9), max_value=10**9).map(lambda c: c / 1000 + 0.0005),
    st.integers(min_value=-(10**7), max_value=10**7),
    st.sampled_from(numbers.PROBES),
)


def percent_patterns(locale: str) -> list[str]:
    """The locale's own percent pattern with 0 to 2 decimals, as ``Words.percent`` builds it."""
    base = Locale.parse(locale).percent_formats[None].pattern
    return [base.replace("#,##0", "#,##0" + ("." + "0" * d if d else ""), 1) for d in range(3)]


def test_every_pattern_tierbook_uses_is_compiled_not_left_to_babel() -> None:
    """The speed is real only if no language falls back: each compiled form beats the probes."""
    for locale in LOCALE_IDS:
        for pattern in DECIMALS:
            assert numbers.decimal_format(pattern, locale).__name__ == "formatted", (
                locale,
                pattern,
            )
        for pattern in percent_patterns(locale):
            assert numbers.percent_format(pattern, locale).__name__ == "formatted"
        for currency in CURRENCIES:
            assert numbers.currency_format(currency, locale).__name__ == "formatted"


@settings(max_examples=400, deadline=None)
@given(value=VALUES, locale=st.sampled_from(LOCALE_IDS), pattern=st.sampled_from(DECIMALS))
@example(value=2.675, locale="en_GB", pattern="#,##0.00")
@example(value=-0.001, locale="fi_FI", pattern="#,##0.00")
@example(value=-0.0, locale="fa_IR", pattern="#,##0")
@example(value=999.995, locale="ru_RU", pattern="#,##0.00")
def test_decimals_equal_babel(value: float, locale: str, pattern: str) -> None:
    expected = format_decimal(value, format=pattern, locale=locale, numbering_system="default")
    assert numbers.decimal_format(pattern, locale)(value) == expected


@settings(max_examples=300, deadline=None)
@given(value=VALUES, locale=st.sampled_from(LOCALE_IDS), digits=st.integers(0, 2))
@example(value=0.12345, locale="fi_FI", digits=1)
@example(value=-0.00125, locale="zh_Hans_CN", digits=2)
def test_percents_equal_babel(value: float, locale: str, digits: int) -> None:
    pattern = percent_patterns(locale)[digits]
    expected = format_percent(value, format=pattern, locale=locale, numbering_system="default")
    assert numbers.percent_format(pattern, locale)(value) == expected


@settings(max_examples=300, deadline=None)
@given(value=VALUES, locale=st.sampled_from(LOCALE_IDS), currency=st.sampled_from(CURRENCIES))
@example(value=1234.5, locale="fa_IR", currency="EUR")
@example(value=-0.5, locale="en_GB", currency="JPY")
@example(value=0.0005, locale="ru_RU", currency="BHD")
def test_currencies_equal_babel(value: float, locale: str, currency: str) -> None:
    expected = format_currency(value, currency, locale=locale, numbering_system="default")
    assert numbers.currency_format(currency, locale)(value) == expected


def test_what_decimal_cannot_quantize_is_left_to_babel() -> None:
    """Past 28 significant digits ``decimal`` refuses; Babel's own answer (or error) stands."""
    huge = 1e40
    try:
        expected: str | type[Exception] = format_decimal(
            huge, format="#,##0.00", locale="en_GB", numbering_system="default"
        )
    except ArithmeticError as exc:
        expected = type(exc)
    try:
        got: str | type[Exception] = numbers.decimal_format("#,##0.00", "en_GB")(huge)
    except ArithmeticError as exc:
        got = type(exc)
    assert got == expected


def test_a_pattern_babel_formats_otherwise_is_left_to_babel() -> None:
    """Indian grouping and optional decimals are not compiled: Babel formats them."""
    assert numbers.decimal_format("#,##,##0.###", "en_GB").__name__ == "babel"
    assert numbers.decimal_format("#,##,##0.###", "en_GB")(12345678.5) == "1,23,45,678.5"


def test_words_give_babels_text_in_each_language() -> None:
    """Through ``Words``: numbers, percents and money as Babel writes them, Persian in its digits."""
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    for lang, code in LOCALES.items():
        w, locale = words(lang), str(Locale.parse(code))
        native = (lambda text: text.translate(persian)) if lang == "fa" else (lambda text: text)
        for value in (-1234567.125, 0.005, 2.675, 1e9 + 0.5):
            babel = format_decimal(value, "#,##0.00", locale=locale, numbering_system="default")
            assert w.number(value, 2) == native(babel)
            babel = format_currency(value, "EUR", locale=locale, numbering_system="default")
            assert w.money(value, "EUR") == native(babel)
            babel = format_percent(
                value / 1e4, percent_patterns(locale)[1], locale=locale, numbering_system="default"
            )
            assert w.percent(value / 1e4) == native(babel)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(LOCALES)),
    st.lists(
        st.tuples(
            st.sampled_from(("number", "percent")),
            st.sampled_from((1, 1.0, 0.125, -0.125, 2.675, 1234567.5, 0.3333, None)),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_a_figure_formatted_again_is_the_same_text_as_the_first_time(lang, asked) -> None:
    """Formatted figures are cached by every input of the format: asked again, in any order and
    beside other figures and digits, ``Words`` gives Babel's text each time."""
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    w, locale = words(lang), str(Locale.parse(LOCALES[lang]))
    for kind, value, digits in asked + asked[::-1]:
        got = w.number(value, digits) if kind == "number" else w.percent(value, digits)
        if value is None:
            assert got == "–"
            continue
        if kind == "number":
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            babel = format_decimal(value, pattern, locale=locale, numbering_system="default")
        else:
            pattern = percent_patterns(locale)[digits]
            babel = format_percent(value, pattern, locale=locale, numbering_system="default")
        assert got == (babel.translate(persian) if lang == "fa" else babel), (kind, value, digits)


def test_a_negative_zero_reads_as_zero_whichever_zero_came_first() -> None:
    """-0.0 equals 0.0 as a cache's key, so a cached text must not depend on the order: Babel's
    "-0" for one is never given for the other (the caches emptied first)."""
    from pipeline.words import i18n

    def emptied() -> None:
        for cached in (i18n._decimal, i18n._percent, i18n._currency):
            cached.cache_clear()

    for lang in ("en", "ru"):
        w = words(lang)
        emptied()
        first = [w.number(-0.0), w.percent(-0.0), w.money(-0.0, "EUR")]
        second = [w.number(0.0), w.percent(0.0), w.money(0.0, "EUR")]
        emptied()
        assert [w.number(0.0), w.percent(0.0), w.money(0.0, "EUR")] == first == second
        assert w.number(-0.0) == w.number(0.0) == w.digits("0")


@pytest.mark.parametrize(
    ("value", "said"),
    [(None, "–"), (0, "0 days"), (1.4, "1 day"), (2, "2 days"), (-1, "-1 day"), (-2.6, "-3 days")],
)
def test_days_take_the_plural_of_their_size_and_keep_their_sign(value, said):
    from pipeline.words.labels import days

    assert days(value) == said


def test_days_are_kept_per_language_and_per_signed_count():
    """Each distinct count is worded once per language and kept: what was asked before, in
    another language or with the other sign, never changes the text."""
    from pipeline.words import labels

    en, ru = words("en"), words("ru")
    asked = [(3, ru), (-3, ru), (3, en), (-3, en), (1, ru), (21, en), (21, ru), (5, ru)]
    for order in (asked, asked[::-1]):
        en.said.clear()
        ru.said.clear()
        said = {(v, w.lang): labels.days(v, w) for v, w in order}
        assert said == {
            (3, "ru"): "3 дня",
            (-3, "ru"): "-3 дня",
            (3, "en"): "3 days",
            (-3, "en"): "-3 days",
            (1, "ru"): "1 день",
            (21, "en"): "21 days",
            (21, "ru"): "21 день",
            (5, "ru"): "5 дней",
        }
    # kept as worded: asked again, a count gives the same text
    assert labels.days(2.6, ru) == labels.days(3, ru) == "3 дня"


def test_days_kept_start_afresh_past_their_bound(monkeypatch):
    from pipeline.words import labels

    monkeypatch.setattr(labels, "_KEPT", 4)
    w = words("en")
    w.said.clear()
    said = [labels.days(n, w) for n in range(-6, 7)]
    assert said == [f"{n} day" if abs(n) == 1 else f"{n} days" for n in range(-6, 7)]
    assert 0 < len(w.said) <= 4
