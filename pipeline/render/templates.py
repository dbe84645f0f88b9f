"""The one Jinja environment per language, for every template an output is made from.

Templates ship inside the package (``pipeline.templates``), so installs find them too. Every
template is autoescaped, the plain-text ones too: a client name like ``<script>`` stays text
wherever it is shown, and the writer of a plain-text output (cell notes) turns the escapes back
into characters itself.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import jinja2

from pipeline.words.i18n import words
from pipeline.words.labels import days, grade_label, role_label, tier_label, verdict_label

HTML_LANG = {"zh": "zh-Hans"}  # tells the browser which CJK glyph shapes to use


@cache
def environment(lang: str = "en") -> jinja2.Environment:
    """The templates with ``lang``'s messages and formats as filters."""
    root = files("pipeline.templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (root / name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    w = words(lang)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        w.catalog.gettext, w.catalog.ngettext, newstyle=True
    )
    env.filters.update(
        money=w.money,
        percent=w.percent,
        day=w.day,
        number=w.number,
        tier=lambda t: tier_label(t, w),
        grade=lambda g: grade_label(g, w),
        role=lambda r: role_label(r, w),
        days=lambda n: days(n, w),
        verdict=lambda v: verdict_label(v, w),
    )
    return env


def html_lang(lang: str) -> str:
    """The page's ``lang`` attribute for a report language."""
    return HTML_LANG.get(lang, lang)
