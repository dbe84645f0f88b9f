"""Words for people, in their language: gettext messages, and numbers, money and dates by Babel.

One ``Words`` object is made per report and handed to every renderer, so the briefing and the
workbook's labels say the same thing in the same language. Messages use ``%(name)s``
placeholders whose values are already formatted for the locale; the message itself is ours
(trusted), the values may come from the user's workbook (data).
"""

from __future__ import annotations

import datetime as dt
import gettext
import math
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import get_currency_name

from pipeline.languages import LOCALES
from pipeline.words.numbers import currency_format, decimal_format, percent_format

DOMAIN = "tierbook"
NATIVE = {"fa": "۰۱۲۳۴۵۶۷۸۹"}  # the digits a language writes, where they are not 0-9
NATIVE_DIGITS = {lang: str.maketrans("0123456789", digits) for lang, digits in NATIVE.items()}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ISOLATE = "\u2068\\g<0>\u2069"
RLM = "\u200f"


def isolate(text: str) -> str:
    """``text`` between first-strong and pop isolates: a user's string in a sentence or a
    chart, whatever direction marks it holds, never reorders what stands around it."""
    return f"\u2068{text}\u2069"


def number_pattern(digits: int) -> str:
    """The pattern of a number with ``digits`` decimals, grouped in thousands."""
    return "#,##0" + ("." + "0" * digits if digits else "")


# A share of revenue under the first bound is written with as many decimals as give it two
# significant digits: each further bound down, one decimal more (0.034%, 0.0034%). At a long
# tail most clients bring under 0.05% of revenue, and one decimal said "0.0%" of each of them
# (8,009 of 15,259 clients in the bench's long-tail ledger). Literal bounds, compared as they
# are, so the column form (``Wording.share``) picks the same decimals as this one.
SHARE_BOUNDS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)


def share_digits(value: float | None) -> int:
    """The decimals ``Words.share`` writes ``value`` with: 1 from 0.1% up (and for no share),
    3 from 0.01%, 4 from 0.001%, and so on to 10."""
    if value is None or not value > 0 or value >= SHARE_BOUNDS[0]:  # NaN too
        return 1
    return 3 + sum(value < bound for bound in SHARE_BOUNDS[1:])


def unsigned(value: Any) -> Any:
    """A negative zero as zero: it equals zero as a cache's key, so remembered text must not
    depend on which of the two came first (Babel writes "-0" for one and "0" for the other)."""
    return value + 0.0 if isinstance(value, float) and value == 0 else value


def _dash() -> str:
    return "–"


@dataclass(frozen=True)
class Words:
    """The messages and formats of one language."""

    lang: str
    locale: Locale
    catalog: gettext.NullTranslations
    # Asked of Babel once, not for each of the hundreds of thousands of figures a long ledger's
    # reasons format: the locale's identifier and its percent pattern.
    locale_id: str = ""
    percent_base: str = "#,##0%"
    # Text worded from one figure, kept by what it says (``labels.days``): a long ledger's
    # reasons give the same day counts in several columns, and each distinct one is worded once.
    said: dict[tuple[str, int], str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def rtl(self) -> bool:
        return self.locale.character_order == "right-to-left"

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    def _(self, message: str, **values: object) -> str:
        """``message`` in this language, its ``%(name)s`` placeholders filled with ``values``."""
        text = self.catalog.gettext(message)
        return text % values if values else text

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The singular or plural form this language uses for ``n`` (``%(n)s`` is filled too)."""
        text = self.catalog.ngettext(singular, plural, n)
        return text % {"n": self.number(n), **values}

    def digits(self, text: str) -> str:
        """The language's own digits (Persian ۰–۹); Babel gives the separators, not the digits."""
        table = NATIVE_DIGITS.get(self.lang)
        return text.translate(table) if table else text

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return _dash()
        return self.digits(_decimal(unsigned(value), number_pattern(digits), self.locale_id))

    def money(self, value: float | None, currency: str | None = None) -> str:
        """An amount with two decimals; with its currency sign when the code is one Babel knows."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return _dash()
        if currency and known_currency(currency):
            return self.digits(_currency(unsigned(value), currency, self.locale_id))
        text = self.number(value, 2)
        return f"{text} {currency}" if currency else text

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return _dash()
        pattern = self.percent_pattern(digits)
        return self.digits(_percent(unsigned(value), pattern, self.locale_id))

    def share(self, value: float | None) -> str:
        """A share of revenue as a percentage: one decimal, or two significant digits under
        0.1% (``share_digits``), so a client that brought something never reads as 0.0%."""
        return self.percent(value, share_digits(value))

    def percent_pattern(self, digits: int) -> str:
        """The locale's own percent pattern (Finnish and Russian put a space before %), with
        ``digits`` decimals."""
        return self.percent_base.replace("#,##0", number_pattern(digits), 1)

    def day(self, value: dt.date | None) -> str:
        return self.digits(_day(value, self.locale_id)) if value else _dash()

    def month(self, value: dt.date) -> str:
        """A calendar month as the locale writes it (``Mar 2026``, ``2026年3月``, ``3.2026``)."""
        # Finnish short month names ("joulu") read oddly alone; its numeric form is the usual one.
        return self.digits(
            format_skeleton("yMM" if self.lang == "fi" else "yMMM", value, locale=self.locale)
        )

    def join(self, items: list[str]) -> str:
        """A list in running text, with this language's separator."""
        # NOTE: the separator between items of a list in running text (Chinese "、", Persian "، ").
        return self._(", ").join(items)


# Reasons repeat the same thresholds and figures for many clients, so the formatted text is
# kept too (a few thousand distinct values); the rest go through the compiled patterns.
@lru_cache(maxsize=65_536)
def _decimal(value: float, pattern: str, locale: str) -> str:
    return decimal_format(pattern, locale)(value)


@lru_cache(maxsize=65_536)
def _percent(value: float, pattern: str, locale: str) -> str:
    return percent_format(pattern, locale)(value)


@lru_cache(maxsize=65_536)
def _day(value: dt.date, locale: str) -> str:
    return format_date(value, "medium", locale=locale)


@lru_cache(maxsize=65_536)
def _currency(value: float, currency: str, locale: str) -> str:
    return currency_format(currency, locale)(value)


@cache
def known_currency(code: str) -> bool:
    return len(code) == 3 and get_currency_name(code, locale="en") != code


@cache
def words(lang: str = "en") -> Words:
    """The ``Words`` of ``lang``; the compiled catalog ships inside the package."""
    if lang not in LOCALES:
        raise ValueError(f"unknown language {lang!r}")
    catalog: gettext.NullTranslations = gettext.NullTranslations()
    if lang != "en":
        mo = files("pipeline.locale") / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)
    locale = Locale.parse(LOCALES[lang])
    if locale.character_order == "right-to-left":
        catalog = _Isolating(catalog)
    return Words(
        lang=lang,
        locale=locale,
        catalog=catalog,
        locale_id=str(locale),
        percent_base=locale.percent_formats[None].pattern,
    )


class _Isolating(gettext.NullTranslations):
    """Right-to-left messages with every placeholder in a first-strong isolate (U+2068..U+2069).

    A Latin client name next to a figure inside a Persian sentence would otherwise join the
    figure in one left-to-right run and swap places with it; isolated, each value keeps its
    place. A right-to-left mark opens every message, so one made only of placeholders and
    punctuation ("%(what)s (%(detail)s)") still reads right to left. Applies to the templates
    too, which format the same catalog's messages.
    """

    def __init__(self, inner: gettext.NullTranslations) -> None:
        super().__init__()
        self._inner = inner
        # A message is isolated once, not at each of the hundreds of thousands of times a
        # long ledger's reasons ask for it.
        self._isolated: dict[str, str] = {}

    def _isolate(self, text: str) -> str:
        found = self._isolated.get(text)
        if found is None:
            found = self._isolated[text] = RLM + PLACEHOLDER.sub(ISOLATE, text)
        return found

    def gettext(self, message: str) -> str:
        return self._isolate(self._inner.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._isolate(self._inner.ngettext(singular, plural, n))


ENGLISH = words("en")
