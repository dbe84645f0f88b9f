"""Each workbook of a batch, or of the watcher, in a process of its own, with a memory limit.

A workbook built to exhaust memory, or one that makes a Rust reader abort, ends the process
reading it (a worker is watched from outside and stopped past its memory or time limit: an
``setrlimit`` cap instead made allocations fail inside polars' threads, which then hung). In a shared pool that loses every workbook still queued (the pool is "broken"), and
in the watcher it ends the watcher; in a process of its own it is that workbook's refusal, and
the next one is read. A worker process runs one job after another until one ends it; only
then is a fresh one started (about half a second to import the pipeline), for the next job.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from pipeline.edge.tuning import tune_for_reports

_WATCH_SECONDS = 0.05  # how often a worker's memory is looked at
# What one report may take: 3/4 of the machine shared by the reports running at once, never
# under 2 GiB (a 1M-invoice ledger takes about 1.2 GiB).
MEMORY_SHARE, MEMORY_FLOOR = 0.75, 2 * 1024**3


class WorkerStopped(RuntimeError):
    """The process reporting a workbook ended without an answer (out of memory, an abort)."""


def memory_limit(workers: int) -> int:
    """Bytes of memory one report may take when ``workers`` run at once; the environment's
    ``TIERBOOK_MEMORY_LIMIT_MB`` where it is set."""
    given = os.environ.get("TIERBOOK_MEMORY_LIMIT_MB", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given) * 1024**2
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 8 * 1024**3
    return max(MEMORY_FLOOR, int(total * MEMORY_SHARE / max(workers, 1)))


def _rss(pid: int) -> int:
    """Resident memory of a process, in bytes (0 where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def time_limit() -> float:
    """Seconds one report may take: ``TIERBOOK_TIME_LIMIT_S`` where set, else an hour (10M
    invoices take under a minute)."""
    given = os.environ.get("TIERBOOK_TIME_LIMIT_S", "").strip()
    return float(given) if given.isdigit() and int(given) > 0 else 3600.0


def _serve(conn: Any) -> None:
    """A worker: jobs one after another until told to stop."""
    tune_for_reports()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        fn, args = job
        try:
            result = ("done", fn(*args))
        except BaseException as exc:  # sent back whole: the caller decides what it means
            result = ("raised", exc)
        try:
            conn.send(result)
        except Exception as exc:  # the result or the exception does not pickle
            conn.send(("raised", WorkerStopped(f"its answer could not be sent back ({exc})")))


class _Worker:
    def __init__(self, context: Any) -> None:
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class IsolatedPool(Executor):
    """``workers`` processes, each running jobs one after another under a memory limit; a job
    whose process dies is that job's failure alone, and a fresh process takes the next one."""

    def __init__(self, workers: int, limit: int | None = None) -> None:
        # A fresh interpreter per worker: forking a process that holds polars' threads can hang.
        self._context = multiprocessing.get_context("spawn")
        self._limit = limit if limit is not None else memory_limit(workers)
        self._seconds = time_limit()
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._slots = [
            threading.Thread(target=self._slot, name="tierbook-slot", daemon=True)
            for _ in range(max(workers, 1))
        ]
        for slot in self._slots:
            slot.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs:
            raise TypeError("IsolatedPool jobs take positional arguments only")
        future: Future[Any] = Future()
        self._jobs.put((future, fn, args))
        return future

    def _slot(self) -> None:
        worker: _Worker | None = None
        try:
            while (item := self._jobs.get()) is not None:
                future, fn, args = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    worker = worker or _Worker(self._context)
                    worker.conn.send((fn, args))
                    kind, value = self._answer(worker)
                except (EOFError, OSError, BrokenPipeError):
                    kind, value = "stopped", None
                except BaseException as exc:  # the job could not be sent (it does not pickle)
                    future.set_exception(exc)
                    continue
                if kind == "done":
                    future.set_result(value)
                elif kind == "raised":
                    future.set_exception(value)
                else:
                    assert worker is not None
                    if worker.process.is_alive():
                        worker.process.kill()
                    worker.process.join()
                    code = worker.process.exitcode
                    worker.conn.close()
                    worker = None
                    if kind == "stopped":
                        why = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
                        value = f"its process ended without an answer ({why}): a crash"
                    future.set_exception(WorkerStopped(value))
        finally:
            if worker is not None:
                worker.stop()

    def _answer(self, worker: _Worker) -> tuple[str, Any]:
        """The job's answer, watching the worker meanwhile: past the memory or the time limit
        it is stopped, and the job is that limit's refusal."""
        started = time.monotonic()
        while not worker.conn.poll(_WATCH_SECONDS):
            if not worker.process.is_alive():
                raise EOFError
            used = _rss(worker.process.pid or 0)
            if used > self._limit:
                return "limit", (
                    f"it took more than {self._limit / 1024**2:,.0f} MB of memory, the most one "
                    "report may use"
                )
            if time.monotonic() - started > self._seconds:
                return (
                    "limit",
                    f"it took longer than {self._seconds:,.0f} s, the most one report may",
                )
        answer: tuple[str, Any] = worker.conn.recv()
        return answer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            pending = []
            with contextlib.suppress(queue.Empty):
                while True:
                    pending.append(self._jobs.get_nowait())
            for item in pending:
                if item is not None:
                    item[0].cancel()
        for _ in self._slots:
            self._jobs.put(None)
        if wait:
            for slot in self._slots:
                slot.join()
