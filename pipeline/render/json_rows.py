"""``summary.json``'s list of clients written by polars, laid out as orjson lays it out.

At a long tail the list is nearly all of the file (15,000 clients: 31 of its 32 MB), and making
Python values of its rows for orjson took 0.26 s of the 0.3 s the file took. polars writes
each value's JSON itself (``struct.json_encode``: for strings, numbers, NaN, infinities, dates,
booleans and nulls the very text orjson writes, which a test checks on hostile values), and the
rows are put together as orjson's two-space indentation puts a list of objects at the document's
second level; orjson then takes the text as it is (``orjson.Fragment``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

_STEP = "  "  # orjson's OPT_INDENT_2
_CLIENT = 2  # a client's object is an item of the document's "clients" list: two levels down


def _json(value: pl.Expr) -> pl.Expr:
    """Each value as JSON text."""
    return (
        pl.struct(value.alias("v"))
        .struct.json_encode()
        .str.strip_prefix('{"v":')
        .str.strip_suffix("}")
    )


def _member(key: str, text: pl.Expr, depth: int) -> pl.Expr:
    """``"key": text`` on its own line, ``depth`` levels in."""
    return pl.concat_str(pl.lit(f'{_STEP * depth}"{key}": '), text)


def _list(value: pl.Expr, depth: int) -> pl.Expr:
    """A list's JSON: ``[]`` when empty, else one item per line, a level further in."""
    inner, outer = _STEP * (depth + 1), _STEP * depth
    items = value.list.eval(_json(pl.element())).list.join(f",\n{inner}")
    return (
        pl.when(value.is_null())
        .then(pl.lit("null"))
        .when(value.list.len() == 0)
        .then(pl.lit("[]"))
        .otherwise(pl.concat_str(pl.lit(f"[\n{inner}"), items, pl.lit(f"\n{outer}]")))
    )


def _object(members: list[pl.Expr], depth: int) -> pl.Expr:
    """An object of ``members`` (lines already indented a level further in than ``depth``)."""
    body = pl.concat_str(members, separator=",\n")
    return pl.concat_str(pl.lit("{\n"), body, pl.lit(f"\n{_STEP * depth}}}"))


def _value(value: pl.Expr, dtype: PolarsDataType, depth: int) -> pl.Expr:
    """A value's JSON at ``depth``: a list or a struct laid out over lines, anything else as is.
    Lists hold plain values here (a list of lists or of structs would be laid out otherwise)."""
    if isinstance(dtype, pl.List):
        if dtype.inner.is_nested():
            raise TypeError(f"a list of {dtype.inner} is not laid out as orjson would")
        return _list(value, depth)
    if isinstance(dtype, pl.Struct):
        fields = [
            _member(f.name, _value(value.struct.field(f.name), f.dtype, depth + 1), depth + 1)
            for f in dtype.fields
        ]
        laid = _object(fields, depth) if fields else pl.lit("{}")
        return pl.when(value.is_null()).then(pl.lit("null")).otherwise(laid)
    return _json(value)


def client_list(frame: pl.DataFrame) -> bytes:
    """The JSON of ``frame``'s rows as a list of objects keyed by its column names, in order:
    what ``orjson.dumps`` with ``OPT_INDENT_2`` writes for ``frame.to_dicts()`` as the value of
    a key of the document's top level (a struct column is an object within each row)."""
    if frame.height == 0:
        return b"[]"
    depth = _CLIENT
    members = [
        _member(name, _value(pl.col(name), dtype, depth + 1), depth + 1)
        for name, dtype in frame.schema.items()
    ]
    rows = pl.concat_str(pl.lit(_STEP * depth), _object(members, depth)).str.join(",\n")
    listed = pl.concat_str(pl.lit("[\n"), rows, pl.lit(f"\n{_STEP * (depth - 1)}]"))
    return frame.select(listed.cast(pl.Binary)).item()  # type: ignore[no-any-return]
