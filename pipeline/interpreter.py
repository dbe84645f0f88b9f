"""The interpreter set for a report while one runs: collecting cycles seldom, switching often.

A report allocates millions of short-lived objects that hold no cycles (cell values, the rows
of ``summary.json``, the client reasons). At the default threshold (a collection every 700 net
allocations) the collector ran thousands of times and walked every live object in each full
pass: at 100k invoices, 0.5 s of a 5 s run, for next to nothing freed. Collections still
happen, a seventieth as often, so the few cycles made are freed.

The data sheets are spliced on a thread by polars and zlib, which let go of the interpreter
for each step, then wait to take it back from the main thread, which writes the analysis
workbook in pure Python. At the default switch interval (5 ms) the thread waited that long,
some hundreds of times; at 1 ms the 100k report took 3.91 s against 4.19 s (medians of 8).

Both settings belong to the process: a caller's own threads that run during a report see them
too, and get the caller's back when the last report ends.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections, then young collections per middle one and middle
# ones per full one (the defaults are 700, 10, 10).
REPORT_THRESHOLD = (50_000, 20, 100)
REPORT_SWITCH_INTERVAL = 0.001  # seconds a thread runs before another may take the interpreter

_lock = threading.Lock()
_depth = 0
_saved: tuple[tuple[int, int, int], float] = (gc.get_threshold(), sys.getswitchinterval())  # type: ignore[assignment]


@contextmanager
def set_for_a_report() -> Iterator[None]:
    """The report's settings for the block; the caller's are back afterwards, also when
    reports run at once on several threads (the last one out restores them)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = (gc.get_threshold(), sys.getswitchinterval())  # type: ignore[assignment]
            gc.set_threshold(*REPORT_THRESHOLD)
            sys.setswitchinterval(REPORT_SWITCH_INTERVAL)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved[0])
                sys.setswitchinterval(_saved[1])
