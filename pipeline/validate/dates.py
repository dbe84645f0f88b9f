"""Dates as spreadsheets and exports write them, read by polars expressions, and the order of
day and month decided for a column as a whole.

A cell is read as ISO (``2026-03-31``, with or without a time), a day-month-year or
month-day-year with ``/``, ``.`` or ``-`` (two- or four-digit year, with or without a time),
``YYYYMMDD``, a month written as a word (``1 Nov 2022``, ``Nov 1, 2022``) or an Excel serial
number. Each parser returns null where a cell cannot be read; the caller compares with the
cell's text to report every such cell as a data issue rather than lose it.

Whether ``03/04/2026`` is 3 April or 4 March is never guessed cell by cell: ``decide_order``
looks at every such cell of the sheet's date columns at once (a 13 or more in one place says
which it is), then the export's layout, then which reading makes a ledger of (dates spread
over a contiguous span, over many days of the month, rising with the invoice numbers), and
only then the default. What stays ambiguous is counted, so it can be said where people look.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.validate.records import (
    BY_DATES,
    BY_DEFAULT,
    BY_LAYOUT,
    BY_PLAUSIBILITY,
    BY_SETTING,
    ORDERS,
    DateOrder,
)
from pipeline.validate.text import clean_text, fast_then_full

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 in the 1900 date system
_MAX_SERIAL = 2_958_465  # 9999-12-31
EARLIEST = dt.date(1990, 1, 1)  # older invoice dates are typos (or numbers read as dates)
FUTURE_DAYS = 366  # invoice dates more than this after the run date are typos
# Excel's own rule for two-digit years: 00-29 are 2000-2029, 30-99 are 1930-1999.
CENTURY_PIVOT = 30


_TIME = (
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*"
    r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?"
)
# Three numbers: 2026-03-31, 31/03/2026, 3.31.26 (the time after them, if any, is let be).
NUMERIC = rf"^(\d{{1,4}})[/.\-](\d{{1,2}})[/.\-](\d{{1,4}}){_TIME}$"
COMPACT = r"^((?:19|20)\d{2})(\d{2})(\d{2})(?:\.0+)?$"  # 20260331 (a serial has 7 digits at most)
_NAMED_DAY_FIRST = rf"^(\d{{1,2}})[ \-./]+([A-Za-z]{{3,9}})\.?[ \-./,]+(\d{{4}}|\d{{2}}){_TIME}$"
_NAMED_MONTH_FIRST = (
    rf"^([A-Za-z]{{3,9}})\.?[ \-./]+(\d{{1,2}})(?:st|nd|rd|th)?,?[ \-./]+(\d{{4}}){_TIME}$"
)
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        )
    )
    for name in names
}


def _year(text: pl.Expr) -> pl.Expr:
    """A year as written: two digits by Excel's pivot, four as they are; null otherwise."""
    number = text.cast(pl.Int32, strict=False)
    return (
        pl.when(text.str.len_chars() == 4)
        .then(number)
        .when(text.str.len_chars() == 2)
        .then(pl.when(number < CENTURY_PIVOT).then(number + 2000).otherwise(number + 1900))
    )


def _date_of(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """The date, or null where the parts name none (31 February, month 13)."""
    text = pl.format(
        "{}-{}-{}",
        year.cast(pl.String).str.zfill(4),
        month.cast(pl.String).str.zfill(2),
        day.cast(pl.String).str.zfill(2),
    )
    return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _numeric(text: pl.Expr, order: str) -> pl.Expr:
    """Three numbers read in ``order``; a four-digit first number is always the year."""
    parts = text.str.extract_groups(NUMERIC)
    a, b, c = (parts.struct.field(str(i)) for i in (1, 2, 3))
    a_int, b_int, c_int = (p.cast(pl.Int32, strict=False) for p in (a, b, c))
    short_first = a.str.len_chars() <= 2
    day_first = _date_of(_year(c), b_int, a_int)
    month_first = _date_of(_year(c), a_int, b_int)
    read = (
        pl.when(a.str.len_chars() == 4)
        .then(pl.when(c.str.len_chars() <= 2).then(_date_of(a_int, b_int, c_int)))
        .when(~short_first)
        .then(None)
    )
    if order == "ymd":  # 26/03/31 is year first; a year written last is read day first
        return (
            read.when(c.str.len_chars() <= 2)
            .then(_date_of(_year(a), b_int, c_int))
            .otherwise(day_first)
        )
    return read.otherwise(month_first if order == "mdy" else day_first)


def _named(text: pl.Expr) -> pl.Expr:
    """A month written as a word: ``1 Nov 2022``, ``01-Nov-22``, ``Nov 1, 2022``."""

    def month(word: pl.Expr) -> pl.Expr:
        return word.str.to_lowercase().replace_strict(_MONTHS, default=None, return_dtype=pl.Int32)

    first = text.str.extract_groups(_NAMED_DAY_FIRST)
    second = text.str.extract_groups(_NAMED_MONTH_FIRST)
    return pl.coalesce(
        _date_of(
            _year(first.struct.field("3")),
            month(first.struct.field("2")),
            first.struct.field("1").cast(pl.Int32, strict=False),
        ),
        _date_of(
            _year(second.struct.field("3")),
            month(second.struct.field("1")),
            second.struct.field("2").cast(pl.Int32, strict=False),
        ),
    )


def _serial(text: pl.Expr) -> pl.Expr:
    """An Excel serial day number (1900 system), as a reader gives a date cell it saw as a number."""
    is_serial = text.str.contains(r"^\d+(\.\d+)?$")
    serial = text.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False)
    return (
        pl.when(is_serial & serial.is_between(1, _MAX_SERIAL))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial))
        .cast(pl.Date)
    )


def date_from_clean(text: pl.Expr, order: str = "dmy") -> pl.Expr:
    """``parse_date`` of text already through ``clean_text``."""
    compact = text.str.extract_groups(COMPACT)
    return (
        pl.when(text.str.contains(NUMERIC))
        .then(_numeric(text, order))
        .when(text.str.contains(COMPACT))
        .then(
            _date_of(
                compact.struct.field("1").cast(pl.Int32),
                compact.struct.field("2").cast(pl.Int32),
                compact.struct.field("3").cast(pl.Int32),
            )
        )
        .when(text.str.contains(r"[A-Za-z]{3}"))
        .then(_named(text))
        .otherwise(_serial(text))
    )


def parse_date(col: str | pl.Expr, order: str = "dmy") -> pl.Expr:
    """Any date shape this module reads, numbers in ``order`` where a cell does not say."""
    return date_from_clean(clean_text(col), order)


def _iso_date(text: pl.Expr) -> pl.Expr:
    """The shape a spreadsheet reader gives a date cell (``2026-03-31`` or ``2026-03-31
    00:00:00``), which ``date_from_clean`` reads as ISO whatever the order; null otherwise."""
    return pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$")).then(
        text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    )


def parse_dates(frame: pl.DataFrame, column: str, order: str = "dmy") -> pl.Series:
    """``date_from_clean`` of a clean text column, the reader's ISO shape taken first."""
    text = pl.col(column)
    return fast_then_full(frame, column, _iso_date(text), date_from_clean(text, order))


# --- the order, for a column as a whole ---------------------------------------------------------


def day_month_parts(cells: pl.DataFrame) -> pl.DataFrame:
    """``first``, ``second`` (the two numbers before the year), ``text`` and ``number`` of the
    cells written as three numbers with the year last, in the cells' order: the ones whose
    reading the order decides. ``cells`` has ``text`` (clean) and ``number`` (an invoice
    number's digits, or null)."""
    parts = cells.filter(pl.col("text").str.contains(NUMERIC)).with_columns(
        pl.col("text").str.extract_groups(NUMERIC).alias("_p")
    )
    return (
        parts.select(
            pl.col("_p").struct.field("1").cast(pl.Int32).alias("first"),
            pl.col("_p").struct.field("2").cast(pl.Int32).alias("second"),
            pl.col("_p").struct.field("1").str.len_chars().alias("_width"),
            "text",
            "number",
        )
        .filter(pl.col("_width") <= 2)
        .drop("_width")
    )


def decide_order(
    cells: pl.DataFrame,
    setting: str = "auto",
    layout: tuple[str, str] | None = None,
    default: str = "dmy",
) -> DateOrder:
    """The order of day and month for ``cells`` (``text``, ``number``; every date cell of the
    ledger's date columns), and how it was decided.

    ``setting``: "auto", or an order the user chose (``--dates``, a Settings row). ``layout``:
    (export name, order) when the export's layout fixes it. ``default``: the last resort.
    """
    parts = day_month_parts(cells)
    both = (pl.col("first") <= 12) & (pl.col("second") <= 12)
    depends = both & (pl.col("first") != pl.col("second"))
    counts = parts.select(
        depends.sum().alias("ambiguous"),
        (pl.col("first") > 12).sum().alias("day_first"),  # only a day can exceed 12
        (pl.col("second") > 12).sum().alias("month_first"),
    ).row(0, named=True)
    ambiguous = int(counts["ambiguous"] or 0)
    example = parts.filter(depends)["text"].head(1).to_list()
    shown, numeric = (example[0] if example else None), parts.height
    if setting in ORDERS:
        return DateOrder(setting, BY_SETTING, ambiguous, shown, numeric=numeric)
    day_first, month_first = int(counts["day_first"] or 0), int(counts["month_first"] or 0)
    if day_first or month_first:  # the cells say; where they disagree, the most of them
        order = "dmy" if day_first >= month_first else "mdy"
        return DateOrder(order, BY_DATES, 0, numeric=numeric)
    if not ambiguous:
        return DateOrder(default, BY_DATES, 0, numeric=numeric)
    if layout is not None:
        return DateOrder(layout[1], BY_LAYOUT, ambiguous, shown, layout[0], numeric)
    plausible = plausible_order(parts.filter(both))
    if plausible is not None:
        return DateOrder(plausible, BY_PLAUSIBILITY, ambiguous, shown, numeric=numeric)
    return DateOrder(default, BY_DEFAULT, ambiguous, shown, numeric=numeric)


def _readings(parts: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each order's dates for the cells (year, day of month), in the cells' order."""
    year = _year(pl.col("text").str.extract(NUMERIC, 3))
    found = {}
    for order, (month, day) in {"dmy": ("second", "first"), "mdy": ("first", "second")}.items():
        found[order] = parts.select(
            _date_of(year, pl.col(month), pl.col(day)).alias("date"),
            pl.col(day).alias("day"),
            "number",
        ).drop_nulls("date")
    return found


def _bunched(dates: pl.Series) -> bool:
    """Whether the dates fill far fewer of the calendar months of their span than as many
    dates spread at random over it would (a third or fewer; eight dates at least, fewer say
    too little): a ledger's other reading
    bunches into a few months with empty ones between, where a sparse ledger is merely sparse."""
    months = (dates.dt.year().cast(pl.Int64) * 12 + dates.dt.month().cast(pl.Int64)).unique()
    span = int(months.max()) - int(months.min()) + 1  # type: ignore[arg-type]
    distinct = dates.n_unique()
    expected = 1 - (1 - 1 / span) ** distinct
    return distinct >= 8 and months.len() / span <= expected / 3


def _descents(reading: pl.DataFrame) -> int:
    """How often the date goes back as the invoice numbers rise."""
    numbered = reading.drop_nulls("number").sort("number", maintain_order=True)
    if numbered.height < 3:
        return -1
    return int(numbered.select((pl.col("date").diff().dt.total_days() < 0).sum()).item())


def plausible_order(parts: pl.DataFrame) -> str | None:
    """Which order makes these cells look like a ledger, or None when both do as well.

    In turn: a ledger's dates fill the months of their span (read the other way, a ledger
    billed on the 1st of each month for two years falls in three Januaries with empty years
    between); a burst of days within one month is read as such (read the other way,
    11/1..11/4/2022 bills every invoice on the 11th of four months); the dates rise with the
    invoice numbers. The second is a preference, not a proof: invoices on the 11th of January,
    February and March of one year are, read month first, 1-3 November, and the burst is
    chosen. Where none of these tells the readings apart, neither is chosen: a ledger billed in
    the first days of each month for a few months reads as well either way.
    """
    readings = _readings(parts)
    distinct = min(r["date"].n_unique() for r in readings.values())
    if distinct < 3:
        return None
    bunched = {order: _bunched(r["date"]) for order, r in readings.items()}
    if bunched["dmy"] != bunched["mdy"]:
        return "mdy" if bunched["dmy"] else "dmy"
    days = {order: r["day"].n_unique() for order, r in readings.items()}
    few, many = sorted(days, key=days.__getitem__)
    burst = readings[many]["date"].dt.epoch("d")
    if days[few] == 1 and days[many] >= 3 and int(burst.max()) - int(burst.min()) <= 31:  # type: ignore[arg-type]
        return many
    descents = {order: _descents(r) for order, r in readings.items()}
    if min(descents.values()) >= 0:
        best, worst = sorted(descents, key=descents.__getitem__)
        numbered = readings[best]["number"].drop_nulls().len()
        if descents[best] == 0 and descents[worst] >= max(2, numbered // 10):
            return best
    return None
