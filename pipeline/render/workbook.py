"""The annotated workbook: the user's own package, untouched, plus analysis sheets and columns.

The analysis sheets are built with xlsxwriter as a workbook of their own and merged into the
user's package at the zip level (``pipeline.ooxml``); the Invoices and Clients sheets gain
annotation columns by a streaming rewrite of just those parts. Everything else the user's file
holds is copied byte for byte. ``.xls`` and ``.ods`` inputs, which are not such packages, get the
analysis workbook alone; the Method sheet says so.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from markupsafe import Markup

from pipeline.errors import PackageError
from pipeline.model.analysis import Analysis
from pipeline.ooxml.bodies import sheet_bodies
from pipeline.ooxml.merge import standalone, write_merge
from pipeline.ooxml.plan import Annotation, ScanAhead, plan_merge, scan_ahead
from pipeline.render.analysis_book import SHEET_ROWS, build_analysis_book, sheet_names
from pipeline.render.briefing import environment
from pipeline.render.context import Provenance, client_rows
from pipeline.render.i18n import ENGLISH, Words
from pipeline.render.text import tier_label

HEADERS = (
    "tierbook: tier",
    "tierbook: grade",
    "tierbook: roles",
    "tierbook: share",
    "tierbook: flags",
)


def method_facts(
    analysis: Analysis, provenance: Provenance, notes: list[str]
) -> list[tuple[str, Any, str]]:
    """Everything an auditor needs to re-derive the figures, for the Method sheet."""
    w = analysis.windows
    facts: list[tuple[str, Any, str]] = [
        ("Tool", f"tierbook {provenance.version}", ""),
        ("Input file", provenance.file_name, ""),
        (
            "Input SHA-256",
            provenance.sha256,
            "hash of the input file's bytes; the input is never modified",
        ),
        (
            "Invoices sheet",
            ", ".join(
                f"{s} (header on row {provenance.header_rows.get(s, '?')})"
                for s in provenance.invoice_sheets
            ),
            "",
        ),
        ("Clients sheet", provenance.client_sheet or "none found", ""),
        ("Invoice rows read", provenance.rows_read, "non-blank rows below the header"),
        ("Data issues", analysis.issues.height, "listed on the Data issues sheet"),
        (
            "As-of date",
            w.as_of,
            "--as-of, else the latest invoice date (paid date on the paid basis)",
        ),
        ("Window", f"{w.start.isoformat()} to {w.end.isoformat()}", "both days included"),
        ("Prior window", f"{w.prior_start.isoformat()} to {w.prior_end.isoformat()}", ""),
        ("Basis", analysis.basis, "invoiced: by invoice date; paid: by paid date"),
        ("Currency", analysis.currency or "not stated", "other currencies are never added in"),
        (
            "Usable invoice rows, total amount",
            analysis.totals.input_amount_total,
            "every usable row, any date and status: ties out to the Invoices sheet",
        ),
        ("of which void or draft", analysis.totals.void_amount, "never counted as revenue"),
        (
            "Revenue definition",
            "sum of non-void invoice amounts dated in the window, credit notes negative",
            "",
        ),
        ("Share", "client revenue / total revenue of clients with positive revenue", ""),
        ("HHI", "sum of squared shares × 10,000; effective clients = 10,000 / HHI", ""),
        ("Gini", "Gini of client revenue with the n/(n−1) small-sample correction", ""),
        (
            "ABC class",
            "A: clients making the first 80% of revenue; B: the next 15%; C: the rest",
            "",
        ),
        (
            "Tiers",
            "in order: lapsed (nothing in the window), new (first invoice recent), anchor "
            "(material and predictable), recurring (two or more months), one-off",
            "predictable: billed in most rolling months of the window, or a regular cadence "
            "(low variation of the gaps between invoices), with tenure since the window began; or "
            "a contract in force on the Clients sheet",
        ),
        (
            "Grades",
            "D: a write-off, chronic lateness or most billing unpaid; A: on time, paid in full, "
            "repeat work, sizeable or steady; B: within a month and mostly paid; C: the rest",
            "days late = paid date - due date (invoice date + default terms when no due date)",
        ),
        (
            "Roles",
            "large-constant, growth, referrer (measured); image, tester, special (Clients sheet tags)",
            "",
        ),
        (
            "At risk",
            "silent for more than k x its usual gap between invoices and a minimum of days",
            "one-invoice clients are judged by the business's typical repeat gap",
        ),
        ("P(alive)", analysis.model_note, "Fader, Hardie & Lee (2005); time in weeks"),
        (
            "Replacement burden",
            "a key client's revenue / the average first-year revenue of a new client; months at "
            "the pace of new clients won in the window",
            f"cohort: clients first billed in the {analysis.acquisition.cohort} "
            f"({analysis.acquisition.cohort_size})",
        ),
        (
            "Trend",
            "the window's revenue, top-1 and top-5 shares, effective clients and HHI at each "
            "month-end of the ledger (the last 36) and at the as-of date",
            "anchors there count the months rule alone (billed in enough rolling months and "
            "material); cadence and contract anchors are judged at the as-of date only",
        ),
        (
            "Common control",
            "a Clients-sheet Group column, or QuickBooks 'Parent:Child' names, are measured as one",
            "",
        ),
    ]
    for note in notes:
        facts.append(("Not carried over", note, "the input file is unchanged and still holds it"))
    for name, value, why in analysis.config.items():
        facts.append((f"Setting: {name}", value if value is not None else "(unset)", why))
    return facts


def _flags(c: dict[str, Any], w: Words) -> list[str]:
    found = []
    if c["major_customer"]:
        found.append(w._("major customer"))
    if c["lost_key"]:
        found.append(w._("lost key client"))
    elif c["at_risk"]:
        found.append(w._("at risk"))
    if c["check_in"]:
        found.append(w._("check in"))
    return found


def _note(note: str, w: Words) -> str:
    """The model's note on an invoice row (why it is not counted), in the report's language."""
    if note == "before the window":
        return w._("before the window")
    if note == "after the as-of date":
        return w._("after the as-of date")
    if note.endswith(": not revenue"):
        return w._("%(status)s: not revenue", status=note.removesuffix(": not revenue"))
    return note


class _Notes(Mapping[int, str]):
    """Each client's note by the Excel row it goes on, worded only when first read.

    Which rows get a note is known at once; the notes' words (every reason of two thousand
    clients, 0.3 s at 100k invoices) are not needed until the merge, so the data sheets can
    be spliced on their thread while they are written.
    """

    def __init__(self, rows: Mapping[int, str], texts: Callable[[], Mapping[str, str]]) -> None:
        self._rows = rows  # Excel row -> client
        self._texts = texts  # client -> note, made once for all sheets

    def __getitem__(self, row: int) -> str:
        return self._texts()[self._rows[row]]

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def annotation_columns(
    analysis: Analysis, provenance: Provenance, w: Words = ENGLISH
) -> list[Annotation]:
    """Annotation columns for the invoice sheets and the Clients sheet, row by row.

    Built as frames (each invoice row joined to its client's labels and its own data issues),
    so a million-row ledger costs a few joins, not a million Python steps. The notes are worded
    when first read (``_Notes``).
    """
    lost = set(analysis.lost_key_clients["client"].to_list())
    labels = []
    for c in analysis.clients.select(
        "client", "tier", "grade", "roles", "share", "major_customer", "at_risk", "check_in"
    ).to_dicts():
        c["lost_key"] = c["client"] in lost
        labels.append(
            {
                "client": c["client"],
                "tier": tier_label(c["tier"], w),
                "grade": c["grade"],
                "roles": ", ".join(c["roles"]),
                "share": c["share"],
                "client_flags": "; ".join(_flags(c, w)) or None,
            }
        )
    clients = {label["client"] for label in labels}

    @cache
    def texts() -> dict[str, str]:
        template = environment(w.lang).get_template("comment.txt")
        found = {}
        for c in client_rows(analysis, w):
            c["lost_key"] = c["client"] in lost
            c["tier_label"] = tier_label(c["tier"], w)
            # Rendered escaped like every template, then back to plain text for the note writer.
            found[c["client"]] = Markup(template.render(client=c)).unescape().strip()
        return found

    known = pl.DataFrame(
        labels,
        schema={
            "client": pl.String,
            "tier": pl.String,
            "grade": pl.String,
            "roles": pl.String,
            "share": pl.Float64,
            "client_flags": pl.String,
        },
    )
    problems = analysis.issues.group_by("sheet", "row", maintain_order=True).agg(
        pl.format("{} ({})", "problem", "action").str.join("; ").alias("problems")
    )

    def annotation(sheet: str, rows: pl.DataFrame, notes: Mapping[int, str]) -> Annotation:
        """``rows`` (row, client, note) joined to the labels, plus the rows that only have issues
        (left out of the figures), which get their flags alone."""
        header = provenance.header_rows[sheet]
        own = problems.filter(pl.col("sheet") == sheet).drop("sheet")
        only_issues = own.filter(
            ~pl.col("row").is_in(rows["row"].implode()) & (pl.col("row") != header)
        ).select("row")
        every = pl.concat(
            [
                rows,
                only_issues.with_columns(
                    client=pl.lit(None, pl.String), note=pl.lit(None, pl.String)
                ),
            ],
            how="vertical_relaxed",
        )
        values = (
            every.join(known, on="client", how="left", maintain_order="left")
            .join(own, on="row", how="left", maintain_order="left")
            .select(
                pl.col("row").cast(pl.Int64),
                pl.col("tier").alias(HEADERS[0]),
                pl.col("grade").alias(HEADERS[1]),
                pl.col("roles").alias(HEADERS[2]),
                pl.col("share").alias(HEADERS[3]),
                pl.concat_str(
                    ["client_flags", "note", "problems"], separator="; ", ignore_nulls=True
                ).alias(HEADERS[4]),
            )
        )
        return Annotation(
            sheet=sheet,
            header_row=header,
            headers=HEADERS,
            percent_columns=frozenset({3}),
            values=values,
            comments=notes,
        )

    result = []
    for sheet in provenance.invoice_sheets:
        rows = analysis.invoice_rows.filter(pl.col("sheet") == sheet).select(
            "row", "client", "note"
        )
        notes = rows["note"].drop_nulls().unique().to_list()
        rows = rows.with_columns(
            pl.col("note").replace_strict(
                {n: _note(n, w) for n in notes}, default=None, return_dtype=pl.String
            )
        )
        # each client's first invoice row carries its note
        first_rows = (
            rows.filter(pl.col("client").is_in(list(clients)))
            .group_by("client")
            .agg(pl.col("row").min())
        )
        notes_at = {row: client for client, row in first_rows.iter_rows()}
        result.append(annotation(sheet, rows, _Notes(notes_at, texts)))
    if provenance.client_sheet:
        sheet = provenance.client_sheet
        rows = analysis.client_sheet_rows.select(
            pl.col("row").cast(pl.Int64), "client"
        ).with_columns(
            pl.when(pl.col("client").is_in(list(clients)))
            .then(pl.lit(None, pl.String))
            .otherwise(pl.lit(w._("no invoices")))
            .alias("note")
        )
        notes_at = {
            row: client
            for row, client in rows.select("row", "client").iter_rows()
            if client in clients
        }
        result.append(annotation(sheet, rows, _Notes(notes_at, texts)))
    return result


class PendingWorkbook:
    """An annotated workbook being finished: its data sheets are spliced and deflated on a
    thread (polars and zlib let go of the interpreter) while the caller renders the rest."""

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

    def alone(notes: list[str]) -> bytes:
        facts = method_facts(analysis, provenance, notes)
        return standalone(
            build_analysis_book(analysis, provenance, sheet_names(()), facts, when, words=w), when
        )

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
        book = alone(notes)
        return PendingWorkbook(lambda: book)

    def failed(exc: PackageError) -> bytes:
        return alone([f"the original sheets: the package could not be extended safely ({exc})"])

    original = ahead.original if ahead is not None else source.read_bytes()
    date_1904 = _uses_1904(original)
    columns = annotation_columns(analysis, provenance, w)
    try:
        plan = plan_merge(original, columns, ahead.scan if ahead is not None else None)
    except PackageError as exc:
        book = failed(exc)
        return PendingWorkbook(lambda: book)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tierbook-sheets")
    bodies = pool.submit(sheet_bodies, plan)
    pool.shutdown(wait=False)  # the thread ends with its one job
    try:
        facts = method_facts(analysis, provenance, list(plan.notes))
        book = build_analysis_book(analysis, provenance, names, facts, when, date_1904, words=w)
    except BaseException:
        bodies.cancel()
        raise

    def finish() -> bytes:
        for column in columns:  # the notes worded while the data sheets may still be spliced
            dict(column.comments)
        try:
            return write_merge(plan, book, when, bodies.result())
        except PackageError as exc:
            return failed(exc)

    return PendingWorkbook(finish)


def _uses_1904(package: bytes) -> bool:
    """Whether the workbook counts dates from 1904 (old Mac Excel); ours must do the same."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as z:
            workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
    except (KeyError, NotImplementedError, zipfile.BadZipFile):
        return False
    return re.search(r"""date1904\s*=\s*["'](1|true)["']""", workbook) is not None
