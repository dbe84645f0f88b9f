"""The command line: parse options, call the library, turn its errors into messages.

Exit codes (``pipeline.errors.Exit``): 0 every input reported (data issues may exist); 1 the
input was refused (with several inputs: every one was); 2 a usage error (a bad option or
configuration, an --executor that cannot be used or reached); 3 some workbooks of a batch
failed and the others were reported, or the portfolio could not be written.

The ``tierbook`` command (``run``) sets up its own process for reporting (``tuning``) and
leaves it without tearing the interpreter down; nothing else in the package does either.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.config import BASES, parse_rates
from pipeline.edge.batch import ExecutorError, Outcome, Where, parse_executor, run_batch
from pipeline.edge.inputs import expand_inputs, find_inputs, output_names
from pipeline.edge.messages import is_panic, portfolio_failed, refusal
from pipeline.edge.progress import BatchDisplay, interactive
from pipeline.edge.tuning import tune_for_reports
from pipeline.errors import Exit
from pipeline.inspect import inspect
from pipeline.languages import LANGUAGES, language_of
from pipeline.model.portfolio import Failure
from pipeline.portfolio import write_portfolio
from pipeline.read.guard import SUPPORTED
from pipeline.report import Options
from pipeline.write import clean_leftovers

FORMATS = ", ".join(sorted(SUPPORTED))
PARALLEL_BYTES = 2 * 1024**2  # inputs above this, in all, are reported one per core by default

# Options more than one command takes, declared once.
LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGUAGES, case_sensitive=False),
    default=None,
    help="Language of the briefing and the workbook's labels: en English, zh Chinese, "
    "ru Russian, fi Finnish, fa Persian. Default: the workbook's Settings sheet "
    "(a 'language' row), else en.",
)
DATES_OPTION = click.option(
    "--dates",
    type=click.Choice(("dmy", "mdy", "ymd"), case_sensitive=False),
    default=None,
    help="How dates written as numbers are read: dmy (31/12/2026, day first), mdy (12/31/2026, "
    "month first) or ymd (26/12/31). Default: decided from the dates themselves, then the "
    "export's layout, then which reading looks like a ledger, else day first; the report says "
    "how it was decided and how many dates could be read either way.",
)
STRIP_OPTION = click.option(
    "--strip-external",
    "strip_external",
    is_flag=True,
    default=False,
    help="Leave out of the annotated workbook everything that reaches outside it: links to "
    "other workbooks, DDE and OLE links, web-service formulas and data connections. Formulas "
    "that used them keep the values they last showed. Without it they are carried unchanged "
    "(tierbook never follows them) and listed on the Method sheet. Your input is not changed.",
)
RATE_OPTION = click.option(
    "--rate",
    "rates",
    multiple=True,
    metavar="CODE=RATE",
    help="Count invoices in another currency, converted at RATE units of the reported currency "
    "per unit of CODE, e.g. --rate USD=3.6725 when reporting in AED (repeatable; a Settings row "
    "'rate' does the same). Without a rate, other currencies are left out and said.",
)
MAP_OPTION = click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="LABEL=FIELD",
    help="Read the column headed LABEL as FIELD, e.g. --map 'Customer full name=client' "
    "(repeatable; fields: invoice number, client, invoice date, amount, quantity, unit price, "
    "discount, currency, due date, paid date, status, project, deposit, description). A Settings "
    "sheet row 'map' does the same.",
)


def _debug() -> bool:
    """Whether ``tierbook --debug`` (or TIERBOOK_DEBUG) asked for tracebacks."""
    return bool((click.get_current_context().find_root().obj or {}).get("debug"))


class _Tierbook(click.Group):
    """The command group, with click's own errors (a misspelt option, a bad date) said the way
    tierbook says its own: ``error:`` first, then how the command is used."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            done = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare "tierbook": its help
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                click.echo(ctx.get_usage(), err=True)
                name = ctx.command_path
                click.echo(f"Try '{name} --help' for help.", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("error: stopped.", err=True)
            sys.exit(1)
        sys.exit(done if isinstance(done, int) else 0)


@click.group(cls=_Tierbook, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="tierbook", message="%(prog)s %(version)s"
)
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """tierbook: tier a business's clients from its invoice workbook and measure how much
    it depends on its largest ones.

    Start with:  tierbook report my-invoices.xlsx
    """
    ctx.obj = {"debug": debug or bool(os.environ.get("TIERBOOK_DEBUG"))}


def _rates(items: tuple[str, ...]) -> tuple[tuple[str, float], ...] | None:
    """``--rate`` items as rates; one that cannot be read is a usage error (exit 2)."""
    if not items:
        return None
    try:
        return parse_rates(list(items))
    except (TypeError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--rate'") from None


class IsoDate(click.ParamType):
    """A day written YYYY-MM-DD, shown so in the help and in the error for anything else."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD (for example 2026-06-30)")


def _executor(_ctx: click.Context, _param: click.Parameter, value: str) -> Where:
    """``--executor`` as a ``Where``; a value that cannot be used is a usage error (exit 2)."""
    try:
        return parse_executor(value)
    except ExecutorError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("report")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the reports; each input gets OUT/<name>/ with its three files.",
)
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    default=None,
    help="Last day of the 12-month window, YYYY-MM-DD. Default: the latest invoice date.",
)
@LANG_OPTION
@MAP_OPTION
@DATES_OPTION
@RATE_OPTION
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="TOML file of threshold overrides (see the Method sheet for every setting's name).",
)
@click.option(
    "--basis",
    type=click.Choice(BASES),
    default=None,
    help="Count revenue by invoice date (invoiced, the default) or by paid date (paid).",
)
@click.option(
    "--currency",
    default=None,
    metavar="CODE",
    help="Report in this currency (e.g. EUR). Default: the one with the most revenue in the "
    "window. Other currencies are converted where --rate gives a rate, else left out and said.",
)
@STRIP_OPTION
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="How many workbooks to report at the same time on this machine: 0 means one per CPU "
    "core (never more than there are workbooks), 1 one after another. With more than one "
    "workbook each is read in a worker process with a memory limit, so one that exhausts "
    "memory or crashes a reader is refused and the others are still reported. Default: one "
    f"per CPU core when the workbooks come to more than {PARALLEL_BYTES // 1024**2} MB in all, "
    "else one at a time (a worker process takes a second or two to start, more than a small "
    "workbook takes). Ignored with --executor dask://..., where the cluster's workers decide.",
)
@click.option(
    "--executor",
    "executor",
    default="local",
    show_default=True,
    metavar="local|dask://HOST:PORT",
    callback=_executor,
    help="Where the workbooks are reported. 'local': this machine's processes (see --jobs). "
    "'dask://HOST:PORT': the workers of a running Dask cluster, for a batch that outgrows one "
    "machine; it needs pip install 'tierbook[dask]' here and on every worker, and every worker "
    "must see the inputs and --out at the same paths as this machine (a shared drive). Start "
    "the workers with --nthreads 1: a worker reports one workbook at a time. A scheduler that "
    "cannot be reached is a usage error (exit 2) before anything is read. Each workbook's "
    "current stage is shown only for local runs.",
)
def report_command(
    inputs: tuple[Path, ...],
    out_dir: Path,
    as_of: dt.date | None,
    lang: str | None,
    mapping: tuple[str, ...],
    dates: str | None,
    rates: tuple[str, ...],
    config_file: Path | None,
    basis: str | None,
    currency: str | None,
    strip_external: bool,
    jobs: int | None,
    executor: Where,
) -> None:
    """Analyse each INPUT: a workbook (.xlsx, .xlsm, .xls, .ods), a text export (.csv, .tsv, .txt)
    or a Parquet file (.parquet), or a folder of them (every such file directly in it; see
    'tierbook inputs FOLDER').

    For each input named NAME it writes OUT/NAME/NAME.annotated.xlsx (your workbook with
    analysis sheets added), NAME.briefing.html (a page to read) and NAME.summary.json
    (the figures for scripts). The input file is never changed.

    Each finished workbook prints one line, [done/total] with several inputs; on a terminal a
    live display shows each workbook being worked on and its stage. Several inputs end with a
    table of results: file, clients, verdict, seconds, status.
    """
    paths = expand_inputs(inputs)
    if not paths:
        raise click.UsageError(
            "no workbooks or exports found in "
            + ", ".join(str(p) for p in inputs)
            + f" (tierbook reads {FORMATS})"
        )
    options = Options(
        as_of=as_of,
        basis=basis,
        currency=currency.upper() if currency else None,
        config_file=config_file,
        lang=lang.lower() if lang else None,
        mapping=mapping,
        dates=dates.lower() if dates else None,
        rates=_rates(rates),
        strip_external=strip_external,
    )
    debug = _debug()
    if jobs is None:  # parallel where it pays: process start-up costs about a small workbook
        jobs = 0 if sum(p.stat().st_size for p in paths if p.is_file()) > PARALLEL_BYTES else 1
    workers = jobs or os.cpu_count() or 1
    names = output_names(paths)
    display = BatchDisplay(paths, live=interactive(), debug=debug, where=str(executor))

    def show(done: int, outcome: Outcome) -> bool:
        display.finished(done, outcome)
        return outcome.status != "config"  # a bad setting is the same for every input: stop

    _tidy(out_dir)
    try:
        with display:
            outcomes = run_batch(
                paths,
                out_dir,
                options,
                names,
                workers,
                show,
                on_stage=display.stage if display.live else None,
                where=executor,
            )
    except ExecutorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if any(o.status == "config" for o in outcomes):
        sys.exit(Exit.USAGE)
    written = _portfolio(out_dir, outcomes, names, lang, debug)
    if len(paths) > 1:  # one workbook's line says it all; a table of one row is noise
        display.results(outcomes, min(workers, len(paths)))
    failed = sum(o.status != "done" for o in outcomes)
    if failed == len(paths):
        sys.exit(Exit.REFUSED)
    sys.exit(Exit.PARTIAL if failed or not written else Exit.DONE)


def _tidy(out_dir: Path) -> None:
    """Say what an interrupted run left in the output folder and was put back or removed."""
    try:
        done = clean_leftovers(out_dir)
    except OSError:  # a folder that cannot be tidied is said when a report is written there
        return
    for line in done:
        click.echo(f"{out_dir}: {line}")


def _portfolio(
    out_dir: Path, outcomes: list[Outcome], names: dict[Path, str], lang: str | None, debug: bool
) -> bool:
    """index.html and portfolio.xlsx for the batch; False when they could not be written.

    A single refused input writes nothing at all, since its error message is the whole answer.
    """
    reported = [(o.folder, names[o.source]) for o in outcomes if o.folder is not None]
    if not reported and len(outcomes) < 2:
        return True
    failed = [o.source for o in outcomes if o.status != "done"]
    shown = [p.name for p in failed]
    try:
        pages = write_portfolio(
            out_dir,
            reported,
            [
                Failure(p.name if shown.count(p.name) == 1 else str(p), o.message)
                for p, o in zip(failed, (o for o in outcomes if o.status != "done"), strict=True)
            ],
            lang=(language_of(lang) if lang else None) or "en",
            version=__version__,
            known={o.folder: o.standing for o in outcomes if o.folder and o.standing},
        )
    except Exception as exc:  # the reports are written; say why the summary page is not
        if debug:
            raise
        click.echo(f"error: {portfolio_failed(exc, out_dir, bool(reported))}", err=True)
        return False
    if len(outcomes) > 1:  # one workbook's report speaks for itself
        click.echo("portfolio: " + ", ".join(str(p) for p in pages))
    return True


@main.command("inspect")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@MAP_OPTION
@DATES_OPTION
def inspect_command(source: Path, mapping: tuple[str, ...], dates: str | None) -> None:
    """Show how SOURCE is read: its sheets, the header row, how each column maps and why, the
    rows set aside (totals, headings, footers, payments) and the first rows as parsed.
    Nothing is written.
    """
    try:
        click.echo(inspect(source, mapping, dates.lower() if dates else None), nl=False)
    except BaseException as exc:  # never a traceback for the user; --debug shows it
        if not isinstance(exc, Exception) and not is_panic(exc):
            raise
        if _debug():
            raise
        said = refusal(exc, source)
        click.echo(f"error: {said.text}", err=True)
        sys.exit(said.exit_code)


@main.command("watch")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports"),
    show_default=True,
    help="Folder the reports go to.",
)
@LANG_OPTION
@DATES_OPTION
@STRIP_OPTION
def watch_command(
    folder: Path, out_dir: Path, lang: str | None, dates: str | None, strip_external: bool
) -> None:
    """Report every workbook dropped into FOLDER, as soon as it is completely written.

    Workbooks already there without an up-to-date report are reported first. Lock files
    (~$*.xlsx, .~lock.*) and hidden or temporary files are skipped. One line per report;
    stop with Ctrl-C.
    """
    from pipeline.edge.watch import watch

    debug = _debug()

    def log(outcome: Outcome) -> None:
        stamp = time.strftime("%H:%M:%S")
        if outcome.status == "done":
            click.echo(f"{stamp} {outcome.message}")
        else:
            if debug and outcome.trace:
                click.echo(outcome.trace, err=True)
            click.echo(f"{stamp} error: {outcome.message}", err=True)

    click.echo(f"watching {folder} (reports in {out_dir}); stop with Ctrl-C")
    _tidy(out_dir)
    try:
        options = Options(
            lang=lang.lower() if lang else None,
            dates=dates.lower() if dates else None,
            strip_external=strip_external,
        )
        watch(folder, out_dir, options, log)
    except KeyboardInterrupt:
        click.echo("stopped")


@main.command("inputs")
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
)
def inputs_command(folders: tuple[Path, ...]) -> None:
    """List the files in each FOLDER that report and watch would read, one path a line.

    Lock files (~$*.xlsx, .~lock.*), hidden files and the portfolio tierbook wrote are left
    out. Prints nothing, and exits 0, when a folder holds none.
    """
    for folder in folders:
        for path in find_inputs(folder):
            click.echo(str(path))


def run() -> None:
    """The ``tierbook`` command: this process set for reporting, ``main``, then a quick exit.

    Every output is written, renamed into place and closed by the time ``main`` returns, so
    the interpreter's tear-down (freeing a large ledger's objects one by one: 0.6 s at 100k
    invoices) is left to the operating system, as mypy does.
    """
    tune_for_reports()
    try:
        main(prog_name="tierbook")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    if isinstance(code, str):  # sys.exit("message"): say it, exit 1, as Python would
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
