"""``make bench``: tierbook against the I/O floor and a naive baseline, side by side.

Each tool runs as its own process on the same generated ledger, the tools interleaved run by
run so that a noisy neighbour hits them alike. The table gives the median wall time of the
runs, the peak resident memory, and the ratios to the floor and to the baseline; the targets
are judged from it, and the same figures go to bench/results/ as JSON. Beyond Excel, tierbook
alone runs on CSV and Parquet ledgers of the same shape.

Environment: BENCH_SIZES (workbook rows), BENCH_TEXT_SIZES (CSV/Parquet rows, "" for none),
BENCH_RUNS, BENCH_BASELINE_MAX (the largest size the slow baseline is tried on), BENCH_DATA and
BENCH_RESULTS (where ledgers are cached and results written; also --data and --results).

``--quick`` (CI) runs the 10k workbook once per tool and then checks that the reports are
right, never how long they took: it exits non-zero, saying why, when a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check  # noqa: E402
from generate import DATA, frame, generate, generate_text  # noqa: E402

QUICK_SIZE = 10_000
GIB = 1024
FLOOR_TARGET = 1.5  # tierbook at most 1.5x the floor, at 100k and 1M
RSS_TARGET_MB = 2 * GIB  # tierbook's peak at 1M
BASELINE_TARGET = 10.0  # tierbook at least 10x faster than the baseline, at 100k
Found = dict[tuple[int, str, str], dict[str, Any]]  # results by (rows, input, tool)

PROBE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "wall = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(done.returncode, wall, peak)\n"
    "sys.stderr.write(done.stderr[-4000:])\n"
)


class RunFailed(Exception):
    """A tool exited non-zero; the message is the line of its stderr that says why."""


@dataclass
class Row:
    """One line of the table: a tool on one ledger, over its runs."""

    rows: int
    input: str  # xlsx | csv | parquet
    tool: str
    runs: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    failed: str | None = None
    skipped: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs and not self.failed else None


def why(stderr: str) -> str:
    """The first line of stderr, or a traceback's last line (the first says nothing)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "no message"
    return lines[-1] if lines[0].startswith("Traceback") else lines[0]


def measure(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of ``command`` in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True, text=True)
    if done.returncode != 0:  # the probe itself failed: the command could not be started
        raise RunFailed(why(done.stderr))
    code, wall, peak_kb = done.stdout.split()
    if code != "0":
        raise RunFailed(f"exit {code}: {why(done.stderr)}")
    return float(wall), int(peak_kb) / 1024


def tierbook(source: Path, out: Path) -> list[str]:
    return [
        str(Path(sys.executable).with_name("tierbook")),
        "report",
        str(source),
        "--out",
        str(out),
    ]


def workbook_commands(source: Path, work: Path, baseline: bool) -> dict[str, list[str]]:
    python = sys.executable
    tools = {
        "tierbook": tierbook(source, work / "reports"),
        "floor": [python, str(HERE / "floor.py"), str(source), str(work / "floor.xlsx")],
        "baseline": [python, str(HERE / "baseline.py"), str(source), str(work / "baseline.xlsx")],
    }
    if not baseline:
        tools.pop("baseline")
    return tools


def run_all(rows: list[Row], tools: dict[str, list[str]], runs: int) -> None:
    """Every tool ``runs`` times, interleaved; a failing tool is marked and not run again."""
    by_name = {r.tool if r.input == "xlsx" else r.input: r for r in rows}
    for _ in range(runs):
        for name, command in tools.items():
            row = by_name[name]
            if row.failed:
                continue
            try:
                wall, peak = measure(command)
            except RunFailed as failure:
                row.failed = str(failure)
                continue
            row.runs.append(wall)
            row.peak_mb = max(row.peak_mb, peak)


def baseline_reason(size: int, baseline_max: int) -> str | None:
    """Why the baseline is not run at ``size``, if it is not."""
    if importlib.util.find_spec("pandas") is None:
        return "pandas not installed (pip install -e '.[bench]')"
    if size > baseline_max:
        return f"above BENCH_BASELINE_MAX={baseline_max:,}"
    return None


def bench_workbook(size: int, runs: int, baseline_max: int, data: Path, work: Path) -> list[Row]:
    """The three tools on the workbook of ``size`` invoices; outputs left in ``work``."""
    source = generate(size, data=data)
    skip = baseline_reason(size, baseline_max)
    rows = [Row(size, "xlsx", name) for name in ("tierbook", "floor", "baseline")]
    rows[2].skipped = skip
    run_all(rows, workbook_commands(source, work, baseline=skip is None), runs)
    return rows


def bench_text(size: int, runs: int, data: Path, work: Path) -> list[Row]:
    """tierbook alone on the CSV and Parquet ledgers of ``size`` invoices."""
    csv, parquet = generate_text(size, data=data)
    rows = [Row(size, "csv", "tierbook"), Row(size, "parquet", "tierbook")]
    tools = {
        "csv": tierbook(csv, work / "csv"),
        "parquet": tierbook(parquet, work / "parquet"),
    }
    run_all(rows, tools, runs)
    return rows


def record(row: Row, floor: Row | None, baseline: Row | None) -> dict[str, Any]:
    """The JSON form of a table row, with its ratios where both medians exist."""

    def ratio(other: Row | None) -> float | None:
        if row.median is None or other is None or other.median is None:
            return None
        return round(row.median / other.median, 2)

    return {
        "rows": row.rows,
        "input": row.input,
        "tool": row.tool,
        "runs": [round(t, 3) for t in row.runs],
        "median_s": round(row.median, 3) if row.median is not None else None,
        "peak_rss_mb": round(row.peak_mb, 1) if row.runs else None,
        "x_floor": ratio(floor),
        "x_baseline": ratio(baseline),
        "failed": row.failed,
        "skipped": row.skipped,
    }


def records(rows: list[Row]) -> list[dict[str, Any]]:
    """Rows with their ratios to the floor and baseline of the same workbook."""
    found = {(r.rows, r.input, r.tool): r for r in rows}
    return [
        record(r, found.get((r.rows, "xlsx", "floor")), found.get((r.rows, "xlsx", "baseline")))
        if r.input == "xlsx"
        else record(r, None, None)
        for r in rows
    ]


def print_table(results: list[dict[str, Any]]) -> None:
    def num(value: float | None, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    print(
        f"{'rows':>10} {'input':<7} {'tool':<9} {'median s':>9} {'peak MB':>8} "
        f"{'x floor':>8} {'x baseline':>10}  runs"
    )
    for r in results:
        note = (
            r["failed"] and f"failed: {r['failed']}" or r["skipped"] and f"skipped: {r['skipped']}"
        )
        print(
            f"{r['rows']:>10,} {r['input']:<7} {r['tool']:<9} {num(r['median_s'], '.2f'):>9} "
            f"{num(r['peak_rss_mb'], '.0f'):>8} {num(r['x_floor'], '.2f'):>8} "
            f"{num(r['x_baseline'], '.2f'):>10}  {note or r['runs']}"
        )
    sys.stdout.flush()


def _median(found: Found, rows: int, tool: str) -> float | None:
    r = found.get((rows, "xlsx", tool))
    return r["median_s"] if r else None


def floor_ratio(found: Found, rows: int) -> float | None:
    tool, floor = _median(found, rows, "tierbook"), _median(found, rows, "floor")
    return tool / floor if tool and floor else None


def baseline_speedup(found: Found, rows: int) -> float | None:
    tool, baseline = _median(found, rows, "tierbook"), _median(found, rows, "baseline")
    return baseline / tool if tool and baseline else None


def peak_rss(found: Found, rows: int) -> float | None:
    r = found.get((rows, "xlsx", "tierbook"))
    return r["peak_rss_mb"] if r and r["median_s"] is not None else None


class Target(NamedTuple):
    rows: int
    name: str
    figure: Callable[[Found, int], float | None]
    meets: Callable[[float], bool]
    shown: str  # how the figure is printed


def _at_most(limit: float) -> Callable[[float], bool]:
    return lambda x: x <= limit


TARGETS = (
    Target(
        100_000,
        f"tierbook <= {FLOOR_TARGET}x floor",
        floor_ratio,
        _at_most(FLOOR_TARGET),
        "{:.2f}x",
    ),
    Target(
        1_000_000,
        f"tierbook <= {FLOOR_TARGET}x floor",
        floor_ratio,
        _at_most(FLOOR_TARGET),
        "{:.2f}x",
    ),
    Target(
        1_000_000, "tierbook peak RSS <= 2 GiB", peak_rss, _at_most(RSS_TARGET_MB), "{:,.0f} MB"
    ),
    Target(
        100_000,
        f"tierbook >= {BASELINE_TARGET:.0f}x faster than baseline",
        baseline_speedup,
        lambda x: x >= BASELINE_TARGET,
        "{:.2f}x",
    ),
)


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target judged at its size: holds or misses with the figure, or not measured."""
    found = {(r["rows"], r["input"], r["tool"]): r for r in results}
    judged = []
    for t in TARGETS:
        figure = t.figure(found, t.rows)
        verdict = "not measured" if figure is None else "holds" if t.meets(figure) else "misses"
        judged.append(
            {
                "rows": t.rows,
                "target": t.name,
                "figure": None if figure is None else round(figure, 3),
                "verdict": verdict,
                "shown": "–" if figure is None else t.shown.format(figure),
            }
        )
    return judged


def print_targets(judged: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    """A line per size: each target there with its figure; then the text ledgers' peaks."""
    for rows in sorted({t["rows"] for t in judged}):
        here = [t for t in judged if t["rows"] == rows]
        if all(t["verdict"] == "not measured" for t in here):
            print(f"targets at {rows:>10,}: not measured (size not run)")
            continue
        parts = [f"{t['target']}: {t['verdict']} ({t['shown']})" for t in here]
        print(f"targets at {rows:>10,}: " + "; ".join(parts))
    for r in results:
        if r["input"] != "xlsx" and r["peak_rss_mb"] is not None:
            print(f"peak RSS at {r['rows']:>10,} {r['input']}: tierbook {r['peak_rss_mb']:,.0f} MB")
    sys.stdout.flush()


def machine() -> dict[str, Any]:
    """The facts a reader needs to compare one result file with another."""
    model = memory = None
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            None,
        )
    if meminfo.exists():
        kb = next(
            (
                int(line.split()[1])
                for line in meminfo.read_text().splitlines()
                if line.startswith("MemTotal")
            ),
            None,
        )
        memory = round(kb / 1024**2, 1) if kb else None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor() or None,
        "memory_gib": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in ("tierbook", "polars", "fastexcel", "xlsxwriter", "openpyxl", "pandas", "numpy"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def write(document: dict[str, Any], results_dir: Path, quick: bool) -> Path:
    target = results_dir / f"bench-{document['date']}{'-quick' if quick else ''}.json"
    results_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return target


def quick_checks(work: Path, data: Path, rows: list[Row]) -> list[str]:
    """The reports of the quick run checked against the generator's own rows."""
    problems = [f"{r.tool} failed: {r.failed}" for r in rows if r.failed]
    source = generate(QUICK_SIZE, data=data)
    folder = work / "reports" / source.stem
    problems += check.check_outputs(folder, source.stem)
    if problems:
        return problems
    summary = json.loads((folder / f"{source.stem}.summary.json").read_text(encoding="utf-8"))
    problems += check.check_summary(summary, check.expected_figures(frame(QUICK_SIZE).to_dicts()))
    problems += check.check_annotated(source, folder / f"{source.stem}.annotated.xlsx")
    for r in rows:
        if r.tool != "tierbook" and not r.skipped:
            problems += check.check_rows(work / f"{r.tool}.xlsx", QUICK_SIZE)
    return problems


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="10k rows, one run each, then check the reports"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("BENCH_DATA", DATA)),
        help="where generated ledgers are cached",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path(os.environ.get("BENCH_RESULTS", HERE / "results")),
        help="where the JSON goes",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep the tools' outputs here (default: a temporary folder, removed)",
    )
    return parser.parse_args()


def tidy(folder: Path, keep: bool) -> None:
    """Drop a size's outputs once measured (a 1M-row run leaves hundreds of MB)."""
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


def sizes(name: str, default: str) -> list[int]:
    return [int(s) for s in os.environ.get(name, default).split(",") if s.strip()]


def main() -> int:
    args = arguments()
    if args.quick:
        xlsx_sizes, text_sizes, runs = [QUICK_SIZE], [], 1
    else:
        xlsx_sizes = sizes("BENCH_SIZES", "10000,100000,1000000")
        text_sizes = sizes("BENCH_TEXT_SIZES", "1000000,10000000")
        runs = int(os.environ.get("BENCH_RUNS", "3"))
    baseline_max = int(os.environ.get("BENCH_BASELINE_MAX", "100000"))
    work = args.work or Path(tempfile.mkdtemp(prefix="tierbook-bench-"))
    rows: list[Row] = []
    try:
        for size in xlsx_sizes:
            rows += bench_workbook(size, runs, baseline_max, args.data, work / f"xlsx-{size}")
            print_table([r for r in records(rows) if r["rows"] == size and r["input"] == "xlsx"])
            tidy(work / f"xlsx-{size}", keep=args.quick or args.work is not None)
        for size in text_sizes:
            rows += bench_text(size, runs, args.data, work / f"text-{size}")
            print_table([r for r in records(rows) if r["rows"] == size and r["input"] != "xlsx"])
            tidy(work / f"text-{size}", keep=args.work is not None)
        problems = quick_checks(work / f"xlsx-{QUICK_SIZE}", args.data, rows) if args.quick else []
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    results = records(rows)
    judged = targets(results)
    if len(xlsx_sizes) + len(text_sizes) > 1:
        print("\nall runs:")
        print_table(results)
    print_targets(judged, results)
    document = {
        "date": dt.date.today().isoformat(),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "versions": versions(),
        "runs_per_tool": runs,
        "results": results,
        "targets": judged,
        "checks": {"ran": args.quick, "problems": problems},
    }
    written = write(document, args.results, args.quick)
    print(
        f"written to {written.relative_to(Path.cwd()) if written.is_relative_to(Path.cwd()) else written}"
    )
    if problems:
        print(
            "bench check FAILED: the reports are not right:",
            *problems,
            sep="\n  - ",
            file=sys.stderr,
        )
        return 1
    if args.quick:
        others = " and ".join(r.tool for r in rows if r.tool != "tierbook" and not r.skipped)
        print(
            "bench checks passed: tierbook's summary figures equal those computed from the ledger, "
            f"its annotated workbook keeps every row unchanged, the {others} wrote every row"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
