"""The ``tierbook`` command's first step: what must be set before polars is loaded.

Polars allocates through jemalloc, which keeps the pages a query has freed for some seconds
before it gives them back to the system, in case the process asks again. A report's stages each
make and drop frames the size of the ledger, so those pages pile up: at ten million Parquet rows
the process peaked at 2,090 MiB. Told to give pages back after 100 ms, the same report peaks at
1,950 MiB in the same 13-15 s (given back at once: 1,914 MiB, but 20.4 s). At 100,000 invoices
the time did not change (2.78 s against 2.86 s, medians of 7 runs side by side) and the peak
fell from 387 MiB to 344 MiB.

jemalloc reads its settings once, when polars is loaded, so the command's entry point sets them
before anything imports polars. A setting the user made is kept. Like the settings in
``tuning``, this is for the processes the command owns (its worker processes inherit it), never
for a program that imports the library.
"""

from __future__ import annotations

import os

# polars' jemalloc is built with the ``_rjem_`` prefix, so it reads this variable
ALLOCATOR_SETTINGS = "_RJEM_MALLOC_CONF"
RETURN_PAGES = "dirty_decay_ms:100,muzzy_decay_ms:0"


def run() -> None:
    """The ``tierbook`` command: the allocator set, then the command line read and run."""
    os.environ.setdefault(ALLOCATOR_SETTINGS, RETURN_PAGES)
    from pipeline.edge.cli import run as command

    command()
