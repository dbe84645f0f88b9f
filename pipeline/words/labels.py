"""Labels for people: the names of tiers, grades, roles, verdicts and styles, in the report's
language (``summary.json`` keeps the exact values)."""

from __future__ import annotations

from pipeline.words.i18n import ENGLISH, Words


def tier_label(tier: str, w: Words = ENGLISH) -> str:
    """A tier's name for people; ``summary.json`` keeps the exact value."""
    return {
        "anchor": w._("Anchor"),
        "recurring": w._("Recurring"),
        "one-off": w._("One-off"),
        "new": w._("New"),
        "lapsed": w._("Lapsed"),
    }[tier]


def verdict_label(verdict: str, w: Words = ENGLISH) -> str:
    return {
        "low": w._("Low dependence"),
        "moderate": w._("Moderate dependence"),
        "high": w._("High dependence"),
        "very high": w._("Very high dependence"),
    }[verdict]


def role_label(role: str, w: Words = ENGLISH) -> str:
    return {
        "large-constant": w._("large-constant"),
        "growth": w._("growth"),
        "referrer": w._("referrer"),
        "image": w._("image"),
        "tester": w._("tester"),
        "special": w._("special"),
    }.get(role, role)


def grade_label(grade: str | None, w: Words = ENGLISH) -> str:
    # NOTE: a payment grade, A best to D worst; keep the letter.
    return w._("grade %(grade)s", grade=grade) if grade else "–"


_KEPT = 65_536  # distinct texts ``days`` keeps per language before it starts afresh


def days(value: float | None, w: Words = ENGLISH) -> str:
    """A count of days in words ("1 day", "-3 days"), each distinct count worded once: at 15,259
    clients the reasons asked for 9,051 of them, 1,096 distinct."""
    if value is None:
        return "–"
    n = round(value)
    key = ("days", n)
    said = w.said.get(key)
    if said is None:
        # The plural form follows the size; the sign stays (a negative lateness is early payment).
        said = w.n_("%(n)s day", "%(n)s days", abs(n))
        if n < 0:
            said = said.replace(w.number(abs(n)), w.number(n), 1)
        if len(w.said) >= _KEPT:
            w.said.clear()
        w.said[key] = said
    return said


def style_label(style: str, w: Words = ENGLISH) -> str:
    """A working style's name (the Clients sheet's ``Working style`` values)."""
    return {
        "laissez-faire": w._("laissez-faire"),
        "micromanager": w._("micromanager"),
        "in-the-dark": w._("in the dark"),
        "savvy": w._("savvy"),
    }.get(style, style)


def hhi_band_label(band: str, w: Words = ENGLISH) -> str:
    return {
        "unconcentrated": w._("unconcentrated"),
        "moderately concentrated": w._("moderately concentrated"),
        "highly concentrated": w._("highly concentrated"),
    }.get(band, band)
