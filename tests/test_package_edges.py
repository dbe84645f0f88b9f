"""Packages written by other programs and odd sheet layouts: the result stays valid XML in the
schema's order, opens in the second reader, and says on the Method sheet what it could not do."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path
from xml.dom import minidom

import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.ooxml import xmltext
from pipeline.ooxml.worksheet import top_level
from pipeline.report import report
from tests.workbooks import invoice_book, rewrite, rich_workbook

WORKSHEET_ORDER = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
]


def run(path: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes], dict]:
    result = report(path, tmp_path / "out")
    out = result.folder / f"{path.stem}.annotated.xlsx"
    with zipfile.ZipFile(out) as z:
        members = {n: z.read(n) for n in z.namelist()}
    for name, data in members.items():
        if name.endswith((".xml", ".rels", ".vml")):
            minidom.parseString(data)  # well-formed, every prefix declared
    openpyxl.load_workbook(out)
    return out, members, json.loads((result.folder / f"{path.stem}.summary.json").read_text())


def method(path: Path) -> dict:
    rows = openpyxl.load_workbook(path)["Method"].iter_rows(min_row=2, values_only=True)
    found: dict = {}
    for item, value, _ in rows:
        found.setdefault(item, []).append(value)
    return found


def in_schema_order(sheet: str) -> bool:
    names = [n for n, _ in top_level(sheet, sheet.index(">", sheet.index("<worksheet")) + 1)]
    positions = [WORKSHEET_ORDER.index(n) for n in names if n in WORKSHEET_ORDER]
    return positions == sorted(positions)


def test_notes_go_before_the_sheets_extension_list_not_into_a_data_bar(tmp_path):
    out, members, _ = run(invoice_book(tmp_path / "bars.xlsx", data_bar=True), tmp_path)
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    assert "<legacyDrawing" in sheet and in_schema_order(sheet)
    assert re.search(r"<cfRule\b(?:(?!</cfRule>).)*<legacyDrawing", sheet, re.S) is None


def test_a_prefixed_package_with_local_relationship_declarations(tmp_path):
    source = invoice_book(tmp_path / "plain.xlsx")

    def prefixed(xml: str) -> str:
        xml = xml.replace(
            ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"', ""
        )
        xml = re.sub(r"<(/?)(?!\?)(\w+)([\s>/])", r"<\1x:\2\3", xml)
        xml = xml.replace('<x:workbook xmlns="', '<x:workbook xmlns:x="')
        xml = xml.replace('<x:worksheet xmlns="', '<x:worksheet xmlns:x="')
        return re.sub(
            r"<x:sheet (?=[^>]*r:id)",
            '<x:sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ',
            xml,
        )

    odd = rewrite(
        source,
        tmp_path / "sdk.xlsx",
        {"xl/workbook.xml": prefixed, "xl/worksheets/sheet1.xml": prefixed},
    )
    out, members, _ = run(odd, tmp_path)
    assert openpyxl.load_workbook(out).sheetnames[0] == "Invoices"
    assert b"<x:legacyDrawing" in members["xl/worksheets/sheet1.xml"]


def test_a_1904_workbook_gets_its_dates_right(tmp_path):
    out, _, data = run(invoice_book(tmp_path / "mac.xlsx", date_1904=True), tmp_path)
    wb = openpyxl.load_workbook(out)
    assert wb.epoch == openpyxl.utils.datetime.MAC_EPOCH
    as_of = {r[0]: r[1] for r in wb["Method"].iter_rows(min_row=2, values_only=True)}["As-of date"]
    assert as_of.date() == dt.date.fromisoformat(data["as_of"])
    first_month = wb["Monthly"]["A2"].value
    assert first_month.date() == dt.date.fromisoformat(data["window"]["start"]).replace(day=1)


def test_the_users_selected_tab_stays_the_only_one(tmp_path):
    _, members, _ = run(invoice_book(tmp_path / "tabs.xlsx", second_sheet=True), tmp_path)
    selected = [
        n
        for n, d in members.items()
        if n.startswith("xl/worksheets/sheet") and b'tabSelected="1"' in d
    ]
    assert len(selected) == 1


def test_column_widths_stay_in_ascending_order(tmp_path):
    _, members, _ = run(invoice_book(tmp_path / "wide.xlsx", far_width=True), tmp_path)
    cols = [int(m) for m in re.findall(rb'<col min="(\d+)"', members["xl/worksheets/sheet1.xml"])]
    assert cols == sorted(cols) and len(cols) == 2


def test_no_room_right_of_the_data_is_said_not_overflowed(tmp_path):
    out, members, _ = run(invoice_book(tmp_path / "full.xlsx", last_column=True), tmp_path)
    assert b"XFE" not in members["xl/worksheets/sheet1.xml"]
    assert any("no room" in str(n) for n in method(out)["Not carried over"])


def test_hidden_columns_and_merged_rows_are_said(tmp_path):
    out, _, _ = run(
        invoice_book(tmp_path / "hidden.xlsx", hidden_tail=True, merged_footer=True), tmp_path
    )
    notes = " | ".join(str(n) for n in method(out)["Not carried over"])
    assert "hides" in notes


def test_merged_rows_across_the_new_columns_are_left_alone(tmp_path):
    source = invoice_book(tmp_path / "merged.xlsx", merged_footer=True)
    out, _, _ = run(source, tmp_path)
    ws = openpyxl.load_workbook(out)["Invoices"]
    assert ws["E27"].value is None  # the footer row is merged across A:L; nothing written under it


def test_styles_written_in_another_attribute_order_and_quotes(tmp_path):
    source = invoice_book(tmp_path / "plain.xlsx")

    def shuffled(xml: str) -> str:
        xml = re.sub(
            r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/>',
            r"<numFmt formatCode='\2' numFmtId='\1'/>",
            xml,
        )
        return re.sub(r'<cellXfs count="(\d+)"', r"<cellXfs count='\1'", xml)

    odd = rewrite(source, tmp_path / "quotes.xlsx", {"xl/styles.xml": shuffled})
    out, _, _ = run(odd, tmp_path)
    a, b = openpyxl.load_workbook(odd)["Invoices"], openpyxl.load_workbook(out)["Invoices"]
    assert [c.number_format for c in a["C"]] == [c.number_format for c in b["C"]][: len(a["C"])]


def test_every_note_drawing_has_its_own_shape_ids(tmp_path):
    from tests.workbooks import rich_workbook

    path = rich_workbook(tmp_path / "rich.xlsx")  # Clients has a note drawing of its own
    _, members, _ = run(path, tmp_path)
    blocks = [
        b
        for n, d in members.items()
        if n.endswith(".vml")
        for b in re.findall(rb'idmap[^>]*data="([^"]+)"', d)
    ]
    flat = [x for b in blocks for x in b.split(b",")]
    assert len(flat) == len(set(flat)) >= 2


@pytest.mark.parametrize("name", ["tb_clients", "TB_SUMMARY"])
def test_our_table_names_avoid_the_users_names(tmp_path, name):
    out, members, _ = run(invoice_book(tmp_path / "names.xlsx", defined_name=name), tmp_path)
    tables = [
        re.search(rb'displayName="([^"]+)"', d).group(1).decode().casefold()
        for n, d in members.items()
        if n.startswith("xl/tables/")
    ]
    assert name.casefold() not in tables and len(tables) == len(set(tables))


def test_print_titles_of_our_sheets_are_kept(tmp_path):
    out, _, _ = run(invoice_book(tmp_path / "print.xlsx"), tmp_path)
    wb = openpyxl.load_workbook(out)
    assert wb["Client analysis"].print_title_rows == "$1:$1"


@pytest.mark.parametrize("percent_already", [False, True])
def test_annotation_styles_are_fixed_before_the_analysis_styles_exist(tmp_path, percent_already):
    """The data sheets are written ahead, with style ids the user's styles alone decide; the
    merged style sheet must put the header, share and text styles exactly there."""
    source = invoice_book(tmp_path / "plain.xlsx")
    if percent_already:  # the user's styles hold "0.0%" already: ours reuses it
        source = rewrite(
            source,
            tmp_path / "with-percent.xlsx",
            {
                "xl/styles.xml": lambda xml: re.sub(
                    r"(<numFmts count=\")(\d+)(\">)",
                    lambda m: (
                        f'{m[1]}{int(m[2]) + 1}{m[3]}<numFmt numFmtId="170" formatCode="0.0%"/>'
                    ),
                    xml,
                )
            },
        )
    out, members, _ = run(source, tmp_path)
    before = openpyxl.load_workbook(source)["Invoices"]
    ws = openpyxl.load_workbook(out)["Invoices"]
    width = before.max_column
    headers = [ws.cell(1, width + 1 + i) for i in range(5)]
    assert all(c.font.b and c.fill.fgColor.rgb == "FF0E6E6E" for c in headers)
    assert ws.cell(2, width + 4).number_format == "0.0%"  # the client's share
    assert all(ws.cell(2, width + 1 + i).number_format == "General" for i in (0, 1, 2, 4))
    for row in range(1, before.max_row + 1):  # the user's own cells keep their formats
        for col in range(1, width + 1):
            assert ws.cell(row, col).number_format == before.cell(row, col).number_format
    styles = members["xl/styles.xml"].decode()
    assert styles.count('formatCode="0.0%"') == 1
    clients = openpyxl.load_workbook(out)["Client analysis"]  # and the analysis keeps its own
    assert [clients.cell(2, c).number_format for c in (1, 5, 6)] == ["0", "#,##0.00", "0.0%"]


def _notes(rows: list[int]) -> list:
    import polars as pl

    from pipeline.ooxml.plan import Annotation

    values = pl.DataFrame({"row": rows, "tier": ["Anchor"] * len(rows)})
    return [Annotation("Invoices", 1, ("tierbook: tier",), frozenset(), values)]


def test_a_plan_from_the_sheet_read_ahead_is_the_plan_read_in_turn(tmp_path):
    from pipeline.ooxml.plan import plan_merge, scan_ahead

    original = rich_workbook(tmp_path / "rich.xlsx").read_bytes()
    ahead = scan_ahead(original)
    assert ahead is not None and ahead.part == "xl/worksheets/sheet2.xml"  # Invoices, the largest
    notes = _notes(list(range(2, 38)))
    with_ahead, in_turn = plan_merge(original, notes, ahead), plan_merge(original, notes)
    assert with_ahead.notes == in_turn.notes
    assert [(s.part, s.prefix, s.skeleton, s.first) for s in with_ahead.sheets] == [
        (s.part, s.prefix, s.skeleton, s.first) for s in in_turn.sheets
    ]
    assert with_ahead.sheets[0].first == 7  # right of the sparkline column F


def test_a_sheet_read_ahead_that_fails_is_noted_as_when_read_in_turn(tmp_path):
    from pipeline.ooxml.plan import plan_merge, scan_ahead

    broken = rewrite(
        invoice_book(tmp_path / "plain.xlsx"),
        tmp_path / "broken.xlsx",
        {"xl/worksheets/sheet1.xml": lambda xml: xml.replace("</sheetData>", "")},
    ).read_bytes()
    ahead = scan_ahead(broken)
    assert ahead is not None
    with_ahead, in_turn = plan_merge(broken, _notes([2]), ahead), plan_merge(broken, _notes([2]))
    assert with_ahead.notes == in_turn.notes and not with_ahead.sheets
    assert "no </sheetData> end tag" in with_ahead.notes[0]


def test_nothing_is_read_ahead_of_what_is_not_a_package():
    from pipeline.ooxml.plan import scan_ahead

    assert scan_ahead(b"not a zip") is None


def test_a_refused_workbook_is_never_read_ahead(tmp_path, monkeypatch):
    import zipfile as zf

    from pipeline import report as report_module
    from pipeline.errors import UnsafeWorkbook

    bomb = tmp_path / "bomb.xlsx"
    with zf.ZipFile(bomb, "w", zf.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (200 * 1024 * 1024) + b"/>")
    started = []
    monkeypatch.setattr(report_module, "read_ahead", lambda source: started.append(source))
    with pytest.raises(UnsafeWorkbook, match="zip bomb"):
        report(bomb, tmp_path / "out")
    assert started == []


def test_our_conditional_formats_point_past_the_users_own(tmp_path):
    out, members, _ = run(invoice_book(tmp_path / "rules.xlsx", highlight=True), tmp_path)
    dxfs = re.search(r'<dxfs count="(\d+)"', members["xl/styles.xml"].decode())
    assert dxfs and int(dxfs.group(1)) == 2  # the user's one, then the analysis workbook's
    assert re.findall(r'dxfId="(\d+)"', members["xl/worksheets/sheet1.xml"].decode()) == ["0"]
    ours = [
        n
        for n in members
        if n.startswith("xl/worksheets/sheet") and n != "xl/worksheets/sheet1.xml"
    ]
    found = [i for n in ours for i in re.findall(r'dxfId="(\d+)"', members[n].decode())]
    assert found == ["1"]


def test_a_client_name_that_reads_like_a_rule_keeps_its_text(tmp_path):
    source = rewrite(
        invoice_book(tmp_path / "rules.xlsx", highlight=True),
        tmp_path / "named.xlsx",
        {"xl/sharedStrings.xml": lambda xml: xml.replace(">Alpha<", '>Alpha dxfId="0"<')},
    )
    out, _, _ = run(source, tmp_path)
    rows = list(openpyxl.load_workbook(out)["Client analysis"].iter_rows(values_only=True))
    at = rows[0].index("Client")
    assert 'Alpha dxfId="0"' in {row[at] for row in rows[1:]}


def test_a_reading_ahead_that_is_stopped_ends_at_its_next_read(tmp_path):
    import threading

    from pipeline.errors import SheetError
    from pipeline.ooxml.plan import scan_part

    original = invoice_book(tmp_path / "plain.xlsx").read_bytes()
    stop = threading.Event()
    assert scan_part(original, "xl/worksheets/sheet1.xml", stop)[1].widest == "D"
    stop.set()
    with pytest.raises(SheetError, match="stopped"):
        scan_part(original, "xl/worksheets/sheet1.xml", stop)


def test_a_failed_report_stops_its_reading_ahead(tmp_path, monkeypatch):
    from pipeline import report as report_module
    from pipeline.errors import InputError

    made, real = [], report_module.read_ahead

    def recording(source):
        made.append(real(source))
        return made[-1]

    monkeypatch.setattr(report_module, "read_ahead", recording)
    monkeypatch.setattr(
        report_module,
        "build_ledger",
        lambda *a, **k: (_ for _ in ()).throw(InputError("no ledger")),
    )
    with pytest.raises(InputError, match="no ledger"):
        report(invoice_book(tmp_path / "plain.xlsx"), tmp_path / "out")
    assert len(made) == 1 and made[0].scan is not None and made[0].scan.stop.is_set()
    assert not (tmp_path / "out").exists()


def test_analysis_style_ids_move_by_their_offsets_and_cell_text_stays() -> None:
    """Cells, rows and columns move by the cellXfs offset, rules by the dxfs offset; a cell's
    text that reads like an attribute (s="1", dxfId="0") is data and is left as it is."""
    from pipeline.ooxml.styles import AnnotationStyles, StyleMap, restyle_sheet

    sheet = (
        '<cols><col min="1" max="2" width="9" style="2"/></cols><sheetData>'
        '<row r="1" spans="1:2" s="1" customFormat="1">'
        '<c r="A1" s="3" t="inlineStr"><is><t>a s="1" and dxfId="0"</t></is></c>'
        '<c r="B1" t="n" s="0"><v>5</v></c><c r="C1"><v>1</v></c></row></sheetData>'
        '<conditionalFormatting sqref="B1"><cfRule type="cellIs" dxfId="0" priority="1"/>'
        "</conditionalFormatting>"
    )
    moved = restyle_sheet(sheet, StyleMap(10, 4, AnnotationStyles(0, 0, 0)))
    assert moved == (
        '<cols><col min="1" max="2" width="9" style="12"/></cols><sheetData>'
        '<row r="1" spans="1:2" s="11" customFormat="1">'
        '<c r="A1" s="13" t="inlineStr"><is><t>a s="1" and dxfId="0"</t></is></c>'
        '<c r="B1" t="n" s="10"><v>5</v></c><c r="C1"><v>1</v></c></row></sheetData>'
        '<conditionalFormatting sqref="B1"><cfRule type="cellIs" dxfId="4" priority="1"/>'
        "</conditionalFormatting>"
    )


@given(st.text(alphabet=st.sampled_from("a&<>\"'\n\r\t;#lgtampquos é漢"), max_size=30) | st.text())
@example("&amp;lt; &amp;quot; &amp;apos;")  # an escaped entity stays one: ampersands last
@example("both \" and ' quotes\r\n")
def test_escaping_is_the_standard_librarys(value):
    """The escapes written out (so as not to import urllib for them) are xml.sax.saxutils's,
    character for character: part names and sheet names go through them."""
    from xml.sax import saxutils

    assert xmltext.escape(value) == saxutils.escape(value)
    assert xmltext.quoteattr(value) == saxutils.quoteattr(value)
    entities = {"&quot;": '"', "&apos;": "'"}
    assert xmltext.unescape(value) == saxutils.unescape(value, entities)
    assert xmltext.unescape(xmltext.quoteattr(value)[1:-1]) == saxutils.unescape(
        saxutils.quoteattr(value)[1:-1], entities
    )
