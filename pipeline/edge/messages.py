"""Every failure in words, in one place: the one paragraph a person reads and the exit code.

The library raises (``pipeline.errors``); the batch runner, ``inspect`` and the command all
come here to say what went wrong, so the same failure reads the same wherever it happens. No
message carries a traceback; ``--debug`` shows it beside.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.edge.isolated import WorkerStopped
from pipeline.errors import Exit, PackageError, TierbookError

BUG = "This is a bug; please report it with the file if you can (run with --debug to see the details)."


@dataclass(frozen=True)
class Refusal:
    """Why one input was not reported, as a person reads it."""

    status: Literal["refused", "config"]  # "config": a setting no input of the batch can pass
    exit_code: Exit
    text: str


def is_panic(exc: BaseException) -> bool:
    """A Rust library's panic (polars, calamine): a ``BaseException`` each such library defines
    for itself, so it is known by its name."""
    return type(exc).__name__ == "PanicException"


def refusal(exc: BaseException, source: Path, out_dir: Path | None = None) -> Refusal:
    """Why ``source`` could not be reported (or, with no ``out_dir``, inspected)."""
    if isinstance(exc, TierbookError) and not isinstance(exc, PackageError):
        if exc.exit_code == Exit.USAGE:
            return Refusal("config", exc.exit_code, str(exc))
        return Refusal("refused", exc.exit_code, str(exc))
    if isinstance(exc, OSError):
        return Refusal("refused", Exit.REFUSED, _os_error(exc, source, out_dir))
    if isinstance(exc, MemoryError) or _out_of_memory(exc):
        return Refusal("refused", Exit.REFUSED, out_of_memory(source))
    # A PackageError is caught where the package is made (the workbook falls back to the
    # analysis sheets): one that gets this far is a bug, and its message is no paragraph.
    written = " No report was written for it." if out_dir is not None else ""
    return Refusal(
        "refused",
        Exit.REFUSED,
        f"{source.name}: tierbook failed unexpectedly ({type(exc).__name__}: {exc}).{written} {BUG}",
    )


def _out_of_memory(exc: BaseException) -> bool:
    """A Rust reader's way of saying it could not allocate (a panic or an error naming it)."""
    text = str(exc).lower()
    return is_panic(exc) and ("alloc" in text or "memory" in text) or "capacity overflow" in text


def out_of_memory(source: Path) -> str:
    return (
        f"{source.name}: reading it took more memory than one report may use, so it was "
        "refused and nothing was written for it. A workbook built to exhaust memory is refused "
        "this way; a genuine ledger this large can be split by year, or saved as CSV or "
        "Parquet, which are read in bounded memory."
    )


def _os_error(exc: OSError, source: Path, out_dir: Path | None) -> str:
    """A file that could not be read, or a report that could not be written, and what to do."""
    name = Path(exc.filename).resolve() if isinstance(exc.filename, str | Path) else None
    # Only the input is read; anything else named (the output folder, a folder above it that
    # could not be made, a temporary file) was being written. Without a name, a disk that is
    # full is the likeliest cause, which is a write.
    if out_dir is None or name == source.resolve():
        return (
            f"{source.name}: the file could not be read ({exc.strerror or exc}). Check that it "
            "is there and that you may read it, and run again."
        )
    return (
        f"{source.name}: the report could not be written to {out_dir} ({exc.strerror or exc}). "
        "Nothing was left half-written; choose another --out folder or free some space."
    )


def worker_lost(exc: BaseException, source: Path) -> str:
    """A worker process that stopped (out of memory, killed) while reporting ``source``."""
    if isinstance(exc, WorkerStopped):
        return (
            f"{source.name}: the process reading it ended without an answer ({exc}), so it was "
            "refused and nothing was written for it; the other workbooks are not affected. A "
            "workbook built to exhaust memory or to crash a reader is refused this way."
        )
    return (
        f"{source.name}: the worker reporting it stopped ({type(exc).__name__}: {exc}). No "
        "report was written for it; the other workbooks are not affected. Run it again, "
        "alone, to see whether it is the workbook or the machine."
    )


def portfolio_failed(exc: BaseException, out_dir: Path, reported: bool) -> str:
    """The batch's reports are written but its portfolio pages are not."""
    done = "the workbooks' reports are complete" if reported else "no report was written"
    return (
        f"the portfolio (index.html, portfolio.xlsx) could not be written to {out_dir} "
        f"({type(exc).__name__}: {exc}); {done}."
    )
