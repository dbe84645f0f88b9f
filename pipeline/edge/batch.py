"""Many workbooks at once: one pure job, mapped over the files by an Executor.

An accountant's month end is fifty workbooks; they are independent, so the batch is a map of
``report_one`` over the files, run by a standard ``concurrent.futures.Executor``: a local pool of
processes by default, or a Dask cluster (``dask://HOST:PORT``) when one machine is not enough.
Every outcome comes back as plain data (never a raised exception), so one bad file, or one lost
worker, cannot stop the batch and the caller decides how to show it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Protocol

from pipeline.edge.isolated import IsolatedPool
from pipeline.edge.messages import is_panic, refusal, worker_lost
from pipeline.errors import Exit, TierbookError
from pipeline.model.analysis import Analysis
from pipeline.model.portfolio import Business
from pipeline.portfolio import business
from pipeline.report import Options, report
from pipeline.validate.records import BY_DATES, BY_SETTING, ORDER_NAMES, DateOrder
from pipeline.words.actions import change_words
from pipeline.words.i18n import ENGLISH
from pipeline.words.labels import verdict_label


@dataclass(frozen=True)
class Outcome:
    """How one workbook went, as plain data a display, a log or another machine can use."""

    source: Path
    status: str  # "done" | "refused" | "config"
    message: str
    trace: str | None = None  # the traceback, for --debug
    folder: Path | None = None  # the report's folder, when done
    clients: int | None = None  # clients analysed, when done
    verdict: str | None = None  # the dependence verdict in words ("High dependence"), when done
    seconds: float = 0.0  # time this workbook's report took, where it ran
    # the portfolio's figures of the report, when done: never read back from its summary.json
    standing: Business | None = None


class ExecutorError(TierbookError):
    """The chosen executor cannot be used: its extra is not installed, or its scheduler is not
    reachable. Nothing was reported."""

    exit_code = Exit.USAGE


DASK_EXTRA = (
    "--executor dask://... needs Dask's distributed scheduler, which is not installed. "
    "Install it with: pip install 'tierbook[dask]' (on this machine and on every Dask worker), "
    "or leave out --executor to use this machine's processes."
)
# How long to wait for a Dask scheduler to answer before saying it cannot be reached.
DASK_CONNECT_SECONDS = 10.0
_DASK_ADDRESS = re.compile(r"^dask://(?P<host>\[[0-9a-fA-F:]+\]|[^\s:/\[\]]+):(?P<port>\d{1,5})/?$")


@dataclass(frozen=True)
class Where:
    """Where the batch runs: this machine's processes (``address`` None) or a Dask scheduler."""

    address: str | None = None  # the scheduler's tcp://HOST:PORT

    def __str__(self) -> str:
        return "local" if self.address is None else "dask://" + self.address.removeprefix("tcp://")


LOCAL = Where()


def parse_executor(text: str) -> Where:
    """``local`` or ``dask://HOST:PORT``; an ``ExecutorError`` says what is wrong and what to do."""
    text = text.strip()
    if text.lower() == "local":
        return LOCAL
    match = _DASK_ADDRESS.match(text)
    if match is None or not 0 < int(match["port"]) < 65536:
        raise ExecutorError(
            f"'{text}' is not an executor: use 'local' (this machine's processes, the default) "
            "or 'dask://HOST:PORT', the address of a running Dask scheduler "
            "(e.g. dask://scheduler.example:8786)."
        )
    if find_spec("distributed") is None:
        raise ExecutorError(DASK_EXTRA)
    return Where(f"tcp://{match['host']}:{match['port']}")


# One report already keeps the cores busy (polars' and zlib's threads beside the interpreter's),
# so a process reports one workbook at a time however many threads its executor gives it (a
# Dask worker has one per core by default).
_ONE_REPORT_AT_A_TIME = threading.Lock()


def report_one(
    source: Path,
    out_dir: Path,
    options: Options,
    name: str,
    on_stage: Callable[[str], None] | None = None,
) -> Outcome:
    """Report one workbook and say how it went, in words a user can act on.

    The batch's job: a module-level function of plain data, so any executor can pickle it and
    run it in another process or on another machine. ``on_stage`` hears each stage as it begins.
    """
    with _ONE_REPORT_AT_A_TIME:
        start = time.perf_counter()
        outcome = _report(source, out_dir, options, name, on_stage)
        return dataclasses.replace(outcome, seconds=time.perf_counter() - start)


def report_isolated(
    pool: Executor, source: Path, out_dir: Path, options: Options, name: str
) -> Outcome:
    """``report_one`` in a pool's worker; a worker that dies is this workbook's refusal."""
    return _outcome_of(
        pool.submit(report_one, source, out_dir, options, name), source, out_dir, name
    )


def _report(
    source: Path,
    out_dir: Path,
    options: Options,
    name: str,
    on_stage: Callable[[str], None] | None,
) -> Outcome:
    try:
        result = report(source, out_dir, options, name, on_stage=on_stage)
    except BaseException as exc:  # never a traceback for the user; --debug shows it
        if not isinstance(exc, Exception) and not is_panic(exc):
            raise  # Ctrl-C, an exit: not this workbook's failure
        said = refusal(exc, source, out_dir)
        return Outcome(source, said.status, said.text, traceback.format_exc())
    a = result.analysis
    issues = a.issues.height
    verdict = verdict_label(a.concentration.verdict)
    clients = f"{a.totals.clients} client{'' if a.totals.clients == 1 else 's'}"
    moved = change_words(a)
    if moved:
        clients += f" ({moved})"
    return Outcome(
        source,
        "done",
        f"{source.name}: {ENGLISH.money(a.totals.revenue, a.currency)} from {clients}, "
        f"top client {ENGLISH.percent(a.concentration.top1_share)} "
        f"({verdict.lower()}), "
        f"{issues:,} data issue{'s' if issues != 1 else ''}{_currency_note(a)}{_dates_note(a.dates)}"
        f" -> {result.folder}",
        folder=result.folder,
        clients=a.totals.clients,
        verdict=verdict,
        standing=business(result.summary, name, anchors=_anchors(a)),
    )


def _anchors(analysis: Analysis) -> int:
    """The clients summary.json lists as anchors: its client list is every client's row."""
    return int((analysis.clients["tier"] == "anchor").sum())


def _currency_note(analysis: Analysis) -> str:
    """For the one-line result: what another currency left out, and the flag that counts it."""
    left = [c for c in analysis.currencies if not c.counted and c.invoices]
    return "".join(
        f"; {c.invoices} {c.currency} invoice{'s' if c.invoices != 1 else ''} "
        f"({ENGLISH.money(c.revenue, c.currency)}) not counted: add --rate {c.currency}=..."
        for c in left
    )


def _dates_note(dates: DateOrder) -> str:
    """For the one-line result: dates that could be read the other way, and the flag for it."""
    if not dates.ambiguous or dates.decided_by in (BY_DATES, BY_SETTING):
        return ""
    return (
        f"; {dates.ambiguous} date{'s' if dates.ambiguous != 1 else ''} read "
        f"{ORDER_NAMES[dates.order]} could be {ORDER_NAMES[dates.other]} (--dates {dates.other})"
    )


class _Queue(Protocol):
    def put(self, item: Any) -> None: ...
    def get_nowait(self) -> Any: ...


@dataclass(frozen=True)
class _StageSender:
    """``on_stage`` for a worker process: sends ``(source, stage)`` back through a queue proxy.

    The display is a nicety: if the queue is gone, the report goes on regardless.
    """

    queue: _Queue
    source: Path

    def __call__(self, stage: str) -> None:
        # The parent's manager may have stopped: the report matters more than its bar.
        with contextlib.suppress(Exception):
            self.queue.put((self.source, stage))


def run_batch(
    sources: Sequence[Path],
    out_dir: Path,
    options: Options,
    names: dict[Path, str],
    jobs: int,
    on_outcome: Callable[[int, Outcome], bool],
    *,
    on_stage: Callable[[Path, str], None] | None = None,
    where: Where = LOCAL,
) -> list[Outcome]:
    """Report every source; ``on_outcome(done_so_far, outcome)`` returning False stops the batch.

    ``jobs`` is the local pool's size (1: one after another); with more than one source each is
    reported in a worker process (``IsolatedPool``), a single one in this process. ``on_stage(source,
    stage)`` hears each workbook's stages as they begin, from this machine's processes; a Dask
    cluster's workers do not send them. Raises ``ExecutorError`` when the Dask scheduler cannot
    be reached (before any workbook is read).
    """
    if where.address is None and len(sources) <= 1:
        return _serial(sources, out_dir, options, names, on_outcome, on_stage)
    with contextlib.ExitStack() as stack:
        events: _Queue | None = None
        if where.address is None:
            context = multiprocessing.get_context("spawn")
            if on_stage is not None:  # a Manager's queue proxy pickles into the workers
                events = stack.enter_context(context.Manager()).Queue()
            # Each workbook in a worker process of its own: one that exhausts memory or makes
            # a reader abort is its own refusal, and the batch goes on.
            pool: Executor = stack.enter_context(IsolatedPool(max(1, min(jobs, len(sources)))))
            jobs_of = {s: (s, out_dir, names[s]) for s in sources}
        else:
            pool = stack.enter_context(_dask_executor(where.address))
            # A worker's working folder is its own: give it paths that mean the same there.
            jobs_of = {s: (s.absolute(), out_dir.absolute(), names[s]) for s in sources}
        futures: dict[Future[Outcome], Path] = {}
        for s in sources:
            path, out, name = jobs_of[s]
            sender = _StageSender(events, s) if events is not None else None
            futures[pool.submit(report_one, path, out, options, name, sender)] = s
        outcomes = _gather(futures, sources, out_dir, names, on_outcome, events, on_stage)
    return outcomes


def _serial(
    sources: Sequence[Path],
    out_dir: Path,
    options: Options,
    names: dict[Path, str],
    on_outcome: Callable[[int, Outcome], bool],
    on_stage: Callable[[Path, str], None] | None,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for source in sources:
        hook = functools.partial(on_stage, source) if on_stage is not None else None
        outcomes.append(report_one(source, out_dir, options, names[source], hook))
        if not on_outcome(len(outcomes), outcomes[-1]):
            break
    return outcomes


def _gather(
    futures: dict[Future[Outcome], Path],
    sources: Sequence[Path],
    out_dir: Path,
    names: dict[Path, str],
    on_outcome: Callable[[int, Outcome], bool],
    events: _Queue | None,
    on_stage: Callable[[Path, str], None] | None,
) -> list[Outcome]:
    """Outcomes as the futures finish, stage events passed on in between (one thread: the
    callbacks never race)."""
    order = {s: i for i, s in enumerate(sources)}
    outcomes: list[Outcome] = []
    pending: set[Future[Outcome]] = set(futures)
    while pending:
        done, pending = wait(
            pending, timeout=0.25 if events is not None else None, return_when=FIRST_COMPLETED
        )
        # A worker's events are all queued before its result is: drain them first, so a
        # workbook's stages are shown before it is shown as finished.
        _drain(events, on_stage)
        for future in sorted(done, key=lambda f: order[futures[f]]):
            source = futures[future]
            outcome = _outcome_of(future, source, out_dir, names[source])
            outcomes.append(outcome)
            if not on_outcome(len(outcomes), outcome):
                for other in pending:
                    other.cancel()
                return outcomes
    return outcomes


def _drain(events: _Queue | None, on_stage: Callable[[Path, str], None] | None) -> None:
    if events is None or on_stage is None:
        return
    while True:
        try:
            source, stage = events.get_nowait()
        except Exception:  # queue.Empty, or the manager is gone: nothing more to show
            return
        on_stage(source, stage)


def _outcome_of(future: Future[Outcome], source: Path, out_dir: Path, name: str) -> Outcome:
    """The job's outcome in the caller's own terms; a lost worker is that workbook's failure."""
    try:
        outcome = future.result()
    except Exception as exc:  # the worker died (out of memory, killed) or could not run the job
        return Outcome(
            source, "refused", worker_lost(exc, source), "".join(traceback.format_exception(exc))
        )
    # A Dask worker was given absolute paths; say it in the paths the user gave.
    folder = Path(out_dir) / name if outcome.folder is not None else None
    return dataclasses.replace(outcome, source=source, folder=folder)


@contextlib.contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    """A ``concurrent.futures`` Executor on the Dask cluster at ``address``."""
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError(DASK_EXTRA) from None
    shown = "dask://" + address.removeprefix("tcp://")
    try:
        client = Client(address, timeout=DASK_CONNECT_SECONDS, set_as_default=False)
    except Exception as exc:  # OSError "Timed out trying to connect", a bad host name, ...
        raise ExecutorError(
            f"the Dask scheduler at {shown} cannot be reached ({exc}). Check that it is running "
            "(dask scheduler) and that this machine can reach its address and port; nothing was "
            "reported. Leave out --executor to use this machine's processes."
        ) from None
    try:
        # pure=False: a report writes files, so the same job asked twice must run twice.
        with client.get_executor(pure=False) as pool:
            yield pool
    finally:
        client.close()
