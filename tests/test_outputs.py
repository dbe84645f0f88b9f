"""The three outputs of one report: shape, agreement, safety, determinism, atomic writing."""

from __future__ import annotations

import hashlib
import json
import re

import openpyxl
import pytest

from pipeline.errors import InputError
from pipeline.report import Options, report
from pipeline.write import write_atomic
from tests.conftest import ANALYSIS_SHEETS, D, inv

HOSTILE = [
    "=1+1",
    "@SUM(1,2)",
    '=HYPERLINK("http://example.invalid","x")',
    "-2+3",
    "+7",
    "<script>alert(1)</script>",
    'Tom & Jerry\'s "Shop"',
]


@pytest.fixture
def book(workbook):
    rows = [
        inv(str(i), name, f"2026-0{1 + i % 6}-1{i % 9}", 100 + 10 * i)
        for i, name in enumerate(HOSTILE)
    ]
    rows.append(inv("99", "Plain Ltd", "2025-03-01", 50))
    return workbook(rows, clients=[("=1+1", "retainer", "@SUM(1,2)")], name="hostile.xlsx")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_three_files_with_the_documented_json_shape(book, tmp_path):
    result = report(book, tmp_path / "out")
    names = sorted(p.name for p in result.folder.iterdir())
    assert names == ["hostile.annotated.xlsx", "hostile.briefing.html", "hostile.summary.json"]
    data = json.loads((result.folder / "hostile.summary.json").read_text(encoding="utf-8"))
    for key in (
        "tool",
        "input",
        "as_of",
        "window",
        "currency",
        "basis",
        "totals",
        "concentration",
        "clients",
        "lost_key_clients",
        "data_issues",
    ):
        assert key in data
    assert set(data["tool"]) >= {"name", "version"} and set(data["input"]) >= {"file", "sha256"}
    assert set(data["totals"]) >= {"revenue", "clients", "invoices"}
    assert set(data["concentration"]) >= {
        "hhi",
        "effective_clients",
        "top1_share",
        "top3_share",
        "top5_share",
        "gini",
        "verdict",
    }
    for entry in data["clients"]:
        assert set(entry) >= {"client", "revenue", "share", "tier", "grade", "roles", "reasons"}
        assert entry["tier"] in {"anchor", "recurring", "one-off", "new", "lapsed"}
        assert entry["reasons"] and all(isinstance(r, str) for r in entry["reasons"])
    assert data["input"]["sha256"] == _sha(book)
    assert data["as_of"] == "2026-06-15"  # the latest invoice: i = 5, month 6, day 15


def test_input_is_never_modified(book, tmp_path):
    before = _sha(book), book.stat().st_mtime_ns
    report(book, tmp_path / "out")
    assert (_sha(book), book.stat().st_mtime_ns) == before


def test_user_text_never_becomes_a_formula(book, tmp_path):
    result = report(book, tmp_path / "out")
    wb = openpyxl.load_workbook(result.folder / "hostile.annotated.xlsx")
    seen = set()
    ours = set(ANALYSIS_SHEETS)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
                if cell.data_type == "f":  # the only formulas are the tool's own, on its own sheets
                    assert ws.title in ours, (ws.title, cell.coordinate)
                    assert not any(h in str(cell.value) for h in HOSTILE if len(h) > 3), cell.value
    assert seen >= set(HOSTILE)


def test_user_text_never_becomes_markup(book, tmp_path):
    result = report(book, tmp_path / "out")
    html = (result.folder / "hostile.briefing.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tom &amp; Jerry&#39;s &#34;Shop&#34;" in html


def test_two_runs_give_identical_bytes(book, tmp_path):
    first = report(book, tmp_path / "one")
    second = report(book, tmp_path / "two")
    for a, b in zip(sorted(first.files), sorted(second.files), strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_source_date_epoch_sets_every_zip_entry_time(book, tmp_path, monkeypatch):
    import zipfile

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    result = report(book, tmp_path / "out")
    with (
        zipfile.ZipFile(result.folder / "hostile.annotated.xlsx") as out,
        zipfile.ZipFile(book) as original,
    ):
        assert {i.date_time for i in out.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        # the document's own properties are the user's, unchanged
        assert out.read("docProps/core.xml") == original.read("docProps/core.xml")


def test_original_sheets_are_kept_cell_for_cell(book, tmp_path):
    result = report(book, tmp_path / "out")
    original = openpyxl.load_workbook(book)
    annotated = openpyxl.load_workbook(result.folder / "hostile.annotated.xlsx")
    assert annotated.sheetnames[: len(original.sheetnames)] == original.sheetnames
    assert annotated.sheetnames[len(original.sheetnames) :] == list(ANALYSIS_SHEETS)
    for name in original.sheetnames:
        a, b = original[name], annotated[name]
        assert a.max_row == b.max_row and b.max_column == a.max_column + 5  # 5 annotation columns
        for ra, rb in zip(a.iter_rows(), b.iter_rows(max_col=a.max_column), strict=True):
            assert [(c.value, c.number_format, c.data_type) for c in ra] == [
                (c.value, c.number_format, c.data_type) for c in rb
            ]


def test_method_sheet_records_as_of_window_thresholds_hash_and_version(book, tmp_path):
    result = report(book, tmp_path / "out", Options(as_of=D("2026-06-30")))
    ws = openpyxl.load_workbook(result.folder / "hostile.annotated.xlsx")["Method"]
    items = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert items["Input SHA-256"] == _sha(book)
    assert items["As-of date"].date() == D("2026-06-30")
    assert items["Window"] == "2025-07-01 to 2026-06-30"
    assert items["Setting: anchor_min_share"] == "10%"
    assert items["Setting: day_first"] == "yes" and items["Setting: hhi_moderate"] == "1000"
    assert re.fullmatch(r"tierbook \d+\.\d+\.\d+.*", items["Tool"])


def test_settings_are_shown_as_people_type_them_and_read_back_to_the_same_values():
    """Whatever the Method sheet and the briefing show for a setting, typed into a Settings
    sheet, gives the same setting back."""
    from pipeline.config import Config, _coerce

    config = Config(
        as_of=D("2026-06-30"),
        day_first=False,
        anchor_min_share=0.125,
        hhi_moderate=1234.5,
        anchor_max_gap_cv=0.35,
        rates=(("EUR", 1.08), ("GBP", 1.27)),
    )
    shown = {name: value for name, value, _why in config.shown_items()}
    assert shown["anchor_min_share"] == "12.5%" and shown["day_first"] == "no"
    assert shown["hhi_moderate"] == "1234.5" and shown["rates"] == "EUR=1.08, GBP=1.27"
    for name, text, _why in config.shown_items():
        if text is not None:
            assert _coerce(name, text, "test") == getattr(config, name), name


def test_bad_input_writes_nothing(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook at all")
    with pytest.raises(InputError):
        report(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failure_while_writing_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_bytes(b"previous")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("pipeline.write.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new contents")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_settings_sheet_and_toml_and_options_in_that_order(workbook, tmp_path):
    path = workbook(
        [inv("1", "A", "2026-01-05", 100)],
        settings=[("anchor_min_share", "15%"), ("new_client_days", 30)],
    )
    result = report(path, tmp_path / "a")
    assert result.analysis.config.anchor_min_share == pytest.approx(0.15)
    toml = tmp_path / "t.toml"
    toml.write_text("anchor_min_share = 0.2\n", encoding="utf-8")
    result = report(path, tmp_path / "b", Options(config_file=toml, as_of=D("2026-02-01")))
    assert result.analysis.config.anchor_min_share == pytest.approx(0.2)
    assert result.analysis.config.new_client_days == 30
    assert result.analysis.windows.as_of == D("2026-02-01")


@pytest.mark.parametrize("name", ["agency_diversified", "consultant_lost_key_client"])
def test_every_sheets_rows_and_cells_are_in_order_once(tmp_path, name):
    """Excel repairs a sheet whose rows repeat or go backwards, or whose cells do, as a sheet
    with two tables side by side would get if its long table's later rows were only appended."""
    import zipfile

    from xlsxwriter.utility import xl_cell_to_rowcol

    from tests.conftest import SAMPLES

    result = report(SAMPLES / f"{name}.xlsx", tmp_path / "out")
    with zipfile.ZipFile(result.folder / f"{name}.annotated.xlsx") as z:
        sheets = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/s")}
    assert len(sheets) >= 8
    for part, xml in sheets.items():
        numbers = []
        for number, cells in re.findall(r'<row r="(\d+)"[^>]*?(?:/>|>(.*?)</row>)', xml, re.S):
            numbers.append(int(number))
            refs = [xl_cell_to_rowcol(r) for r in re.findall(r'<c r="([A-Z]+\d+)"', cells)]
            assert all(row + 1 == int(number) for row, _ in refs), (part, number)
            columns = [col for _, col in refs]
            assert columns == sorted(set(columns)), (part, number)
        assert numbers == sorted(set(numbers)), part


def test_summary_json_is_what_the_standard_encoder_would_write(tmp_path):
    """The fast encoder changes nothing a reader sees: on a sample the bytes equal the standard
    library's encoding of the same figures, indented but for each client, which is one line of
    unspaced JSON; and an undefined figure is null."""
    from pipeline.render.json import summary
    from pipeline.render.provenance import Provenance
    from tests.conftest import SAMPLES

    result = report(SAMPLES / "consultant_lost_key_client.xlsx", tmp_path / "out")
    written = (result.folder / "consultant_lost_key_client.summary.json").read_bytes()
    data = json.loads(written)
    provenance = Provenance(
        file_name=data["input"]["file"],
        sha256=data["input"]["sha256"],
        version=data["tool"]["version"],
        format="xlsx",
        invoice_sheets=("Invoices",),
        client_sheet="Clients",
        header_rows={"Invoices": 1},
        rows_read=0,
        sheet_names=(),
    )
    document = summary(result.analysis, provenance)
    clients = [
        "    " + json.dumps(c, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        for c in document["clients"]
    ]
    standard = json.dumps(
        {**document, "clients": "CLIENTS"}, ensure_ascii=False, indent=2, allow_nan=False
    ).replace('"clients": "CLIENTS"', '"clients": [\n' + ",\n".join(clients) + "\n  ]")
    assert len(clients) > 5
    assert written == (standard + "\n").encode("utf-8")
    assert b"NaN" not in written and b"Infinity" not in written
