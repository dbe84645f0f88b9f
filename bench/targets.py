"""The bench's targets, judged from its results: each a figure at one size, held or missed.

A figure that was not measured (its size not run, a tool skipped or failed) is said to be so,
never counted as held.

A ratio of two tools' medians (tierbook over a floor, the long tail over the usual shape) also
gets an interval, from the runs round by round: the tools of a round run one after the other,
so a busy spell of the host slows both, and resampling whole rounds keeps that pairing. When
the interval holds the limit the verdict is "unsettled": the host's noise is larger than the
distance to the target, and more runs, or a quieter machine, are needed to say more.
"""

from __future__ import annotations

import random
import statistics
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from generate import CLIENTS, LONG_TAIL

GIB = 1024
FLOOR_TARGET = 1.5  # tierbook at most 1.5x either floor, at 100k and 1M
RSS_TARGET_MB = 2 * GIB  # tierbook's peak at 1M, and on 10M CSV or Parquet rows
BASELINE_TARGET = 10.0  # tierbook at least 10x faster than the baseline, at 100k
LONG_TAIL_TARGET = 1.3  # 20,000 clients at most 1.3x the time of 2,000, for the same invoices
SUMMARY_TARGET_S = 0.3  # summary.json of the 20,000-client ledger written in under 0.3 s
INTERVAL = 0.9  # the share of resampled ratios a ratio's interval holds
DRAWS = 2_000  # resamplings of the rounds behind one interval
MIN_ROUNDS = 5  # fewer paired rounds give no interval
Found = dict[tuple[int, str, str, int], dict[str, Any]]  # by (rows, input, tool, clients)


def _median(found: Found, rows: int, tool: str, clients: int = CLIENTS) -> float | None:
    r = found.get((rows, "xlsx", tool, clients))
    return r["median_s"] if r else None


def _ratio(tool: float | None, other: float | None) -> float | None:
    return tool / other if tool and other else None


def _runs(found: Found, rows: int, tool: str, clients: int = CLIENTS) -> list[float]:
    r = found.get((rows, "xlsx", tool, clients))
    return list(r.get("runs") or []) if r and r["median_s"] is not None else []


def paired_interval(
    tool: list[float], other: list[float], share: float = INTERVAL, draws: int = DRAWS
) -> tuple[float, float] | None:
    """The middle ``share`` of ``median(tool) / median(other)`` over the rounds resampled with
    replacement, each round's two runs kept together; None without ``MIN_ROUNDS`` rounds of
    both. Seeded, so the same runs give the same interval."""
    if len(tool) != len(other) or len(tool) < MIN_ROUNDS:
        return None
    rounds = list(zip(tool, other, strict=True))
    pick = random.Random(0).choices
    ratios = sorted(
        statistics.median(a for a, _ in drawn) / statistics.median(b for _, b in drawn)
        for drawn in (pick(rounds, k=len(rounds)) for _ in range(draws))
    )
    cut = round(draws * (1 - share) / 2)
    return ratios[cut], ratios[draws - 1 - cut]


def _paired(
    tool: tuple[str, int], other: tuple[str, int]
) -> Callable[[Found, int], tuple[float, float] | None]:
    """The interval of one tool's (and shape's) median over another's, at a size."""

    def interval(found: Found, rows: int) -> tuple[float, float] | None:
        return paired_interval(_runs(found, rows, *tool), _runs(found, rows, *other))

    return interval


def floor_ratio(found: Found, rows: int) -> float | None:
    return _ratio(_median(found, rows, "tierbook"), _median(found, rows, "floor"))


def rust_ratio(found: Found, rows: int) -> float | None:
    return _ratio(_median(found, rows, "tierbook"), _median(found, rows, "rust"))


def long_tail_ratio(found: Found, rows: int) -> float | None:
    """The 20,000-client ledger's time over the usual one's, for the same invoices."""
    return _ratio(_median(found, rows, "tierbook", LONG_TAIL), _median(found, rows, "tierbook"))


def baseline_speedup(found: Found, rows: int) -> float | None:
    return _ratio(_median(found, rows, "baseline"), _median(found, rows, "tierbook"))


def peak_rss(found: Found, rows: int) -> float | None:
    r = found.get((rows, "xlsx", "tierbook", CLIENTS))
    return r["peak_rss_mb"] if r and r["median_s"] is not None else None


def text_peak(kind: str) -> Callable[[Found, int], float | None]:
    def figure(found: Found, rows: int) -> float | None:
        r = found.get((rows, kind, "tierbook", CLIENTS))
        return r["peak_rss_mb"] if r and r["median_s"] is not None else None

    return figure


class Target(NamedTuple):
    rows: int
    name: str
    figure: Callable[[Found, int], float | None]
    meets: Callable[[float], bool]
    shown: str  # how the figure is printed
    # a ratio's interval from its paired rounds, where the figure is such a ratio
    interval: Callable[[Found, int], tuple[float, float] | None] | None = None


def _at_most(limit: float) -> Callable[[float], bool]:
    return lambda x: x <= limit


def _summary_seconds(stages: list[dict[str, Any]]) -> Callable[[Found, int], float | None]:
    """summary.json's own seconds on the long tail, from the stage timings of that size."""

    def figure(_found: Found, rows: int) -> float | None:
        return next(
            (
                s["median_s"]["summary.json"]
                for s in stages
                if s["rows"] == rows and s["clients"] == LONG_TAIL and not s["failed"]
            ),
            None,
        )

    return figure


def all_targets(stages: list[dict[str, Any]]) -> tuple[Target, ...]:
    ratio, mb, at_floor = "{:.2f}x", "{:,.0f} MB", _at_most(FLOOR_TARGET)
    under_2gib = _at_most(RSS_TARGET_MB)
    return (
        *(
            Target(
                n,
                f"<= {FLOOR_TARGET}x xlsxwriter floor",
                floor_ratio,
                at_floor,
                ratio,
                _paired(("tierbook", CLIENTS), ("floor", CLIENTS)),
            )
            for n in (100_000, 1_000_000)
        ),
        *(
            Target(
                n,
                f"<= {FLOOR_TARGET}x Rust floor",
                rust_ratio,
                at_floor,
                ratio,
                _paired(("tierbook", CLIENTS), ("rust", CLIENTS)),
            )
            for n in (100_000, 1_000_000)
        ),
        Target(1_000_000, "peak RSS <= 2 GiB", peak_rss, _at_most(RSS_TARGET_MB), mb),
        Target(
            100_000,
            f">= {BASELINE_TARGET:.0f}x faster than baseline",
            baseline_speedup,
            lambda x: x >= BASELINE_TARGET,
            ratio,
        ),
        Target(
            100_000,
            f"{LONG_TAIL:,} clients <= {LONG_TAIL_TARGET}x the time of {CLIENTS:,}",
            long_tail_ratio,
            _at_most(LONG_TAIL_TARGET),
            ratio,
            _paired(("tierbook", LONG_TAIL), ("tierbook", CLIENTS)),
        ),
        Target(
            100_000,
            f"summary.json of {LONG_TAIL:,} clients < {SUMMARY_TARGET_S} s",
            _summary_seconds(stages),
            lambda x: x < SUMMARY_TARGET_S,
            "{:.2f} s",
        ),
        *(
            Target(10_000_000, f"{kind} peak RSS <= 2 GiB", text_peak(kind), under_2gib, mb)
            for kind in ("csv", "parquet")
        ),
    )


def targets(
    results: list[dict[str, Any]], stages: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Each target judged at its size: holds or misses with the figure, unsettled where the
    figure's interval holds the limit, or not measured."""
    found = {(r["rows"], r["input"], r["tool"], r["clients"]): r for r in results}
    judged = []
    for t in all_targets(stages or []):
        figure = t.figure(found, t.rows)
        interval = t.interval(found, t.rows) if t.interval and figure is not None else None
        verdict = "not measured" if figure is None else "holds" if t.meets(figure) else "misses"
        if interval is not None and t.meets(interval[0]) != t.meets(interval[1]):
            verdict = "unsettled"
        shown = "–" if figure is None else t.shown.format(figure)
        if interval is not None:
            low, high = (t.shown.format(end) for end in interval)
            shown += f", {INTERVAL:.0%} interval {low}–{high}"
        judged.append(
            {
                "rows": t.rows,
                "target": t.name,
                "figure": None if figure is None else round(figure, 3),
                "interval": None if interval is None else [round(end, 3) for end in interval],
                "verdict": verdict,
                "shown": shown,
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
            over = f" over {r['clients']:,} clients" if r["clients"] != CLIENTS else ""
            shape = f"{r['rows']:>10,} {r['input']}{over}"
            print(f"peak RSS at {shape}: tierbook {r['peak_rss_mb']:,.0f} MB")
    sys.stdout.flush()


def print_stages(stages: list[dict[str, Any]], imports: dict[str, Any] | None) -> None:
    """Where one report's time goes, per shape; and what starting the command costs."""
    for s in stages:
        shape = f"stages at {s['rows']:>10,} over {s['clients']:>6,} clients"
        if s["failed"]:
            print(f"{shape}: failed: {s['failed']}")
            continue
        print(f"{shape}: " + ", ".join(f"{k} {v:.2f} s" for k, v in s["median_s"].items()))
    if imports:
        print(
            f"imports: tierbook's modules {imports['tierbook_imports_s']:.2f} s "
            f"after the interpreter's own start, {imports['interpreter_s']:.2f} s"
        )
    sys.stdout.flush()
