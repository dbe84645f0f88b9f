"""The drop folder: a workbook copied in is reported once complete; lock files are never read."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.edge.inputs import find_inputs, is_input, is_input_name
from tests.conftest import inv, write_workbook

TIERBOOK = str(Path(sys.executable).with_name("tierbook"))


def test_lock_hidden_and_temporary_files_are_not_candidates():
    for name in (
        "~$book.xlsx",
        ".~lock.book.xlsx#",
        ".hidden.xlsx",
        "book.xlsx.part",
        "a.tmp",
    ):
        assert not is_input_name(Path(name)), name
    for name in ("book.xlsx", "Book.XLSM", "export.csv", "old.xls", "calc.ods", "export.txt"):
        assert is_input_name(Path(name)), name


def test_a_txt_file_is_an_input_only_when_it_holds_a_table(tmp_path):
    """A tab-delimited export saved as .txt is read; a note beside the workbooks is not, even
    one with commas in it."""
    export = tmp_path / "export.txt"
    export.write_text("Num\tName\tDate\tAmount\n1\tAcme\t2026-01-05\t100\n2\tB\t2026-02-05\t5\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("Call Acme, about the retainer, soon.\nSend Beta the invoice.\nDone.\n")
    two_lines = tmp_path / "todo.txt"
    two_lines.write_text("a, b, c\nthe end\n")
    assert is_input(export)
    assert not is_input(notes) and not is_input(two_lines)
    assert find_inputs(tmp_path) == [export]


def _wait_for(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_a_workbook_dropped_in_is_reported_once_it_is_complete(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    source = write_workbook(
        tmp_path / "book.xlsx",
        [inv("1", "Acme", "2026-01-05", 900), inv("2", "Birch", "2026-02-05", 100)],
    )
    data = source.read_bytes()
    process = subprocess.Popen(
        [TIERBOOK, "watch", str(inbox), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("watching")
        (inbox / "~$book.xlsx").write_bytes(b"owner lock")
        (inbox / ".~lock.book.xlsx#").write_text("lock")
        # A copy that arrives in two bursts: the half-written file must not be read.
        target = inbox / "book.xlsx"
        with target.open("wb") as handle:
            handle.write(data[: len(data) // 2])
            handle.flush()
            time.sleep(0.5)
            handle.write(data[len(data) // 2 :])
        briefing = out / "book" / "book.briefing.html"
        assert _wait_for(briefing.exists, timeout=60), "no report within 60 s"
        time.sleep(5)  # reading the file for the report must not queue it again
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert sorted(p.name for p in out.iterdir()) == ["book"]
    assert stdout.count("book.xlsx: 1,000.00 from 2 clients") == 1, stdout
    assert "error" not in stderr and "Traceback" not in stderr
