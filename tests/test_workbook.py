"""The annotated workbook: the user's package intact, live formulas that tie out, real tables,
charts and notes, checked with a second reader and after LibreOffice recalculates it."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from concurrent.futures import Future
from pathlib import Path

import fastexcel
import openpyxl
import pytest

from pipeline.report import report
from tests.conftest import ANALYSIS_SHEETS, INVOICE_HEADER, SAMPLES, D, inv, libreoffice
from tests.workbooks import rich_workbook

# Parts a new sheet must be registered in, or that gain annotation cells: everything else is copied.
CHANGED = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"}


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rich")
    path = rich_workbook(folder / "rich.xlsx")
    result = report(path, folder / "out")
    return (
        path,
        result.folder / "rich.annotated.xlsx",
        json.loads((result.folder / "rich.summary.json").read_text()),
    )


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _sheet_part(members: dict[str, bytes], name: str) -> str:
    workbook = members["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet name="{re.escape(name)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")


def test_every_other_part_of_the_users_package_is_copied_byte_for_byte(rich):
    source, annotated, _ = rich
    before, after = _members(source), _members(annotated)
    touched = CHANGED | {_sheet_part(before, "Invoices"), _sheet_part(before, "Clients")}
    for name, data in before.items():
        if name not in touched:
            if name.startswith("xl/worksheets/"):
                # the one change: the workbook opens on Summary, so no other tab is selected
                data = re.sub(rb'(<sheetView\b[^<>]*?)\stabSelected="(?:1|true)"', rb"\1", data)
            assert after.get(name) == data, name
    # the chart, text box, image and their drawings are among them
    assert any(n.startswith("xl/charts/") for n in before) and any(
        n.startswith("xl/media/") for n in before
    )


def test_annotated_sheets_keep_every_original_element(rich):
    source, annotated, _ = rich
    before, after = _members(source), _members(annotated)
    part = _sheet_part(before, "Invoices")
    old, new = before[part].decode(), after[part].decode()
    for element in ("dataValidations", "pane", "extLst", "x14:sparklineGroups", "pageMargins"):
        found = re.search(rf"<{element}\b.*?(/>|</{element}>)", old, re.S)
        assert found and found.group(0) in new, element
    for column in re.findall(r"<col [^>]*/>", old):
        assert column in new


def test_original_values_formats_and_cached_formula_survive(rich):
    source, annotated, _ = rich
    a, b = openpyxl.load_workbook(source), openpyxl.load_workbook(annotated)
    for name in a.sheetnames:
        wa, wb_ = a[name], b[name]
        assert wa.merged_cells.ranges == wb_.merged_cells.ranges
        assert wa.freeze_panes == wb_.freeze_panes
        for ra, rb in zip(wa.iter_rows(), wb_.iter_rows(max_col=wa.max_column), strict=True):
            assert [(c.value, c.number_format, c.data_type) for c in ra] == [
                (c.value, c.number_format, c.data_type) for c in rb
            ]
    assert b.defined_names["Amounts"].attr_text == a.defined_names["Amounts"].attr_text
    cached = (
        fastexcel.read_excel(str(annotated)).load_sheet("Overview", header_row=None).to_polars()
    )
    assert float(cached.row(2)[0]) == pytest.approx(
        sum(1000.0 + 250 * (i % 4) + 10 * i for i in range(36))
    )


def test_annotation_columns_and_notes(rich):
    _, annotated, data = rich
    wb = openpyxl.load_workbook(annotated)
    ws = wb["Invoices"]
    header = [c.value for c in ws[1]]
    assert header[-5:] == [
        "tierbook: tier",
        "tierbook: grade",
        "tierbook: roles",
        "tierbook: share",
        "tierbook: flags",
    ]
    by_client = {c["client"]: c for c in data["clients"]}
    tier_col = len(header) - 5
    labels = {
        "anchor": "Anchor",
        "recurring": "Recurring",
        "one-off": "One-off",
        "new": "New",
        "lapsed": "Lapsed",
    }
    noted = 0
    for row in ws.iter_rows(min_row=2):
        client = row[1].value
        assert row[tier_col].value == labels[by_client[client]["tier"]]
        assert row[tier_col + 3].value == pytest.approx(by_client[client]["share"])
        if row[tier_col].comment:
            noted += 1
            assert by_client[client]["reasons"][0] in row[tier_col].comment.text
    assert noted == len(by_client)  # one note on each client's first invoice row
    assert ws.cell(1, tier_col + 1).fill.fgColor.rgb == "FF0E6E6E"  # a header style of its own
    method = {r[0]: r[1] for r in wb["Method"].iter_rows(min_row=2, values_only=True)}
    assert (
        "notes of its own" in method["Not carried over"]
    )  # Clients had a note: ours are not added


def test_analysis_sheets_are_tables_with_frozen_headers_and_conditional_formats(rich):
    _, annotated, summary = rich
    wb = openpyxl.load_workbook(annotated)
    for name in ANALYSIS_SHEETS:
        ws = wb[name]
        assert ws.tables, name
        assert ws.freeze_panes, name
    # The Client analysis table covers every client's row, those put in after xlsxwriter too.
    clients = wb["Client analysis"]
    (table,) = [clients.tables[t] for t in clients.tables]
    assert table.ref == table.autoFilter.ref == f"A1:AJ{clients.max_row}"
    assert clients.max_row == 1 + len(summary["clients"])
    kinds = {
        rule.type for rules in wb["Client analysis"].conditional_formatting for rule in rules.rules
    }
    assert {"dataBar", "colorScale", "expression"} <= kinds
    members = _members(annotated)
    charts = [n for n in members if n.startswith("xl/charts/chart")]
    assert len(charts) == 1 + 4  # the user's own chart and our four (Summary three, Trend one)
    ours = [
        members[n].decode()
        for n in charts
        if b"Concentration" in members[n] or b"Monthly" in members[n] or b"Summary" in members[n]
    ]
    assert len(ours) == 3


def test_two_runs_give_the_same_sha256(rich, tmp_path):
    source, annotated, _ = rich
    again = report(source, tmp_path / "again").folder / "rich.annotated.xlsx"
    assert (
        hashlib.sha256(again.read_bytes()).hexdigest()
        == hashlib.sha256(annotated.read_bytes()).hexdigest()
    )


def _recalculated(paths: list[Path], out: Path, profile: Path) -> Path:
    """LibreOffice, told to recalculate on load, saves copies whose cached values were removed."""
    stripped = out / "stripped"
    stripped.mkdir(parents=True)
    for path in paths:
        with (
            zipfile.ZipFile(path) as src,
            zipfile.ZipFile(stripped / path.name, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename.startswith("xl/worksheets/"):
                    data = re.sub(
                        rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data
                    )  # no cached values left
                dst.writestr(info, data)
    return libreoffice([stripped / p.name for p in paths], out, profile, recalculate=True)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recalc")
    paths, summaries = [], {}
    for sample in sorted(SAMPLES.glob("*.xlsx")):
        result = report(sample, folder / "reports")
        paths.append(result.folder / f"{sample.stem}.annotated.xlsx")
        summaries[sample.stem] = json.loads(
            (result.folder / f"{sample.stem}.summary.json").read_text()
        )
    out = _recalculated(paths, folder / "lo", folder / "profile")
    return out, summaries


def _frame(path: Path, sheet: str, header: bool = True):
    return (
        fastexcel.read_excel(str(path))
        .load_sheet(sheet, header_row=0 if header else None)
        .to_polars()
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.xlsx")))
def test_formulas_recalculated_by_libreoffice_equal_the_json(recalculated, name):
    out, summaries = recalculated
    data, path = summaries[name], out / f"{name}.annotated.xlsx"
    conc = data["concentration"]
    pareto = _frame(path, "Concentration")
    table = pareto.filter(pareto["Client"].is_not_null())
    values = openpyxl.load_workbook(
        path, data_only=True
    )  # LibreOffice's cached results, full precision
    shares = {c["client"]: c for c in data["clients"] if c["share"] is not None}
    assert table["Client"].to_list() == list(shares)
    precise = {
        r[1]: r
        for r in values["Concentration"].iter_rows(min_row=2, max_col=6, values_only=True)
        if r[1]
    }
    for _, client, _, share, cumulative, abc in precise.values():
        assert share == pytest.approx(shares[client]["share"], rel=1e-9)
        assert cumulative == pytest.approx(shares[client]["cumulative_share"], rel=1e-9)
        assert abc == shares[client]["abc_class"]
    figures = {
        r[0]: r[1]
        for r in values["Concentration"].iter_rows(
            min_col=8, max_col=9, min_row=2, max_row=7, values_only=True
        )
    }
    assert figures["HHI (0-10,000)"] == pytest.approx(conc["hhi"], rel=1e-9)
    assert figures["Effective number of clients"] == pytest.approx(
        conc["effective_clients"], rel=1e-9
    )
    for k in (1, 3, 5):
        assert figures[f"Top-{k} share"] == pytest.approx(conc[f"top{k}_share"], rel=1e-9)
    rows = [
        r
        for r in values["Concentration"].iter_rows(values_only=True)
        if str(r[7]).startswith("Losing")
    ]
    for row, case in zip(rows, data["stress_test"], strict=True):
        assert row[8] == pytest.approx(case["revenue_lost"], rel=1e-9)
        assert row[9] == pytest.approx(case["revenue_after"], rel=1e-9)
        assert row[11] == pytest.approx(case["hhi_after"], rel=1e-9)
    summary = list(values["Summary"].iter_rows(values_only=True))
    kpis = {r[0]: r[1] for r in summary if r[0]}
    assert kpis[f"Revenue, net ({data['currency']})"] == pytest.approx(
        data["totals"]["revenue"], rel=1e-9
    )
    assert kpis["HHI (0-10,000)"] == pytest.approx(conc["hhi"], rel=1e-9)
    assert kpis["Top-5 share"] == pytest.approx(conc["top5_share"], rel=1e-9)
    tiers = {
        r[3]: r[4] for r in summary if r[3] in {"Anchor", "Recurring", "One-off", "New", "Lapsed"}
    }
    labels = {
        "anchor": "Anchor",
        "recurring": "Recurring",
        "one-off": "One-off",
        "new": "New",
        "lapsed": "Lapsed",
    }
    for tier, label in labels.items():
        expected = sum(c["revenue"] for c in data["clients"] if c["tier"] == tier)
        assert tiers[label] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    monthly = list(
        openpyxl.load_workbook(path, data_only=True)["Monthly"].iter_rows(values_only=True)
    )
    total_row = [row for row in monthly if row[0] == "Total"][0]
    column = monthly[0].index("Total")  # the months' days follow it
    assert total_row[column] == pytest.approx(data["totals"]["revenue"], rel=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.xlsx")))
def test_libreoffice_shows_no_error_values(recalculated, name):
    out, _ = recalculated
    reader = fastexcel.read_excel(str(out / f"{name}.annotated.xlsx"))
    assert list(reader.sheet_names[-len(ANALYSIS_SHEETS) :]) == list(ANALYSIS_SHEETS)
    for sheet in reader.sheet_names:
        frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        for column in frame.columns:
            bad = [
                v
                for v in frame[column].drop_nulls().to_list()
                if re.match(r"^(#REF!|#NAME\?|#DIV/0!|#VALUE!|#N/A|#NUM!|#NULL!|Err:\d+)$", v)
            ]
            assert not bad, (sheet, column, bad[:3])


def _as_xlsm(source: Path, target: Path) -> Path:
    """The same package, declared macro-enabled and holding a (dummy) VBA project part."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            dst.writestr(info, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real project")
    return target


def test_a_macro_workbook_comes_back_as_a_plain_xlsx_and_says_so(tmp_path):
    source = _as_xlsm(rich_workbook(tmp_path / "plain.xlsx"), tmp_path / "macros.xlsm")
    result = report(source, tmp_path / "out")
    out = result.folder / "macros.annotated.xlsx"
    members = _members(out)
    assert (
        "xl/vbaProject.bin" not in members
        and b"vbaProject" not in members["xl/_rels/workbook.xml.rels"]
    )
    assert b"macroEnabled" not in members["[Content_Types].xml"]
    method = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(out)["Method"].iter_rows(min_row=2, values_only=True)
    }
    assert "macros" in method["Not carried over"]
    assert source.read_bytes().count(b"vbaProject") > 0  # the input keeps them


def test_a_package_that_cannot_be_extended_falls_back_to_the_analysis_alone(tmp_path, monkeypatch):
    from pipeline.errors import PackageError
    from pipeline.render.xlsx import workbook

    def refuse(*args, **kwargs):
        raise PackageError("no sheet list")

    monkeypatch.setattr(workbook, "plan_merge", refuse)
    result = report(rich_workbook(tmp_path / "odd.xlsx"), tmp_path / "out")
    wb = openpyxl.load_workbook(result.folder / "odd.annotated.xlsx")
    assert wb.sheetnames == list(ANALYSIS_SHEETS)
    method = {r[0]: r[1] for r in wb["Method"].iter_rows(min_row=2, values_only=True)}
    assert "could not be extended safely (no sheet list)" in method["Not carried over"]


def test_merge_refuses_what_is_not_a_package():
    from pipeline.errors import PackageError
    from pipeline.ooxml.plan import plan_merge

    with pytest.raises(PackageError):
        plan_merge(b"not a zip", [])


@pytest.mark.slow
def test_a_workbook_saved_by_libreoffice_is_extended_and_reopens(tmp_path):
    """LibreOffice writes packages its own way (namespaces, column ranges, styles)."""
    profile = tmp_path / "profile"
    libreoffice([SAMPLES / "consultant_lost_key_client.xlsx"], tmp_path / "lo", profile)
    source = tmp_path / "lo" / "consultant_lost_key_client.xlsx"
    annotated = (
        report(source, tmp_path / "out").folder / "consultant_lost_key_client.annotated.xlsx"
    )
    a, b = openpyxl.load_workbook(source), openpyxl.load_workbook(annotated)
    assert b.sheetnames == [*a.sheetnames, *ANALYSIS_SHEETS]
    for name in a.sheetnames:
        for ra, rb in zip(
            a[name].iter_rows(), b[name].iter_rows(max_col=a[name].max_column), strict=True
        ):
            assert [(c.value, c.number_format) for c in ra] == [
                (c.value, c.number_format) for c in rb
            ]
    assert [c.value for c in b["Invoices"][1]][-5:][0] == "tierbook: tier"
    libreoffice([annotated], tmp_path / "again", profile)
    reopened = fastexcel.read_excel(str(tmp_path / "again" / annotated.name))
    assert reopened.sheet_names == b.sheetnames


def test_the_workbook_opens_on_the_summary_with_no_other_tab_selected(tmp_path):
    """The user's active sheet was the second (Clients); the annotated copy opens on Summary,
    the one selected tab, so no edit goes to a grouped sheet."""
    source = tmp_path / "active.xlsx"
    wb = openpyxl.load_workbook(SAMPLES / "agency_diversified.xlsx")
    wb.active = 1
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is wb.active
    wb.save(source)
    result = report(source, tmp_path / "out")
    annotated = openpyxl.load_workbook(result.folder / "active.annotated.xlsx")
    assert annotated.active.title == "Summary"
    assert [ws.title for ws in annotated.worksheets if ws.sheet_view.tabSelected] == ["Summary"]


class _Inline:
    """A pool that runs each job at once on the caller's thread."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, job, *args):
        done: Future = Future()
        done.set_result(job(*args))
        return done

    def shutdown(self, wait=True):
        pass


def test_the_package_is_merged_off_the_callers_thread_while_it_renders(tmp_path, monkeypatch):
    """The merge (rows made, parts deflated) runs on the sheets' thread, begun before the
    briefing is rendered, and the report's workbook is its result, the same bytes as a merge
    on the caller's own thread."""
    import threading

    from pipeline import report as report_module
    from pipeline.render.xlsx import workbook as workbook_module

    seen: list[tuple[str, str]] = []
    merge = workbook_module.write_merge
    briefing = report_module.render_briefing

    def merged(*args, **kwargs):
        seen.append(("merge", threading.current_thread().name))
        return merge(*args, **kwargs)

    def rendered(*args, **kwargs):
        seen.append(("briefing", threading.current_thread().name))
        return briefing(*args, **kwargs)

    monkeypatch.setattr(workbook_module, "write_merge", merged)
    monkeypatch.setattr(report_module, "render_briefing", rendered)
    source = SAMPLES / "agency_diversified.xlsx"
    threaded = report(source, tmp_path / "a")
    where = dict(seen)
    assert where["merge"].startswith("tierbook-sheets")
    assert where["briefing"] == threading.current_thread().name

    monkeypatch.setattr(workbook_module, "ThreadPoolExecutor", _Inline)
    inline = report(source, tmp_path / "b")
    name = f"{source.stem}.annotated.xlsx"
    assert (threaded.folder / name).read_bytes() == (inline.folder / name).read_bytes()


def test_the_analysis_sheets_are_merged_while_the_data_sheets_are_still_being_spliced(
    tmp_path, monkeypatch
):
    """The merge does everything but the data sheets before it waits for their bodies: here
    the bodies are held back until the analysis sheets have been carried in, which a merge
    that began only once the bodies were done would never do."""
    import threading

    from pipeline.ooxml import merge as merge_module
    from pipeline.render.xlsx import workbook as workbook_module

    carried = threading.Event()
    carry = merge_module._carry_analysis_parts
    bodies = workbook_module.sheet_bodies
    held: list[bool] = []

    def carrying(*args, **kwargs):
        try:
            return carry(*args, **kwargs)
        finally:
            carried.set()

    def held_back(*args, **kwargs):
        held.append(carried.wait(timeout=30))
        return bodies(*args, **kwargs)

    monkeypatch.setattr(merge_module, "_carry_analysis_parts", carrying)
    monkeypatch.setattr(workbook_module, "sheet_bodies", held_back)
    source = SAMPLES / "agency_diversified.xlsx"
    result = report(source, tmp_path / "out")
    assert held == [True]
    with zipfile.ZipFile(result.folder / f"{source.stem}.annotated.xlsx") as archive:
        assert archive.testzip() is None


def test_a_text_exports_workbook_is_finished_off_the_callers_thread(tmp_path, monkeypatch):
    """A CSV has no package to extend: the analysis workbook alone is made, its long tables'
    rows put in and its parts deflated on a thread of its own while the briefing and the JSON
    are rendered. Here that thread waits until the JSON has been made, which a workbook
    finished on the caller's thread, before the briefing, could never see. The bytes are those
    of a workbook finished on the caller's thread."""
    import threading

    from pipeline import report as report_module
    from pipeline.render.xlsx import workbook as workbook_module

    rendered = threading.Event()
    finish = workbook_module.standalone
    summary = report_module.summary_with_head
    seen: list[tuple[str, bool]] = []

    def finishing(*args, **kwargs):
        seen.append((threading.current_thread().name, rendered.wait(timeout=30)))
        return finish(*args, **kwargs)

    def summarised(*args, **kwargs):
        try:
            return summary(*args, **kwargs)
        finally:
            rendered.set()

    monkeypatch.setattr(workbook_module, "standalone", finishing)
    monkeypatch.setattr(report_module, "summary_with_head", summarised)
    source = tmp_path / "export.csv"
    source.write_text(
        "Invoice No,Customer,Date,Amount\n"
        + "".join(
            f"INV-{i},Client {i % 7},2026-{1 + i % 12:02d}-{1 + i % 27:02d},{100 + 37 * i}.50\n"
            for i in range(60)
        ),
        encoding="utf-8",
    )
    threaded = report(source, tmp_path / "a")
    assert len(seen) == 1
    where, waited = seen[0]
    assert where.startswith("tierbook-book") and waited

    rendered.set()
    monkeypatch.setattr(workbook_module, "ThreadPoolExecutor", _Inline)
    inline = report(source, tmp_path / "b")
    assert seen[1][0] == threading.current_thread().name
    name = "export.annotated.xlsx"
    assert (threaded.folder / name).read_bytes() == (inline.folder / name).read_bytes()
    with zipfile.ZipFile(threaded.folder / name) as archive:
        assert archive.testzip() is None


def test_a_text_exports_workbook_that_fails_on_its_thread_leaves_no_report(tmp_path, monkeypatch):
    """An error while the workbook is finished on its thread reaches the caller, and the
    report's folder is never made: no briefing or JSON without their workbook. The error is
    raised on that thread once the JSON has been made, so the briefing and the JSON are in
    hand, waiting to be written, when it reaches the caller."""
    import threading

    from pipeline import report as report_module
    from pipeline.render.xlsx import workbook as workbook_module

    made = threading.Event()
    summary = report_module.summary_with_head
    failed_on: list[tuple[str, bool]] = []

    def summarised(*args, **kwargs):
        try:
            return summary(*args, **kwargs)
        finally:
            made.set()

    def broken(*args, **kwargs):
        failed_on.append((threading.current_thread().name, made.wait(timeout=30)))
        raise OSError("disk full while deflating")

    monkeypatch.setattr(report_module, "summary_with_head", summarised)
    monkeypatch.setattr(workbook_module, "standalone", broken)
    source = tmp_path / "export.csv"
    source.write_text(
        "Invoice No,Customer,Date,Amount\nINV-1,Acme,2026-01-15,100.00\nINV-2,Beta,2026-02-15,50\n",
        encoding="utf-8",
    )
    with pytest.raises(OSError, match="disk full"):
        report(source, tmp_path / "out")
    assert failed_on == [(failed_on[0][0], True)]
    assert failed_on[0][0] != threading.current_thread().name
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


def _noted_rows(ws, column: int) -> dict[int, str]:
    return {
        row[column].row: row[column].comment.text for row in ws.iter_rows() if row[column].comment
    }


def test_notes_go_to_the_clients_that_brought_the_most_up_to_the_setting(workbook, tmp_path):
    """A long tail's notes cost its readers more than they give (LibreOffice opens a workbook
    some 6 ms slower a note): past ``notes_max_clients`` only the clients that brought the most
    in the window or the prior window get one, on the Invoices and on the Clients sheet, and the
    Method sheet says so."""
    # As of 2026-06-01 the window runs from 2025-06-02, the prior window from 2024-06-02.
    # Window revenue: Zed 500, Amy 300, Bob 300 (a tie, settled by name), Cal 100, Dee 50; Old
    # brought 1,000 in the prior window and nothing since: a key client gone quiet comes first.
    # Old, Dee and Cal come first on the sheet, so the notes are not simply the first rows.
    invoices = [
        inv("0", "Old", "2025-01-10", 1000),
        inv("1", "Dee", "2026-01-05", 50),
        inv("2", "Cal", "2026-01-06", 60),
        inv("3", "Bob", "2026-02-01", 100),
        inv("4", "Zed", "2026-02-02", 200),
        inv("5", "Amy", "2026-03-01", 300),
        inv("6", "Bob", "2026-04-01", 200),
        inv("7", "Zed", "2026-05-01", 300),
        inv("8", "Cal", "2026-06-01", 40),
    ]
    revenue: dict[str, float] = {}
    prior: dict[str, float] = {}
    first_row: dict[str, int] = {}
    for row, (_, name, day, amount, *_) in enumerate(invoices, start=2):
        in_window = day >= D("2025-06-02")
        revenue[name] = revenue.get(name, 0) + (amount if in_window else 0)
        prior[name] = prior.get(name, 0) + (0 if in_window else amount)
        first_row.setdefault(name, row)
    ranked = sorted(
        revenue, key=lambda name: (-max(revenue[name], prior[name]), -revenue[name], name)
    )
    assert ranked[:3] == ["Old", "Zed", "Amy"]
    clients = [(name, None, None) for name in ("Amy", "Bob", "Cal", "Dee", "Old", "Zed")]
    for limit in (3, 0, 6):
        path = workbook(
            invoices,
            clients=clients,
            settings=[("notes_max_clients", limit)],
            name=f"n{limit}.xlsx",
        )
        result = report(path, tmp_path / f"out{limit}")
        annotated = result.folder / f"n{limit}.annotated.xlsx"
        wb = openpyxl.load_workbook(annotated)
        noted = ranked[:limit]
        invoices_sheet = wb["Invoices"]
        tier = len(INVOICE_HEADER)
        notes = _noted_rows(invoices_sheet, tier)
        assert sorted(notes) == sorted(first_row[name] for name in noted), limit
        for name in noted:
            assert notes[first_row[name]].startswith(f"{name}: ")
        clients_sheet = wb["Clients"]
        on_clients = _noted_rows(clients_sheet, len(clients[0]))
        names = {row: clients_sheet.cell(row, 1).value for row in on_clients}
        assert sorted(names.values()) == sorted(noted)
        assert all(on_clients[row].startswith(f"{name}: ") for row, name in names.items())
        method = {r[0]: r[1] for r in wb["Method"].iter_rows(min_row=2, values_only=True)}
        assert method["Setting: notes_max_clients"] == str(limit)
        if limit < len(revenue):
            assert method["Cell notes"] == (
                f"on the first rows of the {limit} clients that brought the most in the window or "
                f"the prior window, of {len(revenue)}"
            )
        else:
            assert "Cell notes" not in method
        with zipfile.ZipFile(annotated) as z:
            parts = z.namelist()
            sheets = b"".join(z.read(n) for n in parts if n.startswith("xl/worksheets/sheet"))
        # without a note the package has no comments part, drawing or reference to them
        assert any("comments" in n for n in parts) == (limit > 0)
        assert any(n.endswith(".vml") for n in parts) == (limit > 0)
        assert (b"legacyDrawing" in sheets) == (limit > 0)
