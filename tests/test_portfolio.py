"""The portfolio: index.html and portfolio.xlsx across a batch, ranked by the stated risk score."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest

from tests.conftest import D, inv, libreoffice, require_program, write_workbook

TIERBOOK = str(Path(sys.executable).with_name("tierbook"))


def _monthly(client: str, start: str, months: int, amount: float, day: int = 5) -> list[tuple]:
    first = D(start)
    rows = []
    for m in range(months):
        index = first.year * 12 + first.month - 1 + m
        when = dt.date(index // 12, index % 12 + 1, day)
        rows.append(inv(f"{client[:3]}-{m}", client, when.isoformat(), amount))
    return rows


def _batch(folder: Path) -> dict[str, Path]:
    """Three businesses whose risk scores differ, and one file that is not a workbook."""
    folder.mkdir()
    # Twelve equal monthly clients: top-1 8.3% (low, 0), none material (no anchor: +1) -> 1.
    steady = [r for i in range(12) for r in _monthly(f"Client {i:02d}", "2024-07-01", 24, 1000)]
    # One client with 70% every month (very high 3, top five 100%: +1, it is an anchor) -> 4.
    dominant = _monthly("Big Co", "2024-07-01", 24, 7000) + [
        r for i in range(3) for r in _monthly(f"Small {i}", "2024-07-01", 24, 1000, day=9)
    ]
    # A key client of the prior window stops: lost key client (+2) on top of its verdict.
    lost = (
        _monthly("Gone Ltd", "2024-07-01", 12, 5000)
        + _monthly("Stays A", "2024-07-01", 24, 2000, day=7)
        + _monthly("Stays B", "2024-07-01", 24, 1500, day=8)
        + _monthly("Stays C", "2024-07-01", 24, 1500, day=9)
    )
    paths = {
        "steady": write_workbook(folder / "steady.xlsx", steady),
        "dominant": write_workbook(folder / "dominant.xlsx", dominant),
        "lost": write_workbook(folder / "lost.xlsx", lost),
    }
    broken = folder / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook at all")
    paths["broken"] = broken
    return paths


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, dict[str, Path], subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("portfolio")
    paths = _batch(root / "in")
    out = root / "out"
    done = subprocess.run(
        [TIERBOOK, "report", str(root / "in"), "--out", str(out), "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return out, paths, done


def _summary(out: Path, name: str) -> dict[str, Any]:
    return json.loads((out / name / f"{name}.summary.json").read_text(encoding="utf-8"))


def _stated_risk(data: dict[str, Any]) -> int:
    """The risk score as the page states it, recomputed from a report's summary.json."""
    conc, totals = data["concentration"], data["totals"]
    score = {"low": 0, "moderate": 1, "high": 2, "very high": 3}[conc["verdict"]]
    score += 2 if data["lost_key_clients"] else 0
    score += 1 if conc["top5_share"] >= 0.5 else 0
    score += 1 if not any(c["tier"] == "anchor" for c in data["clients"]) else 0
    score += 1 if totals["d_grade_revenue_share"] >= 0.10 else 0
    return score


def test_the_batch_reports_three_and_names_the_failure(batch):
    out, _paths, done = batch
    assert done.returncode == 3, done.stderr  # some reported, one refused
    assert (out / "index.html").is_file() and (out / "portfolio.xlsx").is_file()
    html = (out / "index.html").read_text(encoding="utf-8")
    ranked = re.findall(r'<tr data-business="([^"]+)">', html)
    scores = {name: _stated_risk(_summary(out, name)) for name in ("steady", "dominant", "lost")}
    assert scores["steady"] == 1 and scores["dominant"] == 4
    assert ranked == sorted(scores, key=lambda n: -scores[n])
    for name in ranked:
        data = _summary(out, name)
        row = html[html.index(f'<tr data-business="{name}">') :]
        row = row[: row.index("</tr>")]
        assert f'data-figure="risk">{scores[name]}<' in row
        top1 = f"{data['concentration']['top1_share'] * 100:.1f}%"
        assert f'data-figure="top1_share">{top1}<' in row
        revenue = float(re.search(r'data-figure="revenue">([^<]+)<', row).group(1).replace(",", ""))
        assert revenue == pytest.approx(data["totals"]["revenue"], abs=0.005)
        assert f'href="{name}/{name}.briefing.html"' in row
    assert "broken.xlsx" in html.split('id="failures"')[1]
    assert "not" in html.split('id="failures"')[1].lower()


def test_portfolio_xlsx_holds_the_same_table_lost_clients_and_inputs(batch):
    out, paths, _done = batch
    book = openpyxl.load_workbook(out / "portfolio.xlsx")
    assert book.sheetnames == ["Portfolio", "Lost key clients", "Method"]
    rows = list(book["Portfolio"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 3
    for row in body:
        item = dict(zip(header, row, strict=True))
        data = _summary(out, item["Report folder"])
        assert item["Risk"] == _stated_risk(data)
        assert item["Revenue, net"] == pytest.approx(data["totals"]["revenue"])
        assert item["Top-1 share"] == pytest.approx(data["concentration"]["top1_share"])
        assert item["Lost key clients"] == len(data["lost_key_clients"])
    lost = list(book["Lost key clients"].iter_rows(values_only=True))[1:]
    assert [(r[0], r[1]) for r in lost] == [("lost.xlsx", "Gone Ltd")]
    assert lost[0][3] == pytest.approx(60_000)  # twelve months of 5,000 in the prior window
    method = {r[0]: r[1] for r in book["Method"].iter_rows(min_row=2, values_only=True)}
    for name in ("steady", "dominant", "lost"):
        digest = hashlib.sha256(paths[name].read_bytes()).hexdigest()
        assert digest in method[f"Input: {name}.xlsx"]
    assert "Not reported: broken.xlsx" in method


def test_the_portfolio_is_the_same_bytes_every_run(batch, tmp_path):
    out, _paths, _done = batch
    again = tmp_path / "again"
    subprocess.run(
        [TIERBOOK, "report", str(out.parent / "in"), "--out", str(again), "--jobs", "1"],
        capture_output=True,
        timeout=600,
    )
    for name in ("index.html", "portfolio.xlsx"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_a_business_name_is_text_on_the_page(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_workbook(
        folder / "<img src=x onerror=alert(1)> & co.xlsx", _monthly("A", "2025-01-01", 12, 100)
    )
    write_workbook(folder / "Q1 #2? 100%.xlsx", _monthly("B", "2025-01-01", 12, 100))
    subprocess.run(
        [TIERBOOK, "report", str(folder), "--out", str(tmp_path / "out")],
        check=True,
        capture_output=True,
    )
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp; co.xlsx" in html
    # Links are percent-encoded, so '#', '?' and '%' in a name still lead to the file.
    hrefs = re.findall(r'<a [^>]*href="([^"]+)"', html)
    assert len(hrefs) == 4
    for href in hrefs:
        assert (tmp_path / "out" / unquote(href.replace("&amp;", "&"))).is_file(), href


@pytest.mark.slow
def test_index_opens_offline_and_every_link_resolves(batch, tmp_path):
    out, _paths, _done = batch
    chromium = require_program("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = context.new_page()
        requests: list[str] = []
        problems: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto((out / "index.html").as_uri())
        links = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        headings = page.evaluate("[...document.querySelectorAll('h1,h2')].map(h => h.tagName)")
        context.close()
    assert requests == [(out / "index.html").as_uri()] and problems == []
    assert headings[0] == "H1"
    assert len(links) == 6  # a briefing and a workbook per business
    for link in links:
        assert link.startswith("file://")
        assert Path(link.removeprefix("file://")).is_file(), link


@pytest.mark.slow
def test_libreoffice_opens_the_portfolio_with_no_error_value(batch, tmp_path):
    out, _paths, _done = batch
    require_program("soffice")
    converted = libreoffice([out / "portfolio.xlsx"], tmp_path / "lo", tmp_path / "profile")
    book = openpyxl.load_workbook(converted / "portfolio.xlsx", data_only=True)
    assert book.sheetnames == ["Portfolio", "Lost key clients", "Method"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and re.match(r"^(#[A-Z/0!?]+|Err:\d+)", value))
    assert shutil.which("soffice")
