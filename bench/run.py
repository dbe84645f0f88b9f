"""``make bench``: tierbook against the I/O floor and a naive baseline, side by side.

Each tool runs as its own process on the same generated ledger, the tools interleaved run by
run so that a noisy neighbour hits them alike. The table gives the median wall time of the
runs, the peak resident memory, and the ratios to the floor and to the baseline; the same
figures go to bench/results/ as JSON. Sizes, runs and the largest size the (slow) baseline is
tried on are set by BENCH_SIZES, BENCH_RUNS and BENCH_BASELINE_MAX.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

PROBE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "wall = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(done.returncode, wall, peak)\n"
    "sys.stderr.write(done.stderr[-2000:])\n"
)


def measure(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of ``command`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *command], capture_output=True, text=True, check=True
    )
    code, wall, peak_kb = done.stdout.split()
    if code != "0":
        raise RuntimeError(f"{command[0]} failed: {done.stderr}")
    return float(wall), int(peak_kb) / 1024


def commands(source: Path, work: Path) -> dict[str, list[str]]:
    python = sys.executable
    tierbook = str(Path(python).with_name("tierbook"))
    return {
        "tierbook": [tierbook, "report", str(source), "--out", str(work / "reports")],
        "floor": [python, str(HERE / "floor.py"), str(source), str(work / "floor.xlsx")],
        "baseline": [python, str(HERE / "baseline.py"), str(source), str(work / "baseline.xlsx")],
    }


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    baseline_max = int(os.environ.get("BENCH_BASELINE_MAX", "100000"))
    results = []
    for size in sizes:
        source = generate(size)
        work = Path(tempfile.mkdtemp(prefix="tierbook-bench-"))
        tools = commands(source, work)
        if size > baseline_max:
            tools.pop("baseline")
        timings: dict[str, list[float]] = {name: [] for name in tools}
        peaks: dict[str, float] = {name: 0.0 for name in tools}
        for _ in range(runs):
            for name, command in tools.items():
                wall, peak = measure(command)
                timings[name].append(wall)
                peaks[name] = max(peaks[name], peak)
        shutil.rmtree(work, ignore_errors=True)
        medians = {name: statistics.median(t) for name, t in timings.items()}
        for name in tools:
            results.append(
                {
                    "rows": size,
                    "tool": name,
                    "runs": [round(t, 3) for t in timings[name]],
                    "median_s": round(medians[name], 3),
                    "peak_rss_mb": round(peaks[name], 1),
                    "x_floor": round(medians[name] / medians["floor"], 2),
                    "x_baseline": round(medians[name] / medians["baseline"], 2)
                    if "baseline" in medians
                    else None,
                }
            )
        print_table([r for r in results if r["rows"] == size])
    write(results, runs)


def print_table(rows: list[dict]) -> None:
    print(
        f"{'rows':>9} {'tool':<9} {'median s':>9} {'peak MB':>8} {'x floor':>8} {'x baseline':>10}  runs"
    )
    for r in rows:
        baseline = f"{r['x_baseline']:.2f}" if r["x_baseline"] is not None else "skipped"
        print(
            f"{r['rows']:>9,} {r['tool']:<9} {r['median_s']:>9.2f} {r['peak_rss_mb']:>8.0f} "
            f"{r['x_floor']:>8.2f} {baseline:>10}  {r['runs']}"
        )
    sys.stdout.flush()


def write(results: list[dict], runs: int) -> None:
    import polars

    document = {
        "date": dt.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": {"polars": polars.__version__},
        "runs_per_tool": runs,
        "results": results,
    }
    target = HERE / "results" / f"bench-{document['date']}.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written to {target.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
