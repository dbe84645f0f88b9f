"""``make bench``: tierbook against two I/O floors and a naive baseline, side by side.

Each tool runs as its own process on the same generated ledger, the tools interleaved run by
run so that a noisy neighbour hits them alike: tierbook, the xlsxwriter floor, the Rust floor
(calamine and rust_xlsxwriter, the fastest reader and writer at hand) and the pandas baseline.
At the long-tail sizes tierbook also runs, in the same rounds, on the same number of invoices
spread over 20,000 clients. The table gives the median wall time of the runs, the peak resident
memory, and the ratios to the floors and to the baseline; the targets are judged from it, and
the same figures go to bench/results/ as JSON, with where the time of one in-process report
goes by stage (``stages.py``) and what importing the command costs. Beyond Excel, tierbook
alone runs on CSV and Parquet ledgers of the usual shape, and at the many-clients sizes on a
CSV of the same invoices over 200,000 clients (a shop's customers: time and peak memory, with
no target of their own).

Environment: BENCH_SIZES (workbook rows), BENCH_TEXT_SIZES (CSV/Parquet rows, "" for none),
BENCH_LONG_TAIL_SIZES (workbook sizes also run over 20,000 clients, "" for none),
BENCH_MANY_CLIENTS_SIZES (CSV sizes also run over 200,000 clients, "" for none), BENCH_RUNS,
BENCH_BASELINE_MAX (the largest size the slow baseline is tried on), BENCH_DATA and
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
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check  # noqa: E402
from generate import (  # noqa: E402
    CLIENTS,
    DATA,
    LONG_TAIL,
    MANY,
    frame,
    generate,
    generate_text,
)
from targets import print_stages, print_targets, targets  # noqa: E402

QUICK_SIZE = 10_000
TOOLS = ("tierbook", "floor", "rust", "baseline")

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
    clients: int = CLIENTS  # the ledger's shape: the usual 2,000 or the long tail's 20,000
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


def workbook_commands(source: Path, work: Path) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "tierbook": tierbook(source, work / "reports"),
        "floor": [python, str(HERE / "floor.py"), str(source), str(work / "floor.xlsx")],
        "rust": [python, str(HERE / "floor_rust.py"), str(source), str(work / "rust.xlsx")],
        "baseline": [python, str(HERE / "baseline.py"), str(source), str(work / "baseline.xlsx")],
    }


def run_all(tools: list[tuple[Row, list[str]]], runs: int) -> None:
    """Every tool ``runs`` times, interleaved; a skipped tool is not run, a failing one is
    marked and not run again."""
    for _ in range(runs):
        for row, command in tools:
            if row.failed or row.skipped:
                continue
            try:
                wall, peak = measure(command)
            except RunFailed as failure:
                row.failed = str(failure)
                continue
            row.runs.append(wall)
            row.peak_mb = max(row.peak_mb, peak)


def skip_reason(tool: str, size: int, baseline_max: int) -> str | None:
    """Why ``tool`` is not run at ``size``, if it is not."""
    if tool == "rust" and importlib.util.find_spec("rustpy_xlsxwriter") is None:
        return "rustpy-xlsxwriter not installed (pip install -e '.[bench]')"
    if tool != "baseline":
        return None
    if importlib.util.find_spec("pandas") is None:
        return "pandas not installed (pip install -e '.[bench]')"
    if size > baseline_max:
        return f"above BENCH_BASELINE_MAX={baseline_max:,}"
    return None


def bench_workbook(
    size: int, runs: int, baseline_max: int, data: Path, work: Path, long_tail: bool = False
) -> list[Row]:
    """The tools on the workbook of ``size`` invoices, and with ``long_tail`` tierbook on the
    same number over 20,000 clients in the same rounds; outputs left in ``work``."""
    commands = workbook_commands(generate(size, data=data), work)
    tools = []
    for name in TOOLS:
        row = Row(size, "xlsx", name)
        row.skipped = skip_reason(name, size, baseline_max)
        tools.append((row, commands[name]))
    if long_tail:
        wide = generate(size, data=data, count=LONG_TAIL)
        tools.append((Row(size, "xlsx", "tierbook", LONG_TAIL), tierbook(wide, work / "wide")))
    run_all(tools, runs)
    return [row for row, _ in tools]


def bench_text(size: int, runs: int, data: Path, work: Path, many: bool = False) -> list[Row]:
    """tierbook alone on the CSV and Parquet ledgers of ``size`` invoices, and with ``many``
    on the same number as CSV over 200,000 clients, in the same rounds."""
    csv, parquet = generate_text(size, data=data)
    tools = [
        (Row(size, "csv", "tierbook"), tierbook(csv, work / "csv")),
        (Row(size, "parquet", "tierbook"), tierbook(parquet, work / "parquet")),
    ]
    if many:
        crowd, _ = generate_text(size, data=data, count=MANY)
        tools.append((Row(size, "csv", "tierbook", MANY), tierbook(crowd, work / "many")))
    run_all(tools, runs)
    return [row for row, _ in tools]


def json_line(command: list[str]) -> dict[str, float]:
    """The JSON line ``command`` prints (``stages.py``), or why it could not."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RunFailed(why(done.stderr))
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_stages(size: int, runs: int, data: Path, work: Path) -> list[dict[str, Any]]:
    """Median seconds per stage of one in-process report, both shapes of ``size`` invoices."""
    found = []
    for count in (CLIENTS, LONG_TAIL):
        source = generate(size, data=data, count=count)
        command = [sys.executable, str(HERE / "stages.py"), str(source), str(work / "stages")]
        try:
            seen = [json_line(command) for _ in range(runs)]
        except RunFailed as failure:
            found.append({"rows": size, "clients": count, "failed": str(failure)})
            continue
        medians = {k: round(statistics.median(s[k] for s in seen), 3) for k in seen[0]}
        found.append({"rows": size, "clients": count, "median_s": medians, "failed": None})
    return found


def bench_imports(runs: int) -> dict[str, Any]:
    """Median seconds to start the interpreter, and to import the command's modules after it."""
    python = [sys.executable, str(HERE / "stages.py"), "--imports"]
    bare = [sys.executable, "-c", "pass"]
    started, imported = [], []
    for _ in range(runs):
        started.append(measure(bare)[0])
        imported.append(json_line(python)["imports"])
    return {
        "interpreter_s": round(statistics.median(started), 3),
        "tierbook_imports_s": round(statistics.median(imported), 3),
    }


def record(row: Row, floor: Row | None, rust: Row | None, baseline: Row | None) -> dict[str, Any]:
    """The JSON form of a table row, with its ratios where both medians exist."""

    def ratio(other: Row | None) -> float | None:
        if row.median is None or other is None or other.median is None:
            return None
        return round(row.median / other.median, 2)

    return {
        "rows": row.rows,
        "clients": row.clients,
        "input": row.input,
        "tool": row.tool,
        "runs": [round(t, 3) for t in row.runs],
        "median_s": round(row.median, 3) if row.median is not None else None,
        "peak_rss_mb": round(row.peak_mb, 1) if row.runs else None,
        "x_floor": ratio(floor),
        "x_rust": ratio(rust),
        "x_baseline": ratio(baseline),
        "failed": row.failed,
        "skipped": row.skipped,
    }


def records(rows: list[Row]) -> list[dict[str, Any]]:
    """Rows with their ratios to the floors and baseline of the same number of invoices."""
    found = {(r.rows, r.input, r.tool, r.clients): r for r in rows}
    return [
        record(r, *(found.get((r.rows, "xlsx", t, CLIENTS)) for t in TOOLS[1:]))
        if r.input == "xlsx"
        else record(r, None, None, None)
        for r in rows
    ]


def print_table(results: list[dict[str, Any]]) -> None:
    def num(value: float | None, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    print(
        f"{'rows':>10} {'clients':>7} {'input':<7} {'tool':<9} {'median s':>9} {'peak MB':>8} "
        f"{'x floor':>8} {'x rust':>7} {'x baseline':>10}  runs"
    )
    for r in results:
        note = (
            r["failed"] and f"failed: {r['failed']}" or r["skipped"] and f"skipped: {r['skipped']}"
        )
        print(
            f"{r['rows']:>10,} {r['clients']:>7,} {r['input']:<7} {r['tool']:<9} "
            f"{num(r['median_s'], '.2f'):>9} {num(r['peak_rss_mb'], '.0f'):>8} "
            f"{num(r['x_floor'], '.2f'):>8} {num(r['x_rust'], '.2f'):>7} "
            f"{num(r['x_baseline'], '.2f'):>10}  {note or r['runs']}"
        )
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
    names = ("tierbook", "polars", "fastexcel", "xlsxwriter", "rustpy-xlsxwriter")
    for name in (*names, "openpyxl", "pandas", "numpy"):
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
        xlsx_sizes, text_sizes, long_tail, many, runs = [QUICK_SIZE], [], [], [], 1
    else:
        xlsx_sizes = sizes("BENCH_SIZES", "10000,100000,1000000")
        text_sizes = sizes("BENCH_TEXT_SIZES", "1000000,10000000")
        long_tail = sizes("BENCH_LONG_TAIL_SIZES", "100000")
        many = sizes("BENCH_MANY_CLIENTS_SIZES", "1000000")
        runs = int(os.environ.get("BENCH_RUNS", "3"))
    baseline_max = int(os.environ.get("BENCH_BASELINE_MAX", "100000"))
    work = args.work or Path(tempfile.mkdtemp(prefix="tierbook-bench-"))
    rows: list[Row] = []
    stages: list[dict[str, Any]] = []
    imports = None if args.quick else bench_imports(runs)
    try:
        for size in xlsx_sizes:
            folder = work / f"xlsx-{size}"
            rows += bench_workbook(
                size, runs, baseline_max, args.data, folder, long_tail=size in long_tail
            )
            print_table([r for r in records(rows) if r["rows"] == size and r["input"] == "xlsx"])
            if size in long_tail:
                stages += bench_stages(size, runs, args.data, folder)
                print_stages([s for s in stages if s["rows"] == size], None)
            tidy(folder, keep=args.quick or args.work is not None)
        for size in text_sizes:
            rows += bench_text(size, runs, args.data, work / f"text-{size}", many=size in many)
            print_table([r for r in records(rows) if r["rows"] == size and r["input"] != "xlsx"])
            tidy(work / f"text-{size}", keep=args.work is not None)
        problems = quick_checks(work / f"xlsx-{QUICK_SIZE}", args.data, rows) if args.quick else []
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    results = records(rows)
    judged = targets(results, stages)
    if len(xlsx_sizes) + len(text_sizes) > 1:
        print("\nall runs:")
        print_table(results)
    print_stages(stages if len(xlsx_sizes) > 1 else [], imports)
    print_targets(judged, results)
    document = {
        "date": dt.date.today().isoformat(),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "versions": versions(),
        "runs_per_tool": runs,
        "results": results,
        "stages": stages,
        "imports": imports,
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
