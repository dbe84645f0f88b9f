"""The same input gives the same bytes, however many threads polars runs and however it splits
the work: money is summed exactly, fractions in one order."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402

TIERBOOK = str(Path(sys.executable).with_name("tierbook"))


def _outputs(source: Path, out: Path, threads: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    if threads is not None:
        env["POLARS_MAX_THREADS"] = threads
    done = subprocess.run(
        [TIERBOOK, "report", str(source), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_one_thread_and_every_thread_give_the_same_bytes(tmp_path, suffix):
    """A 20,000-invoice ledger (about 2,000 clients, three years): enough rows per group
    for polars to split the sums differently with more threads."""
    data = tmp_path / "data"
    data.mkdir()
    source = generate.generate(20_000, data=data) if suffix == "xlsx" else None
    if source is None:
        source, _ = generate.generate_text(20_000, data=data)
    one = _outputs(source, tmp_path / "one", "1")
    every = _outputs(source, tmp_path / "every", None)
    assert len(one) == 5 and one == every  # the three files and the portfolio's two
