"""A package member streamed through ISA-L gives zipfile's bytes, read for read."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ooxml.inflated import InflatedMember
from pipeline.ooxml.parts import Package


def package(members: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A zip of ``name: (data, method, level)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, (data, method, level) in members.items():
            archive.writestr(name, data, compress_type=method, compresslevel=level)
    return out.getvalue()


def reads(stream: object, sizes: list[int]) -> list[bytes]:
    """What each ``read`` gives, then the rest."""
    got = [stream.read(size) for size in sizes]  # type: ignore[attr-defined]
    got.append(stream.read())  # type: ignore[attr-defined]
    return got


def sheet_xml(rows: int) -> bytes:
    return (
        b"<sheetData>"
        + b"".join(
            b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d.25</v></c></row>'
            % (i, i, i % 97, i, i * 7)
            for i in range(1, rows + 1)
        )
        + b"</sheetData>"
    )


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_sheet_read_in_blocks_is_zipfiles_block_for_block(method):
    data = sheet_xml(40_000)  # some 2.5 MB, many times the packed bytes fed at once
    raw = package({"xl/worksheets/sheet1.xml": (data, method, 6)})
    sizes = [1, 7, 1 << 16, 1 << 20, 3, 1 << 20]
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        with archive.open(info) as expected:
            want = reads(expected, sizes)
        with InflatedMember(raw, info) as stream:
            got = reads(stream, sizes)
    assert [len(g) for g in got] == [len(w) for w in want]
    assert got == want
    assert b"".join(got) == data


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=5000).map(lambda b: b * 40),
    method=st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]),
    level=st.integers(0, 9),
    sizes=st.lists(st.integers(0, 70_000), max_size=8),
)
def test_any_member_read_any_way_is_zipfiles(data, method, level, sizes):
    raw = package({"part.xml": (data, method, level)})
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        info = archive.getinfo("part.xml")
        with archive.open(info) as expected:
            want = reads(expected, sizes)
        assert reads(InflatedMember(raw, info), sizes) == want


def test_a_member_whose_crc_does_not_match_is_refused_at_its_end():
    data = sheet_xml(2_000)
    raw = bytearray(package({"xl/worksheets/sheet1.xml": (data, zipfile.ZIP_DEFLATED, 6)}))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    info.CRC ^= 1  # what the directory says, as a damaged package would
    stream = InflatedMember(bytes(raw), info)
    assert stream.read(1000) == data[:1000]  # the check is at the end, as zipfile's
    with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
        stream.read()


def test_a_member_whose_header_is_not_there_is_refused():
    raw = bytearray(package({"a.xml": (b"<a/>" * 100, zipfile.ZIP_DEFLATED, 6)}))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo("a.xml")
    struct.pack_into("<4s", raw, info.header_offset, b"XXXX")
    with pytest.raises(zipfile.BadZipFile, match="header"):
        InflatedMember(bytes(raw), info)


def test_a_package_streams_through_isal_only_when_it_has_the_bytes():
    raw = package(
        {
            "deflated.xml": (b"<x>1</x>" * 1000, zipfile.ZIP_DEFLATED, 6),
            "other.xml": (b"<y>2</y>" * 1000, zipfile.ZIP_BZIP2, 9),
        }
    )
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        with Package(archive, raw).opener("deflated.xml")() as stream:
            assert isinstance(stream, InflatedMember)
            assert stream.read() == b"<x>1</x>" * 1000
        with Package(archive, raw).opener("other.xml")() as stream:  # a method it does not read
            assert not isinstance(stream, InflatedMember)
            assert stream.read() == b"<y>2</y>" * 1000
        with Package(archive).opener("deflated.xml")() as stream:
            assert not isinstance(stream, InflatedMember)
            assert stream.read() == b"<x>1</x>" * 1000
