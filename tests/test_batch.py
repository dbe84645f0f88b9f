"""The batch: one pure job mapped over the files by an Executor, its progress and its results."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from pipeline.edge import batch
from pipeline.edge.batch import Outcome, parse_executor, run_batch
from pipeline.edge.cli import main
from pipeline.edge.inputs import output_names
from pipeline.edge.progress import BatchDisplay
from pipeline.report import STAGES, Options
from pipeline.words.labels import verdict_label
from tests.conftest import SAMPLES, inv, write_workbook

TIERBOOK = str(Path(sys.executable).with_name("tierbook"))


def _books(folder: Path, broken: bool = True) -> list[Path]:
    """Three small businesses of 1, 2 and 3 clients, and (by default) a file that is no workbook."""
    folder.mkdir(parents=True, exist_ok=True)
    books = [
        write_workbook(
            folder / f"b{n}.xlsx",
            [inv(str(i), f"Client {i}", "2026-01-05", 100 * (i + 1)) for i in range(n)],
        )
        for n in (1, 2, 3)
    ]
    if broken:
        (folder / "broken.xlsx").write_bytes(b"this is not a workbook at all")
        books.append(folder / "broken.xlsx")
    return books


def _table(output: str) -> dict[str, list[str]]:
    """The results table's rows, by file: [clients, verdict, seconds, status]."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^file\s+clients\s+verdict", line))
    assert lines[start].split() == ["file", "clients", "verdict", "seconds", "status"]
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if re.match(r"^\d+ of \d+ reported", line):
            break
        cells = re.split(r"\s{2,}", line.strip())
        assert len(cells) == 5, line
        rows[cells[0]] = cells[1:]
    return rows


def _verdict(out: Path, name: str) -> str:
    data = json.loads((out / name / f"{name}.summary.json").read_text(encoding="utf-8"))
    return verdict_label(data["concentration"]["verdict"])


def test_a_report_s_stages_arrive_in_order_then_its_outcome(tmp_path):
    (book,) = _books(tmp_path / "in", broken=False)[:1]
    events: list[tuple[Path, str]] = []
    outcomes = run_batch(
        [book],
        tmp_path / "out",
        Options(),
        output_names([book]),
        1,
        lambda _done, o: events.append((o.source, "outcome")) is None,
        on_stage=lambda source, stage: events.append((source, stage)),
    )
    assert events == [(book, s) for s in (*STAGES, "outcome")]
    assert outcomes[0].status == "done"


def test_stage_events_cross_from_worker_processes_before_each_outcome(tmp_path):
    books = _books(tmp_path / "in")
    events: list[tuple[Path, str]] = []
    outcomes = run_batch(
        books,
        tmp_path / "out",
        Options(),
        output_names(books),
        2,
        lambda _done, o: events.append((o.source, "outcome")) is None,
        on_stage=lambda source, stage: events.append((source, stage)),
    )
    assert sorted(o.source for o in outcomes) == sorted(books)
    for book in books[:3]:
        assert [s for p, s in events if p == book] == [*STAGES, "outcome"], book
    # the broken file is refused while it is read: its one stage, then its outcome
    assert [s for p, s in events if p == books[3]] == ["read", "outcome"]


def test_an_outcome_carries_the_figures_the_table_needs(tmp_path):
    books = _books(tmp_path / "in")
    names = output_names(books)
    outcomes = {
        o.source: o
        for o in run_batch(books, tmp_path / "out", Options(), names, 1, lambda *_: True)
    }
    for n, book in enumerate(books[:3], start=1):
        done = outcomes[book]
        assert (done.status, done.clients) == ("done", n)
        assert done.verdict == _verdict(tmp_path / "out", names[book])
        assert 0 < done.seconds < 120
    refused = outcomes[books[3]]
    assert (refused.status, refused.clients, refused.verdict) == ("refused", None, None)
    assert refused.seconds >= 0


def test_the_results_table_lists_each_file_s_clients_verdict_seconds_and_status(tmp_path):
    books = _books(tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["report", str(tmp_path / "in"), "--out", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 3, result.output  # some workbooks of the batch failed
    rows = _table(result.stdout)
    assert list(rows) == ["b1.xlsx", "b2.xlsx", "b3.xlsx", "broken.xlsx"]  # input order
    for n, book in enumerate(books[:3], start=1):
        clients, verdict, seconds, status = rows[book.name]
        assert (clients, verdict, status) == (str(n), _verdict(out, book.stem), "reported")
        assert float(seconds) >= 0
    assert rows["broken.xlsx"][0:2] == ["-", "-"] and rows["broken.xlsx"][3] == "refused"
    assert re.search(r"^3 of 4 reported, 1 failed in [\d.]+ s", result.stdout, re.M)
    # the per-workbook lines stay: one [n/4] line each, the failure on stderr
    assert sorted(re.findall(r"^\[(\d)/4\]", result.output, re.M)) == ["1", "2", "3", "4"]
    assert "error: broken.xlsx: this is not an Excel" in result.stderr
    assert "broken.xlsx" not in result.stdout.split("file ")[0]  # no error line on stdout


def test_one_workbook_is_one_line_and_no_table(tmp_path):
    (book,) = _books(tmp_path / "in", broken=False)[:1]
    result = CliRunner().invoke(main, ["report", str(book), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"b1.xlsx: 100.00 from 1 client, top client 100.0% (very high dependence), "
        f"0 data issues -> {tmp_path / 'out' / 'b1'}"
    ]


def test_a_run_that_is_not_on_a_terminal_prints_no_escape_code(tmp_path):
    _books(tmp_path / "in")
    env = {**os.environ, "FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200"}
    done = subprocess.run(
        [TIERBOOK, "report", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--jobs", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 3, done.stderr
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr
    assert "\r" not in done.stdout  # no bar redrawn in place
    assert _table(done.stdout)["b2.xlsx"][2] != ""
    assert not any(line != line.rstrip() for line in done.stdout.splitlines())


def test_a_file_name_that_looks_like_rich_markup_prints_literally(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [inv("1", "Acme", "2026-01-05", 100), inv("2", "Beta", "2026-01-05", 300)]
    odd = write_workbook(folder / "[bold]x.xlsx", rows)
    smile = write_workbook(folder / "[red]:smile: y.xlsx", rows)
    result = CliRunner().invoke(
        main, ["report", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert f"] {odd.name}: 400.00 from 2 clients" in result.stdout
    assert f"] {smile.name}: 400.00 from 2 clients" in result.stdout
    assert list(_table(result.stdout)) == [odd.name, smile.name]


def test_the_live_display_shows_each_active_workbook_s_stage_and_literal_names(tmp_path):
    sources = [tmp_path / "[bold]x.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"]
    screen = Console(file=io.StringIO(), force_terminal=True, width=120, record=True)
    frame = Console(file=io.StringIO(), width=120, record=True)
    with BatchDisplay(sources, live=True, out=screen, err=screen) as display:
        assert display.progress is not None
        display.stage(sources[0], "read")
        display.stage(sources[0], "model")
        display.stage(sources[1], "read")
        frame.print(display.progress.get_renderable())
        shown = frame.export_text()
        display.finished(1, Outcome(sources[0], "done", f"{sources[0].name}: reported"))
        display.stage(sources[0], "write")  # late news of a finished file is ignored
        frame.print(display.progress.get_renderable())
        after = frame.export_text()
    lines = shown.splitlines()
    assert re.search(r"3 workbooks .* 0/3", lines[0])
    assert re.search(r"\[bold\]x\.xlsx .* model", lines[1])
    assert re.search(r"b\.xlsx .* read", lines[2])
    assert "[bold]x.xlsx" not in after and re.search(r"3 workbooks .* 1/3", after)
    display.results([Outcome(sources[0], "done", "", clients=2, verdict="Low dependence")])
    text = screen.export_text()
    assert "[1/3] [bold]x.xlsx: reported" in text
    assert re.search(r"\[bold\]x\.xlsx\s+2\s+Low dependence\s+0\.0\s+reported", text)


@pytest.mark.slow
def test_on_a_terminal_a_live_display_then_the_lines_and_the_table(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in sorted(SAMPLES.glob("*.xlsx"))[:2]:
        (folder / f"[bold]{sample.name}").write_bytes(sample.read_bytes())
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "40"}
    process = subprocess.Popen(
        [TIERBOOK, "report", str(folder), "--out", str(tmp_path / "out"), "--jobs", "2"],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the program ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.wait(timeout=60) == 0
    raw = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[" in raw  # drawn live, in place
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw).replace("\r\n", "\n")
    assert "2 workbooks" in plain
    assert re.search(r"\[bold\]\w+\.xlsx\s+\S+\s+(" + "|".join(STAGES) + ")", plain)
    final = plain.split("\r")[-1] if "\r" in plain else plain
    rows = _table(final[final.index("file ") :])
    assert sorted(rows) == sorted(f"[bold]{p.name}" for p in sorted(SAMPLES.glob("*.xlsx"))[:2])
    assert all(r[3] == "reported" for r in rows.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import LocalCluster

    with LocalCluster(
        processes=False,
        n_workers=2,
        threads_per_worker=1,
        protocol="tcp",
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address.replace("tcp://", "dask://")


def test_a_batch_through_dask_reports_the_good_and_tables_the_bad(tmp_path, dask_cluster):
    books = _books(tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["report", *map(str, books), "--out", str(out), "--executor", dask_cluster]
    )
    assert result.exit_code == 3, result.output
    for book in books[:3]:
        assert (out / book.stem / f"{book.stem}.summary.json").is_file()
    assert not (out / "broken").exists()
    rows = _table(result.stdout)
    assert [r[3] for r in rows.values()] == ["reported", "reported", "reported", "refused"]
    assert [r[0] for r in rows.values()] == ["1", "2", "3", "-"]
    assert f"on {dask_cluster})" in result.stdout
    assert "error: broken.xlsx: this is not an Excel" in result.stderr
    # the same portfolio as a local run would write, naming the failure
    assert "broken.xlsx" in (out / "index.html").read_text(encoding="utf-8")


def test_dask_gives_the_same_bytes_as_this_machine(tmp_path, dask_cluster):
    books = _books(tmp_path / "in", broken=False)
    options, names = Options(), output_names(books)
    run_batch(
        books,
        tmp_path / "d",
        options,
        names,
        1,
        lambda *_: True,
        where=parse_executor(dask_cluster),
    )
    run_batch(books, tmp_path / "l", options, names, 1, lambda *_: True)
    for book in books:
        for suffix in ("annotated.xlsx", "briefing.html", "summary.json"):
            name = f"{book.stem}/{book.stem}.{suffix}"
            assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "l" / name).read_bytes()


def test_an_unreachable_dask_scheduler_is_a_clear_usage_error(tmp_path, monkeypatch):
    (book,) = _books(tmp_path / "in", broken=False)[:1]
    monkeypatch.setattr(batch, "DASK_CONNECT_SECONDS", 0.5)
    address = f"dask://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(
        main, ["report", str(book), "--out", str(tmp_path / "out"), "--executor", address]
    )
    assert result.exit_code == 2, result.output
    assert f"error: the Dask scheduler at {address} cannot be reached" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # nothing was read or written


def test_dask_without_its_extra_says_what_to_install(tmp_path, monkeypatch):
    (book,) = _books(tmp_path / "in", broken=False)[:1]
    monkeypatch.setattr(batch, "find_spec", lambda name: None)
    result = CliRunner().invoke(main, ["report", str(book), "--executor", "dask://10.0.0.5:8786"])
    assert result.exit_code == 2
    assert "pip install 'tierbook[dask]'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "value",
    ["dask://", "dask://host", "dask://host:99999", "tcp://host:8786", "dusk://h:1", "lcoal"],
)
def test_an_executor_that_is_not_one_is_a_usage_error(tmp_path, value):
    (book,) = _books(tmp_path / "in", broken=False)[:1]
    result = CliRunner().invoke(main, ["report", str(book), "--executor", value])
    assert result.exit_code == 2
    assert "use 'local'" in result.output and "dask://HOST:PORT" in result.output


def test_executor_local_may_be_said_explicitly(tmp_path):
    books = _books(tmp_path / "in", broken=False)[:2]
    result = CliRunner().invoke(
        main,
        [
            "report",
            *map(str, books),
            "--out",
            str(tmp_path / "o"),
            "--executor",
            "LOCAL",
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"^2 of 2 reported in [\d.]+ s \(2 at a time\)$", result.stdout, re.M)


def test_addresses_are_read_as_the_scheduler_s_tcp_address():
    assert parse_executor("dask://scheduler.lan:8786").address == "tcp://scheduler.lan:8786"
    assert parse_executor(" dask://[::1]:8786/ ").address == "tcp://[::1]:8786"
    assert str(parse_executor("dask://10.0.0.5:8786")) == "dask://10.0.0.5:8786"
    assert parse_executor("local").address is None


def test_a_lost_worker_is_that_workbook_s_failure_not_the_batch_s(tmp_path):
    lost: Future[Outcome] = Future()
    lost.set_exception(RuntimeError("worker killed"))
    outcome = batch._outcome_of(lost, tmp_path / "big.xlsx", tmp_path / "out", "big")
    assert outcome.status == "refused" and outcome.folder is None
    assert outcome.message.startswith("big.xlsx: the worker reporting it stopped (RuntimeError")
    assert outcome.trace and "worker killed" in outcome.trace


def test_report_help_explains_jobs_and_executor():
    result = CliRunner().invoke(main, ["report", "--help"], terminal_width=200)
    text = " ".join(result.output.split())
    assert "0 means one per CPU core" in text
    assert "dask://HOST:PORT" in text and "pip install 'tierbook[dask]'" in text
    assert "at the same paths" in text and "(exit 2)" in text
