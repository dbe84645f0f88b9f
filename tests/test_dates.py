"""The order of day and month, decided for a ledger's date columns as a whole: the cells'
own evidence, then the export's layout, then which reading looks like a ledger, then the
default; what stays ambiguous is counted and said."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.validate.dates import decide_order
from pipeline.validate.records import BY_DATES, BY_DEFAULT, BY_LAYOUT, BY_PLAUSIBILITY, BY_SETTING


def cells(texts: list[str], numbers: list[int | None] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {"text": texts, "number": numbers or [None] * len(texts)},
        schema={"text": pl.String, "number": pl.Int64},
    )


def written(days: list[dt.date], order: str, year: str = "%Y") -> list[str]:
    first, second = ("day", "month") if order == "dmy" else ("month", "day")
    return [f"{getattr(d, first)}/{getattr(d, second)}/{d.strftime(year)}" for d in days]


def test_a_day_above_12_anywhere_decides_and_nothing_stays_ambiguous():
    order = decide_order(cells(["03/04/2026", "11/05/2026", "25/05/2026"]))
    assert (order.order, order.decided_by, order.ambiguous) == ("dmy", BY_DATES, 0)
    order = decide_order(cells(["03/04/2026", "12/31/2026"]))
    assert (order.order, order.decided_by) == ("mdy", BY_DATES)


def test_cells_that_disagree_follow_the_most_of_them():
    order = decide_order(cells(["13/01/2026", "14/01/2026", "01/13/2026"]))
    assert (order.order, order.decided_by) == ("dmy", BY_DATES)


def test_a_burst_of_days_early_in_one_month_is_month_first():
    """Zoho's US export: 11/1/2022..11/4/2022 read day first would bill every invoice on the
    11th of four months."""
    order = decide_order(cells(["11/1/2022", "11/2/2022", "11/3/2022", "11/4/2022"]))
    assert (order.order, order.decided_by, order.ambiguous) == ("mdy", BY_PLAUSIBILITY, 4)
    assert order.example == "11/1/2022"


def test_a_retainer_billed_on_the_first_of_each_month_is_day_first():
    """Read month first, two years of 1 Jan..1 Dec would all fall in three Januaries."""
    days = [dt.date(2024 + m // 12, m % 12 + 1, 1) for m in range(24)]
    order = decide_order(cells(written(days, "dmy")))
    assert (order.order, order.decided_by) == ("dmy", BY_PLAUSIBILITY)
    order = decide_order(cells(written(days, "mdy")))
    assert (order.order, order.decided_by) == ("mdy", BY_PLAUSIBILITY)


def test_invoice_numbers_that_rise_with_one_reading_decide():
    days = [dt.date(2025, 1, 2), dt.date(2025, 2, 5), dt.date(2025, 3, 3), dt.date(2025, 4, 9),
            dt.date(2025, 5, 6), dt.date(2025, 6, 1)]  # fmt: skip
    order = decide_order(cells(written(days, "mdy"), list(range(101, 107))))
    assert (order.order, order.decided_by) == ("mdy", BY_PLAUSIBILITY)


def test_the_layout_decides_before_plausibility_and_the_setting_before_all():
    texts = ["11/1/2022", "11/2/2022", "11/3/2022", "11/4/2022"]
    order = decide_order(cells(texts), layout=("Xero: sales invoice export", "dmy"))
    assert (order.order, order.decided_by, order.layout) == (
        "dmy",
        BY_LAYOUT,
        "Xero: sales invoice export",
    )
    order = decide_order(cells(texts), setting="dmy", layout=("QuickBooks", "mdy"))
    assert (order.order, order.decided_by, order.ambiguous) == ("dmy", BY_SETTING, 4)


def test_what_nothing_decides_falls_to_the_default_and_is_counted():
    texts = ["03/04/2026", "05/06/2026", "07/07/2026"]  # 07/07 reads the same either way
    order = decide_order(cells(texts), default="mdy")
    assert (order.order, order.decided_by, order.ambiguous) == ("mdy", BY_DEFAULT, 2)


def test_dates_that_read_the_same_either_way_are_not_ambiguous():
    order = decide_order(cells(["2026-03-04", "05/05/2026", "20260304", "1 Nov 2022"]))
    assert (order.decided_by, order.ambiguous) == (BY_DATES, 0)


@st.composite
def early_day_ledgers(draw):
    """The hardest ledgers: every date on day 1-12, so both readings are valid dates."""
    start = draw(st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2027, 1, 1)))
    span = draw(st.sampled_from([10, 30, 120, 365, 1000]))
    offsets = draw(st.lists(st.integers(0, span), min_size=3, max_size=60))
    days = [d for d in (start + dt.timedelta(days=o) for o in offsets) if d.day <= 12]
    numbered = draw(st.booleans())
    truth = draw(st.sampled_from(["dmy", "mdy"]))
    ranks = {d: i for i, d in enumerate(sorted(set(days)))}
    return days, truth, [ranks[d] for d in days] if numbered else None


# Derandomised: the same 300 ledgers every run (60,000 random ones passed when this was written),
# so a run never fails on a ledger no one has looked at.
@settings(max_examples=300, deadline=None, derandomize=True)
@given(early_day_ledgers())
def test_plausibility_never_chooses_the_wrong_reading(ledger):
    """It may decline (the default then applies, and is said); it must not be wrong."""
    days, truth, numbers = ledger
    if not days or len({d.day for d in days}) == 1 and len({(d.year, d.month) for d in days}) > 1:
        return  # one day in each of several months: read as a burst of days, by preference
    order = decide_order(cells(written(days, truth), numbers))
    if order.decided_by == BY_PLAUSIBILITY:
        assert order.order == truth


@pytest.mark.parametrize("year", ["%Y", "%y"])
def test_two_digit_years_are_decided_like_four(year):
    days = [dt.date(2022, 11, d) for d in (1, 2, 3, 4)]
    assert decide_order(cells(written(days, "mdy", year))).order == "mdy"


# --- through the whole product ------------------------------------------------------------------

US_BURST = (
    "Invoice Number,Customer Name,Invoice Date,Total\n"
    "INV-1,Acme,11/1/2022,100\nINV-2,Birch,11/2/2022,200\n"
    "INV-3,Acme,11/3/2022,50\nINV-4,Cole,11/4/2022,75\n"
)


def _report(tmp_path, text: str, *args: str, name: str = "us.csv"):
    import json

    from click.testing import CliRunner

    from pipeline.edge.cli import main

    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
    result = CliRunner().invoke(main, ["report", str(source), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    folder = out / source.stem
    summary = json.loads((folder / f"{source.stem}.summary.json").read_text(encoding="utf-8"))
    return result.output, summary, folder


def test_dates_that_stay_ambiguous_are_said_in_every_place_people_look(tmp_path):
    import openpyxl

    line, summary, folder = _report(tmp_path, US_BURST)
    assert summary["as_of"] == "2022-11-04"  # not 11 April
    assert summary["dates"] == {
        "order": "mdy",
        "decided_by": "plausibility",
        "ambiguous": 4,
        "numeric": 4,
    }
    assert "4 dates read month first could be day first (--dates dmy)" in line
    said = "4 dates, such as 11/1/2022, could be read day first or month first"
    assert any(said in w["text"] for w in summary["warnings"])
    briefing = (folder / "us.briefing.html").read_text(encoding="utf-8")
    assert briefing.count(said) == 2  # the headline's warnings and the data issues' note
    book = openpyxl.load_workbook(folder / "us.annotated.xlsx")
    summary_cells = [c for row in book["Summary"].iter_rows(values_only=True) for c in row if c]
    assert any(said in str(c) for c in summary_cells)
    method = {r[0]: r[1:] for r in book["Method"].iter_rows(min_row=2, values_only=True)}
    assert method["Dates"][0].startswith("read month first")
    assert "--dates dmy" in method["Dates"][1]


def test_the_dates_option_and_setting_read_them_the_other_way_without_a_warning(tmp_path):
    line, summary, _ = _report(tmp_path, US_BURST, "--dates", "dmy")
    assert summary["as_of"] == "2022-04-11"
    assert summary["dates"]["decided_by"] == "setting"
    assert "--dates" not in line and not any("day first" in w["text"] for w in summary["warnings"])


def test_a_settings_row_dates_is_the_workbooks_own_choice(tmp_path):
    from pipeline.report import report
    from tests.conftest import write_workbook

    rows = [("1", "Acme", "03/04/2026", 100), ("2", "Birch", "05/04/2026", 50)]
    path = write_workbook(tmp_path / "s.xlsx", rows, settings=[("dates", "month first")])
    analysis = report(path, tmp_path / "out").analysis
    assert analysis.windows.as_of.isoformat() == "2026-05-04"
    assert analysis.dates.decided_by == "setting"


def test_two_digit_years_and_compact_dates_are_read(tmp_path):
    text = (
        "Num,Name,Date,Amount\n"
        "7001,Acme,12/28/25,1800.00\n7002,Birch,01/05/26,250.00\n7003,Acme,20260212,900.00\n"
    )
    line, summary, _ = _report(tmp_path, text, name="qbd.csv")
    assert summary["as_of"] == "2026-02-12"
    assert summary["totals"]["revenue"] == pytest.approx(2950.0)
    assert summary["dates"]["order"] == "mdy" and summary["dates"]["decided_by"] == "dates"


def test_a_cell_that_is_not_a_date_names_its_value_and_column(tmp_path):
    from click.testing import CliRunner

    from pipeline.edge.cli import main

    source = tmp_path / "bad.csv"
    source.write_text(
        "Invoice,Client,Invoice Date,Amount\n1,Acme,2026-03-01,10\n2,Birch,31/31/2026,20\n"
    )
    result = CliRunner().invoke(main, ["inspect", str(source)])
    assert result.exit_code == 0, result.output
    assert "bad row 3, Invoice Date '31/31/2026': not a date (row left out)" in result.output


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "03/04/2025",
                    "13/04/2025",
                    "04/13/2025",
                    "2025-04-03",
                    "2025/04/03",
                    "3 Apr 2025",
                    "1.2.2024",
                    "12-11-24",
                    "0003/04/2025",
                    "31.12.2025 10:30",
                ]
            ),
            st.integers(1, 500),
        ),
        max_size=40,
    ),
    setting=st.sampled_from(["auto", "dmy", "mdy"]),
)
def test_the_order_is_decided_alike_from_the_cells_date_cells_keeps(cells, setting) -> None:
    """``date_cells`` carries only the cells that can be read either way (day and month first,
    year last); the order decided from them is the one decided from every date cell."""
    from pipeline.validate.invoices import date_cells

    raw = pl.DataFrame(
        {
            "invoice_no": [f"INV-{n}" for _, n in cells],
            "invoice_date": [text for text, _ in cells],
            "due_date": [None] * len(cells),
            "paid_date": [text for text, _ in reversed(cells)],
        },
        schema={c: pl.String for c in ("invoice_no", "invoice_date", "due_date", "paid_date")},
    )
    every = pl.concat(
        [
            pl.DataFrame(schema={"text": pl.String, "number": pl.Int64}),
            *(
                raw.select(
                    pl.col(c).alias("text"),
                    pl.col("invoice_no").str.extract(r"(\d+)$").cast(pl.Int64).alias("number"),
                ).drop_nulls("text")
                for c in ("invoice_date", "due_date", "paid_date")
            ),
        ]
    )
    kept = date_cells(raw)
    assert not kept["text"].str.starts_with("2025").any()
    assert decide_order(kept, setting) == decide_order(every, setting)
