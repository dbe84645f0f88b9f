"""Hostile and unlucky inputs, each generated here: what tierbook must refuse, survive or never
carry into its outputs (README, "Messy files")."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

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
    assert not list(Path(tempfile.gettempdir()).glob(f"tierbook-input-{os.getpid()}-*"))


def repack(path: Path, extra: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """The workbook at ``path`` with more parts added (as a hostile tool could write them)."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            if name not in extra:  # a part given again replaces the workbook's own
                out.writestr(name, data)
        for name, data in extra.items():
            out.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data, compress_type=method)
    return path


def lie_about_size(path: Path, name: str, size: int) -> Path:
    """Rewrite a part's uncompressed size in its local header and the directory, nothing else."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    at = data.find(encoded)
    while at != -1:
        if data[at - 30 : at - 26] == b"PK\x03\x04":
            struct.pack_into("<I", data, at - 30 + 22, size)
        if data[at - 46 : at - 42] == b"PK\x01\x02":
            struct.pack_into("<I", data, at - 46 + 24, size)
        at = data.find(encoded, at + 1)
    path.write_bytes(bytes(data))
    return path


def book(tmp_path: Path, name: str = "book.xlsx") -> Path:
    return write_workbook(tmp_path / name, [inv("1", "Acme", "2026-01-05", 100)])


def peak_of_a_run(*args: str) -> tuple[int, str, int]:
    """Exit code, output and peak memory (KiB) of one ``tierbook`` run in a child of its own."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout + done.stderr)\n"
    )
    tool = Path(sys.executable).with_name("tierbook")
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tool), *args],
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard, not a speed goal (that is in the README's table)
    )
    first, _, said = done.stdout.partition("\n")
    code, peak = first.split()
    return int(code), said, int(peak)


@pytest.mark.slow
def test_a_part_that_lies_about_its_size_is_refused_by_what_it_inflates_to(tmp_path):
    """A shared-strings part that says 8.7 KB but inflates to 400 MB: the directory is
    believed by nothing; the part is refused by what it measures, in bounded memory."""
    path = repack(book(tmp_path), {"xl/bomb.xml": b"<a>" + b"x" * (400 * 1024**2) + b"</a>"})
    lie_about_size(path, "xl/bomb.xml", 8_700)
    code, said, peak = peak_of_a_run("report", str(path), "--out", str(tmp_path / "out"))
    assert code == 1, said
    assert "part 'xl/bomb.xml' unpacks to more than" in said and "the mark of a zip bomb" in said
    assert peak < 500 * 1024, f"peak {peak / 1024:.0f} MiB"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("xl/custom.XML", 5_000),
        ("customXml/item9.xml", 100_000),
        ("docProps/app.xml", 0),
    ],
)
def test_a_dtd_anywhere_in_any_part_is_refused(tmp_path, name, where):
    dtd = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    path = repack(book(tmp_path), {name: b" " * where + dtd + b"<r>&b;</r>"})
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert f"part '{name}' declares XML entities" in result.output


@pytest.mark.parametrize("where", [1024**2 - 2, 1024**2 - 1, 1024**2 - 5])
def test_a_dtd_split_between_the_pieces_a_part_is_read_in_is_refused(tmp_path, where):
    # Parts are inflated 1 MiB at a time: "<!" ends the first piece ("DOCTYPE", with no "!" of
    # its own, begins the next), "<" ends it, or "<!DOC" does.
    dtd = b'<!DOCTYPE r SYSTEM "r.dtd">'
    path = repack(book(tmp_path), {"xl/split.xml": b" " * where + dtd + b"<r/>"})
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "part 'xl/split.xml' declares XML entities" in result.output


def test_a_dtd_in_utf16_text_is_refused(tmp_path):
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r/>'
    path = repack(book(tmp_path), {"xl/extra.xml": text.encode("utf-16")})
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "declares XML entities" in result.output, result.output


def test_an_svg_image_naming_its_public_dtd_is_read(tmp_path):
    svg = (
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>'
    )
    path = repack(book(tmp_path), {"xl/media/image1.svg": svg})
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "name", ["../../evil.txt", "/etc/evil.xml", "xl\\..\\evil.xml", "C:/evil.xml", "xl/../../e"]
)
def test_a_part_named_outside_the_package_is_refused(tmp_path, name):
    path = repack(book(tmp_path), {name: b"<x/>"})
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "has a name that points outside the workbook" in result.output


def _damaged_noise(tmp_path, noise: int, spoil) -> str:
    """The report's output on a book with a noise part whose bytes ``spoil(data, member)``
    changes in place; it must be refused, naming the part, without a traceback."""
    path = repack(book(tmp_path), {"xl/noise.xml": b"<x>" + b"noise " * noise + b"</x>"})
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("xl/noise.xml")
    data = bytearray(path.read_bytes())
    spoil(data, member)
    path.write_bytes(bytes(data))
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "part 'xl/noise.xml' of the workbook is damaged" in result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_part_whose_packed_bytes_are_corrupt_is_refused_as_damaged(tmp_path):
    """Bytes that are no deflate stream (the inflater's own error) are a clear refusal naming
    the part, whichever inflater the guard uses, never a crash."""

    def spoil(data: bytearray, member: zipfile.ZipInfo) -> None:
        name_length, extra_length = struct.unpack("<HH", data[member.header_offset + 26 :][:4])
        start = member.header_offset + 30 + name_length + extra_length
        data[start : start + 16] = b"\xff" * 16  # a final block of the reserved type 3

    _damaged_noise(tmp_path, 50_000, spoil)


def test_a_part_whose_local_header_is_gone_is_refused_as_damaged(tmp_path):
    """The directory says where a part begins; when no local header stands there, the
    refusal names the part and says its header is missing."""

    def spoil(data: bytearray, member: zipfile.ZipInfo) -> None:
        assert data[member.header_offset : member.header_offset + 4] == b"PK\x03\x04"
        data[member.header_offset : member.header_offset + 4] = b"XXXX"

    output = _damaged_noise(tmp_path, 1_000, spoil)
    assert "part 'xl/noise.xml' of the workbook is damaged (its header is missing)" in output


def test_a_part_packed_with_a_method_no_spreadsheet_uses_is_refused(tmp_path):
    path = repack(book(tmp_path), {"xl/odd.xml": b"<x/>" * 100}, method=zipfile.ZIP_BZIP2)
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "zip method 12" in result.output


# The check for formulas without values, as it was written before its scan was made linear:
# the same answers on well-formed cells, quadratic on hostile text.
_OLD_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_PIECES = [
    b'<c r="A1">',
    b'<c r="B2" t="str">',
    b"<x:c>",
    b"<f>SUM(A1:A2)</f>",
    b'<f t="shared" si="0"/>',
    b"<x:f>A1</x:f>",
    b"<v>12</v>",
    b"<v></v>",
    b"<v> </v>",
    b"<v/>",
    b"</c>",
    b"</x:c>",
    b" ",
    b"\n",
    b"<is><t>x</t></is>",
    b"<col/>",
    b"<cfRule/>",
    b"text",
]


def test_a_self_closed_cell_holds_no_formula():
    """The old pattern read ``<c r="C3"/>`` as a cell left open; it is an empty cell."""
    from pipeline.read.formulas import _uncalculated

    assert list(_uncalculated(b'<c r="C3"/><f>SUM(A1:A2)</f></c>')) == []
    assert list(_uncalculated(b'<c r="C3"><f>SUM(A1:A2)</f></c>')) == [b'<c r="C3">']


@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_the_linear_formula_scan_finds_what_the_old_pattern_found(pieces):
    from pipeline.read.formulas import _uncalculated

    data = b"".join(pieces)
    old = [m.start() for m in _OLD_FORMULA_WITHOUT_VALUE.finditer(data)]
    new = list(_uncalculated(data))
    assert len(new) == len(old), data


@pytest.mark.parametrize(
    "hostile",
    [
        b"<c " * 3_500_000,  # cells that never close their tag
        b"<c>" + b" " * 10_000_000,  # a cell followed by nothing but space
        b"<c><f>" * 1_700_000,  # formulas that never close
        b'<c r="A1"><f>' + b"x" * 10_000_000,  # one unclosed formula of 10 MB
    ],
    ids=["open-tags", "spaces", "open-formulas", "long-formula"],
)
def test_a_10_mb_hostile_sheet_is_scanned_once_through(hostile):
    """10 MB of text built to make a backtracking pattern go quadratic (the old one would take
    hours on these). The bound is a hang guard far above a linear scan's time, not a goal."""
    from pipeline.read.formulas import _uncalculated

    started = time.monotonic()
    assert list(_uncalculated(hostile)) == []
    assert time.monotonic() - started < 20


def test_outputs_are_no_more_readable_than_the_umask_and_the_input_allow(tmp_path):
    path = book(tmp_path)
    cases = [
        (0o022, 0o644, 0o644, 0o755),
        (0o077, 0o644, 0o600, 0o700),
        (0o022, 0o600, 0o600, 0o700),
    ]
    for umask, input_mode, file_mode, dir_mode in cases:
        os.chmod(path, input_mode)
        out = tmp_path / f"out-{umask:o}-{input_mode:o}"
        previous = os.umask(umask)
        try:
            result = run("report", path, "--out", out)
        finally:
            os.umask(previous)
        assert result.exit_code == 0, result.output
        folder = out / "book"
        assert stat.S_IMODE(folder.stat().st_mode) == dir_mode, (umask, input_mode)
        for file in folder.iterdir():
            assert stat.S_IMODE(file.stat().st_mode) == file_mode, (umask, input_mode, file.name)


def test_a_long_file_name_fits_its_temporary_names(tmp_path):
    path = book(tmp_path, "r" * 225 + ".xlsx")
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out" / ("r" * 225)).iterdir())) == 3
    assert leftovers(tmp_path / "out") == []


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.endswith((".tmp", ".old")))


def test_leftovers_of_dead_runs_are_put_back_or_removed_and_said(tmp_path):
    out = tmp_path / "out"
    first = run("report", book(tmp_path), "--out", out)
    assert first.exit_code == 0, first.output
    dead = 2**22 + 12345  # above the kernel's largest process id, so no process has it
    os.replace(out / "book", out / f".book.{dead}.old")  # killed between two renames
    (out / f".book.{dead}.k2j4h5g6.tmp").mkdir()  # killed while writing
    (out / f".book.{dead}.k2j4h5g6.tmp" / "book.summary.json").write_text("{")
    (out / "acme").mkdir()
    stale = out / ".acme.1.old"  # process 1 is alive, but a day is long enough
    stale.mkdir()
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    live = out / f".other.{os.getpid()}.abcdefgh.tmp"  # a live run's: untouched
    live.mkdir()
    result = run("report", book(tmp_path, "two.xlsx"), "--out", out)
    assert result.exit_code == 0, result.output
    assert "put back the report 'book' an interrupted run had moved" in result.output
    assert f"removed '.book.{dead}.k2j4h5g6.tmp', left by an interrupted run" in result.output
    assert "removed '.acme.1.old'" in result.output
    assert leftovers(out) == [live.name]
    assert json.loads((out / "book" / "book.summary.json").read_text())["totals"]["revenue"] == 100


KILLED = """
import os, sys
import pipeline.write as write
from pipeline.edge.cli import run
write._exchange = lambda a, b: False  # a kernel or file system without the exchange
real = os.replace
def replace(src, dst):
    real(src, dst)
    if str(src).endswith("book") and str(dst).endswith(".old"):
        os._exit(9)  # killed between the two renames
os.replace = replace
sys.argv = ["tierbook", "report", sys.argv[1], "--out", sys.argv[2]]
run()
"""


def test_a_run_killed_between_the_two_renames_loses_no_report(tmp_path):
    out = tmp_path / "out"
    path = book(tmp_path)
    assert run("report", path, "--out", out).exit_code == 0
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, str(path), str(out)], capture_output=True, timeout=120
    )
    assert killed.returncode == 9, killed.stderr
    assert not (out / "book").exists() and len(leftovers(out)) == 2  # the gap, as it was
    again = run("report", path, "--out", out)
    assert again.exit_code == 0, again.output
    assert "put back the report 'book'" in again.output
    assert leftovers(out) == [] and len(list((out / "book").iterdir())) == 3


@pytest.mark.slow
def test_killed_at_any_point_the_old_report_or_the_new_one_is_whole(tmp_path):
    """SIGKILL at twelve points of a run over an existing report: each time the folder holds
    one run's three files, complete; the next run leaves nothing behind."""
    out = tmp_path / "out"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = write_workbook(tmp_path / "a" / "book.xlsx", [inv("1", "Acme", "2026-01-05", 100)])
    new = write_workbook(tmp_path / "b" / "book.xlsx", [inv("1", "Acme", "2026-01-05", 900)])
    tool = str(Path(sys.executable).with_name("tierbook"))
    assert subprocess.run([tool, "report", str(old), "--out", str(out)]).returncode == 0
    for step in range(12):
        source = new if step % 2 else old
        child = subprocess.Popen([tool, "report", str(source), "--out", str(out)])
        time.sleep(0.15 * step + 0.3)
        child.kill()
        child.wait()
        folder = out / "book"
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["book.annotated.xlsx", "book.briefing.html", "book.summary.json"]
        revenue = json.loads((folder / "book.summary.json").read_text())["totals"]["revenue"]
        assert revenue in (100, 900)
        with zipfile.ZipFile(folder / "book.annotated.xlsx") as archive:
            assert archive.testzip() is None
    assert subprocess.run([tool, "report", str(new), "--out", str(out)]).returncode == 0
    assert leftovers(out) == []
    # The private copies of the input the killed runs made are gone too.
    copies = Path(tempfile.gettempdir()).glob("tierbook-input-*/book.xlsx")
    assert not [c for c in copies if c.stat().st_uid == os.getuid()]


@pytest.mark.slow
def test_two_runs_of_one_input_at_once_both_succeed(tmp_path):
    out = tmp_path / "out"
    path = book(tmp_path)
    tool = str(Path(sys.executable).with_name("tierbook"))
    runs = [
        subprocess.Popen([tool, "report", str(path), "--out", str(out)], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for child in runs:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    assert leftovers(out) == [] and len(list((out / "book").iterdir())) == 3


@pytest.mark.parametrize("where", ["option", "config"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_an_as_of_date_no_window_fits_is_a_usage_error(tmp_path, where, day):
    path = book(tmp_path)
    if where == "option":
        args = ["--as-of", day]
    else:
        (tmp_path / "c.toml").write_text(f"as_of = {day}\n")
        args = ["--config", str(tmp_path / "c.toml")]
    result = run("report", path, "--out", tmp_path / "out", *args)
    assert result.exit_code == 2, result.output
    assert f"has the value {day}, which cannot be used (expected a date from 1900-01-01" in (
        result.output
    )
    assert "failed unexpectedly" not in result.output


def hog(path: Path, rows: int = 1_500_000) -> Path:
    """A plain CSV ledger that takes far more memory to read than the limit the tests set."""
    with path.open("w") as out:
        out.write("Invoice No,Client,Invoice Date,Amount\n")
        out.writelines(
            f"{i},Client {i % 5000},2026-01-{i % 28 + 1:02d},{i % 997}.50\n" for i in range(rows)
        )
    return path


def test_a_worker_that_crashes_fails_its_job_alone():
    from concurrent.futures import wait

    from pipeline.edge.isolated import IsolatedPool, WorkerStopped

    with IsolatedPool(1) as pool:
        jobs = [pool.submit(os.getpid), pool.submit(os.abort), pool.submit(os.getpid)]
        wait(jobs, timeout=120)
        first, crashed, after = jobs
        with pytest.raises(WorkerStopped, match="signal 6"):
            crashed.result()
        assert first.result() != after.result()  # a fresh worker took the job after the crash
        assert os.getpid() not in (first.result(), after.result())


@pytest.mark.slow
def test_a_batch_reports_the_good_workbooks_around_one_that_exhausts_memory(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    book(folder, "a.xlsx")
    hog(folder / "b.csv")
    book(folder, "c.xlsx")
    tool = str(Path(sys.executable).with_name("tierbook"))
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        done = subprocess.run(
            [tool, "report", str(folder), "--out", str(out), "--jobs", jobs],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "TIERBOOK_MEMORY_LIMIT_MB": "500"},
        )
        assert done.returncode == 3, done.stdout + done.stderr
        said = done.stdout + done.stderr
        assert (
            "b.csv: the process reading it ended without an answer (it took more than 500 MB"
            in said
        )
        assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a", "c"]
        assert "Traceback" not in said


@pytest.mark.slow
def test_the_watcher_survives_a_workbook_that_exhausts_memory(tmp_path, monkeypatch):
    import threading

    from pipeline.edge.watch import watch
    from pipeline.report import Options

    monkeypatch.setenv("TIERBOOK_MEMORY_LIMIT_MB", "500")
    folder = tmp_path / "in"
    folder.mkdir()
    book(folder, "a.xlsx")
    hog(folder / "b.csv")
    book(folder, "c.xlsx")
    outcomes, stop = [], threading.Event()

    def log(outcome) -> None:
        outcomes.append(outcome)
        if len(outcomes) == 3:
            stop.set()

    watcher = threading.Thread(target=watch, args=(folder, tmp_path / "out", Options(), log, stop))
    watcher.start()
    watcher.join(timeout=300)
    stop.set()
    assert [(o.source.name, o.status) for o in outcomes] == [
        ("a.xlsx", "done"),
        ("b.csv", "refused"),
        ("c.xlsx", "done"),
    ]


def test_a_right_to_left_override_in_a_file_name_is_isolated_wherever_it_is_shown(tmp_path):
    """U+202E reverses what follows it until the paragraph ends unless it is isolated: in the
    portfolio's table, chart labels, chart description and caption the name stands alone."""
    folder = tmp_path / "in"
    folder.mkdir()
    book(folder, "acme\u202eslx.xlsx")
    book(folder, "plain.xlsx")
    result = run("report", folder, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    name = "acme\u202eslx"
    places = [i for i in range(len(page)) if page.startswith(name, i)]
    assert len(places) >= 4  # table, chart label, description, caption
    for at in places:
        before = page[:at]
        if before.endswith('="'):
            continue  # an attribute's value is never shown
        assert before.endswith(("\u2068", "<bdi>")), page[at - 40 : at + 20]


def test_issues_of_one_kind_past_the_cap_are_counted_not_listed():
    import polars as pl

    from pipeline.model.issues import listed

    issues = pl.DataFrame(
        {
            "sheet": ["S"] * 7,
            "row": [2, 3, 4, 5, 6, 7, 8],
            "column": ["Client"] * 6 + ["Amount"],
            "value": ["a", "b", "c", "d", "e", "f", "x"],
            "problem": [f"identical to row {n}" for n in (1, 1, 2, 2, 3, 3)] + ["not a number"],
            "action": ["kept"] * 6 + ["row left out"],
        }
    )
    shown = listed(issues, per_kind=2)
    assert shown["row"].to_list() == [2, 3, None, 8]
    assert shown["problem"].to_list()[2] == (
        "and 4 more rows with the same kind of problem (such as: identical to row 2), "
        "not listed one by one"
    )
    assert listed(issues, per_kind=6).equals(issues)


@pytest.mark.slow
def test_ten_million_copies_of_one_sale_are_reported_with_their_count(tmp_path):
    """A 30 KB Parquet file of ten million identical rows of a sales log: each copy is a data
    issue, counted in full and listed up to the cap (it was a 24 GB run, killed)."""
    import polars as pl

    n = 10_000_000
    path = tmp_path / "copies.parquet"
    pl.DataFrame(
        {
            "Client": pl.repeat("Acme", n, eager=True),
            "Invoice Date": pl.repeat("2026-01-05", n, eager=True),
            "Amount": pl.repeat(100.0, n, eager=True),
        }
    ).write_parquet(path, row_group_size=n)
    code, said, peak = peak_of_a_run("report", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, said
    data = json.loads((tmp_path / "out" / "copies" / "copies.summary.json").read_text())
    assert data["data_issues_total"] == n - 1 and len(data["data_issues"]) == 1_001
    assert data["data_issues"][-1]["problem"].startswith("and 9,998,999 more rows")
    assert data["totals"]["revenue"] == pytest.approx(100.0 * n)
    assert peak < 8 * 1024**2, f"peak {peak / 1024:.0f} MiB"  # KiB: under 8 GiB


def test_links_out_of_the_workbook_are_said_on_method(tmp_path):
    """Links to other files, a DDE link, data connections and a web-service formula: all
    carried byte for byte (tierbook follows none) and each said on Method by its target."""
    import openpyxl

    path = book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Web")["A1"] = '=WEBSERVICE("https://example.org/rates")'
    wb.save(path)
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        b'Target="file:///C:/Clients/Acme/rates.xlsx" TargetMode="External"/></Relationships>'
    )
    dde = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<ddeLink ddeService="cmd" ddeTopic="/c calc.exe"/></externalLink>'
    )
    repack(
        path,
        {
            "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels,
            "xl/externalLinks/externalLink2.xml": dde,
            "xl/connections.xml": b"<connections/>",
        },
    )
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "book" / "book.annotated.xlsx"
    rows = openpyxl.load_workbook(out)["Method"].iter_rows(min_row=2, values_only=True)
    said = " / ".join(str(r[1]) for r in rows if r[0] == "Reaches outside the workbook")
    assert "links to other files ('file:///C:/Clients/Acme/rates.xlsx')" in said
    assert "DDE links, which ask another program for data" in said and "'cmd|/c calc.exe'" in said
    assert "data connections" in said
    assert "web-service formulas (WEBSERVICE, FILTERXML) in 'sheet2.xml'" in said
    with zipfile.ZipFile(out) as archive:  # carried, as promised, byte for byte
        assert archive.read("xl/externalLinks/externalLink2.xml") == dde
    # and listed among the data issues, where a user reading the briefing sees them
    data = json.loads((tmp_path / "out" / "book" / "book.summary.json").read_text())
    links = [i for i in data["data_issues"] if i["column"] == "(links out)"]
    assert len(links) == 4 and all(i["sheet"] == "(workbook)" and i["row"] is None for i in links)
    assert any("rates.xlsx" in i["problem"] for i in links)


def test_a_parquet_file_past_the_row_limit_is_refused_from_its_footer(tmp_path, monkeypatch):
    import polars as pl

    from pipeline.read import columnar

    monkeypatch.setattr(columnar, "MAX_PARQUET_ROWS", 1_000)
    path = tmp_path / "many.parquet"
    pl.DataFrame(
        {
            "Client": ["Acme"] * 1_001,
            "Invoice Date": ["2026-01-05"] * 1_001,
            "Amount": [1.0] * 1_001,
        }
    ).write_parquet(path)
    result = run("report", path, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert (
        "the Parquet file holds 1,001 rows of 3 columns, more than the 1,000 rows" in result.output
    )
