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
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import D, inv, libreoffice, open_page, require_program, write_workbook

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
    # A key client of the prior window stops, taking half its revenue: lost key client (+3) on
    # top of its verdict.
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
    """The risk score as the page states it, recomputed from a report's summary.json with the
    page's bands (10%, 20%, 30%; lost 10% and 25%; top five 50%; grade D 10%; a 5-point rise
    in a year)."""
    conc, totals = data["concentration"], data["totals"]
    top1 = conc["top1_share"]
    score = 3 if top1 > 0.30 else 2 if top1 >= 0.20 else 1 if top1 >= 0.10 else 0
    if data["lost_key_clients"]:
        # weighed by the share of the prior window's revenue they took: 1, 2 or 3 points
        gone = sum(c["prior_revenue"] - c["revenue"] for c in data["lost_key_clients"])
        share = gone / data["totals"]["prior_revenue"]
        score += 3 if share >= 0.25 else 2 if share >= 0.10 else 1
    score += 1 if conc["top5_share"] >= 0.5 else 0
    score += 1 if not any(c["tier"] == "anchor" for c in data["clients"]) else 0
    score += 1 if totals["d_grade_revenue_share"] >= 0.10 else 0
    as_of = dt.date.fromisoformat(data["as_of"])
    target = as_of.replace(year=as_of.year - 1)
    earlier = [p for p in data["trend"][:-1] if p["top1_share"] is not None]
    near = [p for p in earlier if abs((dt.date.fromisoformat(p["as_of"]) - target).days) <= 31]
    first = dt.date.fromisoformat(data["trend"][0]["as_of"]).replace(day=1)
    if near:
        then = min(near, key=lambda p: abs((dt.date.fromisoformat(p["as_of"]) - target).days))
        whole = dt.date.fromisoformat(then["as_of"]).replace(day=1) > first
        if whole and top1 - then["top1_share"] >= 0.05 - 1e-9:
            score += 1
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
    write_workbook(
        folder / "Q1 #2? 100%.xlsx",
        _monthly("B", "2025-01-01", 12, 100),
        title_rows=["<b>Acme</b> & Sons"],  # the business, named above the header
    )
    subprocess.run(
        [TIERBOOK, "report", str(folder), "--out", str(tmp_path / "out")],
        check=True,
        capture_output=True,
    )
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp; co.xlsx" in html
    assert "<b>" not in html and "<bdi>&lt;b&gt;Acme&lt;/b&gt; &amp; Sons</bdi>" in html
    # Links are percent-encoded, so '#', '?' and '%' in a name still lead to the file.
    hrefs = re.findall(r'<a [^>]*href="([^"]+)"', html)
    assert len(hrefs) == 4
    for href in hrefs:
        assert (tmp_path / "out" / unquote(href.replace("&amp;", "&"))).is_file(), href


@pytest.mark.slow
def test_index_opens_offline_and_every_link_resolves(batch, browser):
    out, _paths, _done = batch
    page, requests, problems = open_page(browser, out / "index.html")
    links = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    headings = page.evaluate("[...document.querySelectorAll('h1,h2')].map(h => h.tagName)")
    page.close()
    assert requests == [(out / "index.html").as_uri()] and problems == []
    assert headings[0] == "H1"
    assert len(links) == 6  # a briefing and a workbook per business
    for link in links:
        assert link.startswith("file://")
        assert Path(link.removeprefix("file://")).is_file(), link


@pytest.mark.slow
def test_on_a_phone_each_business_is_a_card_with_its_verdict_first(batch, browser):
    out, _paths, _done = batch
    page, _requests, problems = open_page(browser, out / "index.html", width=390)
    cards = page.evaluate(
        """() => [...document.querySelectorAll('tr[data-business]')].map(tr => {
            const top = el => el.getBoundingClientRect().top;
            const cells = [...tr.children];
            const verdict = tr.querySelector('.verdict-cell');
            return {
                verdictFirst: cells.every(c => c === verdict || top(verdict) < top(c)),
                right: Math.max(...cells.map(c => c.getBoundingClientRect().right)),
                label: getComputedStyle(tr.querySelector('[data-figure=revenue]'), '::before').content,
            };
        })"""
    )
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert problems == [] and len(cards) == 3 and overflow <= 390
    assert all(c["verdictFirst"] and c["right"] <= 390 for c in cards), cards
    assert all(c["label"] == '"Revenue: "' for c in cards), cards


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


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TIERBOOK, "report", *args], capture_output=True, text=True, timeout=600)


def test_the_stated_rule_ranks_whatever_a_workbook_s_own_settings(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [r for i in range(10) for r in _monthly(f"C{i}", "2025-01-01", 12, 1000 * (i + 1))]
    write_workbook(folder / "plain.xlsx", rows)
    bands = [
        ("top1_moderate", 0.5),
        ("top1_high", 0.8),
        ("top1_very_high", 0.9),
        ("top5_red_flag", 0.9),
    ]
    write_workbook(folder / "lenient.xlsx", rows, settings=bands)
    done = _run(str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    scores = re.findall(r'data-figure="risk">(\d+)<', html)
    assert len(scores) == 2 and scores[0] == scores[1]  # the same invoices, the same risk


def test_an_exact_five_point_rise_in_a_year_adds_its_point(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [inv(f"a{c}", c, "2024-06-10", 250) for c in "ABCD"]
    rows += [inv("b1", "A", "2025-06-10", 300), inv("b2", "B", "2025-06-10", 250)]
    rows += [inv("b3", "C", "2025-06-10", 250), inv("b4", "D", "2025-06-10", 200)]
    rows += [inv("z", "E", "2023-06-01", 1)]  # the ledger reaches back two years
    write_workbook(folder / "rise.xlsx", rows)
    done = _run(str(folder), "--out", str(tmp_path / "out"), "--as-of", "2025-12-31")
    assert done.returncode == 0, done.stderr
    data = _summary(tmp_path / "out", "rise")
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "up from 25.0% to 30.0% in a year" in html
    assert f'data-figure="risk">{_stated_risk(data)}<' in html


def test_an_output_folder_that_is_also_the_input_folder_is_not_read_back(tmp_path):
    folder = tmp_path / "same"
    folder.mkdir()
    write_workbook(folder / "a.xlsx", _monthly("A", "2025-01-01", 12, 100))
    write_workbook(folder / "b.xlsx", _monthly("B", "2025-01-01", 12, 100))
    for _ in range(2):
        done = _run(str(folder), "--out", str(folder))
        assert done.returncode == 0, done.stderr
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert 'id="failures"' not in html and len(re.findall("<tr data-business", html)) == 2


def test_names_never_take_the_portfolio_s_or_the_output_folder_s_place(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("index.html.xlsx", "portfolio.xlsx.xlsx", "..xlsx"):
        write_workbook(folder / name, _monthly("A", "2025-01-01", 12, 100))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("the user's own file")
    done = _run(
        *(str(folder / n) for n in ("index.html.xlsx", "portfolio.xlsx.xlsx", "..xlsx")),
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert (out / "keep.txt").read_text() == "the user's own file"
    assert (out / "index.html").is_file() and (out / "portfolio.xlsx").is_file()
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "index.html-2",
        "portfolio.xlsx-2",
        "workbook",
    ]


def test_two_inputs_with_one_name_are_told_apart(tmp_path):
    for sub in ("north", "south"):
        (tmp_path / sub).mkdir()
        write_workbook(tmp_path / sub / "dup.xlsx", _monthly(sub, "2025-01-01", 12, 100))
    done = _run(
        str(tmp_path / "north" / "dup.xlsx"),
        str(tmp_path / "south" / "dup.xlsx"),
        "--out",
        str(tmp_path / "out"),
    )
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "dup.xlsx (dup-xlsx)" in html and "dup.xlsx (dup-xlsx-2)" in html


def test_a_batch_where_everything_fails_lists_every_failure_and_exits_1(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.xlsx").write_bytes(b"nothing")
    (folder / "two.xlsx").write_bytes(b"")
    done = _run(str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    failures = html.split('id="failures"')[1]
    assert "one.xlsx" in failures and "two.xlsx" in failures
    assert "Traceback" not in done.stderr


def test_a_portfolio_that_cannot_be_written_says_so_and_exits_3(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_workbook(folder / "a.xlsx", _monthly("A", "2025-01-01", 12, 100))
    write_workbook(folder / "b.xlsx", _monthly("B", "2025-01-01", 12, 100))
    out = tmp_path / "out"
    (out / "index.html").mkdir(parents=True)  # a folder where the page must go
    done = _run(str(folder), "--out", str(out))
    assert done.returncode == 3
    assert "the portfolio (index.html, portfolio.xlsx) could not be written" in done.stderr
    assert "reports are complete" in done.stderr and "Traceback" not in done.stderr
    assert (out / "a" / "a.briefing.html").is_file()


@pytest.mark.parametrize(
    ("gone", "points"),
    [(9_000.0, 1), (10_000.0, 2), (24_000.0, 2), (25_000.0, 3), (100_000.0, 3)],
)
def test_lost_key_clients_weigh_by_the_share_of_prior_revenue_they_took(gone, points):
    """100,000 in the prior window: losing 9,000 is one point, 10,000 two, 25,000 three."""
    from pipeline.model.portfolio import Business, Lost, risk

    b = Business(
        name="b", file="b.xlsx", label="b.xlsx", sha256="", as_of=D("2026-06-30"),
        currency="EUR", revenue=90_000.0, clients=10, effective_clients=8.0,
        top1_share=0.05, top5_share=0.30, top5_red_flag=False, top1_year_ago=None,
        year_ago=None, verdict="low", anchors=1, prior_revenue=100_000.0,
        lost=(Lost("Gone", gone, 0.0, gone, D("2025-09-30")),),
        d_grade_share=0.0, overdue=None, data_issues=0,
    )  # fmt: skip
    score, reasons = risk(b)
    assert score == points  # low verdict 0, nothing else counts
    assert dict(reasons)["lost"]["share"] == pytest.approx(gone / 100_000)


def _summary_bytes(document: dict[str, Any], per_line: bool = True) -> bytes:
    """A document laid out as ``render.json`` writes summary.json: two-space indents, and each
    client on a line of its own, unspaced; or, not ``per_line``, as earlier versions wrote it,
    each key of a client on its own line. Made with orjson and bytes alone, as the reference."""
    import orjson

    options = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS
    clients = document["clients"]
    if not per_line or not clients:
        return orjson.dumps(document, option=options)
    lines = b",\n".join(b"    " + orjson.dumps(c, option=orjson.OPT_NON_STR_KEYS) for c in clients)
    listed = orjson.Fragment(b"[\n" + lines + b"\n  ]")
    return orjson.dumps({**document, "clients": listed}, option=options)


_tiers = ["anchor", "recurring", "one-off", "anchors"]
_names = st.text(max_size=12) | st.sampled_from(
    ['"tier": "anchor"', '\n      "tier": "anchor"', '"tier":"anchor"', ',"tier":"anchor",']
)
_client = st.fixed_dictionaries(
    {
        "client": _names,
        "tier": st.sampled_from(_tiers),
        "prior_tier": st.sampled_from(_tiers),
        "reasons": st.lists(_names, max_size=2),
        "predictability": st.fixed_dictionaries({"by_months": st.booleans()}),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_client, max_size=6), st.lists(_client, max_size=2), _names, st.booleans())
def test_the_client_list_is_left_out_and_only_its_anchors_counted(
    tmp_path_factory, clients, lost, business_name, per_line
):
    """What the portfolio reads of a summary.json equals the whole document parsed, but for the
    client list, whose anchors it counts: whatever the names hold, and whether the summary is
    laid out as this version writes it or as earlier ones did."""
    from pipeline.portfolio import read_summary

    document = {
        "input": {"business": business_name},
        "clients": clients,
        "lost_key_clients": lost,
        "trend": [{"tier": "anchor"}],
    }
    path = tmp_path_factory.mktemp("summary") / "x.summary.json"
    path.write_bytes(_summary_bytes(document, per_line))
    data, anchors = read_summary(path)
    expected = sum(c["tier"] == "anchor" for c in clients)
    if anchors is None:  # an empty list is written on one line: the document is read whole
        assert data == document and not clients
    else:
        assert anchors == expected
        assert data == {**document, "clients": []}


def test_a_summary_not_laid_out_as_tierbook_writes_it_is_read_whole(tmp_path):
    from pipeline.portfolio import read_summary

    document = {"clients": [{"tier": "anchor"}, {"tier": "recurring"}], "trend": []}
    path = tmp_path / "x.summary.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # all on one line
    assert read_summary(path) == (document, None)


SAMPLES = sorted((Path(__file__).parent.parent / "sample_workbooks").glob("*.xlsx"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_a_report_hands_back_what_its_summary_json_says(sample, tmp_path):
    """The figures a report hands the portfolio are those its file holds, read back as the
    portfolio reads a report made before (and as JSON, by the standard library's reader)."""
    import pickle

    from pipeline.edge.batch import report_one
    from pipeline.portfolio import business, read_summary
    from pipeline.report import Options, report

    result = report(sample, tmp_path / "direct", Options())
    written = json.loads((result.folder / f"{sample.stem}.summary.json").read_text("utf-8"))
    assert written["clients"] and result.summary == {**written, "clients": []}

    outcome = report_one(sample, tmp_path / "batch", Options(), "named")
    data, anchors = read_summary(tmp_path / "batch" / "named" / "named.summary.json")
    assert anchors == sum(c["tier"] == "anchor" for c in written["clients"])
    assert outcome.standing == business(data, "named", anchors)
    # as a worker process hands it back
    assert pickle.loads(pickle.dumps(outcome)).standing == outcome.standing


def test_the_portfolio_of_a_batch_just_made_reads_no_summary_back(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline import __version__, portfolio
    from pipeline.edge.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    write_workbook(folder / "a.xlsx", _monthly("Alpha", "2025-01-01", 12, 100))
    write_workbook(folder / "b.xlsx", _monthly("Beta", "2025-01-01", 12, 300))
    read = portfolio.read_summary

    def unread(path: Path) -> None:
        raise AssertionError(f"{path} was read back")

    monkeypatch.setattr(portfolio, "read_summary", unread)
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["report", str(folder), "--out", str(out), "--jobs", "1"])
    assert done.exit_code == 0, done.output
    with pytest.raises(AssertionError, match="was read back"):  # reports made before: read
        portfolio.write_portfolio(tmp_path / "again", [(out / "a", "a")], [])
    # the same pages as from the reports' files
    monkeypatch.setattr(portfolio, "read_summary", read)
    reports = [(out / "a", "a"), (out / "b", "b")]
    portfolio.write_portfolio(tmp_path / "files", reports, [], version=__version__)
    for name in ("index.html", "portfolio.xlsx"):
        assert (out / name).read_bytes() == (tmp_path / "files" / name).read_bytes(), name
