"""A report runs with its own collector thresholds and switch interval; the caller's come back."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from pipeline.errors import InputError
from pipeline.interpreter import REPORT_SWITCH_INTERVAL, REPORT_THRESHOLD, set_for_a_report
from pipeline.report import report
from tests.conftest import inv

REPORTS = (REPORT_THRESHOLD, REPORT_SWITCH_INTERVAL)


def settings() -> tuple[tuple[int, int, int], float]:
    return gc.get_threshold(), sys.getswitchinterval()


@pytest.fixture
def own():
    before = settings()
    gc.set_threshold(900, 11, 12)
    sys.setswitchinterval(0.004)
    yield settings()
    gc.set_threshold(*before[0])
    sys.setswitchinterval(before[1])


def test_set_inside_and_restored_after(own):
    with set_for_a_report():
        assert settings() == REPORTS
        with set_for_a_report():
            assert settings() == REPORTS
        assert settings() == REPORTS  # the outer block still runs
    assert settings() == own


def test_restored_when_the_block_fails(own):
    with pytest.raises(RuntimeError), set_for_a_report():
        raise RuntimeError("boom")
    assert settings() == own


def test_threads_overlapping_restore_once_the_last_leaves(own):
    inside, release = threading.Barrier(3), threading.Event()
    seen = []

    def work():
        with set_for_a_report():
            inside.wait()
            release.wait()
        seen.append(settings())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()  # both threads are in their blocks
    assert settings() == REPORTS
    release.set()
    for t in threads:
        t.join()
    assert settings() == own
    assert own in seen  # the thread that left last saw the caller's settings back


def test_a_report_runs_with_its_settings_and_gives_them_back(workbook, tmp_path, own):
    book = workbook([inv("1", "Acme", "2026-01-05", 100), inv("2", "Beta", "2026-02-05", 50)])
    during = []
    report(book, tmp_path / "out", on_stage=lambda _stage: during.append(settings()))
    assert during and all(s == REPORTS for s in during)
    assert settings() == own


def test_a_failed_report_gives_them_back(tmp_path, own):
    with pytest.raises(InputError):
        report(tmp_path / "missing.xlsx", tmp_path / "out")
    assert settings() == own
