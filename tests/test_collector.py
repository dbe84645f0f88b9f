"""The cycle collector runs less often during a report, and the caller's settings come back."""

from __future__ import annotations

import gc
import threading

import pytest

from pipeline.collector import REPORT_THRESHOLD, collecting_less
from pipeline.errors import InputError
from pipeline.report import report
from tests.conftest import inv


@pytest.fixture
def own_threshold():
    before = gc.get_threshold()
    gc.set_threshold(900, 11, 12)
    yield (900, 11, 12)
    gc.set_threshold(*before)


def test_raised_inside_and_restored_after(own_threshold):
    with collecting_less():
        assert gc.get_threshold() == REPORT_THRESHOLD
        with collecting_less():
            assert gc.get_threshold() == REPORT_THRESHOLD
        assert gc.get_threshold() == REPORT_THRESHOLD  # the outer block still runs
    assert gc.get_threshold() == own_threshold


def test_restored_when_the_block_fails(own_threshold):
    with pytest.raises(RuntimeError), collecting_less():
        raise RuntimeError("boom")
    assert gc.get_threshold() == own_threshold


def test_threads_overlapping_restore_once_the_last_leaves(own_threshold):
    inside, release = threading.Barrier(3), threading.Event()
    seen = []

    def work():
        with collecting_less():
            inside.wait()
            release.wait()
        seen.append(gc.get_threshold())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()  # both threads are in their blocks
    assert gc.get_threshold() == REPORT_THRESHOLD
    release.set()
    for t in threads:
        t.join()
    assert gc.get_threshold() == own_threshold
    assert own_threshold in seen  # the thread that left last saw the caller's setting back


def test_a_report_runs_with_the_raised_threshold_and_gives_it_back(
    workbook, tmp_path, own_threshold
):
    book = workbook([inv("1", "Acme", "2026-01-05", 100), inv("2", "Beta", "2026-02-05", 50)])
    during = []
    report(book, tmp_path / "out", on_stage=lambda _stage: during.append(gc.get_threshold()))
    assert during and all(t == REPORT_THRESHOLD for t in during)
    assert gc.get_threshold() == own_threshold


def test_a_failed_report_gives_it_back(tmp_path, own_threshold):
    with pytest.raises(InputError):
        report(tmp_path / "missing.xlsx", tmp_path / "out")
    assert gc.get_threshold() == own_threshold
