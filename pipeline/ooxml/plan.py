"""Deciding, before anything is written, how the user's data sheets gain their new columns.

The plan reads the package once: for each sheet that gets annotation columns, its text outside
the rows (the skeleton), the first free column, the rows a merged range covers, and whether
the reasons can go in as notes. The analysis workbook does not exist yet, so the data sheets'
bodies can be made from the plan on a thread while it is built.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar, cast

import polars as pl

from pipeline.errors import PackageError, SheetError
from pipeline.ooxml import sheetdata
from pipeline.ooxml.parts import Package, sheet_parts
from pipeline.ooxml.printfit import fitted
from pipeline.ooxml.styles import AnnotationStyles, annotation_styles
from pipeline.ooxml.xmltext import attrs, col_index, col_letter, collection, prefix, with_prefix

MAX_COLUMNS = 16_384  # XFD
ROWS = "\x00tierbook-rows\x00"  # where the rows go in a sheet's skeleton; no XML can hold it

T = TypeVar("T")


@dataclass(frozen=True)
class Annotation:
    """Cells to add to the right of one data sheet: a header row and values by Excel row."""

    sheet: str
    header_row: int
    headers: tuple[str, ...]
    percent_columns: frozenset[int]  # positions in ``headers`` holding shares
    values: pl.DataFrame  # "row" (Excel row) and one text or number column per header
    comments: Mapping[int, str] = field(default_factory=dict)  # Excel row -> note on the 1st column
    width: float = 16.0


@dataclass(frozen=True)
class SheetPlan:
    """How one data sheet gains its columns, decided before anything is written."""

    note: Annotation
    part: str
    prefix: str
    skeleton: str  # the sheet's XML with its rows replaced by ROWS; dimension and cols updated
    first: int  # the first new column
    values: pl.DataFrame  # the rows to annotate (those merged across the new columns dropped)
    header: bool  # whether the header row gets its labels
    with_notes: bool  # whether the reasons go in as notes (the sheet has none of its own)
    rows: tuple[sheetdata.Rows, ...] | None = None  # the rows as the scan ahead kept them


@dataclass(frozen=True)
class MergePlan:
    """What reading the user's package decided, before the analysis workbook exists: where each
    data sheet's columns go, and the notes the Method sheet must carry."""

    original: bytes
    sheets: tuple[SheetPlan, ...]
    notes: tuple[str, ...]
    styles: AnnotationStyles  # where the annotation styles will be in the merged styles


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; any surprise in a package becomes a PackageError (so the caller falls
    back, never writing a half-made file)."""
    try:
        return action()
    except PackageError:
        raise
    except Exception as exc:
        raise PackageError(f"{type(exc).__name__}: {exc}") from exc


def _sheet_prefix(open_part: Callable[[], BinaryIO]) -> str:
    with open_part() as stream:
        start = stream.read(1 << 16).decode("utf-8", "ignore")
    return prefix(start, "worksheet")


@dataclass(frozen=True)
class ScanAhead:
    """One worksheet being read on a thread before the plan needs it: (prefix, scan)."""

    part: str
    found: Future[tuple[str, sheetdata.SheetScan]]
    stop: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """End the reading at its next block: the report it was for has failed, and the thread
        should not go on inflating a large sheet beside whatever runs next."""
        self.stop.set()


class _Stoppable:
    """A part's stream whose next read fails once ``stop`` is set."""

    def __init__(self, stream: Any, stop: threading.Event) -> None:
        self._stream, self._stop = stream, stop

    def read(self, size: int = -1) -> bytes:
        if self._stop.is_set():
            raise SheetError("the reading ahead was stopped")
        return self._stream.read(size)  # type: ignore[no-any-return]

    def __enter__(self) -> _Stoppable:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stream.close()


def scan_ahead(original: bytes) -> ScanAhead | None:
    """Start the plan's pass over the package's largest worksheet on a thread, now.

    Called as the workbook's cells begin to be parsed: calamine lets go of the interpreter and
    so do zlib and polars, which do the pass, so it costs the report next to nothing, where the
    plan would otherwise make it after the analysis (0.3 s at 100k rows). The pass also keeps
    the sheet's rows split for the splice (``sheetdata.KEEP``). The largest sheet is
    the invoices sheet in all but odd workbooks; any other sheet is read when planned. None
    when the package cannot even be listed: the plan then says what is wrong.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(original)) as archive:
            files = Package(archive)
            _, sheets = sheet_parts(files)
            parts = [part for _, _, part in sheets if part in files]
            if not parts:
                return None
            part = max(parts, key=lambda name: archive.getinfo(name).file_size)
    except Exception:  # noqa: BLE001 - planning reads the package again and reports it
        return None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tierbook-scan")
    stop = threading.Event()
    found = pool.submit(scan_part, original, part, stop)
    pool.shutdown(wait=False)  # the thread ends with its one job
    return ScanAhead(part, found, stop)


def scan_part(original: bytes, part: str, stop: threading.Event) -> tuple[str, sheetdata.SheetScan]:
    """The prefix and the scan of one part of ``original``, given up once ``stop`` is set."""
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        # the scan reads and closes its stream and nothing else, which _Stoppable provides
        member = Package(archive, original).opener(part)
        opener = lambda: cast(BinaryIO, _Stoppable(member(), stop))  # noqa: E731
        p = _sheet_prefix(opener)
        return p, sheetdata.scan(opener, p, keep=sheetdata.KEEP)


_SELECTED = re.compile(r'(<(?:\w+:)?sheetView\b[^<>]*?)\stabSelected="(?:1|true)"')


def unselected(sheet: str) -> str:
    """A sheet's views without the selected tab: only the Summary is selected."""
    return _SELECTED.sub(r"\1", sheet)


def _merged_rows(skeleton: str, first: int, last: int) -> pl.Series | None:
    """The rows merged ranges cover where they cross the new columns, or None."""
    spans = [
        pl.int_range(int(ref[1]), int(ref[3]) + 1, eager=True, dtype=pl.Int64)
        for ref in re.findall(
            r'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', skeleton
        )
        if col_index(ref[0]) <= last and col_index(ref[2]) >= first
    ]
    return pl.concat(spans).unique() if spans else None


def _plan_sheet(
    open_part: Callable[[], BinaryIO],
    part: str,
    note: Annotation,
    ahead: ScanAhead | None = None,
    fit: bool = True,
) -> tuple[SheetPlan, list[str]]:
    """Read the sheet once (or take the reading ``ahead`` made) and decide where ``note``'s
    columns go; notes for the Method sheet. ``fit``: fit the sheet's printing to the pages
    across it took (``printfit``), unless the user bounds it with a print area."""
    try:
        if ahead is not None and ahead.part == part:
            p, found = ahead.found.result()  # raises what the reading raised
        else:
            p = _sheet_prefix(open_part)
            found = sheetdata.scan(open_part, p)
    except SheetError as exc:
        raise PackageError(str(exc)) from None
    first = (col_index(found.widest) if found.widest else 0) + 1
    last = first + len(note.headers) - 1
    if last > MAX_COLUMNS:
        raise PackageError("the sheet uses columns up to the last one Excel has, leaving no room")
    # the workbook opens on the Summary: no sheet of the user's stays selected beside it
    skeleton = unselected(found.head) + ("" if found.self_closed else ROWS) + found.tail
    values = note.values.filter(pl.col("row") != note.header_row)
    header = True
    notes = []
    merged = _merged_rows(skeleton, first, last)
    if merged is not None:
        header = not bool(merged.is_in([note.header_row]).any())
        kept = values.filter(~pl.col("row").is_in(merged.implode()))
        count = values.height - kept.height + (not header)
        values = kept
        if count:
            notes.append(
                f"sheet '{note.sheet}': {count} rows are merged across the new columns and were not annotated"
            )
    skeleton = re.sub(
        rf'(<{p}dimension\b[^>]*\bref=")([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"',
        lambda m: (
            f'{m.group(1)}{m.group(2)}{m.group(3)}:{col_letter(max(col_index(m.group(4) or m.group(2)), last))}{m.group(5) or m.group(3)}"'
        ),
        skeleton,
    )
    skeleton, col_notes = _columns(skeleton, p, note, first, last)
    notes.extend(col_notes)
    if fit:
        skeleton, _across = fitted(skeleton, p, first, last)  # same pages across as before
    with_notes = bool(note.comments)
    if with_notes and re.search(r"<(?:\w+:)?legacyDrawing\b", skeleton):
        with_notes = False
        notes.append(
            f"sheet '{note.sheet}': it has notes of its own, so the reasons are not added as notes"
        )
    plan = SheetPlan(note, part, p, skeleton, first, values, header, with_notes, found.rows)
    return plan, notes


def _columns(sheet: str, p: str, note: Annotation, first: int, last: int) -> tuple[str, list[str]]:
    """Give the new columns a width, unless the sheet's own column settings cover them."""
    cols_inner, start, end = collection(sheet, "cols", p)
    columns = [
        (m.start(), attrs(m.group(0)))
        for m in re.finditer(r"<(?:\w+:)?col\b[^>]*>", cols_inner or "")
    ]
    covering = [
        a for _, a in columns if int(a.get("min", 0)) <= last and int(a.get("max", 0)) >= first
    ]
    if any(a.get("hidden") in {"1", "true"} for a in covering):
        return sheet, [
            f"sheet '{note.sheet}': the new columns fall in columns the sheet hides; unhide them to see them"
        ]
    if covering:
        return sheet, [
            f"sheet '{note.sheet}': its column widths cover the new columns, left as they are"
        ]
    new_col = with_prefix(
        f'<col min="{first}" max="{last}" width="{note.width}" customWidth="1"/>', p
    )
    if cols_inner is None:
        position = re.search(rf"<{p}sheetData\b", sheet).start()  # type: ignore[union-attr]
        return sheet[:position] + f"<{p}cols>{new_col}</{p}cols>" + sheet[position:], []
    # keep <col> elements in ascending order, as the format requires
    later = [pos for pos, a in columns if int(a.get("min", 0)) > last]
    at = min(later) if later else len(cols_inner)
    inner = cols_inner[:at] + new_col + cols_inner[at:]
    opening = re.match(rf"<{p}cols\b[^>]*?(?=/?>)", sheet[start:end]).group(0)  # type: ignore[union-attr]
    return sheet[:start] + f"{opening}>{inner}</{p}cols>" + sheet[end:], []


def _with_print_area(workbook: str, names: Sequence[str]) -> set[str]:
    """The sheets whose printing the user bounds with a print area (a defined name
    ``_xlnm.Print_Area`` local to the sheet, by its position among the sheets)."""
    found = set()
    for tag in re.findall(r"<(?:\w+:)?definedName\b[^>]*>", workbook):
        a = attrs(tag)
        if a.get("name") == "_xlnm.Print_Area" and a.get("localSheetId", "").isdigit():
            index = int(a["localSheetId"])
            if index < len(names):
                found.add(names[index])
    return found


def plan_merge(
    original: bytes, annotations: Sequence[Annotation], ahead: ScanAhead | None = None
) -> MergePlan:
    """Read the package once and decide how ``annotations`` go in; ``ahead`` is a sheet's
    reading begun earlier by ``scan_ahead(original)``.

    Raises ``PackageError`` when the package is not one this can change safely.
    """

    def plan() -> MergePlan:
        with zipfile.ZipFile(io.BytesIO(original)) as archive:
            files = Package(archive, original)
            workbook, user_sheets = sheet_parts(files)
            parts = {name: part for name, _, part in user_sheets}
            bounded = _with_print_area(workbook, [name for name, _, _ in user_sheets])
            notes: list[str] = []
            sheets = []
            for note in annotations:
                part = parts.get(note.sheet)
                if part is None or part not in files:
                    notes.append(
                        f"sheet '{note.sheet}': not found in the package, so no annotation columns"
                    )
                    continue
                try:
                    sheet, found = _plan_sheet(
                        files.opener(part), part, note, ahead, fit=note.sheet not in bounded
                    )
                except PackageError as exc:
                    notes.append(f"sheet '{note.sheet}': annotation columns not added ({exc})")
                    continue
                sheets.append(sheet)
                notes.extend(found)
            if b"macroEnabled.main" in files["[Content_Types].xml"]:
                notes.append(
                    "macros (the VBA project): an .xlsx cannot hold them; they remain in the input file"
                )
            styles = annotation_styles(files["xl/styles.xml"].decode("utf-8"))
        return MergePlan(original, tuple(sheets), tuple(notes), styles)

    return guarded(plan)
