"""Derive the CDNOW calibration summary that tests/test_bgnbd.py fits, from the public sample.

Source: ``lifetimes/datasets/CDNOW_sample.txt`` in the ``lifetimes`` wheel on PyPI (the
2,357-customer CDNOW sample of Fader, Hardie & Lee 2005: master id, sample id, date, CDs,
dollars). Calibration: the 39 weeks ending 1997-09-30; time in weeks (days / 7); frequency =
distinct purchase days - 1. Usage::

    pip download lifetimes --no-deps -d /tmp/lt && unzip -o /tmp/lt/*.whl -d /tmp/lt/x
    python scripts/derive_cdnow.py /tmp/lt/x/lifetimes/datasets/CDNOW_sample.txt
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl

END = dt.date(1997, 9, 30)
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "cdnow_sample_summary.csv"


def derive(sample: Path) -> pl.DataFrame:
    fields = sample.read_text().split()  # whitespace-separated, five fields a purchase
    records = pl.DataFrame(
        {"customer": fields[1::5], "day": fields[2::5]}  # master id, sample id, date, CDs, dollars
    )
    days = records.select(
        pl.col("customer").cast(pl.Int64),
        pl.col("day").str.strptime(pl.Date, "%Y%m%d"),
    ).filter(pl.col("day") <= END)
    return (
        days.group_by("customer")
        .agg(
            (pl.col("day").n_unique() - 1).alias("frequency"),
            ((pl.col("day").max() - pl.col("day").min()).dt.total_days() / 7).alias("t_x"),
            ((pl.lit(END) - pl.col("day").min()).dt.total_days() / 7).alias("T"),
        )
        .sort("customer")
    )


if __name__ == "__main__":
    summary = derive(Path(sys.argv[1]))
    summary.write_csv(OUT, float_precision=10)
    print(f"{summary.height} customers -> {OUT}")
