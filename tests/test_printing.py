"""The annotated workbook printed as an accountant prints it: LibreOffice turns the input and
the output into PDF, and poppler's word boxes say how many pages each sheet takes and at what
size its text prints, measured against a sheet LibreOffice prints at full size."""

from __future__ import annotations

import re
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter

from pipeline.report import report
from tests.conftest import ANALYSIS_SHEETS, SAMPLES, libreoffice, require_program

NAMES = ("agency_diversified", "consultant_lost_key_client", "freelancer_one_anchor")
MIN_SCALE = 0.6
MARGIN = 45.0  # points at the top and bottom of a page where the header and footer print


@dataclass(frozen=True)
class Page:
    words: tuple[str, ...]
    scale: float  # the median word's height against the same font printed at full size
    top: str  # the page's first line: the sheet's name, where tierbook's header gives it


def _pages(pdf: Path, full: float | None = None) -> list[Page]:
    html = subprocess.run(
        [require_program("pdftotext"), "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for height, body in re.findall(
        r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', html, re.S
    ):
        boxes = [
            (float(y0), float(y1), float(x0), word)
            for x0, y0, _x1, y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                body,
            )
        ]
        inside = [b for b in boxes if b[0] > MARGIN and b[1] < float(height) - MARGIN]
        size = statistics.median(y1 - y0 for y0, y1, _, _ in inside) if inside else 0.0
        first = min((b[0] for b in boxes), default=0.0)
        line = " ".join(w for y0, _, _, w in sorted(boxes, key=lambda b: b[2]) if y0 - first < 2)
        found.append(Page(tuple(w for *_, w in boxes), size / full if full else size, line))
    return found


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, tuple[list[Page], list[Page]]]:
    """Each sample's input and annotated output as printed pages."""
    root = tmp_path_factory.mktemp("printing")
    calibration = root / "calibration.xlsx"
    book = xlsxwriter.Workbook(calibration)  # the default font, printed at 100%
    sheet = book.add_worksheet()
    for row in range(30):
        sheet.write_string(row, 0, "Harbor Pine recurring billed months grade")
    book.close()
    files = [calibration]
    for name in NAMES:
        result = report(SAMPLES / f"{name}.xlsx", root / "out")
        files += [SAMPLES / f"{name}.xlsx", result.folder / f"{name}.annotated.xlsx"]
    pdfs = root / "pdf"
    libreoffice(files, pdfs, root / "profile", target="pdf")
    full = _pages(pdfs / "calibration.pdf")[0].scale
    return {
        name: (_pages(pdfs / f"{name}.pdf", full), _pages(pdfs / f"{name}.annotated.pdf", full))
        for name in NAMES
    }


def _split(pages: list[Page]) -> tuple[list[Page], dict[str, list[Page]]]:
    """The user's own sheets' pages, and each analysis sheet's pages by its header."""
    start = next(i for i, p in enumerate(pages) if p.top.startswith("Summary"))
    sheets: dict[str, list[Page]] = {}
    for page in pages[start:]:
        name = next(n for n in ANALYSIS_SHEETS if page.top.startswith(n))
        sheets.setdefault(name, []).append(page)
    return pages[:start], sheets


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_the_user_s_sheets_print_on_no_more_pages_than_before_and_legibly(printed, name):
    before, after = printed[name]
    own, _sheets = _split(after)
    assert len(own) <= len(before), (len(own), len(before))
    # tierbook's columns are printed, on the sheet's own pages
    assert any("tierbook:" in p.words for p in own)
    assert all(p.scale >= MIN_SCALE for p in own), [round(p.scale, 2) for p in own]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_analysis_sheet_prints_legibly_on_a4_with_its_header_on_every_page(printed, name):
    _before, after = printed[name]
    _own, sheets = _split(after)
    assert set(sheets) == set(ANALYSIS_SHEETS)
    scales = {sheet: [round(p.scale, 2) for p in pages] for sheet, pages in sheets.items()}
    assert all(s >= MIN_SCALE for values in scales.values() for s in values), scales
    assert len(sheets["Summary"]) <= 2 and len(sheets["Method"]) <= 5, scales
    for page in sheets["Client analysis"]:  # the header row repeats; no printed column is cut
        assert {"Rank", "Client", "Tier", "Revenue", "Reasons"} <= set(page.words)
    # thousands separators wherever an amount or a count is large
    method = [w for page in sheets["Method"] for w in page.words]
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d\d)?", w) for w in method)
