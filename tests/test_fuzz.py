"""Hypothesis: generated ledgers tie out through the whole pipeline; corrupted bytes never crash it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import TierbookError
from pipeline.model.window import windows
from pipeline.report import report
from tests.conftest import write_workbook

pytestmark = pytest.mark.slow

NAMES = ["Acme Ltd", "Beta Oy", "Gamma GmbH", "Delta & Co", "Émile SARL", "=1+1", "شركة"]
row = st.tuples(
    st.sampled_from(NAMES),
    st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2026, 6, 30)),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("250000"), places=2),
    st.sampled_from(["paid", "open", "void", "credit note", "written off"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(row, min_size=1, max_size=40).filter(lambda rows: any(r[3] != "void" for r in rows))
)
def test_generated_ledgers_tie_out_to_the_cent(rows):
    ledger = []
    for i, (client, day, amount, status) in enumerate(rows):
        signed = -amount if status == "credit note" else amount
        ledger.append((f"I{i}", client, day, float(signed), status, None, None))
    counted = [(r[2], Decimal(str(r[3]))) for r in ledger if r[4] != "void"]
    as_of = max(day for day, _ in counted)
    w = windows(as_of)
    expected = sum((a for day, a in counted if w.start <= day <= as_of), Decimal("0"))
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(Path(folder) / "generated.xlsx", ledger)
        try:
            result = report(path, Path(folder) / "out")
        except TierbookError as exc:
            assert "no client has revenue" in str(exc)  # every client's window net is not positive
            return
        data = json.loads((result.folder / "generated.summary.json").read_text())
    assert Decimal(str(round(data["totals"]["revenue"], 2))) == expected
    assert round(sum(c["revenue"] for c in data["clients"]), 2) == round(float(expected), 2)
    shares = [c["share"] for c in data["clients"] if c["share"] is not None]
    assert sum(shares) == pytest.approx(1.0)
    assert data["as_of"] == as_of.isoformat()


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> Path:
    rows = [
        (
            f"I{i}",
            ["Acme", "Beta", "Gamma"][i % 3],
            dt.date(2025, 1, 5) + dt.timedelta(days=17 * i),
            100.0 + i,
            "paid",
            None,
            None,
        )
        for i in range(30)
    ]
    return write_workbook(tmp_path_factory.mktemp("v") / "valid.xlsx", rows)


@settings(
    max_examples=int(os.environ.get("TIERBOOK_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), max_size=12),
    keep=st.one_of(st.none(), st.floats(0.05, 1.0)),
)
def test_corrupted_workbooks_never_crash(valid, flips, keep):
    data = bytearray(valid.read_bytes())
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    if keep is not None:
        data = data[: max(1, int(len(data) * keep))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corrupt.xlsx"
        path.write_bytes(bytes(data))
        # a clear refusal is a fine answer; any other exception is a crash
        with contextlib.suppress(TierbookError):
            report(path, Path(folder) / "out")


def test_a_part_placed_before_the_files_start_is_a_refusal(valid):
    """Found by the fuzz test above: a directory damaged at its end gives a part a negative
    offset, and the guard's seek there failed with an OSError instead of a refusal."""
    import zipfile

    from pipeline.errors import InputError
    from pipeline.read.guard import _inflate

    with zipfile.ZipFile(valid) as archive, valid.open("rb") as handle:
        member = archive.infolist()[0]
        member.header_offset = -7
        with pytest.raises(InputError, match="is damaged"):
            _inflate(valid, handle, member, 0)
