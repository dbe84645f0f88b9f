"""Fixtures built in code: tiny workbooks whose figures can be checked by hand."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.config import Config
from pipeline.model.analysis import Analysis, analyse
from pipeline.read.sheets import read_workbook
from pipeline.validate.ledger import Ledger, build_ledger
from pipeline.validate.records import DataIssue

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
INVOICE_HEADER = (
    "Invoice No",
    "Client",
    "Invoice Date",
    "Amount",
    "Status",
    "Due Date",
    "Paid Date",
)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _append_text_safe(ws: Any, row: Sequence[Any]) -> None:
    """Append a row whose text stays text, as a user typing '=1+1 Ltd' after an apostrophe would."""
    ws.append(list(row))
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


# The analysis sheets a report adds after the user's own, in order: written out here, once,
# as a reader expects them (the pipeline's own list is not the test's reference).
ANALYSIS_SHEETS = (
    "Summary",
    "Client analysis",
    "Concentration",
    "Monthly",
    "Trend",
    "Receivables",
    "Data issues",
    "Method",
)


def write_workbook(
    path: Path,
    invoices: Sequence[Sequence[Any]],
    header: Sequence[str] = INVOICE_HEADER,
    clients: Sequence[Sequence[Any]] | None = None,
    client_header: Sequence[str] = ("Client", "Contract", "Referred By"),
    title_rows: Sequence[str] = (),
    sheet: str = "Invoices",
    settings: Sequence[tuple[str, Any]] | None = None,
) -> Path:
    """An .xlsx with an invoice sheet (optionally below title rows), Clients and Settings sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for title in title_rows:
        ws.append([title])
    ws.append(list(header))
    for row in invoices:
        _append_text_safe(ws, row)
    if clients is not None:
        cs = wb.create_sheet("Clients")
        cs.append(list(client_header))
        for row in clients:
            _append_text_safe(cs, row)
    if settings is not None:
        ss = wb.create_sheet("Settings")
        ss.append(["Setting", "Value"])
        for key, value in settings:
            ss.append([key, value])
    wb.save(path)
    return path


def inv(number: str, client: str, date: str, amount: Any, status: str | None = "paid") -> tuple:
    return (number, client, D(date), amount, status, None, None)


@pytest.fixture
def workbook(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def make(invoices: Sequence[Sequence[Any]], **kwargs: Any) -> Path:
        name = kwargs.pop("name", f"book{next(counter)}.xlsx")
        return write_workbook(tmp_path / name, invoices, **kwargs)

    return make


def issue_list(ledger: Ledger) -> list[DataIssue]:
    """The ledger's data issues one by one, as tests compare them."""
    return [DataIssue(**row) for row in ledger.issues.iter_rows(named=True)]


def ledger_of(path: Path, config: Config | None = None) -> Ledger:
    return build_ledger(read_workbook(path), config or Config())


def analysis_of(path: Path, config: Config | None = None) -> Analysis:
    config = config or Config()
    return analyse(ledger_of(path, config), config)


def client(analysis: Analysis, name: str) -> dict[str, Any]:
    rows = analysis.clients.filter(analysis.clients["client"] == name).to_dicts()
    assert rows, f"{name} not among {analysis.clients['client'].to_list()}"
    return rows[0]


def require_program(name: str) -> str:
    """The path of a real program the slow tests need; they fail, not skip, when it is missing."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: run 'make test' (it installs it) or scripts/system-deps.sh"
        )
    return found


def libreoffice(
    files: Sequence[Path],
    out: Path,
    profile: Path,
    target: str = "xlsx:Calc MS Excel 2007 XML",
    recalculate: bool = False,
) -> Path:
    """Open ``files`` in headless LibreOffice and save them as ``target`` into ``out``.

    Each call uses its own profile folder, so tests can run side by side; with ``recalculate``
    the profile tells LibreOffice to recalculate every formula on load.
    """
    import subprocess

    soffice = require_program("soffice")
    if recalculate:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry">'
            '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
            'oor:op="fuse"><value>0</value></prop></item></oor:items>'
        )
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *(str(f) for f in files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


# Debian's Chromium, driven by Playwright (no browser download), offline and with a fresh profile.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = require_program("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield context
        context.close()


def open_page(browser: Any, page_file: Path, width: int = 1000) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 1200})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(page_file.as_uri(), wait_until="load")
    return page, requests, problems
