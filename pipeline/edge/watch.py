"""``tierbook watch FOLDER``: a drop folder that reports by itself.

A workbook saved or copied into the folder is reported once it is completely written: its size
and modification time have stayed the same for a moment (a spreadsheet program or a network
copy writes in bursts). Office and LibreOffice lock files, hidden and temporary files are never
read. Each report is one line of the log; a bad file is one error line and the watch goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    FileClosedEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from pipeline.edge.batch import Outcome, report_isolated
from pipeline.edge.inputs import is_input, is_input_name, output_names
from pipeline.edge.isolated import IsolatedPool
from pipeline.report import Options

STABLE_SECONDS = 2.0
# Only what changes a file's content: opening or reading it (tierbook's own report, a backup
# tool, a person looking) must never queue it again.
CHANGES = (FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent)
POLL_SECONDS = 0.25


@dataclass
class _Pending:
    """Files seen but not yet reported, with the size and time they had when last looked at."""

    seen: dict[Path, tuple[int, float, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def touch(self, path: Path) -> None:
        if is_input_name(path):
            with self.lock:
                self.seen[path] = (-1, -1.0, time.monotonic())

    def ready(self, stable: float) -> list[Path]:
        """Files whose size and modification time have not changed for ``stable`` seconds."""
        now, done = time.monotonic(), []
        with self.lock:
            for path, (size, mtime, since) in list(self.seen.items()):
                try:
                    info = path.stat()
                except FileNotFoundError:  # renamed away or deleted before it settled
                    del self.seen[path]
                    continue
                if (info.st_size, info.st_mtime) != (size, mtime):
                    self.seen[path] = (info.st_size, info.st_mtime, now)
                elif info.st_size > 0 and now - since >= stable:
                    del self.seen[path]
                    done.append(path)
        return sorted(done)


class _Handler(FileSystemEventHandler):
    def __init__(self, pending: _Pending) -> None:
        self.pending = pending

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or not isinstance(event, CHANGES):
            return
        target = getattr(event, "dest_path", "") or event.src_path
        self.pending.touch(Path(str(target)))


def watch(
    folder: Path,
    out_dir: Path,
    options: Options,
    log: Callable[[Outcome], None],
    stop: threading.Event | None = None,
    stable: float = STABLE_SECONDS,
) -> None:
    """Report every workbook dropped into ``folder`` until ``stop`` is set (or forever).

    Workbooks already there whose report is missing or older than them are reported first.
    """
    folder, out_dir = Path(folder), Path(out_dir)
    stop = stop or threading.Event()
    pending = _Pending()
    reported: dict[Path, tuple[int, float]] = {}  # size and time of the version reported

    def name_of(path: Path) -> str:
        # Names as a batch of the whole folder gets them, so book.xlsx and book.csv differ.
        present = [p for p in sorted(folder.iterdir()) if is_input_name(p) and p.is_file()]
        return output_names(sorted({*present, path}))[path]

    for path in sorted(folder.iterdir()):
        if is_input(path):
            report = out_dir / name_of(path)
            if not report.exists() or report.stat().st_mtime < path.stat().st_mtime:
                pending.touch(path)
    observer = Observer()
    observer.schedule(_Handler(pending), str(folder), recursive=False)
    observer.start()
    # Each workbook in a worker process: one that exhausts memory or crashes a reader is its
    # own refusal, and the watcher goes on.
    pool = IsolatedPool(1)
    try:
        while not stop.is_set():
            for path in pending.ready(stable):
                try:
                    info = path.stat()
                except FileNotFoundError:
                    continue
                version = (info.st_size, info.st_mtime)
                if reported.get(path) == version:  # an event without a change of content
                    continue
                if not is_input(path):  # a portfolio tierbook wrote, copied in
                    continue
                reported[path] = version
                log(report_isolated(pool, path, out_dir, options, name_of(path)))
            stop.wait(POLL_SECONDS)
    finally:
        observer.stop()
        observer.join(timeout=5)
        pool.shutdown()
