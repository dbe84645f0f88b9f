"""Outputs opened by the real programs people use: LibreOffice for the workbook (the briefing's
browser tests are in test_briefing.py), and the package as a wheel."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import fastexcel
import pytest

from pipeline.ooxml.zipwriter import BULK_SIZE
from tests.conftest import ANALYSIS_SHEETS, ROOT, SAMPLES, libreoffice

pytestmark = pytest.mark.slow
NAMES = sorted(p.stem for p in SAMPLES.glob("*.xlsx"))
ERROR_VALUES = re.compile(r"^(#REF!|#NAME\?|#DIV/0!|#VALUE!|#N/A|#NUM!|#NULL!|Err:\d+)$")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    subprocess.run(
        [
            str(Path(sys.executable).with_name("tierbook")),
            "report",
            str(SAMPLES),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def resaved(reports, tmp_path_factory) -> Path:
    """Every annotated workbook opened and saved again by LibreOffice, with a private profile."""
    files = [reports / n / f"{n}.annotated.xlsx" for n in NAMES]
    return libreoffice(
        files, tmp_path_factory.mktemp("libreoffice"), tmp_path_factory.mktemp("lo-profile")
    )


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_opens_the_workbook_with_every_sheet_and_no_error_value(resaved, reports, name):
    converted = resaved / f"{name}.annotated.xlsx"
    assert converted.exists(), f"LibreOffice could not convert {name}"
    reader = fastexcel.read_excel(str(converted))
    original = fastexcel.read_excel(str(reports / name / f"{name}.annotated.xlsx"))
    assert reader.sheet_names == original.sheet_names
    for sheet in reader.sheet_names:
        frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        for column in frame.columns:
            bad = [v for v in frame[column].drop_nulls().to_list() if ERROR_VALUES.match(v)]
            assert not bad, (sheet, column, bad[:3])
    data = json.loads((reports / name / f"{name}.summary.json").read_text(encoding="utf-8"))
    clients = reader.load_sheet("Client analysis").to_polars()
    assert clients[f"Revenue ({data['currency']})"].sum() == pytest.approx(
        data["totals"]["revenue"], abs=0.01
    )
    assert clients["Share"].drop_nulls().sum() == pytest.approx(1.0)


def tierbook(*args: str) -> None:
    """The installed command, as a user runs it."""
    subprocess.run(
        [str(Path(sys.executable).with_name("tierbook")), *args], check=True, capture_output=True
    )


def _tables_and_panes(path: Path) -> tuple[int, int]:
    with zipfile.ZipFile(path) as archive:
        tables = [n for n in archive.namelist() if n.startswith("xl/tables/")]
        sheets = [
            archive.read(n).decode()
            for n in archive.namelist()
            if n.startswith("xl/worksheets/sheet")
        ]
    return len(tables), sum('state="frozen"' in s for s in sheets)


def test_libreoffice_keeps_the_tables_and_frozen_headers(resaved, reports):
    name = "agency_diversified.annotated.xlsx"
    ours = _tables_and_panes(reports / "agency_diversified" / name)
    # Summary, Client analysis and Method are tables (Data issues too when there are any);
    # those three plus the user's own frozen Invoices sheet have frozen panes.
    assert ours[0] >= 3 and ours[1] >= 4
    # LibreOffice keeps every table; headless it writes no view settings, so panes are checked on ours.
    assert _tables_and_panes(resaved / name)[0] == ours[0]


def test_the_wheel_ships_the_templates(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next(tmp_path.glob("tierbook-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"pipeline/templates/briefing.html", "pipeline/templates/_section.html"} <= names
    for lang in ("zh", "ru", "fi", "fa"):  # compiled catalogs ship inside the package
        assert f"pipeline/locale/{lang}/LC_MESSAGES/tierbook.mo" in names
    # Loaded from the wheel alone (no site-packages, so not from this checkout):
    probe = (
        "from importlib.resources import files; "
        "print(files('pipeline.templates').joinpath('briefing.html').read_text()[:15])"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={"PYTHONPATH": str(wheel)},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert done.stdout.startswith('{% from "_sect')


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_ods_and_xls_inputs_give_the_same_figures(reports, tmp_path, fmt):
    """LibreOffice saves a sample as .ods and .xls; both read to the same revenue as the .xlsx."""
    name = "consultant_lost_key_client"
    filters = {"ods": "ods", "xls": "xls:MS Excel 97"}
    libreoffice([SAMPLES / f"{name}.xlsx"], tmp_path, tmp_path / "p", target=filters[fmt])
    converted = tmp_path / f"{name}.{fmt}"
    out = tmp_path / "out"
    tierbook("report", str(converted), "--out", str(out))
    ours = json.loads((out / name / f"{name}.summary.json").read_text(encoding="utf-8"))
    reference = json.loads((reports / name / f"{name}.summary.json").read_text(encoding="utf-8"))
    assert ours["totals"] == pytest.approx(reference["totals"])
    assert [c["tier"] for c in ours["clients"]] == [c["tier"] for c in reference["clients"]]
    sheets = fastexcel.read_excel(str(out / name / f"{name}.annotated.xlsx")).sheet_names
    assert sheets == list(ANALYSIS_SHEETS)
    again = tmp_path / "again"
    tierbook("report", str(converted), "--out", str(again))
    for suffix in ("annotated.xlsx", "briefing.html", "summary.json"):
        first, second = out / name / f"{name}.{suffix}", again / name / f"{name}.{suffix}"
        assert first.read_bytes() == second.read_bytes(), suffix


def test_libreoffice_opens_a_client_analysis_long_enough_to_be_deflated_in_chunks(tmp_path):
    """A real shop's export with 1,171 customers: its Client analysis is past the size from
    which members are deflated in chunks on threads, and LibreOffice reads every row of it."""
    source = ROOT / "tests" / "data" / "real" / "online-retail-sample" / "online_retail_sample.csv"
    tierbook("report", str(source), "--out", str(tmp_path / "out"))
    book = tmp_path / "out" / source.stem / f"{source.stem}.annotated.xlsx"
    with zipfile.ZipFile(book) as archive:
        assert max(i.file_size for i in archive.infolist()) >= BULK_SIZE  # the case in question
    converted = libreoffice([book], tmp_path / "lo", tmp_path / "profile") / book.name
    data = json.loads((book.parent / f"{source.stem}.summary.json").read_text(encoding="utf-8"))
    clients = fastexcel.read_excel(str(converted)).load_sheet("Client analysis").to_polars()
    assert clients.height == len(data["clients"])
    revenue = next(c for c in clients.columns if c.startswith("Revenue"))
    assert clients[revenue].sum() == pytest.approx(data["totals"]["revenue"], abs=0.01)
