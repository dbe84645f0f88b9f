"""Find the Invoices, Clients and Settings sheets and their header rows; return raw text frames.

Every cell is read as text (calamine through fastexcel) so that no reader guesses a type and
silently turns a stray "N/A" into a null: the ledger stage parses each value and reports what
it cannot parse. ``skip_rows=0`` keeps leading blank rows, so frame row *i* is Excel row *i+1*.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import fastexcel
import polars as pl

from pipeline.errors import ConfigError, InputError
from pipeline.naming import unique
from pipeline.ooxml.parts import Package
from pipeline.read.columnar import ScannedSheet, scanned
from pipeline.read.columns import (
    FIELD_NAMES,
    ColumnMap,
    map_header,
    missing_invoice_fields,
    nearest_alias,
    normalise,
    parse_mapping,
)
from pipeline.read.delimited import read_delimited
from pipeline.read.formulas import check_calculated
from pipeline.read.guard import check_workbook, parts_with_formulas
from pipeline.read.outside import outside_links
from pipeline.read.profiles import find_profile
from pipeline.read.reshape import reshape
from pipeline.read.title import document_title, title_row

HEADER_SCAN_ROWS = 30
ROW = "_row"  # Excel row number (1-based) carried by every data row
FIRST = "_first"  # an export's first column, when no field claims it

_SHEET_NAMES = {
    "invoices": ("invoices", "invoice", "invoice list", "invoice register", "sales", "billing"),
    "clients": ("clients", "client", "customers", "customer list", "client list", "contacts"),
    "settings": ("settings", "tierbook settings", "config"),
}


@dataclass(frozen=True)
class RawTable:
    """One sheet's data rows as text, columns renamed to fields, with their Excel row numbers."""

    sheet: str
    kind: str
    header_row: int  # Excel row number of the header
    columns: ColumnMap
    frame: pl.DataFrame  # field columns (str), pass-through columns, and ROW
    profile: str | None = None  # the accounting export recognised, if any
    left_out: pl.DataFrame | None = None  # ROW, problem: rows the export's profile set aside
    date_order: str | None = None  # the order the export's layout writes dates in, if it fixes one
    title: str | None = None  # a title line above the header (an export's company name)


class NoInvoiceTable(InputError):
    """The file opened, but no sheet holds an invoice table tierbook can read. It carries what
    was found, so ``inspect`` can show it before saying why a report would be refused."""

    def __init__(
        self,
        message: str,
        sheet_names: tuple[str, ...] = (),
        closest: RawTable | None = None,
        first_rows: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (),
    ) -> None:
        super().__init__(message)
        self.sheet_names = sheet_names
        self.closest = closest  # the sheet whose header came nearest, when one did
        self.first_rows = first_rows  # (sheet, its first non-empty rows as text) when none did


@dataclass(frozen=True)
class RawWorkbook:
    path: Path
    format: str
    sheet_names: tuple[str, ...]
    invoices: tuple[RawTable, ...]  # every sheet holding an invoice table of the same layout
    skipped: tuple[RawTable, ...]  # invoice-like sheets of another layout, not read
    clients: RawTable | None
    settings_sheet: str | None
    settings: tuple[tuple[int, str, str], ...]  # (Excel row, key, value)
    detail: str = ""  # how a text export was read: its encoding and separator
    map_issues: tuple[tuple[int, str, str], ...] = ()  # Settings map rows that could not be used
    outside: tuple[str, ...] = ()  # links out of the workbook, named (never followed)
    stripped: tuple[str, ...] = ()  # what --strip-external took out of the annotated copy
    title: str | None = None  # the business, as the document's properties or a title line say

    def without_invoice_rows(self) -> RawWorkbook:
        """The same workbook with its invoice tables' rows dropped, everything else kept: once
        their fields are prepared, that text is the only copy, for the ledger to let go of."""
        return replace(
            self, invoices=tuple(replace(t, frame=t.frame.clear()) for t in self.invoices)
        )

    def without_rows(self) -> RawWorkbook:
        """The same workbook with every table's rows dropped (their columns kept): what the
        report still needs once the ledger is built, without the text of ten million rows."""

        def bare(table: RawTable) -> RawTable:
            left = table.left_out.clear() if table.left_out is not None else None
            return replace(table, frame=table.frame.clear(), left_out=left)

        return replace(
            self,
            invoices=tuple(bare(t) for t in self.invoices),
            skipped=tuple(bare(t) for t in self.skipped),
            clients=bare(self.clients) if self.clients is not None else None,
        )


class TextSheet:
    """A delimited text export as a one-sheet reader, with the interface ``_load`` uses."""

    def __init__(self, path: Path) -> None:
        self.frame, self.encoding, self.separator = read_delimited(path)
        self.sheet_names = [path.stem]

    def load(self, n_rows: int | None) -> pl.DataFrame:
        return self.frame if n_rows is None else self.frame.head(n_rows)


class CalamineBook:
    """A workbook read by calamine (through fastexcel), each sheet parsed once.

    calamine parses a whole sheet even when asked for its first rows, so the header search's
    look at the first rows and the read of the rows below it share one parse (at 100k rows
    each parse is about 0.6 s).
    """

    def __init__(self, reader: fastexcel.ExcelReader) -> None:
        self.reader = reader
        self.sheet_names = reader.sheet_names
        self._sheets: dict[str, pl.DataFrame] = {}

    def load(self, sheet: str, n_rows: int | None) -> pl.DataFrame:
        if sheet not in self._sheets:
            try:
                loaded = self.reader.load_sheet(
                    sheet, header_row=None, skip_rows=0, dtypes="string"
                )
                frame = loaded.to_polars()
            except Exception as exc:  # calamine reports damaged sheet XML with untyped errors
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise InputError(
                    f"sheet '{sheet}' cannot be read ({first}). The workbook may be damaged: "
                    "open it in your spreadsheet program, save it again, and run again."
                ) from None
            self._sheets[sheet] = frame.rename(
                {name: f"c{i}" for i, name in enumerate(frame.columns)}
            )
        frame = self._sheets[sheet]
        return frame if n_rows is None else frame.head(n_rows)


Reader = CalamineBook | TextSheet | ScannedSheet


def _open(path: Path, fmt: str) -> Reader:
    if scanned(path, fmt):
        return ScannedSheet(path, fmt)
    if fmt == "csv":
        return TextSheet(path)
    try:
        return CalamineBook(fastexcel.read_excel(str(path)))
    except Exception as exc:  # fastexcel raises several untyped errors for unreadable files
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in text.lower() or "encrypt" in text.lower():
            raise InputError(
                f"{path.name}: the workbook is password-protected, so it cannot be read. "
                "Remove the password in your spreadsheet program and run again."
            ) from None
        raise InputError(f"{path.name}: the workbook cannot be opened ({text}).") from None


def _load(reader: Reader, sheet: str, n_rows: int | None = None) -> pl.DataFrame:
    if isinstance(reader, CalamineBook):
        return reader.load(sheet, n_rows)
    return reader.load(n_rows)


FIRST_SHEETS, FIRST_ROWS = 5, 5  # what inspect shows of a file where no header was found


def _first_rows(reader: Reader, sheet: str) -> tuple[tuple[str, ...], ...]:
    """A sheet's first non-empty rows as text, blank cells as '', trailing blanks dropped."""
    head = _load(reader, sheet, HEADER_SCAN_ROWS)
    rows = []
    for row in head.iter_rows():
        cells = ["" if cell is None else str(cell) for cell in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if cells:
            rows.append(tuple(cells))
        if len(rows) == FIRST_ROWS:
            break
    return tuple(rows)


def _normalised_name(name: str) -> str:
    return " ".join(name.casefold().replace("_", " ").split())


def _find_header(
    frame: pl.DataFrame, kind: str, mapping: Mapping[str, str] | None = None
) -> tuple[int, ColumnMap] | None:
    """The row in the first rows whose cells map to the most fields (the earliest on a tie)."""
    best: tuple[int, ColumnMap] | None = None
    for index, row in enumerate(frame.head(HEADER_SCAN_ROWS).iter_rows()):
        mapped = map_header(list(row), kind, mapping)
        if best is None or len(mapped.fields) > len(best[1].fields):
            best = (index, mapped)
    if best is None or len(best[1].fields) < 2:
        return None
    return best


class _NotSales(Exception):
    """A sheet in a known layout whose amounts cannot be read as sales (say why)."""


def _table(
    reader: Reader,
    sheet: str,
    kind: str,
    path: Path,
    mapping: Mapping[str, str] | None = None,
    strict: Mapping[str, str] | None = None,
) -> RawTable | None:
    mapping = mapping if kind == "invoices" else None
    head = _load(reader, sheet, HEADER_SCAN_ROWS)
    found = _find_header(head, kind, mapping)
    if found is None:
        return None
    header_index, columns = found
    profile = (
        find_profile(list(head.row(header_index)), header_index) if kind == "invoices" else None
    )
    if profile is not None and profile.refusal:
        raise _NotSales(f"sheet '{sheet}', header on row {header_index + 1}: {profile.refusal}")
    if profile is not None or mapping:
        labels = list(head.row(header_index))
        columns = map_header(labels, kind, profile.columns if profile else None, mapping)
        present = {normalise(label) for label in labels if label is not None}
        absent = [label for label in (strict or {}) if label not in present]
        if absent:
            raise ConfigError(
                f"sheet '{sheet}': no column of the header on row {header_index + 1} is headed "
                f"like the mapped {', '.join(repr(a) for a in absent)}; the columns are "
                f"{', '.join(repr(str(x)) for x in labels if x is not None)}."
            )
    if isinstance(reader, ScannedSheet):
        rows = reader.rows(header_index)
    else:
        rows = _load(reader, sheet).lazy().with_row_index(ROW, offset=1).slice(header_index + 1)
    present_columns = rows.collect_schema().names()
    renames = {f"c{pos}": field for field, (pos, _) in columns.fields.items()}
    if profile is not None and "c0" not in renames and "c0" in present_columns:
        renames["c0"] = FIRST  # headings, totals and footers stand in the first column
    taken = {*renames.values(), ROW}
    for pos, label in columns.unmapped:  # pass-through columns keep their label, made unique
        renames[f"c{pos}"] = unique(label, taken, fold=False)
    # Only the columns the header maps are read; a scanned file streams through in batches.
    frame = _collect(
        rows.select([ROW, *(c for c in renames if c in present_columns)]).rename(renames), sheet
    )
    noted = _text_oddities(head, header_index, frame) if isinstance(reader, TextSheet) else None
    if noted is not None and noted.height:
        frame = frame.filter(~pl.col(ROW).is_in(noted[ROW].implode()))
        if profile is not None and profile.blank_separated:  # the export's own layout
            noted = noted.filter(pl.col("problem") != BLANK_LINE)
    if profile is None:
        return RawTable(
            sheet=sheet,
            kind=kind,
            header_row=header_index + 1,
            columns=columns,
            frame=frame,
            left_out=noted if noted is not None and noted.height else None,
            title=title_row(head, header_index),
        )
    first = renames.get("c0", FIRST)
    frame = frame.with_columns(pl.exclude(ROW).cast(pl.String))  # exports' layouts are text
    for needed in ("client", "invoice_date", "amount", "status"):
        if needed not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(needed))
    where = {
        normalise(label): renames[f"c{pos}"]
        for pos, label in [*columns.fields.values(), *columns.unmapped]
        if f"c{pos}" in renames
    }
    frame, left_out = reshape(frame, profile, first, where)
    if noted is not None and noted.height:
        left_out = pl.concat([noted, left_out])
    if "client" not in columns.fields:  # taken from the heading rows
        columns = ColumnMap(
            {**columns.fields, "client": (0, "(client heading rows)")}, columns.unmapped
        )
    if "status" not in columns.fields and profile.credit_types:
        columns = ColumnMap(
            {**columns.fields, "status": (-1, "(transaction type)")}, columns.unmapped
        )
    return RawTable(
        sheet=sheet,
        kind=kind,
        header_row=header_index + 1,
        columns=columns,
        frame=frame.drop(FIRST, strict=False),
        profile=profile.name,
        left_out=left_out,
        date_order=profile.dates,
        title=title_row(head, header_index),
    )


BLANK_LINE = "a blank line between records"


def _text_oddities(head: pl.DataFrame, header_index: int, frame: pl.DataFrame) -> pl.DataFrame:
    """Lines of a text export that are neither title, header nor record: a line of no words
    above the header (a stray ``{}``), and blank lines between records. Each is skipped and
    listed, where a spreadsheet's blank rows and titles are simply not data."""
    above = head.head(header_index).with_row_index(ROW, offset=1)
    cells = pl.concat_str(pl.exclude(ROW).fill_null(""), separator="")
    stray = above.filter((cells.str.strip_chars() != "") & ~cells.str.contains(r"[^\W\d_]")).select(
        pl.col(ROW).cast(pl.UInt32),
        pl.lit("a line above the header with no words, not part of the table").alias("problem"),
    )
    data = [c for c in frame.columns if c != ROW]
    blank = pl.all_horizontal(pl.col(c).is_null() for c in data) if data else pl.lit(True)
    last = frame.filter(~blank)[ROW].max()
    gaps = (
        frame.filter(blank & (pl.col(ROW) < last)).select(
            pl.col(ROW).cast(pl.UInt32), pl.lit(BLANK_LINE).alias("problem")
        )
        if last is not None
        else stray.head(0)
    )
    return pl.concat([stray, gaps])


def _collect(rows: pl.LazyFrame, sheet: str) -> pl.DataFrame:
    try:
        return rows.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:  # a scanned file's bytes can be read wrong
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"sheet '{sheet}' cannot be read ({first}). Export the file again, or save it as .xlsx."
        ) from None


def _layout(table: RawTable) -> tuple[tuple[str, str], ...]:
    """Which field each header label maps to: sheets split by year share one layout."""
    return tuple(
        sorted((field, label.casefold()) for field, (_, label) in table.columns.fields.items())
    )


def _candidates(names: list[str], kind: str) -> list[str]:
    """Sheets named like ``kind`` first, then every other sheet (found by content)."""
    named = [n for n in names if _normalised_name(n) in _SHEET_NAMES[kind]]
    return named + [n for n in names if n not in named]


# Words in a header that make a column a candidate for a missing field, for the --map hint.
_HINTS = {
    "client": re.compile(r"(?i)customer|client|buyer|name|e-?mail|contact|account|payer|party"),
    "invoice_date": re.compile(r"(?i)date|created|paid at|time|day|posted"),
    "amount": re.compile(r"(?i)amount|total|gross|net|price|value|sum|paid|revenue|sales"),
}


def _missing_columns_error(path: Path, table: RawTable, missing: list[str]) -> InputError:
    """Which columns are missing, the columns there are, and the ``--map`` line that would
    read a column as each missing field: the nearest name where one is near, else every
    column no field took, one of which it must be."""
    labels = [label for _, label in (*table.columns.fields.values(), *table.columns.unmapped)]
    unclaimed = [label for _, label in table.columns.unmapped]
    names, tries = [], []
    for field in missing:
        near = nearest_alias(field, unclaimed)
        name = FIELD_NAMES.get(field, field)
        names.append(f"'{name}'")
        hinted = [x for x in unclaimed if _HINTS[field].search(str(x))] if field in _HINTS else []
        if near and (field not in _HINTS or near in hinted):
            tries.append(f'--map "{near}={name}"')
        elif len(unclaimed) == 1:
            tries.append(f'--map "{unclaimed[0]}={name}"')
        elif hinted:
            tries.append(" or ".join(f'--map "{x}={name}"' for x in hinted[:4]))
        elif unclaimed:
            tries.append(
                f'--map "LABEL={name}" with LABEL one of ' + ", ".join(repr(x) for x in unclaimed)
            )
    amount = " (or a quantity and a unit price)" if "amount" in missing else ""
    fix = (
        f" If one of them holds it under another name, run again with {'; or '.join(tries)}."
        if tries
        else " Add the column and run again."
    )
    return InputError(
        f"{path.name}, sheet '{table.sheet}': the required column"
        f"{'s' if len(missing) > 1 else ''} {', '.join(names)}{amount} "
        f"{'are' if len(missing) > 1 else 'is'} missing from the header on row {table.header_row}. "
        f"Columns found: {', '.join(repr(x) for x in labels) or 'none'}.{fix}"
    )


def _settings(
    reader: Reader, names: list[str]
) -> tuple[str | None, tuple[tuple[int, str, str], ...]]:
    """Key/value rows of a sheet named Settings: (Excel row, key, value) from its first two columns."""
    if isinstance(reader, ScannedSheet):  # one table, never a Settings sheet
        return None, ()
    for name in names:
        if _normalised_name(name) in _SHEET_NAMES["settings"]:
            frame = _load(reader, name).with_row_index(ROW, offset=1)
            if frame.width < 3:
                return name, ()
            pairs = frame.select(
                ROW, pl.col("c0").str.strip_chars(), pl.col("c1").str.strip_chars()
            )
            rows = tuple(
                (row, key, value)
                for row, key, value in pairs.iter_rows()
                if key and value is not None and key.casefold() not in {"key", "setting", "name"}
            )
            return name, rows
    return None, ()


def read_workbook(path: Path, mapping: Mapping[str, str] | None = None) -> RawWorkbook:
    """Open ``path`` after the guard checks and locate its sheets and header rows.

    ``mapping`` (header label -> field, as ``--map`` gives it) overrides the aliases and the
    export profiles; the workbook's Settings sheet may hold the same as ``map`` rows.
    """
    path = Path(path)
    try:
        return _read(path, mapping or {})
    except (InputError, ConfigError) as exc:
        if str(exc).startswith(path.name):
            raise
        named = type(exc)(f"{path.name}, {exc}")
        named.__dict__.update(exc.__dict__)  # what a NoInvoiceTable found
        raise named from None


def _read(path: Path, given: Mapping[str, str]) -> RawWorkbook:
    fmt = check_workbook(path)
    reader = _open(path, fmt)
    names = list(reader.sheet_names)
    if not names:
        raise InputError(f"{path.name}: the workbook has no sheets.")
    settings_sheet, settings = _settings(reader, names)
    maps = [(r, v) for r, k, v in settings if normalise(k) == "map"]
    settings = tuple(row for row in settings if normalise(row[1]) != "map")
    # The Settings sheet's map rows are the workbook's own: one it cannot use is a data issue
    # of that workbook, never a reason to stop a batch (--map is checked strictly instead).
    sheet_map: dict[str, str] = {}
    map_issues: list[tuple[int, str, str]] = []
    for row, value in maps:
        try:
            sheet_map.update(parse_mapping([value], f"row {row}"))
        except ConfigError as exc:
            map_issues.append((row, value, str(exc)))
    mapping = {**sheet_map, **given}
    invoices: list[RawTable] = []
    partial: RawTable | None = None
    refused: str | None = None
    for name in _candidates(names, "invoices"):
        try:
            table = _table(reader, name, "invoices", path, mapping, given)
        except _NotSales as exc:
            refused = refused or str(exc)
            continue
        if table is None:
            continue
        if not missing_invoice_fields(table.columns):
            invoices.append(table)
        elif partial is None or len(table.columns.fields) > len(partial.columns.fields):
            partial = table
    if not invoices:
        if partial is not None:
            missing = missing_invoice_fields(partial.columns)
            raise NoInvoiceTable(
                str(_missing_columns_error(path, partial, missing)), tuple(names), partial
            )
        if refused is not None:
            raise NoInvoiceTable(f"{path.name}, {refused}", tuple(names))
        raise NoInvoiceTable(
            f"{path.name}: no sheet holds an invoice table (looked in {', '.join(repr(n) for n in names)}). "
            "An invoice table needs a header row with at least these columns: client, invoice "
            "date and amount (or quantity and unit price); an invoice number where there is one. "
            f"'tierbook inspect {path.name}' shows the first rows of each sheet; name the columns "
            'that hold them with --map "LABEL=client", --map "LABEL=invoice date" and '
            '--map "LABEL=amount".',
            tuple(names),
            first_rows=tuple((name, _first_rows(reader, name)) for name in names[:FIRST_SHEETS]),
        )
    invoices.sort(key=lambda t: names.index(t.sheet))
    layout = _layout(invoices[0])
    skipped = tuple(t for t in invoices[1:] if _layout(t) != layout)
    invoices = [t for t in invoices if t not in skipped]
    invoice_sheets = {t.sheet for t in invoices}
    clients: RawTable | None = None
    for name in _candidates(names, "clients"):
        if name in invoice_sheets or _normalised_name(name) in _SHEET_NAMES["settings"]:
            continue
        table = _table(reader, name, "clients", path)
        if (
            table is not None
            and "client" in table.columns.fields
            and "amount" not in table.columns.fields
        ):
            named = _normalised_name(name) in _SHEET_NAMES["clients"]
            if named or len(table.columns.fields) >= 3:
                clients = table
                break
    if fmt == "xlsx":
        check_calculated(path, [t.sheet for t in invoices] + ([clients.sheet] if clients else []))
    return RawWorkbook(
        path=path,
        format=fmt,
        sheet_names=tuple(names),
        invoices=tuple(invoices),
        skipped=skipped,
        clients=clients,
        settings_sheet=settings_sheet,
        settings=settings,
        map_issues=tuple(map_issues),
        detail=_detail(reader),
        outside=_outside(path) if fmt == "xlsx" else (),
        title=(document_title(path) if fmt == "xlsx" else None) or invoices[0].title,
    )


def _outside(path: Path) -> tuple[str, ...]:
    """What in the package reaches outside it (links, DDE, connections, web formulas)."""
    try:
        with zipfile.ZipFile(path) as archive:
            # a sheet the guard saw no formula in holds no web-service formula either
            return tuple(outside_links(Package(archive), formulas=parts_with_formulas(path)))
    except (zipfile.BadZipFile, OSError, KeyError, zlib.error, EOFError):
        return ()  # the reader has read the sheets; a link it cannot see is no refusal


def _detail(reader: Reader) -> str:
    """How a text or Parquet file was read, for ``inspect`` and the Method sheet."""
    if isinstance(reader, ScannedSheet):
        if reader.format == "parquet":
            return "Parquet, scanned by polars"
        return f"encoding {reader.encoding}, separator {reader.separator!r}, scanned by polars"
    if isinstance(reader, TextSheet):
        return f"encoding {reader.encoding}, separator {reader.separator!r}"
    return ""
