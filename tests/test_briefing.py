"""The briefing: languages, escaping, charts, snapshots, and the page in a real browser.

The browser tests drive Debian's Chromium through Playwright (no browser download: the
executable is the system's), with a fresh profile and every network feature off.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.languages import LANGUAGES
from pipeline.render.html import charts
from pipeline.render.templates import environment
from pipeline.report import Options, report
from pipeline.words.i18n import words
from tests.conftest import SAMPLES, inv, open_page

GOLDEN = Path(__file__).parent / "golden"
NAMES = sorted(p.stem for p in SAMPLES.glob("*.xlsx"))
HOSTILE = "<script>alert(1)</script>"


def briefing_of(path: Path, out: Path, lang: str | None = None, name: str | None = None) -> str:
    result = report(path, out, Options(lang=lang), name=name)
    page = next(f for f in result.files if f.name.endswith(".briefing.html"))
    return page.read_text(encoding="utf-8")


# --- fast: the page as text -------------------------------------------------------------------


def test_every_template_escapes_and_refuses_unknown_names():
    root = Path(__file__).parents[1] / "templates"
    sources = {
        p.name: p.read_text(encoding="utf-8")
        for p in root.iterdir()
        if p.suffix in (".html", ".txt")
    }
    # The one value marked safe is a chart's SVG, which charts.py builds and escapes itself.
    unsafe = [
        (n, line) for n, text in sources.items() for line in text.splitlines() if "|safe" in line
    ]
    assert unsafe == [("_section.html", "  {{ chart.svg|safe }}")]
    assert not any("autoescape" in text for text in sources.values())
    env = environment("en")
    for name in sources:  # the plain-text note template is escaped too
        assert env.from_string("{{ x }}", globals={}).render(x="<b>&") == "&lt;b&gt;&amp;"
        assert env.get_template(name).environment is env and env.autoescape is True
    with pytest.raises(Exception, match="missing"):
        env.from_string("{% if missing.key %}{% endif %}").render()


def test_a_hostile_client_name_is_text_in_the_page_and_the_note(workbook, tmp_path):
    book = workbook(
        [
            inv("1", HOSTILE, "2026-01-10", 5000),
            inv("2", HOSTILE, "2026-03-10", 5000),
            inv("3", '"><img src=x onerror=alert(2)>', "2026-02-10", 900),
            inv("4", "Plain Ltd", "2026-04-10", 700),
        ]
    )
    html = briefing_of(book, tmp_path / "out")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    # The cell note is plain text: the name as written, not escaped twice.
    from pipeline.render.provenance import Provenance
    from pipeline.render.xlsx.annotations import annotation_columns
    from tests.conftest import analysis_of

    analysis = analysis_of(book)
    provenance = Provenance("b.xlsx", "0", "0", "xlsx", ("Invoices",), None, {"Invoices": 1}, 4, ())
    notes = [n for a in annotation_columns(analysis, provenance) for n in a.comments.values()]
    assert any(n.startswith(f"{HOSTILE}: ") for n in notes)


def test_a_client_named_like_markup_or_a_marker_gets_its_own_note(workbook):
    # Each note is built from its own client's row: a name that spells out a marker, a tag or
    # an entity stays that name, in one note of its own, with all its reasons.
    from pipeline.render.provenance import Provenance
    from pipeline.render.xlsx.annotations import annotation_columns
    from tests.conftest import analysis_of

    NOTE_END = "<end-of-note>"
    marked = f"Acme {NOTE_END} Ltd"
    book = workbook(
        [
            inv("1", marked, "2026-01-10", 5000),
            inv("2", "Plain Ltd", "2026-02-10", 700),
            inv("3", f"{NOTE_END}", "2026-03-10", 300),
            inv("4", "R&amp;D <b>", "2026-03-12", 200),
        ]
    )
    provenance = Provenance("b.xlsx", "0", "0", "xlsx", ("Invoices",), None, {"Invoices": 1}, 4, ())
    notes = [
        n for a in annotation_columns(analysis_of(book), provenance) for n in a.comments.values()
    ]
    assert len(notes) == 4
    names = sorted(n.split(": ", 1)[0] for n in notes)
    assert names == sorted([marked, "Plain Ltd", NOTE_END, "R&amp;D <b>"])
    assert all(n.count("\n- ") >= 3 for n in notes)  # every note keeps all its reasons


def test_language_comes_from_the_option_else_the_settings_sheet_else_english(workbook, tmp_path):
    rows = [inv("1", "Aalto Oy", "2026-01-10", 5000), inv("2", "Berg Ab", "2026-02-10", 800)]
    plain = workbook(rows)
    finnish = workbook(rows, settings=[("Language", "Suomi")])
    persian = workbook(rows, settings=[("language", "fa-IR")])
    unknown = workbook(rows, settings=[("language", "Klingon")])
    assert '<html lang="en" dir="ltr">' in briefing_of(plain, tmp_path / "a")
    assert '<html lang="fi" dir="ltr">' in briefing_of(finnish, tmp_path / "b")
    assert '<html lang="fa" dir="rtl">' in briefing_of(persian, tmp_path / "c")
    assert '<html lang="zh-Hans" dir="ltr">' in briefing_of(finnish, tmp_path / "d", lang="zh")
    # A language the tool does not speak is a data issue, not a refusal: the report is English.
    result = report(unknown, tmp_path / "e")
    assert result.analysis.config.language == "en"
    issues = result.analysis.issues.to_dicts()
    assert any(i["value"] == "language = Klingon" for i in issues)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_figures_are_written_the_way_the_language_writes_them(lang, tmp_path):
    sample = SAMPLES / "freelancer_one_anchor.xlsx"
    html = briefing_of(sample, tmp_path, lang=lang)
    result = json.loads(
        (tmp_path / "freelancer_one_anchor" / "freelancer_one_anchor.summary.json").read_text()
    )
    revenue, currency = result["totals"]["revenue"], result["currency"]
    shown = re.search(r'data-figure="revenue">([^<]+)<', html).group(1)
    # How each language writes 113,655.00: its digits, group and decimal separators.
    digits, group, decimal = {
        "en": ("0123456789", ",", "."),
        "zh": ("0123456789", ",", "."),
        "ru": ("0123456789", "\xa0", ","),
        "fi": ("0123456789", "\xa0", ","),
        "fa": ("۰۱۲۳۴۵۶۷۸۹", "٬", "٫"),
    }[lang]
    assert currency == "EUR" and "€" in shown
    assert decimal in shown and group in shown
    number = "".join(ch for ch in shown if ch in digits + decimal)
    number = number.translate(str.maketrans(digits, "0123456789")).replace(decimal, ".")
    assert float(number) == pytest.approx(revenue, abs=0.005)
    # The JSON keeps the exact labels whatever the language.
    assert {c["tier"] for c in result["clients"]} <= {
        "anchor",
        "recurring",
        "one-off",
        "new",
        "lapsed",
    }


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_tier_names_are_the_same_in_the_briefing_and_the_workbook(lang, tmp_path):
    sample = SAMPLES / "agency_diversified.xlsx"
    result = report(sample, tmp_path, Options(lang=lang))
    w = words(lang)
    names = {w._(t) for t in ("Anchor", "Recurring", "One-off", "New", "Lapsed")}
    assert names.isdisjoint({"Anchor", "Recurring", "One-off", "New", "Lapsed"})  # translated
    book = openpyxl.load_workbook(
        result.folder / "agency_diversified.annotated.xlsx", read_only=True
    )
    sheet = book["Client analysis"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    tiers = {row[header.index("Tier")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    book.close()
    assert tiers and tiers <= names
    html = (result.folder / "agency_diversified.briefing.html").read_text(encoding="utf-8")
    for tier in tiers - {w._("Lapsed")}:  # lapsed clients are listed under the table
        assert f"<td>{tier}</td>" in html


def test_the_charts_are_the_same_bytes_every_time_and_their_ids_never_clash(tmp_path):
    w = words("en")
    first = charts.pareto(["A", "B", "C"], [0.5, 0.3, 0.2], w).svg
    assert first == charts.pareto(["A", "B", "C"], [0.5, 0.3, 0.2], w).svg
    html = briefing_of(SAMPLES / "consultant_lost_key_client.xlsx", tmp_path)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 4  # Pareto, tiers, monthly, trend
    assert all('role="img"' in s and "aria-labelledby" in s for s in svgs)
    assert "Date" not in "".join(re.findall(r"<metadata>.*?</metadata>", html, re.S))


def test_user_text_in_the_currency_reaches_the_charts_as_text(tmp_path):
    from tests.conftest import INVOICE_HEADER, write_workbook

    header = (*INVOICE_HEADER, "Currency")
    rows = [
        (*inv("1", "A Co", "2026-01-10", 900), "$\\X$<b>"),
        (*inv("2", "B Co", "2026-02-10", 300), "$\\X$<b>"),
    ]
    book = write_workbook(tmp_path / "dollar.xlsx", rows, header=header)
    html = briefing_of(book, tmp_path / "out")
    assert "<b>" not in html and "$\\X$&lt;B&gt;" in html  # currency codes are upper-cased
    svg = html[html.index('<svg role="img" aria-labelledby="chart-tiers-title') :]
    assert "$\\X$&lt;B&gt;" in svg[: svg.index("</svg>")]


def test_persian_sentences_keep_latin_names_and_figures_in_place(workbook, tmp_path):
    book = workbook(
        [
            inv("1", "ACME (UK)", "2025-06-10", 9000),
            inv("2", "ACME (UK)", "2025-09-10", 9000),
            inv("3", "Bolt Ltd.", "2025-10-10", 1000),
        ]
    )
    html = briefing_of(book, tmp_path, lang="fa")
    # Each value of a right-to-left sentence is a first-strong isolate, digits are Persian.
    assert "\u2068ACME (UK)\u2069" in html
    assert re.search("\u2068[۰-۹٫]+%\u2069", html)
    assert not re.search(r"data-figure=\"revenue\">[^<]*[0-9]", html)


def test_a_ten_year_window_labels_about_two_dozen_months():
    import datetime as dt

    months = [dt.date(2016 + i // 12, i % 12 + 1, 1) for i in range(121)]
    chart = charts.monthly_by_tier(months, {"anchor": [100.0] * 121}, "EUR", words("en"))
    labels = re.findall(r">(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept|Oct|Nov|Dec) 20\d\d<", chart.svg)
    assert 10 <= len(labels) <= 25


def test_a_refund_to_a_lapsed_client_shows_in_revenue_by_tier(workbook, tmp_path):
    book = workbook(
        [
            inv("1", "A Co", "2025-06-10", 100),
            inv("3", "B Co", "2024-09-10", 6000),
            inv("2", "B Co", "2025-09-10", -5000, "credit note"),
        ]
    )
    html = briefing_of(book, tmp_path)
    svg = html[html.index('aria-labelledby="chart-tiers-title') :]
    desc = re.search(r'<desc id="chart-tiers-desc">([^<]+)<', svg).group(1)
    assert "Lapsed -5,000.00" in desc and "One-off 100.00" in desc


def test_the_lapsed_are_named_latest_first_and_the_rest_counted(workbook, tmp_path):
    """Thirty lapsed clients are named, the latest billed first; the page counts the rest,
    and summary.json keeps every one."""
    import datetime as dt

    gone = [(f"Gone {i:02d}", dt.date(2023, 1, 1) + dt.timedelta(days=3 * i)) for i in range(33)]
    rows = [inv(f"G{i}", name, day.isoformat(), 100 + i) for i, (name, day) in enumerate(gone)]
    rows += [inv("N1", "Now Co", "2025-06-30", 500), inv("N2", "Now Co", "2025-12-31", 500)]
    html = briefing_of(workbook(rows), tmp_path)
    lead = "Lapsed (billed before the window, nothing in it), with the last invoice:"
    paragraph = html.split(lead, 1)[1].split("</p>", 1)[0]
    latest_first = [name for name, _ in sorted(gone, key=lambda g: g[1], reverse=True)]
    assert re.findall(r"<bdi>([^<]+)</bdi>", paragraph) == latest_first[:30]
    assert paragraph.rstrip().endswith("and 3 more.")
    summary = json.loads(next(tmp_path.rglob("*.summary.json")).read_text())
    lapsed = {c["client"] for c in summary["clients"] if c["tier"] == "lapsed"}
    assert lapsed == {name for name, _ in gone}


# --- the catalogs ----------------------------------------------------------------------------


def _checker() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "check_catalog", Path(__file__).parents[1] / "scripts" / "check_catalog.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated_with_its_placeholders(lang, tmp_path, monkeypatch):
    root = Path(__file__).parents[1]
    copy = tmp_path / "pipeline" / "locale"
    shutil.copytree(root / "pipeline" / "locale", copy)
    monkeypatch.chdir(tmp_path)
    assert _checker().problems(lang) == []
    # The shipped .mo is the compiled .po: compiling again gives the same messages. The
    # metadata entry names the Babel that compiled it, so it is compared without that line.
    shipped = root / "pipeline" / "locale" / lang / "LC_MESSAGES" / "tierbook.mo"
    fresh = copy / lang / "LC_MESSAGES" / "tierbook.mo"
    assert _mo_messages(shipped) == _mo_messages(fresh)


def _mo_messages(path: Path) -> dict[Any, str]:
    import gettext

    with path.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    catalog[""] = "".join(
        line
        for line in catalog.get("", "").splitlines(keepends=True)
        if not line.startswith("Generated-By:")
    )
    return catalog


def test_the_catalogs_hold_every_message_the_code_and_templates_use():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).parents[1]
    method_map = [
        ("pipeline/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    options = {"templates/**": {"extensions": "jinja2.ext.i18n"}}
    used = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options, keywords={"_": None, "n_": (1, 2), "ngettext": (1, 2)}
    ):
        used.add(message[0] if isinstance(message, tuple) else message)
    with (root / "pipeline" / "locale" / "tierbook.pot").open("rb") as handle:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    assert used - template == set(), "run 'make catalogs'"
    assert template - used == set(), "run 'make catalogs'"


# --- snapshots --------------------------------------------------------------------------------

SNAPSHOTS = [(name, "en") for name in NAMES] + [
    ("consultant_lost_key_client", lang) for lang in LANGUAGES if lang != "en"
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "lang"), SNAPSHOTS)
def test_golden_briefing(name, lang, tmp_path):
    """The rendered page equals its snapshot; `make golden` refreshes them after a deliberate change."""
    html = briefing_of(SAMPLES / f"{name}.xlsx", tmp_path, lang=lang)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    golden = GOLDEN / f"{name}.{lang}.briefing.html"
    if os.environ.get("TIERBOOK_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(html, encoding="utf-8")
    assert golden.exists(), "no snapshot yet: run 'make golden'"
    expected = golden.read_text(encoding="utf-8")
    if html != expected:
        diff = "\n".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(), html.splitlines(), "snapshot", "now", lineterm="", n=1
                )
            )[:40]
        )
        pytest.fail(f"{golden.name} changed (run 'make golden' if on purpose):\n{diff}")


# --- in a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every sample's briefing in every language."""
    out = tmp_path_factory.mktemp("briefings")
    found = {}
    for name in NAMES:
        for lang in LANGUAGES:
            result = report(
                SAMPLES / f"{name}.xlsx", out, Options(lang=lang), name=f"{name}-{lang}"
            )
            found[(name, lang)] = next(f for f in result.files if f.suffix == ".html")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_loads_offline_prints_small_and_is_accessible(browser, pages, lang, tmp_path):
    name = "consultant_lost_key_client"
    page, requests, problems = open_page(browser, pages[(name, lang)])
    assert requests == [pages[(name, lang)].as_uri()]  # the page itself, nothing else
    assert problems == []
    shot = page.screenshot(full_page=True)
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    (tmp_path / f"{name}-{lang}.png").write_bytes(shot)
    facts = page.evaluate(
        """() => ({
        lang: document.documentElement.lang,
        dir: getComputedStyle(document.documentElement).direction,
        landmarks: ['header', 'main', 'footer'].map(t => document.querySelectorAll(t).length),
        headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]),
        unnamedSections: [...document.querySelectorAll('section')].filter(s => {
            const id = s.getAttribute('aria-labelledby');
            return !id || !document.getElementById(id) || !document.getElementById(id).textContent.trim();
        }).length,
        headerlessTables: [...document.querySelectorAll('table')].filter(t => !t.querySelector('thead th[scope=col]')).length,
        charts: [...document.querySelectorAll('svg')].map(s => ({
            role: s.getAttribute('role'),
            title: (s.querySelector('title') || {}).textContent || '',
            width: s.getBoundingClientRect().width,
        })),
        scripts: document.querySelectorAll('script').length,
        kpiLeft: [...document.querySelectorAll('.kpi')].map(k => k.getBoundingClientRect().left),
    })"""
    )
    assert facts["landmarks"] == [1, 1, 1]
    assert facts["headings"][0] == 1 and facts["headings"].count(1) == 1
    assert all(b - a <= 1 for a, b in zip(facts["headings"], facts["headings"][1:], strict=False))
    assert facts["unnamedSections"] == 0 and facts["headerlessTables"] == 0
    assert len(facts["charts"]) == 4
    assert all(c["role"] == "img" and c["title"] and c["width"] > 300 for c in facts["charts"])
    assert facts["scripts"] == 0
    # Right to left for Persian: the layout is mirrored, the first figure (revenue) on the right.
    first, *others = facts["kpiLeft"]
    if lang == "fa":
        assert facts["dir"] == "rtl" and all(first > x for x in others)
    else:
        assert facts["dir"] == "ltr" and all(first < x for x in others)
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_sample_prints_on_at_most_six_a4_pages_in_every_language(
    browser, pages, name, tmp_path
):
    counts = {}
    for lang in LANGUAGES:
        page, _requests, problems = open_page(browser, pages[(name, lang)])
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        page.close()
        assert pdf.startswith(b"%PDF") and problems == []
        counts[lang] = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert all(1 <= n <= 6 for n in counts.values()), counts


@pytest.mark.slow
def test_on_a_phone_nothing_but_wide_tables_scrolls_sideways(browser, pages):
    for lang in ("en", "fa"):
        page, _requests, problems = open_page(
            browser, pages[("agency_diversified", lang)], width=375
        )
        overflow = page.evaluate("document.documentElement.scrollWidth")
        page.close()
        assert problems == [] and overflow <= 376, (lang, overflow)


SMALLEST_CHART_TEXT = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')));
    return {scale, smallest: Math.min(...sizes) * scale,
            scrollerRight: svg.closest('.chart-scroll').getBoundingClientRect().right};
})"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_chart_text_is_ten_pixels_or_more_and_wide_charts_scroll_in_their_own_box(
    browser, pages, width
):
    for lang in ("en", "fa"):
        page, _requests, problems = open_page(
            browser, pages[("consultant_lost_key_client", lang)], width=width
        )
        charts = page.evaluate(SMALLEST_CHART_TEXT)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        page.close()
        assert problems == [] and len(charts) == 4
        assert all(c["smallest"] >= 10 - 0.01 for c in charts), (lang, width, charts)
        # the chart scrolls inside its box; the page itself never scrolls sideways
        assert overflow <= width and all(c["scrollerRight"] <= width for c in charts)


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_labels_and_figures_are_never_split_inside_a_word(browser, pages, width):
    """Tier and grade labels, figures and the actions' amounts each stay on one line, on a phone
    and on a desktop, in the languages with the longest words."""
    for lang in ("en", "ru", "fi"):
        page, _requests, problems = open_page(
            browser, pages[("agency_diversified", lang)], width=width
        )
        split = page.evaluate(
            """() => [...document.querySelectorAll(
                'table.clients td:nth-child(3), table.clients td.num, table.receivables td.num, .kpi dd, .actions .amount'
            )].filter(el => {
                const range = document.createRange();
                range.selectNodeContents(el);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                return el.textContent.trim() && lines.size > 1;
            }).map(el => el.textContent.trim())"""
        )
        page.close()
        assert problems == [] and split == [], (lang, width, split[:5])


@pytest.mark.slow
def test_the_hostile_name_shows_as_text_in_the_browser(browser, workbook, tmp_path):
    book = workbook(
        [inv("1", HOSTILE, "2026-01-10", 5000), inv("2", "Plain Ltd", "2026-04-10", 700)]
    )
    result = report(book, tmp_path)
    page_file = next(f for f in result.files if f.suffix == ".html")
    page, requests, problems = open_page(browser, page_file)
    text = page.inner_text("main")
    scripts = page.evaluate("document.querySelectorAll('script').length")
    page.close()
    assert HOSTILE in text
    assert scripts == 0 and problems == [] and requests == [page_file.as_uri()]


@pytest.mark.slow
def test_a_very_long_name_wraps_in_print_and_every_column_stays_on_the_page(
    browser, workbook, tmp_path
):
    long_name = "Verylongclientname" * 12
    book = workbook([inv("1", long_name, "2026-01-10", 900), inv("2", "B Co", "2026-02-10", 100)])
    result = report(book, tmp_path)
    page_file = next(f for f in result.files if f.suffix == ".html")
    page, _requests, problems = open_page(
        browser, page_file, width=700
    )  # about A4's printable width
    page.emulate_media(media="print")
    edges = page.evaluate(
        "[...document.querySelectorAll('table.clients tr')].map(r => r.lastElementChild.getBoundingClientRect().right)"
    )
    page.close()
    assert problems == [] and edges and max(edges) <= 700


def test_long_lists_name_their_largest_clients_and_say_how_many_more(tmp_path, monkeypatch):
    """A long tail's lists (six hundred grade D clients, thousands gone quiet) are cut at
    their largest clients, and the page says how many the workbook lists; the warnings name
    the first ten and count the rest. summary.json keeps every name."""
    from pipeline.render.html import briefing as briefing_module
    from pipeline.words import sentences

    monkeypatch.setattr(briefing_module, "LIST_SHOWN", 1)
    monkeypatch.setattr(sentences, "NAMES_SHOWN", 2)
    result = report(SAMPLES / "agency_diversified.xlsx", tmp_path)
    page = (result.folder / "agency_diversified.briefing.html").read_text()
    clients = json.loads((result.folder / "agency_diversified.summary.json").read_text())["clients"]
    by_rank = sorted((c for c in clients if c["rank"] is not None), key=lambda c: c["rank"])
    growth = [c["client"] for c in by_rank if "growth" in c["roles"]]
    assert len(growth) > 1, "the sample must hold more than one growth client"
    assert f"The largest 1 of {len(growth)} clients are shown; the workbook" in page
    section = page.split('id="growth"', 1)[1].split("</section>", 1)[0]
    assert growth[0] in section and all(name not in section for name in growth[1:])

    w = words("en")
    assert sentences.named(["A", "B", "C", "D"], w) == "A, B, and 2 more"
    assert sentences.named(["A", "B"], w) == "A, B"
    assert sentences.named(["A", "B", "C"], words("ru")) == "A, B, и ещё 1"


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_a_headline_figure_of_tens_of_millions_stays_inside_its_card(
    browser, workbook, tmp_path, width
):
    """A shop's revenue in a currency without a sign ("ZAR20,893,021.00", 16 characters) is
    shown whole, inside its card, on a phone and on a desktop, in both directions; the cards
    still share rows."""
    book = workbook(
        [
            inv("1", "Umhlanga Traders", "2026-01-10", 12_893_021),
            inv("2", "Karoo Wholesale", "2026-04-10", 6_000_000),
            inv("3", "Cape Outfitters", "2026-06-10", 2_000_000),
        ]
    )
    for lang in ("en", "fa"):
        result = report(book, tmp_path / lang, Options(currency="ZAR", lang=lang))
        page_file = next(f for f in result.files if f.suffix == ".html")
        page, _requests, problems = open_page(browser, page_file, width=width)
        cards = page.evaluate(
            """() => [...document.querySelectorAll('.kpi')].map(k => {
                const card = k.getBoundingClientRect(), dd = k.querySelector('dd');
                const figure = dd.getBoundingClientRect();
                return {text: dd.textContent, top: card.top, inside:
                    figure.left >= card.left - 0.5 && figure.right <= card.right + 0.5
                    && dd.scrollWidth <= dd.clientWidth + 1};
            })"""
        )
        page.close()
        assert problems == []
        assert "20,893,021" in cards[0]["text"] or "۲۰٬۸۹۳٬۰۲۱" in cards[0]["text"]
        assert all(card["inside"] for card in cards), (lang, width, cards)
        assert len({card["top"] for card in cards}) < len(cards)  # some share a row
