"""The command line: thin, helpful, and never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from pipeline import __version__
from pipeline.edge.cli import main
from tests.conftest import inv


@pytest.fixture
def runner():
    return CliRunner()


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"tierbook {__version__}"


def test_every_command_and_option_has_help_text():
    """A new user can follow --help: no command or option without words."""
    for name, command in main.commands.items():
        assert command.help and len(command.help) > 40, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts}"


def test_report_writes_three_files_per_input_under_out(runner, workbook, tmp_path):
    a = workbook([inv("1", "Acme", "2026-01-05", 100)], name="a.xlsx")
    b = workbook([inv("1", "Beta", "2026-01-05", 100)], name="b.xlsx")
    result = runner.invoke(main, ["report", str(a), str(b), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    for name in ("a", "b"):
        assert sorted(p.name for p in (tmp_path / "r" / name).iterdir()) == [
            f"{name}.annotated.xlsx",
            f"{name}.briefing.html",
            f"{name}.summary.json",
        ]
    assert "a.xlsx: 100.00 from 1 client" in result.output


def test_a_folder_means_every_workbook_in_it(runner, workbook, tmp_path):
    workbook([inv("1", "Acme", "2026-01-05", 100)], name="one.xlsx")
    (tmp_path / "~$one.xlsx").write_bytes(b"lock file")
    (tmp_path / "notes.txt").write_text("not a workbook")
    result = runner.invoke(main, ["report", str(tmp_path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "index.html",
        "one",
        "portfolio.xlsx",
    ]


def test_a_batch_with_a_bad_input_exits_3_and_the_good_one_is_still_reported(
    runner, workbook, tmp_path
):
    good = workbook([inv("1", "Acme", "2026-01-05", 100)], name="good.xlsx")
    bad = workbook(
        [("1", "Acme", "2026-01-05")], header=("Invoice", "Client", "Date"), name="bad.xlsx"
    )
    result = runner.invoke(main, ["report", str(bad), str(good), "--out", str(tmp_path / "r")])
    assert result.exit_code == 3  # some workbooks of the batch failed
    assert "Traceback" not in result.output
    assert (
        "error: bad.xlsx, sheet 'Invoices': the required column 'amount' (or a quantity and a "
        "unit price) is missing" in result.output
    )
    assert not (tmp_path / "r" / "bad").exists()
    assert (tmp_path / "r" / "good" / "good.summary.json").exists()


def test_a_refused_input_exits_1(runner, tmp_path):
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512)
    result = runner.invoke(main, ["report", str(locked), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "password" in result.output


def test_bad_options_exit_2(runner, workbook, tmp_path):
    path = workbook([inv("1", "Acme", "2026-01-05", 100)])
    assert runner.invoke(main, ["report", str(path), "--as-of", "31/12/2026"]).exit_code == 2
    assert runner.invoke(main, ["report", str(path), "--lang", "xx"]).exit_code == 2
    toml = tmp_path / "c.toml"
    toml.write_text("anchor_min_shares = 0.2\n")
    result = runner.invoke(
        main, ["report", str(path), "--config", str(toml), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "unknown setting 'anchor_min_shares'" in result.output


def test_unexpected_errors_are_one_line_not_a_traceback(runner, workbook, tmp_path, monkeypatch):
    path = workbook([inv("1", "Acme", "2026-01-05", 100)])

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pipeline.edge.batch.report", explode)
    result = runner.invoke(main, ["report", str(path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "failed unexpectedly (RuntimeError: boom)" in result.output


def test_python_dash_m_pipeline():
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"tierbook {__version__}"


def test_a_parallel_batch_shows_progress_and_writes_the_same_bytes(runner, workbook, tmp_path):
    books = [
        workbook(
            [inv("1", f"Client {i}", "2026-01-05", 100 + i), inv("2", "B", "2026-02-05", 50)],
            name=f"b{i}.xlsx",
        )
        for i in range(3)
    ]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    parallel = runner.invoke(
        main, ["report", *map(str, books), str(bad), "--jobs", "2", "--out", str(tmp_path / "p")]
    )
    assert parallel.exit_code == 3
    assert sorted(re.findall(r"\[(\d)/4\]", parallel.output)) == [
        "1",
        "2",
        "3",
        "4",
    ]  # one line per workbook
    assert "error: bad.xlsx" in parallel.output
    serial = runner.invoke(main, ["report", *map(str, books), "--out", str(tmp_path / "s")])
    assert serial.exit_code == 0
    for book in books:
        for suffix in ("annotated.xlsx", "briefing.html", "summary.json"):
            name = f"{book.stem}/{book.stem}.{suffix}"
            assert (tmp_path / "p" / name).read_bytes() == (tmp_path / "s" / name).read_bytes(), (
                name
            )


def test_each_input_once_and_never_two_into_one_folder(runner, workbook, tmp_path):
    first = workbook([inv("1", "A", "2026-01-05", 100)], name="book.xlsx")
    (tmp_path / "other").mkdir()
    second = tmp_path / "other" / "book.xlsx"
    second.write_bytes(first.read_bytes())
    result = runner.invoke(
        main, ["report", str(first), str(first), str(second), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "book-xlsx",
        "book-xlsx-2",
        "index.html",
        "portfolio.xlsx",
    ]


def test_as_of_is_shown_and_refused_as_yyyy_mm_dd(tmp_path):
    from click.testing import CliRunner

    from pipeline.edge.cli import main

    help_text = CliRunner().invoke(main, ["report", "--help"]).output
    assert "--as-of YYYY-MM-DD" in help_text and "%Y" not in help_text
    result = CliRunner().invoke(
        main, ["report", str(tmp_path / "none.xlsx"), "--as-of", "30/06/2026"]
    )
    assert result.exit_code == 2
    assert "'30/06/2026' is not a date written YYYY-MM-DD (for example 2026-06-30)" in result.output


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["report", "BOOK", "--as-of", "2026-13-01"], 2, "Invalid value for '--as-of'"),
        (["report", "BOOK", "--bogus"], 2, "No such option '--bogus'"),
        (["nosuch"], 2, "No such command 'nosuch'"),
        (["report", "MISSING"], 1, "the file does not exist"),
        (["report", "BOOK"], 1, "is not an Excel or OpenDocument workbook"),
    ],
)
def test_click_s_errors_and_tierbook_s_start_the_same_way(tmp_path, args, code, said):
    """A misspelt option and an unreadable file are both said as 'error: ...' on the first
    line, with the exit code the README gives (2 usage, 1 nothing reported)."""
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"not a workbook")
    argv = [
        a.replace("BOOK", str(book)).replace("MISSING", str(tmp_path / "no.xlsx")) for a in args
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *argv, "--out", str(tmp_path / "out")]
        if args[0] == "report"
        else [sys.executable, "-m", "pipeline", *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    first = done.stderr.splitlines()[0]
    assert done.returncode == code and first.startswith("error: ") and said in first, done.stderr
    assert "Traceback" not in done.stderr
    if code == 2:  # a usage error says how the command is used
        assert "Usage: " in done.stderr and "--help' for help." in done.stderr
