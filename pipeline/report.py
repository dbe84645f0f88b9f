"""The library's entry point: one input file in, three report files out.

read -> validate -> model -> render -> write, each stage a function of the one before. Nothing
here finds files, prints, or changes the caller's interpreter: a script can call ``report``
as the ``tierbook`` command does, and gets the same files (the command only adds its own
process settings, ``pipeline.edge.tuning``, and turns errors into messages).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import resolve_config
from pipeline.errors import InputError
from pipeline.languages import LANGUAGES, language_of
from pipeline.model.analysis import Analysis, analyse
from pipeline.ooxml.parts import Package
from pipeline.ooxml.strip import strip_external
from pipeline.read.columns import parse_mapping
from pipeline.read.guard import check_workbook
from pipeline.read.outside import outside_links
from pipeline.read.sheets import read_workbook
from pipeline.read.snapshot import Snapshot, snapshot
from pipeline.render.html.briefing import render_briefing
from pipeline.render.json import summary_with_head
from pipeline.render.provenance import Provenance
from pipeline.render.xlsx.workbook import WorkbookAhead, read_ahead, start_workbook
from pipeline.validate.ledger import build_ledger, handed_over
from pipeline.words.i18n import words
from pipeline.write import fixed_time, write_outputs

# The stages ``report`` announces through ``on_stage``, in order.
STAGES = ("read", "validate", "model", "render", "write")


@dataclass(frozen=True)
class Options:
    """What the caller chose; ``None`` leaves the Settings sheet, the TOML file or the default."""

    as_of: dt.date | None = None
    basis: str | None = None
    currency: str | None = None
    config_file: Path | None = None
    lang: str | None = None  # None: the Settings sheet's language, else English
    mapping: tuple[str, ...] = ()  # --map LABEL=FIELD items: header labels the reader must use
    dates: str | None = None  # "dmy", "mdy" or "ymd"; None: the setting, else decided per ledger
    rates: tuple[tuple[str, float], ...] | None = None  # (CODE, rate): --rate, with the Settings'
    today: dt.date | None = None  # the run date, for spotting invoices dated in the future
    strip_external: bool = False  # leave links out of the workbook out of the annotated copy


@dataclass(frozen=True)
class ReportResult:
    source: Path
    folder: Path
    files: tuple[Path, ...]
    analysis: Analysis
    summary: dict[str, Any]  # summary.json's figures but its client list (``summary_with_head``)


def _read_ahead(source: Path) -> WorkbookAhead | None:
    """The package read, and its largest sheet's pass for the merge begun on a thread, before
    the cells are parsed; only once the guard accepts the file, so nothing it would refuse is
    ever inflated. None otherwise: ``read_workbook`` then says what is wrong."""
    try:
        if check_workbook(source) != "xlsx":
            return None
        return read_ahead(source)
    except (InputError, OSError):
        return None


def _strip(copy: Path) -> tuple[tuple[str, ...], str]:
    """``--strip-external`` applied to the private copy, once the guard accepts it, so every
    later step (the figures, the annotated workbook) reads the package without its links out.

    Returns what was taken out (named, for the data issues and Method) and what stands in its
    place. A package it cannot change safely is refused: the user asked for a copy without
    links, and carrying them would break that.
    """
    try:
        if check_workbook(copy) != "xlsx":
            return (), ""
    except (InputError, OSError):
        return (), ""  # read_workbook says what is wrong with it
    try:
        original = copy.read_bytes()
        with zipfile.ZipFile(io.BytesIO(original)) as archive:
            named = outside_links(Package(archive), carried="taken out of the annotated copy")
        data, found = strip_external(original)
    except Exception as exc:  # noqa: BLE001 - any surprise in the package is this refusal
        raise InputError(
            f"{copy.name}: --strip-external could not take the links out of this workbook "
            f"({type(exc).__name__}: {exc}). Run without --strip-external to have them carried "
            "unchanged and listed on the Method sheet."
        ) from None
    if data is original:  # nothing could go (a connection a pivot table needs stays, and is said)
        return tuple(named), found.summary()
    staged = copy.with_name(copy.name + ".stripped")
    staged.write_bytes(data)
    os.replace(staged, copy)
    return tuple(named), found.summary()


def report(
    source: Path,
    out_dir: Path,
    options: Options | None = None,
    name: str | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> ReportResult:
    """Analyse one input and write ``<out>/<name>/<name>.{annotated.xlsx,briefing.html,summary.json}``.

    ``name`` defaults to the input's stem. ``on_stage`` is told each stage of ``STAGES`` as it
    begins, so a long file can show where it is.

    Raises
    ------
    InputError
        The file cannot be read or lacks what the analysis needs; nothing is written.
    ConfigError
        A setting cannot be used; nothing is written.
    OSError
        The report cannot be written to ``out_dir``; nothing is left half-written.
    """
    source, options = Path(source), options or Options()
    stage = on_stage or (lambda _name: None)
    stage("read")
    if options.lang is not None and language_of(options.lang) is None:
        raise InputError(
            f"Language '{options.lang}' is not available; choose one of: {', '.join(LANGUAGES)}."
        )
    with snapshot(source) as copy:
        return _report(source, copy, Path(out_dir), options, name, stage)


def _report(
    source: Path,
    copy: Snapshot,
    out_dir: Path,
    options: Options,
    name: str | None,
    stage: Callable[[str], None],
) -> ReportResult:
    """One report from the private copy; ``source`` only names it."""
    result_source, source = source, copy.path
    # only ever the private copy (none is made of what is not a regular file)
    private = bool(copy.sha256)
    stripped, done = _strip(source) if options.strip_external and private else ((), "")
    ahead = _read_ahead(source)
    try:
        raw = read_workbook(source, parse_mapping(options.mapping, "--map"))
        if stripped:
            raw = replace(raw, stripped=stripped)
        config, ignored = resolve_config(
            raw.settings,
            raw.path.name,
            options.config_file,
            {
                "as_of": options.as_of,
                "basis": options.basis,
                "currency": options.currency,
                "language": language_of(options.lang) if options.lang else None,
                "dates": options.dates,
                "rates": options.rates,
            },
        )
        stage("validate")
        raw, texts = handed_over(raw)  # the rows' text in one place, let go of as it is checked
        ledger = build_ledger(raw, config, options.today, ignored, texts)
        raw = raw.without_rows()  # the ledger holds what the rows said: let go of their text
        stage("model")
        try:
            analysis = analyse(ledger, config)
        except InputError as exc:
            raise InputError(f"{source.name}, {exc}") from None
        provenance = Provenance(
            file_name=source.name,
            sha256=copy.sha256,
            version=__version__,
            format=raw.format,
            invoice_sheets=ledger.invoice_sheets,
            client_sheet=ledger.client_sheet,
            header_rows={
                t.sheet: t.header_row
                for t in (*raw.invoices, *([raw.clients] if raw.clients else []))
            },
            rows_read=ledger.rows_read,
            sheet_names=raw.sheet_names,
            outside=raw.outside,
            stripped=(*raw.stripped, *([f"in the annotated copy: {done}"] if done else [])),
            business=config.business or raw.title,
            business_from=(
                "the business setting"
                if config.business
                else "the workbook's title (its properties or a line above the header)"
                if raw.title
                else ""
            ),
        )
        name = name or source.stem
        when = fixed_time(analysis.windows.as_of)
        w = words(config.language)
        stage("render")
        # The workbook's data sheets are finished on a thread while the briefing is rendered.
        workbook = start_workbook(source, raw.format, analysis, provenance, when, w, ahead)
        briefing = render_briefing(analysis, provenance, w)
        summary, head = summary_with_head(analysis, provenance)
        outputs: dict[str, bytes | Iterator[bytes] | Callable[[], bytes]] = {
            # written last, once its threads are done: the other files are written meanwhile
            f"{name}.annotated.xlsx": workbook.result,
            f"{name}.briefing.html": briefing,
            # its client list made as it is written, a few thousand clients at a time
            f"{name}.summary.json": summary,
        }
        folder = Path(out_dir) / name
        stage("write")
        files = write_outputs(folder, outputs, like=copy.mode)
        return ReportResult(
            source=result_source,
            folder=folder,
            files=tuple(files),
            analysis=analysis,
            summary=head,
        )
    except BaseException:
        if ahead is not None:  # nothing is written: the sheet read ahead is not needed
            ahead.cancel()
        raise
