"""The edge: one rule for what is an input, and one wording for every failure, wherever it
happens (a batch, inspect, a worker, the portfolio)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from pipeline.edge.inputs import expand_inputs, find_inputs, is_input_name, output_names
from pipeline.edge.messages import is_panic, refusal
from pipeline.errors import ConfigError, Exit, InputError
from pipeline.read.guard import SUPPORTED
from tests.conftest import inv


def test_inputs_are_every_format_read_and_nothing_else(runner, workbook, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    book = workbook([inv("1", "Acme", "2026-01-05", 100)], name="book.xlsx")
    for name in ("book.xlsx", "export.CSV", "export.tsv", "pooled.parquet", "old.xls", "calc.ods"):
        (folder / name).write_bytes(book.read_bytes())
    for name in ("~$book.xlsx", ".~lock.book.xlsx#", ".hidden.csv", "book.xlsx.part", "notes.txt"):
        (folder / name).write_text("not an input")
    (folder / "sub.xlsx").mkdir()  # a folder named like a workbook
    result = runner.invoke(main, ["inputs", str(folder)])
    assert result.exit_code == 0, result.output
    listed = [Path(line).name for line in result.output.splitlines()]
    assert listed == [
        "book.xlsx",
        "calc.ods",
        "export.CSV",
        "export.tsv",
        "old.xls",
        "pooled.parquet",
    ]
    assert [p.name for p in find_inputs(folder)] == listed


def test_the_portfolio_tierbook_wrote_is_not_read_back_as_a_business(runner, workbook, tmp_path):
    workbook([inv("1", "Acme", "2026-01-05", 100)], name="a.xlsx")
    workbook([inv("1", "Beta", "2026-01-05", 100)], name="b.xlsx")
    assert runner.invoke(main, ["report", str(tmp_path), "--out", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "portfolio.xlsx").exists()
    assert [p.name for p in find_inputs(tmp_path)] == ["a.xlsx", "b.xlsx"]


def test_a_folder_with_no_input_lists_nothing(runner, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = runner.invoke(main, ["inputs", str(tmp_path)])
    assert (result.exit_code, result.output) == (0, "")


def test_report_help_names_every_format_the_reader_takes(runner):
    text = runner.invoke(main, ["report", "--help"]).output
    assert {s for s in SUPPORTED if s not in text} == set()


def test_an_input_given_twice_is_read_once_and_names_never_clash(tmp_path):
    a, b = tmp_path / "book.xlsx", tmp_path / "book.csv"
    for p in (a, b):
        p.write_text("x")
    assert expand_inputs([a, tmp_path, a]) == [a, b]
    assert output_names([a, b]) == {a: "book-xlsx", b: "book-csv"}
    index = tmp_path / "index.xlsx"
    assert output_names([index]) == {index: "index"}  # not the portfolio's index.html
    assert is_input_name(Path("x.PARQUET")) and not is_input_name(Path(".x.xlsx"))


def test_each_kind_of_failure_has_its_wording_and_exit_code(tmp_path):
    source = tmp_path / "book.xlsx"
    refused = refusal(InputError("book.xlsx: the file is empty."), source, tmp_path / "out")
    assert (refused.status, refused.exit_code, refused.text) == (
        "refused",
        Exit.REFUSED,
        "book.xlsx: the file is empty.",
    )
    setting = refusal(ConfigError("bad setting"), source, tmp_path / "out")
    assert (setting.status, setting.exit_code) == ("config", Exit.USAGE)
    bug = refusal(KeyError("x"), source, tmp_path / "out")
    assert bug.text.startswith("book.xlsx: tierbook failed unexpectedly (KeyError: 'x').")
    assert "No report was written" in bug.text and "--debug" in bug.text
    assert "No report was written" not in refusal(KeyError("x"), source).text  # inspect


def test_a_file_that_cannot_be_read_is_not_called_a_report_that_cannot_be_written(tmp_path):
    source, out = tmp_path / "book.xlsx", tmp_path / "out"
    reading = OSError(errno.EACCES, "Permission denied", str(source))
    writing = OSError(errno.EACCES, "Permission denied", str(out / ".book.x.tmp"))
    full = OSError(errno.ENOSPC, "No space left on device")
    assert "could not be read (Permission denied)" in refusal(reading, source, out).text
    assert (
        f"could not be written to {out} (Permission denied)" in refusal(writing, source, out).text
    )
    assert "could not be written" in refusal(full, source, out).text
    above = OSError(errno.EACCES, "Permission denied", str(tmp_path.parent / "no-such-parent"))
    assert "could not be written" in refusal(above, source, tmp_path / "no-such-parent" / "x").text


def test_an_output_folder_whose_parent_cannot_be_made_is_a_write_failure(runner, workbook):
    path = workbook([inv("1", "Acme", "2026-01-05", 100)], name="book.xlsx")
    result = runner.invoke(main, ["report", str(path), "--out", "/proc/tierbook-none/out"])
    assert result.exit_code == 1
    assert "book.xlsx: the report could not be written to /proc/tierbook-none/out" in result.output


def test_a_package_error_that_escapes_is_worded_as_the_bug_it_is(tmp_path):
    from pipeline.errors import SheetError

    said = refusal(SheetError("no <worksheet> element"), tmp_path / "book.xlsx", tmp_path)
    assert said.text.startswith("book.xlsx: tierbook failed unexpectedly (SheetError: no <work")
    assert said.exit_code == Exit.REFUSED


def test_an_unreadable_input_says_so_in_a_batch_and_in_inspect(
    runner, workbook, tmp_path, monkeypatch
):
    """As the operating system says it to a user who may not read the file (root may read any,
    so the refusal is made the way open() makes it)."""
    path = workbook([inv("1", "Acme", "2026-01-05", 100)], name="book.xlsx")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr("pipeline.report.snapshot", denied)
    result = runner.invoke(main, ["report", str(path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1, result.output
    assert "book.xlsx: the file could not be read (Permission denied)" in result.output
    monkeypatch.setattr("pipeline.inspect.snapshot", denied)
    result = runner.invoke(main, ["inspect", str(path)])
    assert result.exit_code == 1, result.output
    assert "book.xlsx: the file could not be read (Permission denied)" in result.output


def test_a_rust_panic_is_a_refusal_not_a_traceback(runner, workbook, tmp_path, monkeypatch):
    """A Rust library's panic is a BaseException, which ``except Exception`` lets through."""
    import polars.exceptions

    path = workbook([inv("1", "Acme", "2026-01-05", 100)])

    def panic(*args, **kwargs):
        raise polars.exceptions.PanicException("index out of bounds")

    assert is_panic(polars.exceptions.PanicException("x")) and not is_panic(KeyboardInterrupt())
    monkeypatch.setattr("pipeline.edge.batch.report", panic)
    result = runner.invoke(main, ["report", str(path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "failed unexpectedly (PanicException: index out of bounds)" in result.output
    monkeypatch.setattr("pipeline.edge.cli.inspect", panic)
    result = runner.invoke(main, ["inspect", str(path)])
    assert result.exit_code == 1
    assert "failed unexpectedly (PanicException: index out of bounds)" in result.output


@pytest.fixture
def runner():
    return CliRunner()
