"""The library leaves its caller's interpreter alone; the command tunes the processes it owns."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading

import pytest

from pipeline.edge import cli, tuning
from pipeline.edge.isolated import IsolatedPool
from pipeline.edge.tuning import REPORT_SWITCH_INTERVAL, REPORT_THRESHOLD
from pipeline.errors import InputError
from pipeline.report import report
from tests.conftest import inv

REPORTS = (REPORT_THRESHOLD, REPORT_SWITCH_INTERVAL)


def settings() -> tuple[tuple[int, int, int], float]:
    return gc.get_threshold(), sys.getswitchinterval()


def threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


@pytest.fixture(autouse=True)
def blas_setting_put_back(monkeypatch):
    """``launch.run`` sets the BLAS variable in this process's environment; put it back after."""
    from pipeline.edge.launch import BLAS_THREADS

    # set first, so that monkeypatch records it as it was (absent, or its value) and restores that
    monkeypatch.setenv(BLAS_THREADS, os.environ.get(BLAS_THREADS, ""))
    if not os.environ[BLAS_THREADS]:
        monkeypatch.delenv(BLAS_THREADS)


@pytest.fixture
def own():
    """Settings of the test's own, unlike the defaults and the command's; put back after."""
    before = settings()
    gc.set_threshold(900, 11, 12)
    sys.setswitchinterval(0.004)
    yield settings()
    gc.set_threshold(*before[0])
    sys.setswitchinterval(before[1])


def test_a_report_called_from_python_changes_no_setting_of_its_caller(workbook, tmp_path, own):
    book = workbook([inv("1", "Acme", "2026-01-05", 100), inv("2", "Beta", "2026-02-05", 50)])
    during, started = [], threads()
    report(book, tmp_path / "out", on_stage=lambda _stage: during.append(settings()))
    assert during and all(s == own for s in during)
    assert settings() == own
    assert "tierbook-warm-up" not in threads() - started


def test_a_failed_report_changes_none_either(tmp_path, own):
    with pytest.raises(InputError):
        report(tmp_path / "missing.xlsx", tmp_path / "out")
    assert settings() == own


def test_the_command_sets_its_process_for_reporting_before_it_parses_a_word(monkeypatch, own):
    seen, codes = [], []
    monkeypatch.setattr(cli, "main", lambda **_: seen.append(settings()))
    monkeypatch.setattr(cli.os, "_exit", codes.append)  # the quick exit, caught
    cli.run()
    assert seen == [REPORTS] and codes == [0]
    assert tuning._warming.is_set()  # scipy is being imported beside the first parse


def test_each_worker_process_is_set_as_the_command_is():
    with IsolatedPool(1) as pool:
        assert pool.submit(gc.get_threshold).result() == REPORT_THRESHOLD
        assert pool.submit(sys.getswitchinterval).result() == REPORT_SWITCH_INTERVAL


def _allocator_setting_for(monkeypatch, *args: str) -> str | None:
    """What ``launch.run`` puts in the allocator's variable for the command line ``args``."""
    from pipeline.edge import launch

    seen = []
    monkeypatch.delenv(launch.ALLOCATOR_SETTINGS, raising=False)
    monkeypatch.setattr(sys, "argv", ["tierbook", *args])
    monkeypatch.setattr(cli, "run", lambda: seen.append(os.environ.get(launch.ALLOCATOR_SETTINGS)))
    launch.run()
    return seen[0]


def _sized(path, size: int):
    """A file of ``size`` bytes (sparse: it takes no room on disk)."""
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def test_the_command_asks_polars_allocator_to_give_freed_pages_back(monkeypatch, tmp_path):
    from pipeline.edge import launch

    big = _sized(tmp_path / "big.csv", launch.SMALL_INPUTS)
    assert _allocator_setting_for(monkeypatch, "report", str(big)) == launch.RETURN_PAGES
    # every command but report: what it reads is not known before it parses its words
    assert _allocator_setting_for(monkeypatch, "watch", str(tmp_path)) == launch.RETURN_PAGES
    assert _allocator_setting_for(monkeypatch, "--help") == launch.RETURN_PAGES


def test_a_report_of_small_inputs_keeps_freed_pages_a_second(monkeypatch, tmp_path):
    from pipeline.edge import launch

    small = _sized(tmp_path / "book.xlsx", launch.SMALL_INPUTS - 1)
    keep, give = launch.KEEP_PAGES, launch.RETURN_PAGES
    assert _allocator_setting_for(monkeypatch, "report", str(small)) == keep
    assert (
        _allocator_setting_for(monkeypatch, "--debug", "report", str(small), "--jobs", "1") == keep
    )
    # two inputs count together, however they are given
    folder = tmp_path / "inbox"
    folder.mkdir()
    _sized(folder / "other.parquet", 1)
    assert _allocator_setting_for(monkeypatch, "report", str(small), str(folder)) == give
    assert _allocator_setting_for(monkeypatch, "report", str(folder), "--out", "reports") == keep


def test_the_inputs_size_counts_what_the_report_would_read(tmp_path):
    from pipeline.edge import launch

    folder = tmp_path / "inbox"
    (folder / "nested").mkdir(parents=True)
    _sized(folder / "a.xlsx", 1000)
    _sized(folder / "b.CSV", 200)
    _sized(folder / "notes.md", 7)  # not an input's extension
    _sized(folder / "~$a.xlsx", 30)  # Office's owner file
    _sized(folder / ".~lock.a.xlsx#", 40)  # LibreOffice's lock
    _sized(folder / "nested" / "c.xlsx", 5000)  # only what is directly in the folder
    book = _sized(tmp_path / "book.ods", 10)
    assert launch.input_bytes(["report", str(folder)]) == 1200
    assert launch.input_bytes(["report", str(folder), str(book), "--lang", "fr"]) == 1210
    assert launch.input_bytes(["report", str(tmp_path / "missing.xlsx")]) == 0
    assert launch.input_bytes(["inspect", str(book)]) is None
    assert launch.input_bytes([]) is None


def test_the_command_knows_every_extension_tierbook_reads():
    from pipeline.edge import launch
    from pipeline.read.guard import SUPPORTED

    assert frozenset(SUPPORTED) == launch.INPUT_SUFFIXES


@pytest.mark.parametrize(
    ("found", "given"),
    [
        # a setting of the user's goes after ours, so it wins (the last value of a name holds)
        ("narenas:2", "dirty_decay_ms:100,muzzy_decay_ms:0,narenas:2"),
        ("dirty_decay_ms:5000", "dirty_decay_ms:100,muzzy_decay_ms:0,dirty_decay_ms:5000"),
        # what ``import polars`` wrote into a parent process's environment is not the user's
        ("dirty_decay_ms:500,muzzy_decay_ms:1000", "dirty_decay_ms:100,muzzy_decay_ms:0"),
        (
            "dirty_decay_ms:500,muzzy_decay_ms:1000,narenas:2",
            "dirty_decay_ms:100,muzzy_decay_ms:0,narenas:2",
        ),
        ("", "dirty_decay_ms:100,muzzy_decay_ms:0"),
    ],
)
def test_an_allocator_setting_the_user_made_is_kept(monkeypatch, found, given):
    from pipeline.edge import launch

    seen = []
    monkeypatch.setenv(launch.ALLOCATOR_SETTINGS, found)
    monkeypatch.setattr(sys, "argv", ["tierbook", "--help"])
    monkeypatch.setattr(cli, "run", lambda: seen.append(os.environ.get(launch.ALLOCATOR_SETTINGS)))
    launch.run()
    assert seen == [given]
    # and after the setting for small inputs, as after the other
    assert launch.allocator_settings(found, keep=True) == given.replace(
        launch.RETURN_PAGES, launch.KEEP_PAGES, 1
    )


@pytest.mark.parametrize(("found", "given"), [(None, "1"), ("4", "4")])
def test_the_command_asks_for_one_blas_thread_unless_the_user_chose(monkeypatch, found, given):
    from pipeline.edge import launch

    seen = []
    if found is None:
        monkeypatch.delenv(launch.BLAS_THREADS, raising=False)
    else:
        monkeypatch.setenv(launch.BLAS_THREADS, found)
    monkeypatch.setattr(cli, "run", lambda: seen.append(os.environ.get(launch.BLAS_THREADS)))
    launch.run()
    assert seen == [given]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no thread on one core")
def test_with_the_commands_setting_numpy_and_scipy_start_no_blas_threads():
    # The variable is what both OpenBLAS builds read: without it, loading them adds threads
    # (a spinning one per extra core each); with it, none.
    from pipeline.edge import launch

    code = (
        "import os; before = len(os.listdir('/proc/self/task')); "
        "import numpy, scipy.optimize, scipy.special; "
        "print(len(os.listdir('/proc/self/task')) - before)"
    )
    env = {k: v for k, v in os.environ.items() if k not in (launch.BLAS_THREADS, "OMP_NUM_THREADS")}
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    ours = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, launch.BLAS_THREADS: "1"},
        capture_output=True,
        text=True,
    )
    assert int(default.stdout) > 0 and int(ours.stdout) == 0


def test_polars_still_writes_the_defaults_the_command_replaces():
    # If polars changes what it writes, the command would keep polars' defaults over its own:
    # this says so, in a fresh interpreter that imports polars with the variable unset.
    from pipeline.edge import launch

    env = {k: v for k, v in os.environ.items() if k != launch.ALLOCATOR_SETTINGS}
    written = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import os, polars; print(os.environ['{launch.ALLOCATOR_SETTINGS}'])",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert written.stdout.strip().startswith(launch.POLARS_DEFAULTS)


def test_the_allocator_is_set_before_polars_is_loaded_by_either_way_in():
    # jemalloc reads its settings when polars loads: the entry point must not load it first.
    from importlib.metadata import entry_points

    (command,) = [e for e in entry_points(group="console_scripts") if e.name == "tierbook"]
    assert command.value == "pipeline.edge.launch:run"
    checked = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; import pipeline.edge.launch, pipeline.__main__; "
            "print('polars' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert checked.stdout.strip() == "False"


def test_the_command_loads_numpy_and_scipy_beside_the_parse_not_before_it():
    # Their 0.5 s of importing is done on the warm-up thread while the workbook is read; the
    # command's own imports, before it reads anything, leave them out.
    code = "import sys, pipeline.edge.cli; print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
