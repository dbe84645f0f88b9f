"""The library entry point: one workbook in, three report files out.

read -> validate -> model -> render -> write, each stage a function of the one before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import __version__
from pipeline.config import Config, apply_sheet_settings, load_toml
from pipeline.errors import InputError
from pipeline.interpreter import set_for_a_report
from pipeline.languages import LANGUAGES, language_of
from pipeline.model.analysis import Analysis, analyse
from pipeline.read.columns import parse_mapping
from pipeline.read.guard import SUPPORTED, check_workbook
from pipeline.read.sheets import RawWorkbook, read_workbook
from pipeline.render.html.briefing import render_briefing
from pipeline.render.json import render_summary
from pipeline.render.provenance import Provenance
from pipeline.render.xlsx.workbook import WorkbookAhead, read_ahead, start_workbook
from pipeline.validate.ledger import build_ledger
from pipeline.validate.records import DataIssue, issue_frame
from pipeline.warm import warm_up
from pipeline.words.i18n import words
from pipeline.write import write_outputs


@dataclass(frozen=True)
class Options:
    """What the caller chose; ``None`` leaves the Settings sheet, the TOML file or the default."""

    as_of: dt.date | None = None
    basis: str | None = None
    currency: str | None = None
    config_file: Path | None = None
    lang: str | None = None  # None: the Settings sheet's language, else English
    mapping: tuple[str, ...] = ()  # --map LABEL=FIELD items: header labels the reader must use
    today: dt.date | None = None  # the run date, for spotting invoices dated in the future


@dataclass(frozen=True)
class ReportResult:
    source: Path
    folder: Path
    files: tuple[Path, ...]
    analysis: Analysis


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# The portfolio's files sit in the output folder, beside the report folders.
RESERVED_NAMES = ("index.html", "portfolio.xlsx")


def _made_by_tierbook(path: Path) -> bool:
    """Whether a workbook is one tierbook wrote (its portfolio), so a folder that is both the
    input and the output is not read back as a business."""
    if path.suffix.lower() != ".xlsx":
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml")[:4096]
    except (OSError, KeyError, NotImplementedError, zipfile.BadZipFile):
        return False
    return b"<dc:creator>tierbook</dc:creator>" in core


def find_workbooks(folder: Path) -> list[Path]:
    """Workbooks directly inside ``folder``, by name; hidden files, Office lock files and
    tierbook's own portfolio skipped."""
    return sorted(
        p
        for p in Path(folder).iterdir()
        if p.is_file()
        and p.suffix.lower() in SUPPORTED
        and not p.name.startswith((".", "~$"))
        and not _made_by_tierbook(p)
    )


def expand_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files as given and the workbooks inside folders, each file once."""
    paths: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        item = Path(item)
        for path in find_workbooks(item) if item.is_dir() else [item]:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                paths.append(path)
    return paths


def _config(raw: RawWorkbook, options: Options) -> tuple[Config, pl.DataFrame]:
    """Defaults, then the workbook's Settings sheet, then ``--config``, then the options.

    Settings-sheet rows that are not settings, or whose value cannot be used, become data issues.
    """
    config, ignored = apply_sheet_settings(
        Config(), {k: v for _, k, v in raw.settings}, raw.path.name
    )
    rows = {key: row for row, key, _ in raw.settings}
    issues = issue_frame(
        [
            DataIssue(
                raw.settings_sheet or "Settings",
                rows[key],
                "(setting)",
                f"{key} = {value}",
                problem,
                "row ignored; the default or --config value applies",
            )
            for key, value, problem in ignored
        ]
        + [
            DataIssue(
                raw.settings_sheet or "Settings",
                row,
                "(setting)",
                f"map = {value}",
                problem,
                "row ignored; the column names and --map decide",
            )
            for row, value, problem in raw.map_issues
        ]
    )
    if options.config_file is not None:
        config = load_toml(options.config_file, config)
    overrides = {
        k: v
        for k, v in (
            ("as_of", options.as_of),
            ("basis", options.basis),
            ("currency", options.currency),
            ("language", language_of(options.lang) if options.lang else None),
        )
        if v is not None
    }
    return config.replace(**overrides), issues


def output_names(paths: Iterable[Path]) -> dict[Path, str]:
    """Each input's report name: its stem; ``stem-ext`` where stems clash, numbered if still clashing."""
    paths = list(paths)
    # A stem like "." or ".." would make the output folder itself the report folder.
    stems = [p.stem.lstrip(".") or "workbook" for p in paths]
    names: dict[Path, str] = {}
    taken: set[str] = {name.casefold() for name in RESERVED_NAMES}
    for path, stem in zip(paths, stems, strict=True):
        name = stem if stems.count(stem) == 1 else f"{stem}-{path.suffix.lstrip('.').lower()}"
        unique, n = name, 1
        while unique.casefold() in taken:
            n += 1
            unique = f"{name}-{n}"
        taken.add(unique.casefold())
        names[path] = unique
    return names


def _timestamp(as_of: dt.date) -> dt.datetime:
    """The one time written into files: SOURCE_DATE_EPOCH when set, else the as-of date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).replace(tzinfo=None)
    return dt.datetime.combine(as_of, dt.time())


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


# The stages ``report`` announces through ``on_stage``, in order.
STAGES = ("read", "validate", "model", "render", "write")


def report(
    source: Path,
    out_dir: Path,
    options: Options | None = None,
    name: str | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> ReportResult:
    """Analyse one workbook and write ``<out>/<name>/<name>.{annotated.xlsx,briefing.html,summary.json}``.

    ``on_stage`` is told each stage of ``STAGES`` as it begins, so a long file can show where
    it is.

    Raises
    ------
    InputError
        The file cannot be read or lacks what the analysis needs; nothing is written.
    ConfigError
        A setting cannot be used; nothing is written.
    """
    with set_for_a_report():
        return _report(Path(source), out_dir, options or Options(), name, on_stage)


def _report(
    source: Path,
    out_dir: Path,
    options: Options,
    name: str | None,
    on_stage: Callable[[str], None] | None,
) -> ReportResult:
    stage = on_stage or (lambda _name: None)
    warm_up()
    stage("read")
    if options.lang is not None and language_of(options.lang) is None:
        raise InputError(
            f"Language '{options.lang}' is not available; choose one of: {', '.join(LANGUAGES)}."
        )
    digest_before = sha256_of(source) if source.is_file() else ""
    ahead = _read_ahead(source)
    try:
        raw = read_workbook(source, parse_mapping(options.mapping, "--map"))
        config, setting_issues = _config(raw, options)
        stage("validate")
        ledger = build_ledger(raw, config, options.today, first=setting_issues)
        stage("model")
        try:
            analysis = analyse(ledger, config)
        except InputError as exc:
            raise InputError(f"{source.name}, {exc}") from None
        provenance = Provenance(
            file_name=source.name,
            sha256=digest_before,
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
        )
        name = name or source.stem
        when = _timestamp(analysis.windows.as_of)
        w = words(config.language)
        stage("render")
        # The workbook's data sheets are finished on a thread while the briefing is rendered.
        workbook = start_workbook(source, raw.format, analysis, provenance, when, w, ahead)
        briefing = render_briefing(analysis, provenance, w)
        summary = render_summary(analysis, provenance)
        outputs = {
            f"{name}.annotated.xlsx": workbook.result(),
            f"{name}.briefing.html": briefing,
            f"{name}.summary.json": summary,
        }
        folder = Path(out_dir) / name
        stage("write")
        files = write_outputs(folder, outputs)
        return ReportResult(source=source, folder=folder, files=tuple(files), analysis=analysis)
    except BaseException:
        if ahead is not None:  # nothing is written: the sheet read ahead is not needed
            ahead.cancel()
        raise
