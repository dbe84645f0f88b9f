"""A long table's later rows, written as sheet XML by polars, read back exactly as the rows
xlsxwriter writes: the same values, types and number formats, in the second reader."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ooxml import bulkrows
from pipeline.ooxml.merge import standalone
from pipeline.render.xlsx.book import DATE, DECIMAL, INTEGER, MONEY, PERCENT, Book

WHEN = dt.datetime(2026, 3, 31)


def filled(package: bytes, later, date_1904: bool) -> bytes:
    """The package with its later rows put in, as a report's standalone workbook puts them."""
    return standalone(bulkrows.Unfilled(package, tuple(later), date_1904), WHEN)


COLUMNS = [
    ("Client", None),
    ("Revenue", MONEY),
    ("Share", PERCENT),
    ("Invoices", INTEGER),
    ("First", DATE),
    ("Lost", None),
    ("Gap", DECIMAL),
    ("Note", None),
]
ROWS = [
    ["Alpha", 1200.5, 0.25, 3, dt.date(2025, 1, 31), True, 1.5, "plain"],
    ["=1+1", -0.0, 0.1 + 0.2, 0, dt.date(1900, 3, 1), False, math.nan, "<b>&amp;</b>"],
    ["tab\there\x01bell", 1e16, 1.0, 12, None, None, 3.0, ""],
    ["  spaced  ", None, None, None, dt.date(2026, 12, 31), True, None, "x" * 40_000],
    ["Ünïcode ✓", 123456789.125, 5e-324, -7, dt.date(2024, 2, 29), False, 2.0, "line\nbreak"],
]


def build(rows, bulk: bool, date_1904: bool = False) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    book = Book(buffer, WHEN, date_1904)
    ws = book.wb.add_worksheet("T")
    book.wb.add_worksheet("After")  # a sheet after it keeps its own part
    book.table(ws, 0, 0, "tb_t", COLUMNS, rows, bulk=bulk)
    book.wb.close()
    if bulk:
        assert book.later, "the rows after the first were left to bulkrows"
    data = filled(buffer.getvalue(), book.later, date_1904)
    return openpyxl.load_workbook(io.BytesIO(data))


class Number(float):
    """A cell's number, equal to another within the 17th significant digit (xlsxwriter writes
    16 significant digits, bulkrows all 17)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float | int) and math.isclose(self, other, rel_tol=1e-15)

    __hash__ = float.__hash__


def cells(wb: openpyxl.Workbook):
    """The sheet's extent and every cell's value, type and format."""
    ws = wb["T"]

    def value(v):
        return Number(v) if isinstance(v, float | int) and not isinstance(v, bool) else v

    return ws.dimensions, [
        [(value(c.value), c.data_type, c.number_format) for c in row] for row in ws.iter_rows()
    ]


def test_tricky_values_read_back_as_xlsxwriter_writes_them():
    assert cells(build(ROWS, bulk=True)) == cells(build(ROWS, bulk=False))


def test_text_is_never_a_formula_and_long_text_is_cut_whole():
    ws = build(ROWS, bulk=True)["T"]
    assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
    assert ws["H3"].value == "<b>&amp;</b>"
    assert len(ws["H5"].value) == bulkrows.MAX_TEXT


def test_excel_escapes_are_written_as_xlsxwriter_writes_them():
    """A carriage return (which XML would read as a line feed), the non-characters, and text
    that looks like an escape: the same escaped text as xlsxwriter's shared strings hold."""
    odd = "a\r\nb _x0041_ \ufffe&<"
    rows = [r[:] for r in ROWS[:3]]
    for r in rows:
        r[7] = odd
    buffer = io.BytesIO()
    book = Book(buffer, WHEN)
    book.table(book.wb.add_worksheet("T"), 0, 0, "tb_t", COLUMNS, rows, bulk=True)
    book.wb.close()
    with zipfile.ZipFile(io.BytesIO(filled(buffer.getvalue(), book.later, False))) as z:
        shared = z.read("xl/sharedStrings.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    theirs = re.search(r"<t[^>]*>(a[^<]*?)</t>", shared)[1]  # row 2, through xlsxwriter
    ours = re.findall(r'<c r="H[34]"[^>]*><is><t[^>]*>([^<]*)</t>', sheet)
    assert ours == [theirs, theirs] and "_x000D_" in theirs and "_x005F_x0041_" in theirs


def test_not_a_number_and_infinity_are_blanks():
    rows = [r[:] for r in ROWS]
    rows[2][6], rows[3][1] = math.inf, -math.inf  # xlsxwriter refuses these
    ws = build(rows, bulk=True)["T"]
    assert ws["G3"].value is None and ws["G4"].value is None and ws["B5"].value is None
    assert ws["G4"].number_format == DECIMAL  # a blank keeps its column's style


def test_1904_dates_count_from_1904():
    rows = [["a", 1.0, 0.5, 1, dt.date(2025, 1, 1), True, 1.0, ""]] * 3
    assert cells(build(rows, bulk=True, date_1904=True)) == cells(
        build(rows, bulk=False, date_1904=True)
    )
    assert build(rows, bulk=True, date_1904=True)["T"]["E3"].value == dt.datetime(2025, 1, 1)


@pytest.mark.parametrize(
    "odd",
    [
        [ROWS[0], ["a", "text among numbers", 0.1, 1, None, True, 1.0, ""]],
        [ROWS[0], ["a", 1.0, 0.1, 2**70, None, True, 1.0, ""]],
        [ROWS[0], ["a", 1.0, 0.1, 1, dt.timedelta(days=1), True, 1.0, ""]],
        [ROWS[0], ["a", 1.0, 0.1, 1, None, 1, 1.0, ""]],  # true/false and a number
    ],
)
def test_values_it_cannot_write_are_left_to_xlsxwriter(odd):
    frame = bulkrows.frame(odd, [fmt for _, fmt in COLUMNS])
    assert frame is None


numbers = st.one_of(
    st.none(),
    st.floats(min_value=-1e300, max_value=1e300),  # xlsxwriter's 16 digits overflow at the top
    st.just(math.nan),
    st.integers(min_value=-(2**53), max_value=2**53),
)
# Excel's escapes have a test of their own: openpyxl decodes them in shared strings only.
texts = st.one_of(
    st.none(), st.text(st.characters(exclude_characters="\r\ufffe\uffff_"), max_size=30)
)
TYPED = [("Text", None), ("Number", DECIMAL), ("Flag", None), ("Day", DATE)]


def build_typed(rows, bulk: bool) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    book = Book(buffer, WHEN)
    ws = book.wb.add_worksheet("T")
    book.table(ws, 0, 0, "tb_t", TYPED, rows, bulk=bulk)
    book.wb.close()
    return openpyxl.load_workbook(io.BytesIO(filled(buffer.getvalue(), book.later, False)))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(texts, numbers, st.none() | st.booleans(), st.none() | st.dates()),
        min_size=2,
        max_size=12,
    )
)
def test_any_rows_read_back_alike(rows):
    table = [list(r) for r in rows]
    if bulkrows.frame(table[1:], [f for _, f in TYPED]) is None:
        return  # a column bulkrows cannot type is left to xlsxwriter whole: nothing to compare
    assert cells(build_typed(table, bulk=True)) == cells(build_typed(table, bulk=False))


FORMULA_COLUMNS = [("Client", None), ("Share", PERCENT), ("Class", None), ("Rank", INTEGER)]


def _formula_rows(n: int) -> list[list]:
    from pipeline.ooxml.bulkrows import Formula

    return [
        [
            f"<Client & {i}>",
            Formula(f"B{i + 2}/SUM(B$2:B${n + 1})", 1 / n),
            Formula(f'IF(B{i + 2}<0.8-1E-12,"A","B")', "A" if i % 2 else "B&<"),
            Formula(f"ROW()-1+{i}", i + 1),
        ]
        for i in range(n)
    ]


def _formula_book(rows, bulk: bool, values: bool) -> list[tuple]:
    buffer = io.BytesIO()
    book = Book(buffer, WHEN, False)
    ws = book.wb.add_worksheet("T")
    book.table(ws, 0, 0, "tb_f", FORMULA_COLUMNS, rows, bulk=bulk)
    book.wb.close()
    assert bool(book.later) == bulk
    data = filled(buffer.getvalue(), book.later, False)
    sheet = openpyxl.load_workbook(io.BytesIO(data), data_only=values)["T"]
    return [
        tuple(Number(v) if isinstance(v, float) else v for v in row)
        for row in sheet.iter_rows(values_only=True)
    ]


@pytest.mark.parametrize("values", [False, True], ids=["formulas", "cached values"])
def test_formula_columns_read_back_as_xlsxwriter_writes_them(values):
    rows = _formula_rows(6)
    assert _formula_book(rows, True, values) == _formula_book(rows, False, values)
    if values:
        assert _formula_book(rows, True, True)[2][2] == "A"
    else:
        assert _formula_book(rows, True, False)[3][2] == '=IF(B4<0.8-1E-12,"A","B")'


def test_a_formula_column_with_mixed_results_is_left_to_xlsxwriter():
    from pipeline.ooxml.bulkrows import Formula

    rows = [[Formula("1+1", 2.0)], [Formula('"x"', "x")]]
    assert bulkrows.frame(rows, [None]) is None


def _beside(bulk: bool, figures_at: int = 5) -> list[tuple]:
    """A long table with a small one right of it, written after it, as the Concentration sheet
    has; read back cell by cell."""
    buffer = io.BytesIO()
    book = Book(buffer, WHEN, False)
    ws = book.wb.add_worksheet("T")
    rows = [[f"c{i}", float(i)] for i in range(8)]
    book.table(ws, 0, 0, "tb_long", [("Client", None), ("Revenue", MONEY)], rows, bulk=bulk)
    for r in range(1, 4):
        ws.write_string(r, figures_at, f"figure {r}")
        ws.write_number(r, figures_at + 1, r * 10)
    ws.write_string(11, figures_at, "below the long table")
    book.wb.close()
    data = filled(buffer.getvalue(), book.later, False)
    return list(openpyxl.load_workbook(io.BytesIO(data))["T"].iter_rows(values_only=True))


def test_a_table_beside_the_long_one_keeps_its_cells_in_the_same_rows():
    assert _beside(True) == _beside(False)


def test_cells_beside_that_reach_into_the_long_table_are_refused():
    with pytest.raises(ValueError, match="where the later rows of a table go"):
        _beside(True, figures_at=1)


def _with_total(bulk: bool) -> tuple[list[tuple], list[int]]:
    """A long table with a total row right below it in its own columns, a figure beside its
    rows and a note right of the total, as the Receivables sheet has; read back cell by cell,
    with the row numbers in the order the sheet's XML holds them."""
    buffer = io.BytesIO()
    book = Book(buffer, WHEN, False)
    ws = book.wb.add_worksheet("T")
    rows = [[f"c{i}", float(i) + 0.5] for i in range(8)]
    last = book.table(ws, 0, 0, "tb_long", [("Client", None), ("Owed", MONEY)], rows, bulk=bulk)
    ws.write_string(2, 4, "beside")
    ws.write_string(last + 1, 0, "Total", book.bold)
    ws.write_formula(last + 1, 1, f"SUM(B2:B{last + 1})", book.fmt(MONEY, bold=True), 32.0)
    ws.write_string(last + 1, 3, "right of the total")
    ws.write_string(last + 3, 0, "a line under it all")
    book.wb.close()
    data = filled(buffer.getvalue(), book.later, False)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        order = [
            int(n)
            for n in re.findall(r'<row r="(\d+)"', z.read("xl/worksheets/sheet1.xml").decode())
        ]
    return list(openpyxl.load_workbook(io.BytesIO(data))["T"].iter_rows(values_only=True)), order


def test_a_total_row_below_the_long_table_stays_below_it():
    ours, order = _with_total(True)
    assert (ours, order) == _with_total(False)
    assert order == sorted(order) and ours[9][:2] == ("Total", "=SUM(B2:B9)")


def test_a_lone_surrogate_in_python_text_is_dropped_not_a_crash():
    """Python text can hold half a surrogate pair, which no file can: xlsxwriter refused to
    encode it (a property test found this); the cell keeps the rest."""
    table = [["a\ud800b", 1.0, None, None], ["c\udfffd", 2.0, None, None]]
    _, rows = cells(build_typed(table, bulk=False))
    assert [row[0][0] for row in rows[1:]] == ["ab", "cd"]


@pytest.mark.parametrize("date_1904", [False, True])
def test_rows_put_in_on_the_way_read_back_as_xlsxwriter_writes_them(date_1904: bool) -> None:
    """Only the sheet with later rows is filled; read back, it holds the cells xlsxwriter writes
    when it writes every row itself, over the same dimension, and the sheet after it is kept."""
    buffer = io.BytesIO()
    book = Book(buffer, WHEN, date_1904)
    ws = book.wb.add_worksheet("T")
    book.wb.add_worksheet("After")
    book.table(ws, 0, 0, "tb_t", COLUMNS, ROWS, bulk=True)
    book.wb.close()
    unfilled = bulkrows.Unfilled(buffer.getvalue(), tuple(book.later), date_1904)
    assert unfilled.parts() == ["xl/worksheets/sheet1.xml"]
    ours = openpyxl.load_workbook(io.BytesIO(standalone(unfilled, WHEN)))
    theirs = build(ROWS, bulk=False, date_1904=date_1904)
    assert cells(ours) == cells(theirs)
    assert ours["T"].max_row == len(ROWS) + 1
    assert list(ours["After"].iter_rows(values_only=True)) == list(
        theirs["After"].iter_rows(values_only=True)
    )


def _as_frame(rows: list[list]) -> pl.DataFrame:
    """The formula rows as a frame: each formula beside its value, as the sheets build them."""

    def formulas(i: int, kind: type) -> pl.Series:
        return pl.Series(
            [{"f": r[i].text, "v": r[i].cached} for r in rows],
            dtype=pl.Struct({"f": pl.String, "v": pl.String if kind is str else pl.Float64}),
        )

    return pl.DataFrame(
        {
            "client": [r[0] for r in rows],
            "share": formulas(1, float),
            "class": formulas(2, str),
            "rank": formulas(3, float),
        }
    )


@pytest.mark.parametrize("values", [False, True], ids=["formulas", "cached values"])
def test_formula_columns_given_as_a_frame_read_back_as_given_as_rows(values):
    rows = _formula_rows(7)
    frame = _as_frame(rows)
    assert bulkrows.typed(frame, [f for _, f in FORMULA_COLUMNS]) is not None
    assert _formula_book(frame, True, values) == _formula_book(rows, False, values)
    # without the bulk path, xlsxwriter writes the frame's formulas itself, first row and all
    assert _formula_book(frame, False, values) == _formula_book(rows, False, values)


def _table_parts(rows, bulk: bool, top: int, left: int) -> dict[str, bytes]:
    buffer = io.BytesIO()
    book = Book(buffer, WHEN)
    ws = book.wb.add_worksheet("T")
    book.table(ws, top, left, "tb_t", COLUMNS, rows, bulk=bulk)
    book.table(ws, top, left + len(COLUMNS) + 1, "tb_short", COLUMNS, rows[:1], bulk=bulk)
    book.wb.close()
    data = filled(buffer.getvalue(), book.later, False)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist() if n.startswith("xl/tables/")}
    ws = openpyxl.load_workbook(io.BytesIO(data))["T"]
    for name in ws.tables:
        table = ws.tables[name]
        parts[name] = f"{table.ref} {table.autoFilter.ref}".encode()
    return parts


@pytest.mark.parametrize(("top", "left", "ref"), [(0, 0, "A1:H36"), (3, 2, "C4:J39")])
def test_a_long_table_covers_every_row_put_in_later(top, left, ref):
    """xlsxwriter is given a long table's header and first row only (marking every cell of
    twenty thousand rows against overlaps cost a quarter of a second); its part then covers
    every row as if xlsxwriter had been given them all, byte for byte."""
    rows = ROWS * 7  # 35 rows below the 8 columns' header
    bulk = _table_parts(rows, True, top, left)
    assert bulk == _table_parts(rows, False, top, left)
    assert bulk["tb_t"] == f"{ref} {ref}".encode()


def _long_table(rows, heights, date_1904: bool) -> tuple[bytes, bulkrows.Unfilled]:
    buffer = io.BytesIO()
    book = Book(buffer, WHEN, date_1904)
    ws = book.wb.add_worksheet("T")
    book.wb.add_worksheet("After")
    book.table(ws, 0, 0, "tb_t", COLUMNS, rows, bulk=True, heights=heights)
    book.wb.close()
    unfilled = bulkrows.Unfilled(buffer.getvalue(), tuple(book.later), date_1904)
    return standalone(unfilled, WHEN), unfilled


@pytest.mark.parametrize("date_1904", [False, True])
@pytest.mark.parametrize("size", [1, 2, 3, 34, 35])
def test_a_long_table_made_a_slice_at_a_time_is_the_table_made_whole(
    monkeypatch, size: int, date_1904: bool
) -> None:
    """A table longer than PIECE_ROWS is made a slice of rows at a time as it is deflated: the
    workbook is byte for byte the one made with the table whole, row numbers, heights, hostile
    text and blanks included, whatever the slice (34 rows below the first: one slice at 35)."""
    rows = [[*row[:5], row[5], row[6], f"{row[7]} {i}"] for i, row in enumerate(ROWS * 7)]
    heights = [15.0 + (i % 4) * 12.5 for i in range(len(rows))]
    whole, _ = _long_table(rows, heights, date_1904)
    monkeypatch.setattr(bulkrows, "PIECE_ROWS", size)
    sliced, unfilled = _long_table(rows, heights, date_1904)
    assert sliced == whole
    part = unfilled.parts()[0]
    with zipfile.ZipFile(io.BytesIO(unfilled.package)) as z:
        made = unfilled.filled(part, z.read(part).decode("utf-8"))
    if size >= len(rows) - 1:
        assert isinstance(made, bytes)  # one slice: made whole, as before
    else:
        pieces = list(made)
        assert len(pieces) == 2 + -(-(len(rows) - 1) // size)  # the head, the slices, the tail
        assert [piece.count(b"<row ") for piece in pieces[1:-1]][0] == size
        with zipfile.ZipFile(io.BytesIO(whole)) as z:
            assert b"".join(pieces) == z.read(part)


def test_dates_and_row_heights_are_whole_numbers_as_xlsxwriter_writes_them():
    """The first row is xlsxwriter's, the rest are ours: a date's serial and a row's height are
    written alike in both (45658, not 45658.0; ht="90", not "90.0")."""
    frame = pl.DataFrame(
        {
            "Client": ["Alpha", "Beta", "Gamma", "Delta"],
            "First": [dt.date(2025, 1, 1), dt.date(2025, 1, 2), None, dt.date(1900, 2, 28)],
        }
    )
    buffer = io.BytesIO()
    book = Book(buffer, WHEN)
    ws = book.wb.add_worksheet("T")
    book.table(
        ws, 0, 0, "tb_t", [("Client", None), ("First", DATE)], frame, True, [90.0, 45.75, 90, 30]
    )
    book.wb.close()
    data = filled(buffer.getvalue(), book.later, False)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    # 2025-01-01 is Excel's day 45658; 28 February 1900 its day 59, before the phantom 29th
    days = dict(re.findall(r'<c r="B(\d+)"(?: s="\d+")?><v>([^<]*)</v>', sheet))
    assert days == {"2": "45658", "3": "45659", "5": "59"}
    heights = dict(re.findall(r'<row r="(\d+)"[^>]*? ht="([^"]*)"', sheet))
    assert heights == {"2": "90", "3": "45.75", "4": "90", "5": "30"}
    values = openpyxl.load_workbook(io.BytesIO(data))["T"]
    assert [c.value for c in values["B"]][1:] == [
        dt.datetime(2025, 1, 1),
        dt.datetime(2025, 1, 2),
        None,
        dt.datetime(1900, 2, 28),
    ]
