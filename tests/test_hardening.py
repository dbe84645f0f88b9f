"""Hostile and unlucky inputs, each generated here: what tierbook must refuse, survive or never
carry into its outputs (README, "Messy files")."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from pipeline.read import snapshot as snapshot_module
from tests.conftest import inv, write_workbook


def run(*args: str) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


_SHA256 = hashlib.sha256


class _Hash:
    """sha256 whose first update runs ``meanwhile``: a change made while the copy is read."""

    def __init__(self, meanwhile) -> None:
        self._inner, self._meanwhile = _SHA256(), meanwhile

    def update(self, data: bytes) -> None:
        if self._meanwhile is not None:
            self._meanwhile()
            self._meanwhile = None
        self._inner.update(data)

    def hexdigest(self) -> str:
        return self._inner.hexdigest()


@pytest.mark.parametrize("how", ["replaced", "rewritten"])
def test_a_file_changed_while_it_is_read_is_refused_never_mixed(tmp_path, monkeypatch, how):
    a = write_workbook(tmp_path / "book.xlsx", [inv("1", "Acme", "2026-01-05", 100)])
    b = write_workbook(tmp_path / "other.xlsx", [inv("1", "Birch", "2026-01-05", 900)])
    before = a.read_bytes()

    def change() -> None:
        if how == "replaced":  # saved by a program that writes a new file and renames it
            os.replace(b, a)
        else:  # written in place
            with a.open("ab") as handle:
                handle.write(b"\0")

    monkeypatch.setattr(snapshot_module.hashlib, "sha256", lambda: _Hash(change))
    out = tmp_path / "out"
    result = run("report", a, "--out", out)
    assert result.exit_code == 1, result.output
    assert "book.xlsx: the file changed while it was being read" in result.output
    assert not out.exists() or not any(out.iterdir())
    assert a.read_bytes() != before  # the change really happened during the run


def test_the_digest_recorded_is_of_the_bytes_analysed(tmp_path):
    path = write_workbook(tmp_path / "book.xlsx", [inv("1", "Acme", "2026-01-05", 100)])
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "book" / "book.summary.json").read_text())
    assert data["input"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not list(Path(tempfile.gettempdir()).glob("tierbook-input-*/book.xlsx"))
