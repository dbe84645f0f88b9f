"""The annotated workbook: the user's own package, untouched, plus analysis sheets and columns.

The analysis sheets are built with xlsxwriter as a workbook of their own and merged into the
user's package at the zip level (``pipeline.ooxml``); the invoice and Clients sheets gain
annotation columns by a streaming rewrite of just those parts, on a thread while the rest of the
report is rendered. Everything else the user's file holds is copied byte for byte. ``.xls``,
``.ods`` and text inputs, which are not such packages, get the analysis workbook alone; the
Method sheet says so.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PackageError
from pipeline.model.analysis import Analysis
from pipeline.ooxml.bodies import sheet_bodies
from pipeline.ooxml.bulkrows import Unfilled
from pipeline.ooxml.merge import standalone, write_merge
from pipeline.ooxml.plan import ScanAhead, plan_merge, scan_ahead
from pipeline.render.provenance import Provenance
from pipeline.render.xlsx.analysis_book import build_analysis_book, sheet_names
from pipeline.render.xlsx.annotations import annotation_columns
from pipeline.render.xlsx.audit import method_facts
from pipeline.render.xlsx.book import SHEET_ROWS
from pipeline.words.i18n import ENGLISH, Words


class PendingWorkbook:
    """An annotated workbook being finished: its data sheets are spliced, and the package
    merged and deflated, on two threads (polars and zlib let go of the interpreter) while the
    caller renders the rest; for an input that is no package, the analysis workbook's long
    tables filled in and its parts deflated, on one."""

    def __init__(self, finish: Callable[[], bytes]) -> None:
        self._finish = finish

    def result(self) -> bytes:
        """The workbook's bytes, once its data sheets are done."""
        return self._finish()


@dataclass(frozen=True)
class WorkbookAhead:
    """The user's package, read as the report begins, with its largest sheet's pass under way."""

    original: bytes
    scan: ScanAhead | None

    def cancel(self) -> None:
        """The report failed: stop the reading ahead."""
        if self.scan is not None:
            self.scan.cancel()


def read_ahead(source: Path) -> WorkbookAhead:
    """Read ``source``'s package and start the merge plan's pass over its largest sheet on a
    thread, while the reader parses the cells. Only for a package the guard has accepted."""
    original = source.read_bytes()
    return WorkbookAhead(original, scan_ahead(original))


def start_workbook(
    source: Path,
    fmt: str,
    analysis: Analysis,
    provenance: Provenance,
    when: dt.datetime,
    w: Words = ENGLISH,
    ahead: WorkbookAhead | None = None,
) -> PendingWorkbook:
    """Begin the annotated workbook; ``result()`` gives its bytes, deterministic for the same
    input, options and ``when``. ``ahead`` is ``read_ahead(source)``'s, when it was called."""
    names = sheet_names(provenance.sheet_names if fmt == "xlsx" else ())

    def by_itself(notes: list[str]) -> Unfilled:
        """The analysis workbook alone, its long tables' rows still to be put in."""
        facts = method_facts(analysis, provenance, notes)
        return build_analysis_book(analysis, provenance, sheet_names(()), facts, when, words=w)

    if fmt != "xlsx":
        notes = [
            f"the original sheets: a .{fmt} file is not an Excel package, so only the analysis is written"
        ]
        if provenance.rows_read >= SHEET_ROWS:
            notes.append(
                f"the invoice rows: {provenance.rows_read:,} rows are more than a sheet holds "
                f"({SHEET_ROWS - 1:,} below its header), so they are not written out; every one "
                "is in the figures, and the input keeps them"
            )
        sheets = by_itself(notes)
        # Its long tables' rows made and its parts deflated on a thread, as a merge is, while
        # the caller renders the briefing and the JSON (polars and zlib let go of the
        # interpreter). For the CDNOW sales log as CSV (69,659 sales, 23,544 customers) the
        # render and the write took 0.67 s against 0.84 s (medians of 11, side by side).
        return _later(lambda: standalone(sheets, when))

    def failed(exc: PackageError) -> bytes:
        notes = [f"the original sheets: the package could not be extended safely ({exc})"]
        return standalone(by_itself(notes), when)

    original = ahead.original if ahead is not None else source.read_bytes()
    date_1904 = _uses_1904(original)
    columns = annotation_columns(analysis, provenance, w)
    try:
        plan = plan_merge(original, columns, ahead.scan if ahead is not None else None)
    except PackageError as exc:
        book = failed(exc)
        return PendingWorkbook(lambda: book)
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tierbook-sheets")
    try:
        bodies = pool.submit(sheet_bodies, plan)
        try:
            facts = method_facts(analysis, provenance, list(plan.notes))
            sheets = build_analysis_book(
                analysis, provenance, names, facts, when, date_1904, words=w
            )
        except BaseException:
            bodies.cancel()
            raise

        def finish() -> bytes:
            try:
                return write_merge(plan, sheets, when, bodies.result)
            except PackageError as exc:
                return failed(exc)

        # Merged on a second thread as soon as the analysis sheets exist, while the bodies are
        # still being spliced and the caller renders the briefing and the JSON: everything but
        # the data sheets is merged and deflated before the bodies are needed, and the merge's
        # row-making and deflating let go of the interpreter.
        merged = pool.submit(finish)
    finally:
        pool.shutdown(wait=False)  # the threads end with their jobs
    return PendingWorkbook(merged.result)


def _later(finish: Callable[[], bytes]) -> PendingWorkbook:
    """``finish`` begun on a thread of its own; the workbook it gives, pending."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tierbook-book")
    try:
        done = pool.submit(finish)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its job
    return PendingWorkbook(done.result)


def _uses_1904(package: bytes) -> bool:
    """Whether the workbook counts dates from 1904 (old Mac Excel); ours must do the same."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as z:
            workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
    except (KeyError, NotImplementedError, zipfile.BadZipFile):
        return False
    return re.search(r"""date1904\s*=\s*["'](1|true)["']""", workbook) is not None
