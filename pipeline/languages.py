"""The languages tierbook speaks, and the names people write for them in a Settings sheet."""

from __future__ import annotations

# Language code -> the Babel locale its numbers and dates follow.
LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN", "ru": "ru_RU", "fi": "fi_FI", "fa": "fa_IR"}
LANGUAGES = tuple(LOCALES)
# Names people write in a Settings sheet for each language, besides its code.
LANGUAGE_NAMES = {
    "en": ("english", "en-gb", "en-us", "en_gb", "en_us"),
    "zh": ("chinese", "中文", "简体中文", "zh-cn", "zh_cn", "zh-hans", "zh_hans", "mandarin"),
    "ru": ("russian", "русский", "ru-ru", "ru_ru"),
    "fi": ("finnish", "suomi", "fi-fi", "fi_fi"),
    "fa": ("persian", "farsi", "فارسی", "fa-ir", "fa_ir"),
}


def language_of(text: str) -> str | None:
    """The language code a user's text names (``fi``, ``Suomi``, ``fi-FI``), or None."""
    key = str(text).strip().casefold()
    if key in LOCALES:
        return key
    return next((code for code, names in LANGUAGE_NAMES.items() if key in names), None)
