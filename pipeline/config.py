"""Every threshold the model uses, with its default and the reason for it, in one frozen object.

Precedence, lowest first: defaults, the workbook's Settings sheet, ``--config FILE.toml``,
then command-line options. The Method sheet and ``summary.json`` print the values in force.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.languages import LANGUAGES, language_of

BASES = ("invoiced", "paid")
# What people write for the order of a date's numbers, and the order it means.
DATE_ORDERS = {
    "auto": "auto",
    "dmy": "dmy",
    "mdy": "mdy",
    "ymd": "ymd",
    "dayfirst": "dmy",
    "monthfirst": "mdy",
    "yearfirst": "ymd",
    "dd/mm/yyyy": "dmy",
    "mm/dd/yyyy": "mdy",
    "yyyy-mm-dd": "ymd",
    "dd.mm.yyyy": "dmy",
    "dd/mm/yy": "dmy",
    "mm/dd/yy": "mdy",
}


def _why(default: Any, why: str, low: float | None = None, high: float | None = None) -> Any:
    return field(default=default, metadata={"why": why, "low": low, "high": high})


@dataclass(frozen=True)
class Config:
    """Thresholds and options in force for one analysis."""

    as_of: dt.date | None = _why(
        None, "end of the analysis window; the latest invoice date when unset"
    )
    window_months: int = _why(
        12, "one year smooths seasonality and matches annual contracts", low=1, high=120
    )
    basis: str = _why("invoiced", "'invoiced' dates revenue by invoice date, 'paid' by paid date")
    currency: str | None = _why(
        None, "currency reported in; when unset, the one with the most revenue in the window"
    )
    rates: tuple[tuple[str, float], ...] = _why(
        (),
        "units of the reported currency per unit of another (USD=3.6725): its invoices are "
        "converted and counted; without a rate they are left out and said",
    )
    business: str | None = _why(
        None,
        "the business's name, for the briefing's and the workbook's titles; when unset, the "
        "workbook's title (its properties or a title line above the header), else the file name",
    )
    language: str = _why(
        "en", "language of the briefing and the workbook's labels: en, zh, ru, fi or fa"
    )
    dates: str = _why(
        "auto",
        "how dates written as numbers are read: auto (decided from the dates, the export's layout "
        "and plausibility), or dmy, mdy or ymd for every ledger",
    )
    day_first: bool = _why(
        True,
        "with dates auto, dates like 03/04/2026 that nothing else decides are read day first",
    )
    new_client_days: int = _why(
        90, "a first invoice this recent is too young to judge", low=0, high=100000
    )
    anchor_min_months: int = _why(
        9, "billed in most months of the window is predictable revenue", low=1, high=120
    )
    anchor_max_gap_cv: float = _why(
        0.35,
        "gaps between invoices this regular (e.g. quarterly) are predictable too",
        low=0.0,
        high=1000.0,
    )
    anchor_min_invoices_for_cadence: int = _why(
        4, "a cadence needs at least four invoices to show", low=0, high=100000
    )
    anchor_min_tenure_months: int = _why(
        12, "an anchor has been billed for at least a year", low=0, high=120
    )
    anchor_min_share: float = _why(
        0.10, "an anchor is material: at least this share of revenue", low=0.0, high=1.0
    )
    one_off_span_days: int = _why(
        45, "invoices this close together belong to a single project", low=0, high=100000
    )
    major_customer_share: float = _why(
        0.10, "the usual disclosure threshold for a major customer", low=0.0, high=1.0
    )
    top1_moderate: float = _why(
        0.10, "top client share from which dependence is moderate", low=0.0, high=1.0
    )
    top1_high: float = _why(
        0.20, "top client share from which dependence is high", low=0.0, high=1.0
    )
    top1_very_high: float = _why(
        0.30, "top client share above which dependence is very high", low=0.0, high=1.0
    )
    top5_red_flag: float = _why(
        0.50, "five clients bringing half the revenue is a red flag", low=0.0, high=1.0
    )
    hhi_moderate: float = _why(
        1000.0,
        "2023 US Merger Guidelines: moderately concentrated from here",
        low=0.0,
        high=10000.0,
    )
    hhi_high: float = _why(
        1800.0, "2023 US Merger Guidelines: highly concentrated above this", low=0.0, high=10000.0
    )
    lapse_gap_multiple: float = _why(
        2.0,
        "silent for more than this many of its usual gaps between invoices: at risk",
        low=0.0,
        high=1000.0,
    )
    lapse_min_days: int = _why(
        60,
        "and silent for at least this many days, so monthly clients are not flagged early",
        low=0,
        high=100000,
    )
    default_terms_days: int = _why(
        30, "payment terms assumed when an invoice has no due date", low=0, high=100000
    )
    chronic_late_days: float = _why(
        60.0,
        "paying a median of more than this many days past due is grade D",
        low=-1000.0,
        high=100000.0,
    )
    grade_d_max_paid_share: float = _why(
        0.50, "less than this share of matured billing paid is grade D", low=0.0, high=1.0
    )
    grade_a_max_median_late: float = _why(
        7.0, "grade A pays on time: median at most this many days late", low=-1000.0, high=100000.0
    )
    grade_a_max_worst_late: float = _why(
        30.0, "and never more than this many days late", low=-1000.0, high=100000.0
    )
    grade_a_min_paid_share: float = _why(
        0.95, "and has paid at least this share of matured billing", low=0.0, high=1.0
    )
    grade_a_min_deposit_share: float = _why(
        0.5,
        "where deposits are recorded, grade A pays one on at least this share of projects",
        low=0.0,
        high=1.0,
    )
    grade_a_min_size: float = _why(
        0.5,
        "grade A work is sizeable: at least this multiple of the typical client's revenue "
        "(or steady, or under contract)",
        low=0.0,
        high=100.0,
    )
    grade_b_max_median_late: float = _why(
        30.0, "grade B pays a median of at most this many days late", low=-1000.0, high=100000.0
    )
    grade_b_min_paid_share: float = _why(
        0.80, "and has paid at least this share of matured billing", low=0.0, high=1.0
    )
    large_constant_share: float = _why(
        0.20, "an anchor with at least this share is large and constant", low=0.0, high=1.0
    )
    growth_min_ratio: float = _why(
        2.0,
        "growth: window revenue at least this multiple of the prior window's",
        low=0.0,
        high=1000.0,
    )
    growth_max_prior_share: float = _why(
        0.10, "growth starts from a small base: prior share under this", low=0.0, high=1.0
    )
    referrer_min_referrals: int = _why(
        2, "named as referrer by at least this many clients", low=0, high=100000
    )
    bgnbd_min_repeat_clients: int = _why(
        30, "BG/NBD is fitted only with this many clients with repeat invoices", low=0, high=100000
    )
    check_in_days: int = _why(
        21,
        "laissez-faire clients with no contact for this many days need a check-in",
        low=0,
        high=100000,
    )
    check_in_days_micromanager: int = _why(
        7, "micromanagers get a short update at least this often", low=0, high=100000
    )
    check_in_days_in_the_dark: int = _why(
        14,
        "clients in the dark get an explanation of where things stand at least this often",
        low=0,
        high=100000,
    )
    check_in_days_savvy: int = _why(
        60, "savvy clients hear from you at least this often", low=0, high=100000
    )
    key_client_share: float = _why(
        0.10,
        "a client with this prior-window share (or a top-3 one) was a key client",
        low=0.0,
        high=1.0,
    )
    lost_revenue_kept: float = _why(
        0.5,
        "a key client silent past its cadence that kept less than this share of its prior "
        "revenue is lost; one that kept more is slipping",
        low=0.0,
        high=1.0,
    )
    slipping_drop: float = _why(
        0.25,
        "a key client still billing but down by this share on the prior window is slipping",
        low=0.0,
        high=1.0,
    )
    action_min_share: float = _why(
        0.05,
        "a grade D client with at least this share of revenue gets an action of its own",
        low=0.0,
        high=1.0,
    )
    near_anchor_ratio: float = _why(
        0.75,
        "a client billed like an anchor with this fraction of the anchor share is a near-anchor",
        low=0.0,
        high=1.0,
    )
    notes_max_clients: int = _why(
        1000,
        "cell notes with a client's reasons go on the first rows of at most this many clients, "
        "those that brought the most in the window or the prior window: LibreOffice takes some "
        "6 ms a note to open a workbook; every client's reasons are on the Client analysis sheet",
        low=0,
        high=1_048_576,
    )

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    def items(self) -> list[tuple[str, Any, str]]:
        """(name, value, reason) for every setting, in declaration order."""
        return [
            (f.name, getattr(self, f.name), f.metadata.get("why", ""))
            for f in dataclasses.fields(self)
        ]

    def shown_items(self) -> list[tuple[str, Any, str]]:
        """As items(), with each value written as a person would type it on a Settings sheet
        (yes/no, 10%, 1000, EUR=1.08), so what the Method sheet shows can be typed back."""
        return [(name, written(name, value), why) for name, value, why in self.items()]

    def as_dict(self) -> dict[str, Any]:
        return {
            name: (
                value.isoformat()
                if isinstance(value, dt.date)
                else dict(value)
                if name == "rates"
                else value
            )
            for name, value, _ in self.items()
        }


_FIELDS = {f.name: f for f in dataclasses.fields(Config)}


AS_OF_RANGE = (dt.date(1900, 1, 1), dt.date(9000, 12, 31))


def _bounded(name: str, value: float) -> Any:
    low, high = _FIELDS[name].metadata.get("low"), _FIELDS[name].metadata.get("high")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"expected a value from {low:g} to {high:g}")
    return value


def written(name: str, value: Any) -> str | None:
    """A setting's value as people write it: what ``_coerce`` reads back to the same value."""
    if value is None:
        return None
    if name == "rates":
        return ", ".join(f"{code}={rate:g}" for code, rate in value) or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and _FIELDS[name].metadata.get("high") == 1.0:
        return f"{round(value * 100, 6):g}%"  # a share of revenue or of billing
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _coerce(name: str, raw: Any, source: str) -> Any:
    """Turn a TOML or spreadsheet value into the field's type, or say plainly why not."""
    default = _FIELDS[name].default
    try:
        if name == "as_of":
            if raw is None or raw == "":
                return None
            if isinstance(raw, dt.datetime):
                day = raw.date()
            elif isinstance(raw, dt.date):
                day = raw
            else:
                day = dt.date.fromisoformat(str(raw).strip()[:10])
            if not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
                # The windows reach years back and the trend ahead: outside, dates overflow.
                first, last = AS_OF_RANGE
                raise ValueError(f"expected a date from {first} to {last}")
            return day
        if name == "basis":
            basis = str(raw).strip().lower()
            if basis not in BASES:
                raise ValueError(f"expected one of {', '.join(BASES)}")
            return basis
        if name == "language":
            code = language_of(str(raw))
            if code is None:
                raise ValueError(f"expected one of {', '.join(LANGUAGES)}")
            return code
        if name == "dates":
            order = DATE_ORDERS.get(str(raw).strip().casefold().replace(" ", ""))
            if order is None:
                raise ValueError("expected auto, dmy (day first), mdy (month first) or ymd")
            return order
        if name == "rates":
            return parse_rates(raw)
        if name == "business":
            text = " ".join(str(raw).split()) if raw is not None else ""
            if len(text) > 120:
                raise ValueError("expected a name of at most 120 characters")
            return text or None
        if name == "currency":
            text = str(raw).strip().upper() if raw is not None else ""
            return text or None
        if isinstance(default, bool):
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            number = float(raw)
            if number != int(number):
                raise ValueError("expected a whole number")
            return _bounded(name, int(number))
        if isinstance(default, float):
            text = str(raw).strip()
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
            if not math.isfinite(value):
                raise ValueError("expected a finite number")
            return _bounded(name, value)
        raise ValueError("not a setting tierbook knows how to read")
    except (TypeError, ValueError) as exc:
        shown = raw.isoformat() if isinstance(raw, dt.date) else repr(raw)
        raise ConfigError(
            f"{source}: setting '{name}' has the value {shown}, which cannot be used ({exc})."
        ) from None
    return raw


def parse_rates(raw: Any) -> tuple[tuple[str, float], ...]:
    """Rates as people write them: ``USD=3.6725``, several split by ``,`` or ``;``, a list of
    those, or a TOML table ``{USD = 3.6725}``; each a positive, finite number."""
    if isinstance(raw, Mapping):
        items = [(str(k), v) for k, v in raw.items()]
    else:
        texts = raw if isinstance(raw, list | tuple) else [raw]
        items = []
        for text in texts:
            for part in re.split(r"[,;]", str(text)):
                if not part.strip():
                    continue
                code, sep, value = part.partition("=")
                if not sep:
                    raise ValueError(f"'{part.strip()}' is not a rate: write it as USD=3.6725")
                items.append((code, value))
    rates: dict[str, float] = {}
    for code, value in items:
        code = code.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"'{code}' is not a currency code (three letters, such as USD)")
        number = float(str(value).strip())
        if not math.isfinite(number) or number <= 0:
            raise ValueError(f"the rate for {code} must be a positive number")
        rates[code] = number
    return tuple(sorted(rates.items()))


def normalise_key(key: str) -> str:
    return "_".join(str(key).strip().lower().replace("-", " ").split())


def apply_settings(config: Config, settings: Mapping[str, Any], source: str) -> Config:
    """Overlay key/value settings (a TOML table) on ``config``; any unknown or bad one is an error."""
    changes: dict[str, Any] = {}
    for key, raw in settings.items():
        name = normalise_key(key)
        if name not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise ConfigError(f"{source}: unknown setting '{key}'. Known settings: {known}.")
        changes[name] = _coerce(name, raw, source)
    return config.replace(**changes) if changes else config


def apply_sheet_settings(
    config: Config, settings: Mapping[str, Any], source: str
) -> tuple[Config, list[tuple[str, Any, str]]]:
    """Overlay a workbook's Settings sheet, leniently: the sheet is the user's, and may hold
    other things. Returns the config and (key, value, problem) for every row not applied."""
    changes: dict[str, Any] = {}
    ignored: list[tuple[str, Any, str]] = []
    for key, raw in settings.items():
        name = normalise_key(key)
        if name not in _FIELDS:
            ignored.append((key, raw, "not a tierbook setting"))
            continue
        try:
            changes[name] = _coerce(name, raw, source)
        except ConfigError as exc:
            ignored.append((key, raw, str(exc).split(": ", 1)[-1]))
    return (config.replace(**changes) if changes else config), ignored


def load_toml(path: Path, config: Config | None = None) -> Config:
    """Read ``--config FILE.toml``: top-level keys, or a ``[tierbook]`` table."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Configuration file {path} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Configuration file {path} is not valid TOML: {exc}.") from None
    table = data.get("tierbook", data)
    return apply_settings(config or Config(), table, f"Configuration file {Path(path).name}")


_RATE_KEYS = {"rate", "rates", "exchange_rate"}
Ignored = tuple[int, str, Any, str]  # a Settings row not applied: (Excel row, key, value, problem)


def resolve_config(
    sheet: Sequence[tuple[int, str, Any]],
    source: str,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Config, tuple[Ignored, ...]]:
    """The config in force, lowest first: defaults, the workbook's Settings ``sheet`` rows
    (Excel row, key, value), ``--config FILE.toml``, then ``overrides`` (the options given;
    None leaves a setting alone). Returns it with the Settings rows that were not applied.

    Raises ``ConfigError`` for a TOML file or an override that cannot be used; a bad Settings
    row is the workbook's own and comes back as ignored instead.
    """
    rate_rows = [(row, value) for row, key, value in sheet if normalise_key(key) in _RATE_KEYS]
    plain = [(row, key, value) for row, key, value in sheet if normalise_key(key) not in _RATE_KEYS]
    config, ignored = apply_sheet_settings(Config(), {k: v for _, k, v in plain}, source)
    rows = {key: row for row, key, _ in plain}
    unusable: list[Ignored] = []
    rates: dict[str, float] = {}
    for row, value in rate_rows:  # one rate a row, or several; every row counts
        try:
            rates.update(parse_rates(value))
        except (TypeError, ValueError) as exc:
            unusable.append((row, "rate", value, str(exc)))
    if rates:
        config = config.replace(rates=tuple(sorted(rates.items())))
    if config_file is not None:
        config = load_toml(config_file, config)
    changes = {k: v for k, v in (overrides or {}).items() if v is not None}
    if "as_of" in changes:  # the option is a date already, but may be one no window fits
        changes["as_of"] = _coerce("as_of", changes["as_of"], "--as-of")
    if changes.get("rates"):  # --rate adds to the workbook's rates, and wins where both name one
        changes["rates"] = tuple(sorted({**dict(config.rates), **dict(changes["rates"])}.items()))
    return config.replace(**changes), (
        *((rows[key], key, value, problem) for key, value, problem in ignored),
        *unusable,
    )
