"""The streamed row splice and the member-by-member zip writer, on hand-written sheet XML."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import SheetError
from pipeline.ooxml import notes as notes_module
from pipeline.ooxml import sheetdata, xmltext
from pipeline.ooxml.notes import SHAPES_PER_BLOCK, comments_part, vml_part
from pipeline.ooxml.xmltext import NOT_XML_CHARACTERS
from pipeline.ooxml.zipwriter import BULK_SIZE, Pieces, ZipOut, deflate

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet(rows: str, dimension: str | None = "A1:B3", prefix: str = "", tail: str = "") -> bytes:
    p = prefix
    declare = (
        f'xmlns:{p[:-1]}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' if p else NS
    )
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0"?>\n<{p}worksheet {declare}>{dim}<{p}sheetData>{rows}'
        f"</{p}sheetData>{tail}</{p}worksheet>"
    ).encode()


def opener(data: bytes) -> Callable[[], io.BytesIO]:
    return lambda: io.BytesIO(data)


def spliced(data: bytes, cells: pl.DataFrame, last: int, prefix: str = "") -> str:
    """The sheet spliced from its rows read again, checked against the same splice of the rows
    a scan kept."""
    found = sheetdata.scan(opener(data), prefix)
    assert found.rows is None  # kept only when asked

    def of_block(rows: pl.Series) -> pl.DataFrame:
        return cells.filter(pl.col("row").is_in(rows.implode()))

    read = sheetdata.read_rows(opener(data), prefix)
    body = b"".join(sheetdata.splice(read, prefix, of_block, cells.height, last))
    kept = sheetdata.scan(opener(data), prefix, keep=len(data))
    assert kept.rows is not None and (kept.head, kept.tail) == (found.head, found.tail)
    assert b"".join(sheetdata.splice(kept.rows, prefix, of_block, cells.height, last)) == body
    return found.head + body.decode() + found.tail


def test_a_scan_keeps_the_rows_only_when_they_fit(block):
    data = sheet(ROWS)
    rows_size = len(ROWS.encode())
    assert sheetdata.scan(opener(data), "", keep=rows_size).rows is not None
    assert sheetdata.scan(opener(data), "", keep=rows_size - 1).rows is None
    kept = sheetdata.scan(opener(data), "", keep=rows_size).rows
    assert kept is not None
    numbers = pl.concat([b.rows["row"] for b in kept]).to_list()
    assert numbers == [1, 2, 3]
    # every byte of the rows is in what was kept, in order
    assert "".join(b.lead + "".join("<row" + p for p in b.rows["piece"]) for b in kept) == ROWS


def frags(rows: dict[int, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"row": list(rows), "xml": list(rows.values())}, schema={"row": pl.Int64, "xml": pl.String}
    )


ROWS = (
    '<row r="1" spans="1:2"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c></row>\n'
    '<row r="2" spans="1:2"><c r="A2"><v>2</v></c></row>\n'
    '<row r="3" spans="1:2" ht="20" customHeight="1"/>'
)


@pytest.fixture(params=[1 << 24, 40])
def block(request, monkeypatch):
    """Whole sheets in one block, and blocks of a few bytes (every row cut apart)."""
    monkeypatch.setattr(sheetdata, "BLOCK", request.param)
    return request.param


def test_cells_go_before_each_rows_end_and_into_self_closed_rows(block):
    out = spliced(sheet(ROWS), frags({1: "<c r='C1'/>", 3: "<c r='C3'/>"}), 3)
    assert (
        '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c><c r=\'C1\'/></row>\n'
        in out
    )
    assert (
        '<row r="2" spans="1:2"><c r="A2"><v>2</v></c></row>\n' in out
    )  # not asked for: as it was
    assert '<row r="3" spans="1:3" ht="20" customHeight="1"><c r=\'C3\'/></row>' in out
    # everything but the new cells and spans is the input, byte for byte
    assert re.sub(r"<c r='C\d'/>", "", out).replace('spans="1:3"', 'spans="1:2"') == sheet(
        ROWS
    ).decode().replace(
        '<row r="3" spans="1:2" ht="20" customHeight="1"/>',
        '<row r="3" spans="1:2" ht="20" customHeight="1"></row>',
    )


def test_rows_without_a_number_follow_the_row_before(block):
    rows = '<row r="4"><c r="A4"/></row><row><c r="A5"/></row><row><c r="A6"/></row><row r="9"><c r="A9"/></row><row/>'
    out = spliced(sheet(rows), frags({5: "<c r='B5'/>", 6: "<c r='B6'/>", 10: "<c r='B10'/>"}), 2)
    assert "<row><c r=\"A5\"/><c r='B5'/></row><row><c r=\"A6\"/><c r='B6'/></row>" in out
    assert "<row><c r='B10'/></row>" in out


def test_a_prefixed_sheet_gets_prefixed_rows(block):
    rows = '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row><x:row r="2"><x:c r="A2"/></x:row>'
    data = sheet(rows, prefix="x:")
    found = sheetdata.scan(opener(data), "x:")
    assert found.widest == "A"
    out = spliced(data, frags({2: "<x:c r='B2'/>"}), 2, prefix="x:")
    assert '<x:row r="2"><x:c r="A2"/><x:c r=\'B2\'/></x:row>' in out


def test_a_row_asked_for_but_absent_or_twice_is_refused(block):
    with pytest.raises(SheetError, match="no row element"):
        spliced(sheet(ROWS), frags({7: "<c/>"}), 3)
    twice = '<row r="1"><c r="A1"/></row><row r="1"><c r="A1"/></row>'
    with pytest.raises(SheetError, match="more than once"):
        spliced(sheet(twice), frags({1: "<c/>"}), 3)


@pytest.mark.parametrize(
    ("dimension", "rows", "widest"),
    [
        ("A1:B3", ROWS, "B"),  # the dimension is right
        ("A1:A3", ROWS, "B"),  # too narrow: a cell lies beyond it
        ("A1:Z3", ROWS, "B"),  # too wide: no cell reaches it
        (None, ROWS, "B"),  # none at all
        ("A1:AB2", '<row r="1"><c r="AA1"/><c r="AB1"/></row><row r="2"><c r="Z2"/></row>', "AB"),
        ("A1:C2", '<row r="1"><c r="AA1"/></row><row r="2"><c r="C2"/></row>', "AA"),
        ("A1:B1", '<row r="1"><c r="XFD1"/></row>', "XFD"),
        ("A1", "", ""),
    ],
)
def test_the_widest_column_is_found_whatever_the_dimension_says(block, dimension, rows, widest):
    assert sheetdata.scan(opener(sheet(rows, dimension)), "").widest == widest


@pytest.mark.parametrize("cell", ['<c s="1"><v>1</v></c>', "<c/>", "<c>", '<c\n t="s"/>'])
# the dimension right, too narrow (a cell beyond it is found in the same pass), or missing
@pytest.mark.parametrize("dimension", ["A1:B3", "A1:A3", None])
def test_cells_whose_column_is_only_implied_are_refused(cell, dimension):
    with pytest.raises(SheetError, match="no reference"):
        sheetdata.scan(
            opener(sheet(f'<row r="1"><c r="A1"/>{cell}<c r="B1"/></row>', dimension)), ""
        )


def test_an_empty_or_self_closed_sheet_data_has_no_rows():
    data = b'<worksheet><dimension ref="A1"/><sheetData/><pageMargins left="1"/></worksheet>'
    found = sheetdata.scan(opener(data), "")
    assert found.self_closed and found.widest == ""
    assert (
        found.head.endswith("<sheetData/>") and found.tail == '<pageMargins left="1"/></worksheet>'
    )
    with pytest.raises(SheetError):
        sheetdata.scan(opener(b"<worksheet></worksheet>"), "")


def test_new_cells_hold_user_text_as_text_and_shares_as_numbers():
    values = pl.DataFrame(
        {
            "row": [2, 3, 4, 5],
            "tier": ['=HYPERLINK("x")', "A & B <b>\x07", None, " padded\t"],
            "share": [0.25, float("nan"), None, 0.5],
            "flags": ["", "ok", None, "line\nbreak"],
        }
    )
    cells = dict(sheetdata.cells_xml(values, ["F", "G", "H"], 7, [7, 9, 7], "").iter_rows())
    assert cells[2] == (
        '<c r="F2" s="7" t="inlineStr"><is><t>=HYPERLINK("x")</t></is></c>'
        '<c r="G2" s="9"><v>0.25</v></c>'
    )
    assert cells[3] == (
        '<c r="F3" s="7" t="inlineStr"><is><t>A &amp; B &lt;b&gt;</t></is></c>'
        '<c r="H3" s="7" t="inlineStr"><is><t>ok</t></is></c>'
    )
    assert 4 not in cells  # nothing to say: no cell at all
    # white space at an end is kept by saying so; inside the text it needs nothing
    assert cells[5] == (
        '<c r="F5" s="7" t="inlineStr"><is><t xml:space="preserve"> padded\t</t></is></c>'
        '<c r="G5" s="9"><v>0.5</v></c>'
        '<c r="H5" s="7" t="inlineStr"><is><t>line\nbreak</t></is></c>'
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(["a", " ", "\t", "\n", "\u00a0", "\u3000", "x"])), max_size=8)
)
def test_white_space_at_either_end_and_only_there_is_kept_by_saying_so(texts):
    """``xml:space="preserve"`` exactly where the text starts or ends with white space (as
    Unicode counts it), whatever is inside it."""
    cells = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(
        sheetdata.inline_text("", pl.col("t")).alias("xml"),
        pl.col("t").str.contains(r"^\s|\s$").alias("ends"),  # the definition, in one search
    )
    for xml, ends in cells.iter_rows():
        assert xml.startswith('<is><t xml:space="preserve">') == ends


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.booleans(), st.sampled_from(["", "\n", "  "])),
        min_size=1,
        max_size=25,
    ),
    st.integers(min_value=8, max_value=200),
)
def test_any_layout_of_rows_and_blocks_places_each_cell_once(layout, size):
    """Rows numbered or not, self-closed or not, white space between them, cut into blocks of
    any size: each asked-for row gains its cell, and nothing else changes."""
    parts, wanted = [], {}
    for number, (numbered, closed, space) in enumerate(layout, start=1):
        attrs = f' r="{number}"' if numbered else ""
        parts.append(
            f"<row{attrs}/>{space}" if closed else f'<row{attrs}><c r="A{number}"/></row>{space}'
        )
        if number % 2:
            wanted[number] = f"<c r='B{number}'/>"
    original = sheet("".join(parts), dimension=None)
    old = sheetdata.BLOCK
    sheetdata.BLOCK = size
    try:
        out = spliced(original, frags(wanted), 2)
    finally:
        sheetdata.BLOCK = old
    for n, cell in wanted.items():
        assert out.count(cell) == 1, n
    undone = re.sub(r"<c r='B\d+'/>", "", out)
    # a self-closed row that gained a cell has an end tag now; without the cell, nothing else moved
    assert re.sub(r'(<row(?: r="\d+")?)></row>', r"\1/>", undone) == original.decode()


_ATTR_TEXT = st.text(alphabet=st.sampled_from("aZ9 :é߀漢😀"), max_size=6)
_SPANS = st.sampled_from(
    ["", ' spans="1:2"', ' spans="12:345"', ' spans="1:2 5:7"', ' spans=""', ' spans="a:b"']
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            # an attribute before spans, whose characters need not be ASCII, or none: the row
            # then starts as Excel writes it, its number and its spans
            st.none() | _ATTR_TEXT,
            st.sampled_from(["", "x", "data-"]),  # a name spans may end ("xspans" is not it)
            _SPANS,
            _SPANS,  # a second spans-like attribute after the first
            st.booleans(),  # self-closed
            st.booleans(),  # asked for
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=8, max_value=400),
    st.integers(min_value=1, max_value=16384),
)
def test_spans_end_at_the_new_last_column_wherever_they_sit(rows, size, last):
    """A row gaining cells has the last column of its spans rewritten, as a regular expression
    over the row's start tag would, whatever precedes the attribute (blocks of rows as Excel
    starts them, and of others); every other byte stays."""
    parts, wanted, expected = [], {}, []
    for number, (before, lead, spans, again, closed, asked) in enumerate(rows, start=1):
        spans = spans.replace(" spans", f" {lead}spans") if spans else ""
        attribute = "" if before is None else f' t="{before}"'
        start = f'<row r="{number}"{attribute}{spans}{again}'
        row = f"{start}/>" if closed else f'{start}><c r="A{number}"/></row>'
        parts.append(row)
        if not asked:
            expected.append(row)
            continue
        cell = f"<c r='B{number}'/>"
        wanted[number] = cell
        grown = re.sub(r'^(<row[^>]*?\bspans=")(\d+):(\d+)"', rf'\g<1>\g<2>:{last}"', row)
        expected.append(
            grown[:-2] + f">{cell}</row>" if closed else grown.replace("</row>", f"{cell}</row>")
        )
    old = sheetdata.BLOCK
    sheetdata.BLOCK = size
    try:
        out = spliced(sheet("".join(parts), dimension=None), frags(wanted), last)
    finally:
        sheetdata.BLOCK = old
    assert out == sheet("".join(expected), dimension=None).decode()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=60), unique=True, max_size=40),
    st.lists(
        st.lists(st.integers(min_value=1, max_value=60), unique=True, max_size=12), max_size=8
    ),
    st.integers(min_value=1, max_value=8),
)
def test_cells_made_in_batches_are_each_blocks_own(numbers, blocks, batch):
    """Cells made a batch of rows at a time, for blocks in any order (numbers out of order,
    gaps, rows with no values), place exactly the cells made from each block's own rows."""
    values = pl.DataFrame(
        {"row": numbers, "label": [f"t{n % 3}" for n in numbers]},
        schema={"row": pl.Int64, "label": pl.String},
    )

    def make(part: pl.DataFrame) -> pl.DataFrame:
        return sheetdata.cells_xml(part, ["C"], 1, [1], "")

    cells = sheetdata.block_cells(values, make, batch)
    for block in blocks:
        if not block:
            continue
        rows = pl.Series("row", block, pl.Int64)
        frame = pl.DataFrame({"row": rows})
        got = frame.join(cells(rows), on="row", how="inner").sort("row")
        own = make(values.join(frame, on="row", how="semi"))
        assert got.equals(frame.join(own, on="row", how="inner").sort("row"))


# --- the zip writer ------------------------------------------------------------------------------


def _package() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", "<a>" + "x" * 5000 + "</a>")
        z.writestr(zipfile.ZipInfo("stored.bin"), b"\x00\x01" * 100)
        z.writestr("ünïcode/naïve.xml", "<b/>")
    return out.getvalue()


def test_copied_members_keep_their_compressed_bytes_and_new_ones_read_back():
    source = _package()
    target = io.BytesIO()
    when = dt.datetime(2026, 3, 31, 13, 45, 30)
    writer = ZipOut(target, when)
    with zipfile.ZipFile(io.BytesIO(source)) as original:
        for info in original.infolist():
            writer.copy(io.BytesIO(source), info)
        writer.write("new.xml", b"<new/>")
        writer.write_deflated("streamed.xml", deflate(iter([b"<s>", b"y" * 70000, b"</s>"])))
        writer.close()
        with zipfile.ZipFile(io.BytesIO(target.getvalue())) as result:
            assert result.testzip() is None
            assert [i.filename for i in result.infolist()] == [
                "a.xml",
                "stored.bin",
                "ünïcode/naïve.xml",
                "new.xml",
                "streamed.xml",
            ]
            for info in original.infolist():
                copied = result.getinfo(info.filename)
                assert result.read(info.filename) == original.read(info.filename)
                assert (copied.CRC, copied.compress_size, copied.compress_type) == (
                    info.CRC,
                    info.compress_size,
                    info.compress_type,
                )
            assert result.read("new.xml") == b"<new/>"
            assert result.read("streamed.xml") == b"<s>" + b"y" * 70000 + b"</s>"
            assert {i.date_time for i in result.infolist()} == {(2026, 3, 31, 13, 45, 30)}


def test_the_same_members_give_the_same_bytes():
    def build() -> bytes:
        target = io.BytesIO()
        writer = ZipOut(target, dt.datetime(2026, 1, 1))
        writer.write("x.xml", b"<x/>" * 100)
        writer.write_deflated("y.xml", deflate(iter([b"<y>", b"</y>"])))
        writer.close()
        return target.getvalue()

    assert build() == build()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=50_000) | st.just(b"<row>" * 9000), max_size=8))
def test_chunks_deflated_apart_join_into_one_stream(chunks):
    target = io.BytesIO()
    writer = ZipOut(target, dt.datetime(2026, 1, 1))
    writer.write_deflated("x.xml", deflate(iter(chunks)))
    writer.close()
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as result:
        assert result.read("x.xml") == b"".join(chunks)  # zipfile checks the CRC too


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.binary(max_size=40_000) | st.just(b"<row/>" * 7000), max_size=5),
    st.binary(max_size=70_000),
    st.sampled_from([1, 3, 6]),
)
def test_a_body_deflated_ahead_continues_with_its_tail(body, tail, level):
    """A data sheet's rows are deflated on a thread before the rest of the sheet is known."""
    ahead = deflate(iter(body), level)
    target = io.BytesIO()
    writer = ZipOut(target, dt.datetime(2026, 1, 1))
    writer.write_deflated("x.xml", deflate([tail], level, ahead))
    writer.write_deflated("empty.xml", deflate([], level))
    writer.close()
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as result:
        assert result.read("x.xml") == b"".join(body) + tail  # zipfile checks the CRC too
        assert result.read("empty.xml") == b""
    assert ahead.size == sum(map(len, body))  # continuing made a new body; the first is unchanged


def _rows_xml(size: int, seed: int) -> bytes:
    """Sheet-like XML of about ``size`` bytes, as compressible as a real sheet's."""
    import random

    pick = random.Random(seed)
    rows, made = [], 0
    while made < size:
        n = len(rows) + 2
        rows.append(f'<row r="{n}"><c r="A{n}" s="1"><v>{pick.randrange(10_000)}</v></c></row>')
        made += len(rows[-1])
    return "".join(rows).encode()[:size]


@pytest.mark.parametrize("size", [BULK_SIZE - 1, BULK_SIZE, 5 * BULK_SIZE + 12_345])
def test_members_of_any_size_read_back_the_same_every_time(size):
    """A member past BULK_SIZE is deflated in chunks on threads, a smaller one in one stream:
    either way any zip reader gets the bytes back, and the package is the same every run."""
    data = _rows_xml(size, size)

    def build() -> bytes:
        target = io.BytesIO()
        writer = ZipOut(target, dt.datetime(2026, 1, 1))
        writer.write("big.xml", data)
        writer.write("small.xml", b"<x/>")
        writer.close()
        return target.getvalue()

    first = build()
    assert build() == first
    with zipfile.ZipFile(io.BytesIO(first)) as result:
        assert result.read("big.xml") == data  # zipfile checks the CRC too
        assert result.read("small.xml") == b"<x/>"
        packed = result.getinfo("big.xml").compress_size
    # still compressed as a sheet is: to under a fifth of its size
    assert packed < len(data) / 5
    # and one whole deflate stream, ended as strict readers (Excel's) require
    inflater = zlib.decompressobj(-15)
    member = ZipOut(io.BytesIO(), dt.datetime(2026, 1, 1)).pack(data)
    assert inflater.decompress(member.data) == data and inflater.eof and not inflater.unused_data


def test_notes_parts_hold_each_note_once_escaped_at_its_cell():
    notes = pl.DataFrame(
        {"row": [2, 5, 9], "note": ["Acme & Sons <Ltd>", "tab\tand\x01control", "- a\n- b"]}
    )
    comments = comments_part("K", notes).decode("utf-8")
    found = re.findall(
        r'<comment ref="([A-Z]+\d+)" authorId="0"><text><t xml:space="preserve">(.*?)</t>',
        comments,
        re.S,
    )
    assert found == [
        ("K2", "Acme &amp; Sons &lt;Ltd&gt;"),
        ("K5", "tab\tandcontrol"),  # XML cannot hold the control character: it is dropped
        ("K9", "- a\n- b"),
    ]
    vml = vml_part(notes["row"] - 1, 10, 3).decode("utf-8")
    shapes = re.findall(
        r'<v:shape id="_x0000_s(\d+)".*?z-index:(\d+);.*?<x:Row>(\d+)</x:Row>'
        r"<x:Column>(\d+)</x:Column>",
        vml,
    )
    first = 3 * SHAPES_PER_BLOCK + 1
    assert shapes == [
        (str(first), "1", "1", "10"),
        (str(first + 1), "2", "4", "10"),
        (str(first + 2), "3", "8", "10"),
    ]
    assert '<o:idmap v:ext="edit" data="3"/>' in vml


def test_more_notes_than_a_block_take_the_next_block_too():
    rows = pl.Series(range(SHAPES_PER_BLOCK + 1))
    vml = vml_part(rows, 0, 7).decode("utf-8")
    assert '<o:idmap v:ext="edit" data="7,8"/>' in vml
    ids = [int(i) for i in re.findall(r'<v:shape id="_x0000_s(\d+)"', vml)]
    assert ids == list(range(7 * SHAPES_PER_BLOCK + 1, 7 * SHAPES_PER_BLOCK + len(rows) + 1))


def test_rows_with_the_same_values_each_get_their_own_references():
    values = pl.DataFrame(
        {
            "row": [9, 2, 5, 7],
            "tier": ["Anchor", "Anchor", None, "Anchor"],
            "share": [0.25, 0.25, None, float("nan")],
        }
    )
    cells = dict(sheetdata.cells_xml(values, ["F", "G"], 7, [7, 9], "").iter_rows())
    same = '<c r="F{0}" s="7" t="inlineStr"><is><t>Anchor</t></is></c><c r="G{0}" s="9"><v>0.25</v></c>'
    assert cells == {
        9: same.format(9),
        2: same.format(2),
        7: '<c r="F7" s="7" t="inlineStr"><is><t>Anchor</t></is></c>',
    }


def test_the_characters_escaping_drops_are_those_xml_cannot_hold():
    bmp = (chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF)
    assert set(NOT_XML_CHARACTERS) == {c for c in bmp if re.fullmatch(xmltext.NOT_XML, c)}


@given(
    st.lists(
        st.text(alphabet=st.sampled_from("a&<>;amp\t\n\r\x00\x01\x0b\x0c\x1f\ufffe\uffff é漢"))
        | st.text(),
        max_size=6,
    )
)
def test_a_column_escaped_in_one_pass_is_each_value_as_the_python_writer_escapes_it(values):
    """Dropped what XML cannot hold, & < > as entities, every character looked at once: an
    ampersand made by escaping is never escaped again."""
    column = pl.DataFrame({"t": values}, schema={"t": pl.String})
    got = column.select(sheetdata.escaped(pl.col("t")))["t"].to_list()
    assert got == [xmltext.text(value) for value in values]


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(
        [BULK_SIZE - 1, BULK_SIZE, 2 * BULK_SIZE, 4 * BULK_SIZE + 1, 5 * BULK_SIZE + 77]
    ),
    st.lists(st.integers(0, 3 * BULK_SIZE), max_size=6),
)
def test_a_member_in_pieces_packs_as_its_bytes_joined(size, cuts):
    """A long table comes to the writer as pieces of any length (empty ones too): they are cut
    into the deflater's chunks exactly as their joined bytes would be, so the member is the
    same bytes either way, on both sides of BULK_SIZE."""
    data = _rows_xml(size, 7)
    edges = sorted({0, size, *(c % (size + 1) for c in cuts)})
    pieces = [data[a:b] for a, b in itertools.pairwise(edges)] + [b""]
    writer = ZipOut(io.BytesIO(), dt.datetime(2026, 1, 1))
    made = writer.pack(Pieces(lambda: iter(pieces)))
    assert made == writer.pack(data)
    assert zlib.decompressobj(-15).decompress(made.data) == data


@pytest.mark.parametrize("size", [1_029, 515, 206, 7])
def test_a_long_list_of_notes_made_a_slice_at_a_time_is_the_list_made_whole(monkeypatch, size):
    """More notes than NOTE_ROWS come as pieces: together they are the parts made whole, each
    shape's id and place in the stack counted on across the pieces, and the blocks claimed
    for all of them; 1,030 notes take two blocks whichever piece crosses into the second."""
    rows = pl.Series(range(1, 1_031)) * 3
    notes = pl.DataFrame({"row": rows, "note": [f"Client {i} & <Co>\n- a" for i in range(1_030)]})
    comments = comments_part("K", notes)
    vml = vml_part(notes["row"] - 1, 10, 5)
    assert isinstance(comments, bytes) and isinstance(vml, bytes)
    monkeypatch.setattr(notes_module, "NOTE_ROWS", size)
    sliced_comments = comments_part("K", notes)
    sliced_vml = vml_part(notes["row"] - 1, 10, 5)
    assert not isinstance(sliced_comments, bytes) and not isinstance(sliced_vml, bytes)
    comment_pieces, shape_pieces = list(sliced_comments), list(sliced_vml)
    assert b"".join(comment_pieces) == comments and b"".join(shape_pieces) == vml
    slices = -(-1_030 // size)
    assert len(comment_pieces) == len(shape_pieces) == slices + 2  # the head, slices, the tail
    assert b'<o:idmap v:ext="edit" data="5,6"/>' in shape_pieces[0]
