"""The CLI on every sample workbook: three outputs that agree with each other and with the input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import fastexcel
import openpyxl
import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow
NAMES = sorted(p.stem for p in SAMPLES.glob("*.xlsx"))


@pytest.fixture(scope="session")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    tierbook = Path(sys.executable).with_name("tierbook")
    done = subprocess.run(
        [str(tierbook), "report", str(SAMPLES), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return out


def _json(reports: Path, name: str) -> dict:
    return json.loads((reports / name / f"{name}.summary.json").read_text(encoding="utf-8"))


def _sheet(path: Path, name: str):
    """The second reader (calamine via fastexcel), not the library that wrote the file."""
    return fastexcel.read_excel(str(path)).load_sheet(name, header_row=None).to_polars()


def test_there_are_three_samples():
    assert NAMES == ["agency_diversified", "consultant_lost_key_client", "freelancer_one_anchor"]


@pytest.mark.parametrize("name", NAMES)
def test_outputs_exist_and_agree(reports, name):
    folder = reports / name
    data = _json(reports, name)
    revenue = data["totals"]["revenue"]
    # workbook, read back by a second reader
    summary = _sheet(folder / f"{name}.annotated.xlsx", "Summary")
    figures = {
        row[0]: row[1] for row in summary.iter_rows() if row[0]
    }  # mixed column: read as text
    assert float(figures[f"Revenue, net ({data['currency']})"]) == pytest.approx(revenue, abs=0.005)
    assert float(figures["Top-1 share"]) == pytest.approx(data["concentration"]["top1_share"])
    assert float(figures["HHI (0-10,000)"]) == pytest.approx(data["concentration"]["hhi"])
    clients = (
        fastexcel.read_excel(str(folder / f"{name}.annotated.xlsx"))
        .load_sheet("Client analysis")
        .to_polars()
    )
    column = f"Revenue ({data['currency']})"
    assert clients[column].sum() == pytest.approx(revenue, abs=0.01)
    assert clients["Client"].to_list() == [c["client"] for c in data["clients"]]
    # briefing
    html = (folder / f"{name}.briefing.html").read_text(encoding="utf-8")
    shown = re.search(r'data-figure="revenue">([^<]+)<', html).group(1)
    # English figures: a currency sign, thousands commas, two decimals.
    assert float(re.sub(r"[^0-9.\-]", "", shown)) == pytest.approx(revenue, abs=0.005)
    assert f"{data['concentration']['top1_share'] * 100:.1f}%" in html
    # shares and the share base
    assert sum(c["share"] or 0 for c in data["clients"]) == pytest.approx(1.0)


@pytest.mark.parametrize("name", NAMES)
def test_totals_tie_out_to_the_input(reports, name):
    """The Method sheet's total equals the Amount column of the user's own sheet, read independently."""
    source = openpyxl.load_workbook(SAMPLES / f"{name}.xlsx", read_only=True)
    ws = source["Invoices"]
    rows = list(ws.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row and "Amount" in row)
    amount_col = rows[header_index].index("Amount")
    status_col = rows[header_index].index("Status")
    amounts = [
        r[amount_col]
        for r in rows[header_index + 1 :]
        if r and isinstance(r[amount_col], int | float)
    ]
    void = [r[amount_col] for r in rows[header_index + 1 :] if r and r[status_col] == "void"]
    method = _sheet(reports / name / f"{name}.annotated.xlsx", "Method")
    items = {row[0]: row[1] for row in method.iter_rows()}
    assert float(items["Usable invoice rows, total amount"]) == pytest.approx(sum(amounts))
    assert float(items["of which void or draft"]) == pytest.approx(sum(void))
    data = _json(reports, name)
    assert data["totals"]["revenue"] == pytest.approx(
        data["totals"]["gross"] + data["totals"]["credits"]
    )


def test_freelancer_depends_on_one_anchor_for_about_half(reports):
    data = _json(reports, "freelancer_one_anchor")
    top = data["clients"][0]
    assert top["client"] == "Nordlicht Media GmbH" and top["tier"] == "anchor"
    assert 0.4 <= top["share"] <= 0.6
    assert data["concentration"]["verdict"] == "very high"
    new = [c["client"] for c in data["clients"] if c["tier"] == "new"]
    assert new == ["Marlow Coffee Roasters"]


def test_consultant_lost_a_key_client(reports):
    data = _json(reports, "consultant_lost_key_client")
    lost = [c["client"] for c in data["lost_key_clients"]]
    assert lost == ["Meridian Health Systems"]
    assert data["lost_key_clients"][0]["prior_share"] > 0.3
    assert any(w["code"] == "lost_key_clients" for w in data["warnings"])
    # the trailing-space spelling of Bluefin is the same client
    assert [c["client"] for c in data["clients"]].count("Bluefin Analytics") == 1


def test_agency_is_diversified(reports):
    data = _json(reports, "agency_diversified")
    assert data["concentration"]["top1_share"] < 0.15
    assert data["concentration"]["effective_clients"] > 10
    assert data["concentration"]["verdict"] in {"low", "moderate"}
    assert data["concentration"]["hhi_band"] == "unconcentrated"


def test_samples_regenerate_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_samples.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in NAMES:
        assert (tmp_path / f"{name}.xlsx").read_bytes() == (
            SAMPLES / f"{name}.xlsx"
        ).read_bytes(), name


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("name", NAMES)
def test_briefings_name_the_anchors_lost_key_clients_and_warnings(reports, name):
    data = _json(reports, name)
    html = (reports / name / f"{name}.briefing.html").read_text(encoding="utf-8")
    anchors = [c["client"] for c in data["clients"] if c["tier"] == "anchor"]
    assert anchors, name
    anchor_section = _section(html, "anchors")
    for anchor in anchors:
        assert f"<strong><bdi>{anchor.replace('&', '&amp;')}</bdi></strong>" in anchor_section
    lost_section = _section(html, "lost")
    for lost in data["lost_key_clients"]:
        assert f"<strong><bdi>{lost['client'].replace('&', '&amp;')}</bdi></strong>" in lost_section
        assert "Post-mortem" in lost_section
    headline = _section(html, "headline")
    for warning in data["warnings"]:
        assert warning["text"].replace("&", "&amp;") in headline


def test_sample_labels_match_their_stories(reports):
    freelancer = _json(reports, "freelancer_one_anchor")
    nordlicht = freelancer["clients"][0]
    assert "large-constant" in nordlicht["roles"] and "referrer" in nordlicht["roles"]
    assert any(c["grade"] == "D" for c in freelancer["clients"])  # Tidewater Books' write-off
    consultant = _json(reports, "consultant_lost_key_client")
    meridian = consultant["lost_key_clients"][0]
    assert meridian["prior_tier"] == "anchor" and meridian["revenue_lost"] > 100_000
    assert meridian["last_invoice"] == "2025-12-03"


def _differences(expected, got, where: str = "") -> list[str]:
    """Where two parsed documents differ, as paths: the first few are enough to see why."""
    if isinstance(expected, dict) and isinstance(got, dict):
        keys = list(expected) + [k for k in got if k not in expected]
        return [d for k in keys for d in _differences(expected.get(k), got.get(k), f"{where}.{k}")]
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [
            d
            for i, (e, g) in enumerate(zip(expected, got, strict=True))
            for d in _differences(e, g, f"{where}[{i}]")
        ]
    return (
        []
        if expected == got and type(expected) is type(got)
        else [f"{where}: {expected!r} -> {got!r}"]
    )


@pytest.mark.parametrize("name", NAMES)
def test_golden_summary(reports, name):
    """Every figure of ``summary.json`` equals its snapshot to the last bit (the tool's version
    aside): a change in how a sum is taken can move a share or an HHI in its 17th digit and no
    page shows it. `make golden` refreshes the snapshots after a deliberate change."""
    written = (reports / name / f"{name}.summary.json").read_text(encoding="utf-8")
    golden = ROOT / "tests" / "golden" / f"{name}.summary.json"
    if os.environ.get("TIERBOOK_UPDATE_GOLDEN"):
        golden.write_text(written, encoding="utf-8")
    assert golden.exists(), "no snapshot yet: run 'make golden'"
    expected, got = json.loads(golden.read_text(encoding="utf-8")), json.loads(written)
    expected.pop("tool"), got.pop("tool")
    changed = _differences(expected, got)
    assert not changed, f"{golden.name} changed (run 'make golden' if on purpose):\n" + "\n".join(
        changed[:20]
    )
