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
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import polars as pl
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


@dataclass(frozen=True)
class Plain:
    """A plain pattern compiled: called on one value, or applied to a whole column at once."""

    places: int
    scale: int
    group: str
    decimal: str
    prefix: tuple[str, ...]
    suffix: tuple[str, ...]
    _quantum: Decimal = field(init=False, repr=False, compare=False)
    _symbols: dict[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_quantum", Decimal(10) ** -self.places)
        object.__setattr__(self, "_symbols", str.maketrans({",": self.group, ".": self.decimal}))

    def __call__(self, value: float) -> str:
        number = Decimal(str(value))
        if self.scale:
            number = number.scaleb(self.scale)
        negative = int(number.is_signed())
        rounded = abs(number).normalize().quantize(self._quantum)
        text = format(rounded, ",f").translate(self._symbols)
        return self.prefix[negative] + text + self.suffix[negative]

    def _scaled(self, values: pl.Expr) -> pl.Expr:
        """Each value's size in units of its last decimal place (a float)."""
        return values.cast(pl.Float64).abs() * float(10 ** (self.scale + self.places))

    def safe(self, values: pl.Expr) -> pl.Expr:
        """Where ``column`` gives this text exactly (``exactly_rounded``)."""
        return exactly_rounded(self._scaled(values))

    def column(self, values: pl.Expr) -> pl.Expr:
        """The text of every value where ``safe`` holds (anything elsewhere); a negative zero
        is written as zero, as ``pipeline.words.columns`` words it."""
        units = rounded_units(self._scaled(values))
        whole = (
            (units // 10**self.places)
            .cast(pl.String)
            .str.reverse()
            .str.replace_all(r"(\d{3})", "${1},")
            .str.reverse()
            .str.strip_prefix(",")
        )
        if self.group != ",":
            whole = whole.str.replace_all(",", self.group, literal=True)
        parts = [whole]
        if self.places:
            fraction = (units % 10**self.places).cast(pl.String).str.zfill(self.places)
            parts += [pl.lit(self.decimal), fraction]
        # One join, its ends chosen by the sign, not two whole joins with one kept: the long
        # tail's reasons took 0.233 s against 0.250 s (medians of 7 processes, interleaved).
        negative = values < 0
        prefix, suffix = (
            pl.lit(ends[0])
            if ends[0] == ends[1]
            else pl.when(negative).then(pl.lit(ends[1])).otherwise(pl.lit(ends[0]))
            for ends in (self.prefix, self.suffix)
        )
        return pl.concat_str([prefix, *parts, suffix])


def exactly_rounded(scaled: pl.Expr) -> pl.Expr:
    """Where a value's size in units of its last decimal place (``scaled``, a float) rounds as
    its shortest repr does: finite, under 10^12 units, not within a thousandth of a half. There
    the float's rounding error (two ten-thousandths of a unit at most) cannot cross a half; the
    rest (ties, huge values, NaN, nulls) are for Babel, one value at a time."""
    off_half = (scaled - scaled.floor() - 0.5).abs() > 1e-3
    return (scaled.is_finite() & (scaled < 1e12) & off_half).fill_null(False)


def rounded_units(scaled: pl.Expr) -> pl.Expr:
    """``scaled`` rounded to whole units, where ``exactly_rounded`` holds (anything elsewhere)."""
    return (scaled + 0.5).floor().cast(pl.Int64, strict=False)


def _compile(pattern: NumberPattern, locale: Locale, currency: str | None) -> Plain | None:
    """The pattern as a function of the value, or None where Babel must do it."""
    if not _plain(pattern, currency):
        return None
    sign = get_currency_symbol(currency, locale) if currency else ""
    return Plain(
        places=get_currency_precision(currency) if currency else pattern.frac_prec[1],
        scale=pattern.scale,
        group=get_group_symbol(locale, numbering_system=NUMBERING),
        decimal=get_decimal_symbol(locale, numbering_system=NUMBERING),
        prefix=tuple(_unquote(p.replace("¤", sign)) for p in pattern.prefix),
        suffix=tuple(_unquote(s.replace("¤", sign)) for s in pattern.suffix),
    )


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


def _chosen(babel: Format, fast: Plain | None) -> Format:
    """The compiled form where there is one and it is trusted, else Babel."""
    return babel if fast is None else _trusted(_guarded(fast, babel), babel)


@lru_cache(maxsize=256)
def _formats(kind: str, what: str, locale: str) -> tuple[Format, Plain | None]:
    """Babel's ``format_<kind>`` for ``locale`` as a function of the value, and the pattern
    compiled where it is plain; ``what`` is the pattern, or for ``currency`` the currency's
    code (the locale's standard pattern)."""
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

    return babel, _compile(pattern, loc, currency)


@lru_cache(maxsize=256)
def _format(kind: str, what: str, locale: str) -> Format:
    return _chosen(*_formats(kind, what, locale))


@lru_cache(maxsize=256)
def column_format(kind: str, what: str, locale: str) -> Plain | None:
    """The compiled pattern for formatting a whole column (``Plain.column`` where
    ``Plain.safe``), when its text is Babel's on every probe, one value at a time and as a
    column; None where only Babel will do."""
    babel, plain = _formats(kind, what, locale)
    if plain is None or _trusted(plain, babel) is babel:
        return None
    probes = pl.Series("v", PROBES, pl.Float64)
    said = pl.select(
        pl.when(plain.safe(pl.lit(probes))).then(plain.column(pl.lit(probes)))
    ).to_series()
    agrees = all(
        text is None or text == babel(value + 0.0)  # -0.0 + 0.0 is 0.0
        for value, text in zip(PROBES, said.to_list(), strict=True)
    )
    return plain if agrees else None


def decimal_format(pattern: str, locale: str) -> Format:
    """``format_decimal(value, pattern, locale)`` as a function of the value."""
    return _format("decimal", pattern, locale)


def percent_format(pattern: str, locale: str) -> Format:
    """``format_percent(value, pattern, locale)`` as a function of the value."""
    return _format("percent", pattern, locale)


def currency_format(currency: str, locale: str) -> Format:
    """``format_currency(value, currency, locale)`` (the locale's standard pattern)."""
    return _format("currency", currency, locale)
