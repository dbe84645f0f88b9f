"""summary.json's client list written by polars: one line per client, each the bytes orjson
writes for the row's values, in a document whose values are those of the rows."""

from __future__ import annotations

import datetime as dt

import orjson
import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.render import json_rows

OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE

SCHEMA = {
    "client": pl.String,
    "revenue": pl.Float64,
    "rank": pl.Int64,
    "months": pl.Int32,
    "at_risk": pl.Boolean,
    "first_invoice": pl.Date,
    "roles": pl.List(pl.String),
    "predictability": pl.Struct(
        {"gap_cv": pl.Float64, "months_billed": pl.Int64, "by_months": pl.Boolean}
    ),
    "spans": pl.List(pl.List(pl.Int64)),
}


def by_orjson(frame: pl.DataFrame) -> bytes:
    """The reference: orjson on each row's own Python values, a line each, in a document as
    summary.json is."""
    lines = [b"    " + orjson.dumps(row) for row in frame.to_dicts()]
    listed = b"[\n" + b",\n".join(lines) + b"\n  ]" if lines else b"[]"
    document = {"before": 1, "clients": orjson.Fragment(listed), "after": [2]}
    return orjson.dumps(document, option=OPTIONS)


def indented(frame: pl.DataFrame) -> bytes:
    """The same document with the rows' values indented throughout."""
    return orjson.dumps({"before": 1, "clients": frame.to_dicts(), "after": [2]}, option=OPTIONS)


def by_polars(
    frame: pl.DataFrame, before: object = 1, after: object = (2,), rows: int | None = None
) -> bytes:
    """As summary.json is written: orjson's document around the list's place, then the list,
    in pieces of ``rows`` clients (the default's when None)."""
    place = orjson.Fragment(json_rows.PLACE)
    document = orjson.dumps({"before": before, "clients": place, "after": after}, option=OPTIONS)
    return b"".join(json_rows.client_list_pieces(document, frame, rows))


# Text as a user's workbook may hold it: quotes, backslashes, control characters, any script
# (not lone surrogates, which no UTF-8 text holds).
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 1e-5, 1e-7, 0.1, 1e16, 1e17, 5e-324, 12345678901234567.0, 0.30000000000000004]
)
rows = st.fixed_dictionaries(
    {
        "client": st.none() | texts,
        "revenue": st.none() | floats,
        "rank": st.none() | st.integers(-(2**63), 2**63 - 1),
        "months": st.none() | st.integers(-(2**31), 2**31 - 1),
        "at_risk": st.none() | st.booleans(),
        "first_invoice": st.none() | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
        "roles": st.none() | st.lists(st.none() | texts, max_size=3),
        "predictability": st.none()
        | st.fixed_dictionaries(
            {
                "gap_cv": st.none() | floats,
                "months_billed": st.none() | st.integers(0, 10**12),
                "by_months": st.none() | st.booleans(),
            }
        ),
        "spans": st.none() | st.lists(st.none() | st.lists(st.integers(-9, 9), max_size=2)),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(rows, max_size=6))
def test_the_list_is_what_orjson_writes_for_the_rows_values(listed):
    frame = pl.DataFrame(listed, schema=SCHEMA, orient="row")
    written = by_polars(frame)
    assert written == by_orjson(frame)
    assert orjson.loads(written) == orjson.loads(indented(frame))


@settings(max_examples=200, deadline=None)
@given(texts, st.lists(texts, max_size=3), st.lists(rows, max_size=3))
@example("\x00", ["\x00", "x\x00y"], [{"client": "\x00"}])
def test_the_list_goes_in_its_place_whatever_the_document_holds(before, after, listed):
    """Text anywhere in the document (a business's name, a client's) cannot be taken for the
    list's place, the NUL byte included: orjson writes it escaped."""
    frame = pl.DataFrame(listed, schema=SCHEMA, orient="row")
    listed_bytes = orjson.Fragment(b"".join(json_rows.client_list_pieces(json_rows.PLACE, frame)))
    expected = orjson.dumps(
        {"before": before, "clients": listed_bytes, "after": after}, option=OPTIONS
    )
    assert by_polars(frame, before, after) == expected
    assert orjson.loads(expected)["clients"] == orjson.loads(indented(frame))["clients"]


def test_an_empty_list_and_empty_lists_within_rows():
    assert by_polars(pl.DataFrame(schema=SCHEMA)) == by_orjson(pl.DataFrame(schema=SCHEMA))
    assert by_polars(pl.DataFrame(schema=SCHEMA)) == indented(pl.DataFrame(schema=SCHEMA))
    frame = pl.DataFrame({"roles": [[], ["anchor"], None]}, schema={"roles": pl.List(pl.String)})
    assert by_polars(frame) == by_orjson(frame)
    assert b'{"roles":[]}' in by_polars(frame)


def test_each_client_is_one_line_two_levels_in(monkeypatch):
    frame = pl.DataFrame({"client": ["Acme", "Birch\nLtd"], "roles": [["anchor", "referrer"], []]})
    assert by_polars(frame) == (
        b'{\n  "before": 1,\n  "clients": [\n'
        b'    {"client":"Acme","roles":["anchor","referrer"]},\n'
        b'    {"client":"Birch\\nLtd","roles":[]}\n'
        b'  ],\n  "after": [\n    2\n  ]\n}\n'
    )
    monkeypatch.setattr(json_rows, "_ITEM", "   ")  # the check above is not blind to indenting
    assert by_polars(frame) != by_orjson(frame)


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=7), st.integers(1, 8))
def test_the_list_in_pieces_is_the_list_whole(listed, size):
    """However many clients a piece holds, the pieces together are the document orjson writes,
    and no piece holds more than its share of clients (one line each)."""
    frame = pl.DataFrame(listed, schema=SCHEMA, orient="row")
    place = orjson.Fragment(json_rows.PLACE)
    document = orjson.dumps({"before": 1, "clients": place, "after": [2]}, option=OPTIONS)
    pieces = list(json_rows.client_list_pieces(document, frame, size))
    assert b"".join(pieces) == by_orjson(frame)
    assert len(pieces) == max(1, -(-frame.height // size))
    inside = [piece.count(b"\n    {") for piece in pieces]
    assert sum(inside) == frame.height and max(inside) <= size


def test_each_piece_is_made_when_it_is_asked_for(monkeypatch):
    """The list is never made whole: a piece's clients are encoded only when the writer asks
    for that piece."""
    frame = pl.DataFrame({"client": [f"Client {i}" for i in range(10)]})
    encoded: list[int] = []
    real = json_rows.utf8_values

    def counted(text: pl.DataFrame) -> list[bytes]:
        encoded.append(text.height)
        return real(text)

    monkeypatch.setattr(json_rows, "utf8_values", counted)
    pieces = json_rows.client_list_pieces(json_rows.PLACE, frame, 4)
    assert encoded == []
    assert next(pieces).count(b"Client ") == 4 and encoded == [4]
    assert next(pieces).count(b"Client ") == 4 and encoded == [4, 4]
    assert next(pieces).endswith(b"\n  ]") and encoded == [4, 4, 2]
    assert next(pieces, None) is None
