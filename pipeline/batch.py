"""Many workbooks at once: each in its own worker process, results as they finish.

An accountant's month end is fifty workbooks; they are independent, so with ``jobs`` > 1 they
run side by side. Every outcome comes back as plain data (never a raised exception), so one
bad file cannot stop the batch and the caller decides how to show it.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError, TierbookError
from pipeline.render.i18n import ENGLISH
from pipeline.render.text import verdict_label
from pipeline.report import Options, report


@dataclass(frozen=True)
class Outcome:
    source: Path
    status: str  # "done" | "refused" | "config"
    message: str
    trace: str | None = None  # the traceback, for --debug
    folder: Path | None = None  # the report's folder, when done


def report_one(source: Path, out_dir: Path, options: Options, name: str) -> Outcome:
    """Report one workbook and say how it went, in words a user can act on."""
    try:
        result = report(source, out_dir, options, name)
    except ConfigError as exc:
        return Outcome(source, "config", str(exc), traceback.format_exc())
    except TierbookError as exc:
        return Outcome(source, "refused", str(exc), traceback.format_exc())
    except OSError as exc:  # the output folder cannot be written: read-only, full, not a folder
        return Outcome(
            source,
            "refused",
            f"{source.name}: the report could not be written to {out_dir} ({exc.strerror or exc}). "
            "Nothing was left half-written; choose another --out folder or free some space.",
            traceback.format_exc(),
        )
    except Exception as exc:  # never a traceback for the user; --debug shows it
        return Outcome(
            source,
            "refused",
            f"{source.name}: tierbook failed unexpectedly ({type(exc).__name__}: {exc}). No report "
            "was written for it. This is a bug; please report it with the file if you can "
            "(run with --debug to see the details).",
            traceback.format_exc(),
        )
    a = result.analysis
    issues = a.issues.height
    return Outcome(
        source,
        "done",
        f"{source.name}: {ENGLISH.money(a.totals.revenue, a.currency)} from {a.totals.clients} clients, "
        f"top client {ENGLISH.percent(a.concentration.top1_share)} "
        f"({verdict_label(a.concentration.verdict).lower()}), "
        f"{issues} data issue{'s' if issues != 1 else ''} -> {result.folder}",
        folder=result.folder,
    )


def run_batch(
    sources: Sequence[Path],
    out_dir: Path,
    options: Options,
    names: dict[Path, str],
    jobs: int,
    on_outcome: Callable[[int, Outcome], bool],
) -> list[Outcome]:
    """Report every source; ``on_outcome(done_so_far, outcome)`` returning False stops the batch."""
    outcomes: list[Outcome] = []
    if jobs <= 1 or len(sources) <= 1:
        for source in sources:
            outcomes.append(report_one(source, out_dir, options, names[source]))
            if not on_outcome(len(outcomes), outcomes[-1]):
                break
        return outcomes
    # "spawn": a fresh interpreter per worker; forking a process that holds polars' threads can hang.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(report_one, s, out_dir, options, names[s]) for s in sources]
        for future in as_completed(futures):
            outcomes.append(future.result())
            if not on_outcome(len(outcomes), outcomes[-1]):
                for pending in futures:
                    pending.cancel()
                break
    return outcomes
