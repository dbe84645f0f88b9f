"""The one Jinja environment per language, for every template an output is made from.

Templates ship inside the package (``pipeline.templates``), so installs find them too. Every
template is autoescaped, the plain-text ones too: a client name like ``<script>`` stays text
wherever it is shown, and the writer of a plain-text output (cell notes) turns the escapes back
into characters itself.
"""

from __future__ import annotations

import contextlib
from functools import cache
from importlib.resources import files

import jinja2
import jinja2.bccache

from pipeline.words.i18n import words
from pipeline.words.labels import days, grade_label, role_label, tier_label, verdict_label

HTML_LANG = {"zh": "zh-Hans"}  # tells the browser which CJK glyph shapes to use


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """The templates compiled once and kept between runs, by Jinja's own cache: each run had
    compiled them again, 0.055 s of a 100,000-invoice report's briefing and more of a small
    one's. A compiled template is used only while its source is unchanged (Jinja checks), and
    a folder or file that cannot be read or written only means compiling as before."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:  # Jinja itself compiles again for a damaged file or one it may not open
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates() -> CompiledTemplates | None:
    """Jinja's default folder for them: ``_jinja2-cache-<uid>`` in the temporary folder, made
    readable and writable by this user alone (and refused when anyone else owns it); None
    where there is none such."""
    try:
        return CompiledTemplates()
    except (OSError, RuntimeError):
        return None


@cache
def environment(lang: str = "en") -> jinja2.Environment:
    """The templates with ``lang``'s messages and formats as filters."""
    root = files("pipeline.templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (root / name).read_text(encoding="utf-8")),
        bytecode_cache=compiled_templates(),
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
        share=w.share,  # a share of revenue: never 0.0% for a client that brought something
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
