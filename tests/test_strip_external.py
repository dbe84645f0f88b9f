"""--strip-external: an annotated copy with nothing reaching outside it, formulas that did
keeping the values they last showed, and the input untouched. Workbooks are made here, in
code, with the parts Excel writes for links to other workbooks."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from pipeline.ooxml.strip import strip_external
from tests.conftest import libreoffice

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
LINK_PART = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<externalLink xmlns="{MAIN}" xmlns:r="{RELS}"><externalBook r:id="rId1"><sheetNames>'
    '<sheetName val="Rates"/></sheetNames></externalBook></externalLink>'
).encode()
LINK_RELS = (
    f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{RELS}/externalLinkPath" '
    'Target="file:///C:/Finance/rates.xlsx" TargetMode="External"/></Relationships>'
).encode()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def pack(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def linked_book(path: Path, rows: int = 6) -> Path:
    """A ledger whose Rate and Currency columns read another workbook (cached 2.5 and EUR),
    whose Quote column is a web-service formula, with a name defined through the link."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invoices"
    ws.append(["Client", "Invoice date", "Amount", "Rate", "Currency", "Quote", "Local"])
    for i in range(rows):
        ws.append([f"Client {i % 3}", dt.date(2026, i + 1, 5), 100 * (i + 1), "F", "F", "F", "F"])
    wb.save(path)
    files = members(path)
    sheet = files["xl/worksheets/sheet1.xml"].decode()
    cells = {
        "D": ("", "[1]Rates!A1*2", "2.5"),
        "E": (' t="str"', "'[1]Rates'!A2", "EUR"),
        "F": (' t="str"', 'WEBSERVICE("https://example.org/q?a=1&amp;b=[1]")', "ok &amp; fine"),
        "G": ("", "OutsideRate+C{r}", "101.25"),
    }
    for r in range(2, rows + 2):
        for col, (kind, formula, value) in cells.items():
            sheet = sheet.replace(
                f'<c r="{col}{r}" t="inlineStr"><is><t>F</t></is></c>',
                f'<c r="{col}{r}"{kind}><f>{formula.format(r=r)}</f><v>{value}</v></c>',
            )
    files["xl/worksheets/sheet1.xml"] = sheet.encode()
    files["xl/workbook.xml"] = (
        files["xl/workbook.xml"]
        .decode()
        .replace(
            "</sheets>",
            '</sheets><externalReferences><externalReference r:id="rIdX1"/></externalReferences>'
            '<definedNames><definedName name="OutsideRate">[1]Rates!$A$1</definedName>'
            '<definedName name="Local">Invoices!$C$2</definedName></definedNames>',
        )
        .encode()
    )
    files["xl/_rels/workbook.xml.rels"] = (
        files["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            f'<Relationship Id="rIdX1" Type="{RELS}/externalLink" '
            'Target="externalLinks/externalLink1.xml"/></Relationships>',
        )
        .encode()
    )
    files["[Content_Types].xml"] = (
        files["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
        )
        .encode()
    )
    files["xl/externalLinks/externalLink1.xml"] = LINK_PART
    files["xl/externalLinks/_rels/externalLink1.xml.rels"] = LINK_RELS
    return pack(path, files)


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_annotated_copy_keeps_the_values_and_nothing_that_reaches_out(tmp_path):
    source = linked_book(tmp_path / "linked.xlsx")
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    plain = run("report", str(source), "--out", str(tmp_path / "plain"))
    stripped = run("report", str(source), "--out", str(tmp_path / "out"), "--strip-external")
    assert plain.exit_code == 0 and stripped.exit_code == 0, stripped.output
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before

    book = tmp_path / "out" / "linked" / "linked.annotated.xlsx"
    files = members(book)
    assert not [n for n in files if "externalLink" in n]
    assert b"externalReference" not in files["xl/workbook.xml"]
    assert b"OutsideRate" not in files["xl/workbook.xml"]
    assert b'name="Local"' in files["xl/workbook.xml"]  # a name inside the workbook stays
    assert not any(b"externalLink" in files[n] for n in files if n.endswith(".rels"))
    assert not any(b'TargetMode="External"' in files[n] for n in files if n.endswith(".rels"))
    sheet = files["xl/worksheets/sheet1.xml"].decode()
    assert "<f>" not in sheet and "WEBSERVICE" not in sheet

    ws = openpyxl.load_workbook(book)["Invoices"]
    assert [c.value for c in ws[2][:7]] == [
        "Client 0",
        dt.datetime(2026, 1, 5),
        100,
        2.5,
        "EUR",
        "ok & fine",
        101.25,
    ]
    # the figures are those of the same input without the option
    ours = json.loads((tmp_path / "out/linked/linked.summary.json").read_text())
    theirs = json.loads((tmp_path / "plain/linked/linked.summary.json").read_text())
    assert ours["totals"] == theirs["totals"]
    assert ours["totals"]["revenue"] == 2100 and ours["clients"] == theirs["clients"]

    said = [i["problem"] for i in ours["data_issues"]]
    assert any("'file:///C:/Finance/rates.xlsx'" in s and "taken out" in s for s in said)
    method = {
        (row[0], row[1])
        for row in openpyxl.load_workbook(book)["Method"].iter_rows(values_only=True)
    }
    done = [v for k, v in method if k == "Taken out (--strip-external)"]
    assert any("24 formulas keep the values they last showed ('Invoices': 24)" in v for v in done)
    assert any("1 defined name removed ('OutsideRate')" in v for v in done)


@pytest.mark.slow
def test_libreoffice_recalculating_the_stripped_copy_shows_the_last_values(tmp_path):
    source = linked_book(tmp_path / "linked.xlsx")
    assert run("report", str(source), "--out", str(tmp_path), "--strip-external").exit_code == 0
    converted = libreoffice(
        [tmp_path / "linked" / "linked.annotated.xlsx"],
        tmp_path / "lo",
        tmp_path / "profile",
        target="csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,1",
        recalculate=True,
    )
    with (converted / "linked.annotated-Invoices.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][3:7] == ["2.5", "EUR", "ok & fine", "101.25"]
    assert rows[6][3:7] == ["2.5", "EUR", "ok & fine", "101.25"]


def package(sheet: str, workbook_extra: str = "", **parts: bytes) -> bytes:
    """A minimal package of one sheet holding ``sheet``'s sheetData and anything after it."""
    files = {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>',
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="S" sheetId="1" '
            f'r:id="rId1"/></sheets>{workbook_extra}</workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{RELS}/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId9" Type="'
            f'{RELS}/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}">{sheet}</worksheet>'.encode(),
        "xl/externalLinks/externalLink1.xml": LINK_PART,
        "xl/externalLinks/_rels/externalLink1.xml.rels": LINK_RELS,
        **{name.replace("__", "/"): data for name, data in parts.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def stripped_sheet(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_a_shared_formula_reaching_out_goes_with_every_cell_that_shares_it():
    sheet = (
        '<sheetData><row r="1">'
        '<c r="A1"><f t="shared" ref="A1:C1" si="0">[1]Rates!A1</f><v>1</v></c>'
        '<c r="B1"><f t="shared" si="0"/><v>2</v></c>'
        '<c r="C1"><f t="shared" si="0"/><v>3</v></c>'
        '<c r="D1"><f t="shared" ref="D1:E1" si="1">A1*2</f><v>2</v></c>'
        '<c r="E1"><f t="shared" si="1"/><v>4</v></c>'
        "</row></sheetData>"
    )
    data, found = strip_external(package(sheet))
    out = stripped_sheet(data)
    assert re.findall(r'<c r="([A-E]1)"><v>', out) == ["A1", "B1", "C1"]
    assert '<f t="shared" ref="D1:E1" si="1">A1*2</f>' in out and '<f t="shared" si="1"/>' in out
    assert found.summary().startswith("3 formulas keep the values they last showed ('S': 3)")


@pytest.mark.parametrize(
    "formula",
    [
        "Table1[1]",  # a structured reference to a column named 1
        "SUM(Table1[[#This Row],[1]])",
        '"see [1] below"&amp;A1',  # inside a string
        "A1*2",
    ],
)
def test_formulas_inside_the_workbook_are_kept(formula):
    sheet = f'<sheetData><row r="1"><c r="A1"><f>{formula}</f><v>1</v></c></row></sheetData>'
    data, found = strip_external(package(sheet))
    assert f"<f>{formula}</f>" in stripped_sheet(data)
    assert not found.formulas


def test_a_cell_with_no_last_value_is_left_empty_not_an_error():
    sheet = (
        '<sheetData><row r="1"><c r="A1" s="3" t="str"><f>[1]Rates!A2</f></c>'
        '<c r="B1" t="e"><f>[2]Other!A1</f><v>#REF!</v></c></row></sheetData>'
    )
    out = stripped_sheet(strip_external(package(sheet))[0])
    assert '<c r="A1" s="3"/>' in out
    assert '<c r="B1" t="e"><v>#REF!</v></c>' in out  # the error it showed, as it showed it


def test_a_validation_list_from_another_workbook_is_removed_and_the_count_follows():
    sheet = (
        '<sheetData/><dataValidations count="2">'
        '<dataValidation type="list" sqref="A1:A9"><formula1>[1]Lists!$A$1:$A$5</formula1></dataValidation>'
        '<dataValidation type="whole" sqref="B1"><formula1>0</formula1></dataValidation>'
        "</dataValidations>"
    )
    data, found = strip_external(package(sheet))
    out = stripped_sheet(data)
    assert '<dataValidations count="1">' in out and "Lists" not in out and "<formula1>0<" in out
    assert found.validations == 1


def test_a_chart_series_from_another_workbook_keeps_its_points_as_literals():
    chart = (
        b'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:ser>'
        b"<c:val><c:numRef><c:f>[1]Rates!$A$1:$A$2</c:f><c:numCache><c:formatCode>General"
        b'</c:formatCode><c:ptCount val="2"/><c:pt idx="0"><c:v>1.25</c:v></c:pt><c:pt idx="1">'
        b"<c:v>1.5</c:v></c:pt></c:numCache></c:numRef></c:val>"
        b"<c:cat><c:numRef><c:f>S!$A$1:$A$2</c:f><c:numCache/></c:numRef></c:cat>"
        b"</c:ser></c:chartSpace>"
    )
    data, found = strip_external(package("<sheetData/>", **{"xl__charts__chart1.xml": chart}))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        out = z.read("xl/charts/chart1.xml").decode()
    assert '<c:numLit><c:formatCode>General</c:formatCode><c:ptCount val="2"/>' in out
    assert "Rates" not in out and "<c:f>S!$A$1:$A$2</c:f>" in out
    assert found.series == 1


def test_data_connections_go_with_their_query_tables_unless_a_pivot_table_needs_them():
    conn = f'<connections xmlns="{MAIN}"><connection id="1" name="Web"/></connections>'.encode()
    table = (
        f'<table xmlns="{MAIN}" id="1" name="T" displayName="T" ref="A1:B2" '
        'tableType="queryTable"><tableColumns count="1"><tableColumn id="1" '
        'queryTableFieldId="1" name="A"/></tableColumns></table>'
    ).encode()
    table_rels = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{RELS}/queryTable" '
        'Target="../queryTables/queryTable1.xml"/></Relationships>'
    ).encode()
    parts = {
        "xl__connections.xml": conn,
        "xl__tables__table1.xml": table,
        "xl__tables___rels__table1.xml.rels": table_rels,
        "xl__queryTables__queryTable1.xml": b"<queryTable connectionId='1'/>",
    }
    files = members_of(package("<sheetData/>", **parts))
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rId8" Type="{RELS}/connections" Target="connections.xml"/>'
        "</Relationships>".encode(),
    )
    data, found = strip_external(zipped(files))
    out = members_of(data)
    assert "xl/connections.xml" not in out and "xl/queryTables/queryTable1.xml" not in out
    assert "xl/tables/_rels/table1.xml.rels" not in out
    assert b"queryTable" not in out["xl/tables/table1.xml"]
    assert b"connections" not in out["xl/_rels/workbook.xml.rels"]
    assert found.connections == 1

    files["xl/pivotCache/pivotCacheDefinition1.xml"] = (
        b'<pivotCacheDefinition><cacheSource type="external" connectionId="1"/></pivotCacheDefinition>'
    )
    data, found = strip_external(zipped(files))
    assert "xl/connections.xml" in members_of(data)
    assert "pivot table" in found.summary()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_workbook_reaching_nowhere_comes_back_as_it_was(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(tmp_path / "plain.xlsx")
    original = (tmp_path / "plain.xlsx").read_bytes()
    data, found = strip_external(original)
    assert data is original and found.summary() == ""


@pytest.mark.parametrize(
    "hostile",
    [
        "<dataValidation " * 400_000,
        "<c><f>[1]S!A1</f>" * 300_000,
        "<c><f>" + "'[1]" * 2_000_000 + "</f></c>",
        "<c:numRef><c:f>[1]S!A1</c:f>" * 300_000,
        "<externalReferences>" * 400_000,
        "<f " * 3_000_000,
        "<definedName " * 700_000,
    ],
)
def test_ten_megabytes_of_unclosed_tags_are_stripped_in_one_pass(hostile):
    sheet = f"<sheetData/>{hostile}"
    chart = hostile.encode() if "c:" in hostile else b"<c/>"
    data = package(
        sheet,
        workbook_extra=hostile if "external" in hostile or "defined" in hostile else "",
        **{"xl__charts__chart1.xml": chart},
    )
    started = time.process_time()
    strip_external(data)
    assert time.process_time() - started < 10  # quadratic would be hours
