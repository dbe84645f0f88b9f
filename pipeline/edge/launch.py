"""The ``tierbook`` command's first step: what must be set before polars and numpy are loaded.

Polars allocates through jemalloc, and asks it to keep the pages a query has freed for half a
second, then a second more before they are truly given back to the system (counted in the
process's memory all the while), in case the process asks again. A report's stages each
make and drop frames the size of the ledger, so those pages pile up: at ten million Parquet rows
the process peaked at 1,936-1,978 MiB (two runs). Told to give pages back after 100 ms, the
same report peaks at 1,825-1,858 MiB (eight runs) in the same 12-14 s (given back at once, a
few per cent lower but half as slow again). At 100,000 invoices the time did not change (2.78 s against 2.86 s,
medians of 7 runs side by side) and the peak fell from 387 MiB to 344 MiB. It has a price at a
million rows of a workbook, whose data sheet is spliced in many small allocations: 17.4 s
against 16.0 s (medians of 3 side by side), within the target of 1.5 times the Rust floor.

The price of giving pages back is paid in page faults: each stage takes fresh pages from the
system for what the stage before had just freed. For a report whose inputs come to less than
32 MiB (``SMALL_INPUTS``) the pages are kept for a second (``KEEP_PAGES``), since such a report
peaks at a few hundred MiB and ends within seconds. At 100,000 invoices over 20,000 clients the
report took 2.16 s against 2.26 s and peaked at 522 MiB against 480 MiB (medians of three, side
by side); over 2,000 clients, 1.64 s against 1.66 s and 398 MiB against 376 MiB; a million
invoices over 200,000 clients as Parquet (12 MB), 7.98 s against 8.95 s and 987 MiB against
952 MiB. Larger inputs, and every other command, give pages back after 100 ms as before, so
the ten-million-row peaks do not move. The size is read from the command line here, before the
command parses it (nothing that loads polars may run first): the files it names that have an
input's extension, and those directly inside the folders it names.

jemalloc reads its settings once, when polars is loaded, so the command's entry point sets them
before anything imports polars. jemalloc reads them left to right, the last value of a name
holding, so ours go first and a setting the user made, after them, still wins. Polars writes
its own defaults into the environment of whatever process imports it (so into every process
that one starts, such as a script or the bench running ``tierbook``); those are not the
user's, and ours replace them. Like the settings in ``tuning``, this is for the processes the
command owns (its worker processes inherit it), never for a program that imports the library.

numpy and scipy each load an OpenBLAS that starts a thread per core, and those threads spin
while they wait for work that never comes: the BG/NBD fit multiplies vectors of four. At
100,000 invoices they were 4.4 % of the report's processor time (0.18 s of 4.1 s, in
``blas_thread_server``), taken from the parse and the splice on a machine of two cores, and from
the other workbooks a batch reports at once. The command asks for one BLAS thread, unless the
user has set the number.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

# polars' jemalloc is built with the ``_rjem_`` prefix, so it reads this variable
ALLOCATOR_SETTINGS = "_RJEM_MALLOC_CONF"
RETURN_PAGES = "dirty_decay_ms:100,muzzy_decay_ms:0"
KEEP_PAGES = "dirty_decay_ms:1000,muzzy_decay_ms:0"  # for small inputs: freed pages kept 1 s
SMALL_INPUTS = 32 * 1024**2  # bytes of input, in all, below which pages are kept
# The extensions tierbook reads (``pipeline.read.guard.SUPPORTED``, which loads polars; a test
# holds the two the same).
INPUT_SUFFIXES = frozenset({".csv", ".ods", ".parquet", ".tsv", ".txt", ".xls", ".xlsm", ".xlsx"})
# What ``import polars`` puts first in the variable (polars 2.1), before any value it found.
POLARS_DEFAULTS = "dirty_decay_ms:500,muzzy_decay_ms:1000"
BLAS_THREADS = "OPENBLAS_NUM_THREADS"  # read by numpy's and scipy's OpenBLAS as they load


def allocator_settings(found: str | None, keep: bool = False) -> str:
    """The variable's value for the command: ours (``KEEP_PAGES`` when ``keep``, else
    ``RETURN_PAGES``), then what was there that the user set."""
    user = found or ""
    if user.startswith(POLARS_DEFAULTS):
        user = user[len(POLARS_DEFAULTS) :].lstrip(",")
    return ",".join(part for part in (KEEP_PAGES if keep else RETURN_PAGES, user) if part)


def input_bytes(args: Sequence[str]) -> int | None:
    """The size of what a ``report`` command line (``args``, without the program's name) would
    read: its files with an input's extension, and such files directly in its folders. None
    for any other command. Options are passed over and their values read as the rest are, so
    the sum needs no list of the options: no value names an input, and a folder given as one
    (``--out``) only adds what is in it, so the sum errs on the large side, the cautious one."""
    words = [a for a in args if not a.startswith("-")]
    if not words or words[0] != "report":
        return None
    total = 0
    for word in words[1:]:
        path = Path(word)
        try:
            found = list(path.iterdir()) if path.is_dir() else [path]
            total += sum(p.stat().st_size for p in found if _input_file(p))
        except OSError:  # not there, or not ours to read: the command says so itself
            continue
    return total


def _input_file(path: Path) -> bool:
    return (
        path.suffix.lower() in INPUT_SUFFIXES
        and not path.name.startswith(("~$", "."))
        and path.is_file()
    )


def run() -> None:
    """The ``tierbook`` command: the allocator set, then the command line read and run."""
    size = input_bytes(sys.argv[1:])
    keep = size is not None and size < SMALL_INPUTS
    os.environ[ALLOCATOR_SETTINGS] = allocator_settings(os.environ.get(ALLOCATOR_SETTINGS), keep)
    os.environ.setdefault(BLAS_THREADS, "1")
    from pipeline.edge.cli import run as command

    command()
