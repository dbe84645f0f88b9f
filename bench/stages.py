"""Where one report's time goes: ``python bench/stages.py LEDGER OUT`` runs tierbook in-process
and prints, as one JSON line, the seconds its imports took, each stage it announces (read,
validate, model, render, write), making ``summary.json`` alone (its figures, and its client
list's pieces as the write stage asks for them), and the whole report.

``run.py`` runs it beside the timed runs, never inside them: the timed runs are whole processes
of the ``tierbook`` command, as a user runs it. ``python bench/stages.py --imports`` prints the
seconds to import the command's modules alone, the line the bench shows as import time.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def imports() -> float:
    """Seconds to import what the ``tierbook`` command imports before it reads anything."""
    began = time.perf_counter()
    import pipeline.edge.cli  # noqa: F401

    return time.perf_counter() - began


def stages(source: Path, out: Path) -> dict[str, float]:
    """Seconds per stage of one report of ``source``, as the command runs it."""
    imported = imports()
    import pipeline.report as reporting
    from pipeline.edge.tuning import tune_for_reports

    tune_for_reports()
    marks: list[tuple[str, float]] = []
    encode, spent = reporting.summary_with_head, {}

    def timed_summary(*args: object) -> tuple[Iterator[bytes], dict]:
        began = time.perf_counter()
        pieces, head = encode(*args)  # type: ignore[arg-type]
        spent["summary.json"] = time.perf_counter() - began
        return made_as_written(iter(pieces)), head

    def made_as_written(pieces: Iterator[bytes]) -> Iterator[bytes]:
        """The client list's pieces, each made when the write asks for it, timed as made."""
        while True:
            began = time.perf_counter()
            piece = next(pieces, None)
            spent["summary.json"] += time.perf_counter() - began
            if piece is None:
                return
            yield piece

    reporting.summary_with_head = timed_summary  # type: ignore[assignment]
    began = time.perf_counter()
    reporting.report(source, out, on_stage=lambda name: marks.append((name, time.perf_counter())))
    ended = time.perf_counter()
    ends = [t for _, t in marks[1:]] + [ended]
    found = {"imports": imported}
    found |= {name: end - start for (name, start), end in zip(marks, ends, strict=True)}
    return found | {"summary.json": spent["summary.json"], "report": ended - began}


def main() -> None:
    if sys.argv[1:] == ["--imports"]:
        print(json.dumps({"imports": round(imports(), 4)}))
        return
    found = stages(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({name: round(seconds, 4) for name, seconds in found.items()}))


if __name__ == "__main__":
    main()
