"""The interpreter set for reporting, in the processes the ``tierbook`` command owns.

The library (``pipeline.report``) changes no setting of its caller's interpreter; the command,
whose process exists to make reports, tunes its own process (and each worker process it starts)
once, here:

- **The cycle collector runs a seventieth as often.** A report allocates millions of
  short-lived objects that hold no cycles (cell values, the rows of ``summary.json``, the
  client reasons). At the default threshold (a collection every 700 net allocations) the
  collector ran thousands of times and walked every live object in each full pass: at 100k
  invoices, 0.5 s of a 5 s run, for next to nothing freed. Collections still happen, so the
  few cycles made are freed.
- **A thread may take the interpreter after 1 ms, not 5 ms.** The data sheets are spliced on a
  thread by polars and zlib, which let go of the interpreter for each step, then wait to take
  it back from the main thread, which writes the analysis workbook in pure Python. At the
  default interval the thread waited that long, some hundreds of times; at 1 ms the 100k
  report took 3.91 s against 4.19 s (medians of 8).
- **numpy and scipy are imported on a thread while the first workbook is parsed.** The BG/NBD
  fit needs them and they take about 0.5 s to import, much of a small report's time; calamine
  lets go of the interpreter while it parses, so the two overlap. (Nothing the command imports
  up front brings numpy along: at 100k invoices that took 0.1 s more before anything was read.)

The allocator is told to give freed pages back promptly earlier still, in ``launch``: it must
be set before polars is loaded. The quick exit (``cli.run``) is another setting of this kind:
the command leaves the interpreter's tear-down to the operating system. A Dask cluster's
workers are not the command's processes (they may serve other work), so nothing is set there:
a report on them runs at the defaults (by the figures above, some 15 % slower at 100k
invoices).
"""

from __future__ import annotations

import gc
import sys
import threading

# Allocations between young collections, then young collections per middle one and middle
# ones per full one (the defaults are 700, 10, 10).
REPORT_THRESHOLD = (50_000, 20, 100)
REPORT_SWITCH_INTERVAL = 0.001  # seconds a thread runs before another may take the interpreter

_warming = threading.Event()


def tune_for_reports() -> None:
    """Set this process for making reports: the collector's thresholds, the switch interval, and
    the heavy imports begun on a thread. For processes the command owns, never a library's caller."""
    gc.set_threshold(*REPORT_THRESHOLD)
    sys.setswitchinterval(REPORT_SWITCH_INTERVAL)
    warm_up()


def warm_up() -> None:
    """Start importing the later stages' heavy modules on a thread, once per process; the stages
    import as usual and wait if the import is still under way."""
    if _warming.is_set():
        return
    _warming.set()
    threading.Thread(target=_load, name="tierbook-warm-up", daemon=True).start()


def _load() -> None:
    try:
        import scipy.optimize  # noqa: F401
        import scipy.special  # noqa: F401
    except Exception:  # noqa: S110 - the stage that needs a module imports it and says why
        pass
