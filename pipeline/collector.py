"""Python's cycle collector, run less often while a report is made.

A report allocates millions of short-lived objects that hold no cycles (cell values, the
briefing's chart artists, the rows of ``summary.json``). At the default threshold (a collection
every 700 net allocations) the collector ran thousands of times and walked every live object in
each full pass: at 100k invoices, 0.5 s of a 5 s run, for next to nothing freed. Collections
still happen, a seventieth as often, so the few cycles made (matplotlib's figures) are freed.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections, then young collections per middle one and middle
# ones per full one (the defaults are 700, 10, 10).
REPORT_THRESHOLD = (50_000, 20, 100)

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] = gc.get_threshold()  # type: ignore[assignment]


@contextmanager
def collecting_less() -> Iterator[None]:
    """Raise the collector's thresholds for the block; the caller's are back afterwards, also
    when reports run at once on several threads (the last one out restores them)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()  # type: ignore[assignment]
            gc.set_threshold(*REPORT_THRESHOLD)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
