"""What a person sees while a batch runs: a live display on a terminal, plain lines elsewhere.

On a terminal (stdout and stderr both): an overall bar, one row per workbook being worked on
with its current stage, the one line per finished workbook scrolling above, then a table of
results. Anywhere else (CI, a pipe, a log file, tests) there is no animation and no escape code:
the same one line per workbook, errors on stderr, and the table printed plainly. File names are
the user's text, never rich markup: they are always printed as ``Text``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from pipeline.edge.batch import Outcome
from pipeline.report import STAGES

STATUS_WORDS = {"done": "reported", "refused": "refused", "config": "stopped: setting"}
# Wide enough that a plain table never wraps a file name; a table takes only the width it needs.
PLAIN_WIDTH = 240


def interactive() -> bool:
    """Whether a live display can be drawn: stdout and stderr are both a capable terminal."""
    streams = (sys.stdout, sys.stderr)
    ttys = all(getattr(s, "isatty", lambda: False)() for s in streams)
    return ttys and os.environ.get("TERM", "") != "dumb"


def shown_names(sources: Sequence[Path]) -> dict[Path, str]:
    """Each file as a person would name it: its name, or its path where two names are the same."""
    names = [p.name for p in sources]
    return {p: p.name if names.count(p.name) == 1 else str(p) for p in sources}


def _console(live: bool, stderr: bool) -> Console:
    """A terminal's console, or a plain one: no colour, no escape code, never wrapping a name."""
    if live:
        return Console(stderr=stderr, highlight=False, emoji=False)
    return Console(
        stderr=stderr,
        force_terminal=False,
        color_system=None,
        highlight=False,
        emoji=False,
        width=PLAIN_WIDTH,
    )


class BatchDisplay:
    """Progress and results of one ``tierbook report`` run.

    ``live`` draws the terminal display (the caller decides, usually with ``interactive()``);
    ``out`` and ``err`` are the consoles to draw on (tests pass recording ones).
    """

    def __init__(
        self,
        sources: Sequence[Path],
        *,
        live: bool,
        debug: bool = False,
        where: str = "local",
        out: Console | None = None,
        err: Console | None = None,
    ) -> None:
        self.total = len(sources)
        self.names = shown_names(sources)
        self.live = live
        self.debug = debug
        self.where = where
        self.out = out or _console(live, stderr=False)
        self.err = err or _console(live, stderr=True)
        self.started = time.perf_counter()
        self.progress: Progress | None = None
        self.overall: TaskID | None = None
        self.active: dict[Path, TaskID] = {}
        self.finished_sources: set[Path] = set()

    def __enter__(self) -> BatchDisplay:
        self.started = time.perf_counter()
        if self.live:
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}", markup=False),
                BarColumn(bar_width=24),
                TextColumn("{task.fields[note]}", markup=False),
                TimeElapsedColumn(),
                console=self.out,
                transient=True,  # the lines and the table stay; the animation goes
                refresh_per_second=4,  # the workers need the cores more than the spinner does
            )
            if self.total > 1:
                where = "" if self.where == "local" else f" on {self.where}"
                self.overall = self.progress.add_task(
                    f"{self.total} workbooks{where}", total=self.total, note=f"0/{self.total}"
                )
            self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def stage(self, source: Path, stage: str) -> None:
        """``source`` begins ``stage``: its row shows the stage (a row appears with its first)."""
        if self.progress is None or source in self.finished_sources:
            return
        step = STAGES.index(stage) if stage in STAGES else 0
        task = self.active.get(source)
        if task is None:
            self.active[source] = self.progress.add_task(
                "  " + self.names.get(source, source.name),
                total=len(STAGES),
                completed=step,
                note=stage,
            )
        else:
            self.progress.update(task, completed=step, note=stage)

    def finished(self, done: int, outcome: Outcome) -> None:
        """One line for a finished workbook: ``[done/total] message``, errors on stderr."""
        self.finished_sources.add(outcome.source)
        if self.progress is not None:
            task = self.active.pop(outcome.source, None)
            if task is not None:
                self.progress.remove_task(task)
            if self.overall is not None:
                self.progress.update(self.overall, completed=done, note=f"{done}/{self.total}")
        prefix = f"[{done}/{self.total}] " if self.total > 1 else ""
        if outcome.status == "done":
            self.out.print(Text(prefix, style="dim") + Text(outcome.message), soft_wrap=True)
            return
        if self.debug and outcome.trace:
            self.err.print(Text(outcome.trace.rstrip("\n")), soft_wrap=True)
        line = Text(prefix, style="dim") + Text("error: ", style="bold red")
        self.err.print(line + Text(outcome.message), soft_wrap=True)

    def results(self, outcomes: Sequence[Outcome], workers: int | None = None) -> None:
        """The table of results, in the order the files were given, and a line of totals."""
        order = {p: i for i, p in enumerate(self.names)}
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("file", overflow="fold")
        table.add_column("clients", justify="right")
        table.add_column("verdict")
        table.add_column("seconds", justify="right")
        table.add_column("status")
        for o in sorted(outcomes, key=lambda o: order.get(o.source, len(order))):
            good = o.status == "done"
            table.add_row(
                Text(self.names.get(o.source, o.source.name)),
                Text(str(o.clients) if o.clients is not None else "-"),
                Text(o.verdict or "-"),
                Text(f"{o.seconds:.1f}"),
                Text(STATUS_WORDS.get(o.status, o.status), style="green" if good else "bold red"),
            )
        if self.live:
            self.out.print(table)
        else:  # a log keeps no padding at the ends of lines
            with self.out.capture() as captured:
                self.out.print(table)
            lines = captured.get().splitlines()
            self.out.print(Text("\n".join(line.rstrip() for line in lines)), soft_wrap=True)
        reported = sum(o.status == "done" for o in outcomes)
        failed = len(outcomes) - reported
        wall = time.perf_counter() - self.started
        how = (
            f"on {self.where}"
            if self.where != "local"
            else f"{workers} at a time"
            if workers and workers > 1
            else "one at a time"
        )
        total = (
            f"{reported} of {self.total} reported"
            + (f", {failed} failed" if failed else "")
            + f" in {wall:.1f} s ({how})"
        )
        self.out.print(Text(total), soft_wrap=True)
