"""The templates' compiled form kept between runs: used only while the source is unchanged, and
never a reason for a report to fail."""

from __future__ import annotations

import jinja2
import pytest

from pipeline.render.templates import CompiledTemplates, environment


def _env(cache: CompiledTemplates, source: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.DictLoader({"t.html": source}), autoescape=True, bytecode_cache=cache
    )


def _no_compiling(env: jinja2.Environment, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(env, "compile", refuse)


def test_a_template_compiled_once_is_loaded_the_next_time(tmp_path, monkeypatch):
    cache = CompiledTemplates(str(tmp_path))
    assert _env(cache, "<p>{{ x }}</p>").get_template("t.html").render(x="<b>") == (
        "<p>&lt;b&gt;</p>"
    )
    assert list(tmp_path.iterdir())
    again = _env(CompiledTemplates(str(tmp_path)), "<p>{{ x }}</p>")
    _no_compiling(again, monkeypatch)
    assert again.get_template("t.html").render(x="<b>") == "<p>&lt;b&gt;</p>"


def test_a_changed_template_is_compiled_again(tmp_path):
    _env(CompiledTemplates(str(tmp_path)), "old {{ x }}").get_template("t.html").render(x=1)
    changed = _env(CompiledTemplates(str(tmp_path)), "new {{ x }}")
    assert changed.get_template("t.html").render(x=1) == "new 1"


def test_a_damaged_cache_file_or_a_missing_folder_only_means_compiling(tmp_path):
    _env(CompiledTemplates(str(tmp_path)), "{{ x }}!").get_template("t.html").render(x=1)
    for kept in tmp_path.iterdir():  # cut short inside the compiled code, its header intact
        kept.write_bytes(kept.read_bytes()[:-40])
    assert (
        _env(CompiledTemplates(str(tmp_path)), "{{ x }}!").get_template("t.html").render(x=2)
        == "2!"
    )
    gone = CompiledTemplates(str(tmp_path / "no such folder"))
    assert _env(gone, "{{ x }}?").get_template("t.html").render(x=3) == "3?"


def test_the_report_templates_use_the_kept_compiled_form():
    assert isinstance(environment("en").bytecode_cache, CompiledTemplates)
