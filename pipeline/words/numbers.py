"""Babel's number patterns, compiled once per locale and pattern, for the figures of long ledgers.

Babel parses the pattern, looks up the locale's symbols and runs a regular expression on every
call, about 12 µs a figure; the reasons of a 20,000-client ledger format a quarter of a million
figures. A plain pattern (fixed decimals, groups of three, no exponent or significant digits,
which is every pattern tierbook uses in its five languages) is compiled here into its prefixes,
suffixes and symbols, and the digits come from ``decimal``'s own C formatting after the same
quantize Babel does (half to even on the shortest repr), so the text is Babel's, byte for byte.
Anything else, and any pattern whose compiled form disagrees with Babel on a set of probes, is
left to Babel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)

Format = Callable[[float], str]
NUMBERING = "default"  # the locale's own numbering system's symbols (Persian ٬ and ٫)
_QUOTED = re.compile(r"'([^']*)'")
# Values a compiled pattern must format as Babel does before it is trusted: halves that round
# to even either way, the shortest reprs of binary fractions, signs of zero, groups, big values.
PROBES: tuple[float, ...] = (
    0.0,
    -0.0,
    0.5,
    1.5,
    2.5,
    -2.5,
    0.005,
    0.015,
    0.125,
    -0.125,
    1.005,
    2.675,
    -0.001,
    0.1 + 0.2,
    999.995,
    999.9951,
    1234.5,
    -1234567.125,
    12345678.9,
    1e15 + 0.3,
    3.0e-7,
    0.0004999,
    100.0,
    7,
    -42,
)


def _unquote(text: str) -> str:
    """Babel's last step on a formatted number: quoted literals lose their quotes."""
    return _QUOTED.sub(lambda m: m.group(1) or "'", text)


def _plain(pattern: NumberPattern, currency: str | None) -> bool:
    """Whether ``pattern`` is one this module formats itself."""
    fixed = pattern.frac_prec[0] == pattern.frac_prec[1] or currency is not None
    affixes = "".join((*pattern.prefix, *pattern.suffix))
    return (
        not pattern.exp_prec
        and "@" not in pattern.pattern
        and pattern.number_pattern != ""
        and pattern.grouping == (3, 3)
        and pattern.int_prec[0] == 1
        and fixed
        and "¤¤" not in affixes
    )


def _compile(pattern: NumberPattern, locale: Locale, currency: str | None) -> Format | None:
    """The pattern as a function of the value, or None where Babel must do it."""
    if not _plain(pattern, currency):
        return None
    places = get_currency_precision(currency) if currency else pattern.frac_prec[1]
    quantum = Decimal(10) ** -places
    symbols = str.maketrans(
        {
            ",": get_group_symbol(locale, numbering_system=NUMBERING),
            ".": get_decimal_symbol(locale, numbering_system=NUMBERING),
        }
    )
    sign = get_currency_symbol(currency, locale) if currency else ""
    prefix = tuple(_unquote(p.replace("¤", sign)) for p in pattern.prefix)
    suffix = tuple(_unquote(s.replace("¤", sign)) for s in pattern.suffix)
    scale = pattern.scale

    def formatted(value: float) -> str:
        number = Decimal(str(value))
        if scale:
            number = number.scaleb(scale)
        negative = int(number.is_signed())
        rounded = abs(number).normalize().quantize(quantum)
        return prefix[negative] + format(rounded, ",f").translate(symbols) + suffix[negative]

    return formatted


def _trusted(fast: Format, babel: Format) -> Format:
    """``fast`` where it agrees with Babel on every probe, else Babel itself."""
    try:
        agrees = all(fast(v) == babel(v) for v in PROBES)
    except (InvalidOperation, ValueError, ArithmeticError):
        agrees = False
    return fast if agrees else babel


def _guarded(fast: Format, babel: Format) -> Format:
    """Babel for what ``decimal`` will not quantize (past 28 digits) or cannot (inf, nan)."""

    def formatted(value: float) -> str:
        try:
            return fast(value)
        except (InvalidOperation, ValueError):
            return babel(value)

    return formatted


def _chosen(babel: Format, fast: Format | None) -> Format:
    """The compiled form where there is one and it is trusted, else Babel."""
    return babel if fast is None else _trusted(_guarded(fast, babel), babel)


@lru_cache(maxsize=256)
def _format(kind: str, what: str, locale: str) -> Format:
    """Babel's ``format_<kind>`` for ``locale`` as a function of the value; ``what`` is the
    pattern, or for ``currency`` the currency's code (the locale's standard pattern)."""
    loc = Locale.parse(locale)
    if kind == "currency":
        pattern, currency = loc.currency_formats["standard"], what

        def babel(value: float) -> str:
            return format_currency(value, what, locale=loc, numbering_system=NUMBERING)

    else:
        pattern, currency = parse_pattern(what), None
        function = format_percent if kind == "percent" else format_decimal

        def babel(value: float) -> str:
            return function(value, format=what, locale=loc, numbering_system=NUMBERING)

    return _chosen(babel, _compile(pattern, loc, currency))


def decimal_format(pattern: str, locale: str) -> Format:
    """``format_decimal(value, pattern, locale)`` as a function of the value."""
    return _format("decimal", pattern, locale)


def percent_format(pattern: str, locale: str) -> Format:
    """``format_percent(value, pattern, locale)`` as a function of the value."""
    return _format("percent", pattern, locale)


def currency_format(currency: str, locale: str) -> Format:
    """``format_currency(value, currency, locale)`` (the locale's standard pattern)."""
    return _format("currency", currency, locale)
