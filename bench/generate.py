"""Deterministic benchmark ledgers: ~2,000 clients (or a long tail of 20,000) with heavy-tailed
revenue over three years.

Rows are drawn with numpy in fixed chunks, so ten million text rows never sit in memory at
once, and the same size and seed always give the same rows. They look like a real ledger:
dated on working days and numbered in date order, a few large clients billed all along and a
long tail that starts, stops or buys once, client-specific ticket sizes and payment habits, no
paid date on open invoices (nor on payments that would fall after the ledger's last day), and a
few credit notes (negative), void and written-off invoices.

Workbooks are written as Excel writes them, text in the shared-strings table (xlsxwriter's
normal mode; slower and hungrier than constant-memory mode, but done once and cached);
CSV chunk by chunk, and Parquet streamed from that CSV by polars. Everything lands in
bench/data/ (ignored by git) or the directory given, under names carrying VERSION so a
change here never reuses an older cached file.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

VERSION = 2
DATA = Path(__file__).resolve().parent / "data"
CLIENTS = 2_000  # the usual shape
LONG_TAIL = 20_000  # a shop's or a wholesaler's: the same invoices over ten times the clients
MANY = 200_000  # a shop's customers at a million orders, most of them buying once or twice
ALWAYS = 20  # the largest clients, billed from the first day to the last
START = dt.date(2023, 11, 1)
DAYS = 3 * 365
CHUNK = 250_000
TERMS = 30
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system
UNIX_EPOCH = dt.date(1970, 1, 1)  # day 0 of polars dates
COLUMNS = [
    "Invoice No",
    "Client",
    "Invoice Date",
    "Amount",
    "Status",
    "Due Date",
    "Paid Date",
    "Project",
]
DATES = ("Invoice Date", "Due Date", "Paid Date")
SCHEMA = {
    "Invoice No": pl.String,
    "Client": pl.String,
    "Invoice Date": pl.Date,
    "Amount": pl.Float64,
    "Status": pl.String,
    "Due Date": pl.Date,
    "Paid Date": pl.Date,
    "Project": pl.String,
}


@dataclass(frozen=True)
class Clients:
    """Who the clients are and how each behaves; drawn once per seed, shared by every chunk."""

    names: pl.Series
    cumulative: np.ndarray  # cumulative drawing weights: Zipf-like, a few large, a long tail
    first: np.ndarray  # first and last day (offset from START) the client is billed
    last: np.ndarray
    ticket: np.ndarray  # typical invoice amount
    late: np.ndarray  # mean days paid after the due date (negative: early)
    pays: np.ndarray  # probability that an invoice gets paid at all
    writes_off: np.ndarray  # probability that an invoice is written off (bad payers only)


def digits(count: int) -> int:
    """How wide a client's number is in its name: 4 for the usual 2,000 (as before), 5 for 20,000."""
    return max(4, len(str(count - 1)))


def clients(seed: int, count: int = CLIENTS) -> Clients:
    rng = np.random.default_rng([seed, 0])
    rank = np.arange(count)
    weight = 1.0 / (rank + 1) ** 1.1
    # A floor under the weights: most of the usual tail appears by 100k rows; the long tail's
    # higher floor spreads 100k invoices over ~15,000 of its names, most buying once or twice.
    weight += (0.3 if count == CLIENTS else 2.0) * weight.sum() / count
    arrives = np.where(rng.random(count) < 0.4, 0, rng.integers(0, DAYS, count))
    stays = rng.exponential(600, count).astype(np.int64)
    first = np.where(rank < ALWAYS, 0, arrives)
    last = np.where(rank < ALWAYS, DAYS - 1, np.minimum(DAYS - 1, arrives + stays))
    chronic = rng.random(count) < 0.05
    width = digits(count)
    return Clients(
        names=pl.Series("Client", [f"Client {i:0{width}d} Ltd" for i in range(count)]),
        cumulative=np.cumsum(weight),
        first=first,
        last=last,
        ticket=np.exp(rng.normal(6.5, 0.6, count)),
        late=rng.gamma(1.5, 8.0, count) - 10 + np.where(chronic, 60, 0),
        pays=np.where(chronic, 0.6, 0.998),
        writes_off=np.where(chronic, 0.08, 0.0),
    )


def day_offsets(rows: int, seed: int) -> np.ndarray:
    """Cumulative invoice counts per day: working days busy, weekends quiet, slow growth."""
    rng = np.random.default_rng([seed, 1])
    day = np.arange(DAYS)
    weekday = (START.weekday() + day) % 7
    weight = np.where(weekday < 5, 1.0, 0.08) * (1 + 0.3 * day / DAYS)
    return np.cumsum(rng.multinomial(rows, weight / weight.sum()))


def draw_clients(rng: np.random.Generator, c: Clients, days: np.ndarray) -> np.ndarray:
    """A client per invoice by weight, redrawn until it is active on the invoice's day."""
    picked = np.empty(days.size, dtype=np.int64)
    todo = np.arange(days.size)
    while todo.size:
        pick = np.searchsorted(c.cumulative, rng.random(todo.size) * c.cumulative[-1], "right")
        pick = np.minimum(pick, c.cumulative.size - 1)
        ok = (c.first[pick] <= days[todo]) & (days[todo] <= c.last[pick])
        picked[todo[ok]] = pick[ok]
        todo = todo[~ok]
    return picked


def amounts_and_statuses(
    rng: np.random.Generator, c: Clients, who: np.ndarray, days: np.ndarray
) -> dict[str, np.ndarray]:
    """Each invoice's amount, status and dates: credit notes negative and without a due date;
    no paid date unless paid, and none after the ledger's last day."""
    n = who.size
    kind = rng.random(n)
    credit, void = kind < 0.015, (kind >= 0.015) & (kind < 0.02)
    written_off = (kind >= 0.02) & (rng.random(n) < c.writes_off[who])
    amount = c.ticket[who] * rng.lognormal(0.0, 0.8, n)
    amount = np.rint(np.where(credit, -0.4 * amount, amount) * 100) / 100  # nearest to the cent
    paid_day = days + TERMS + np.maximum(-TERMS, np.rint(c.late[who] + rng.normal(0, 7, n)))
    ordinary = ~(credit | void | written_off)
    paid = ordinary & (rng.random(n) < c.pays[who]) & (paid_day <= DAYS - 1)
    status = np.select(
        [credit, void, written_off, paid], ["credit note", "void", "written off", "paid"], "open"
    )
    start, none = np.datetime64(START, "D"), np.datetime64("NaT", "D")
    return {
        "Invoice Date": start + days,
        "Amount": amount,
        "Status": status,
        "Due Date": np.where(credit, none, start + days + TERMS),
        "Paid Date": np.where(paid, start + paid_day.astype(np.int64), none),  # NaT: null
    }


def chunk(rows: int, seed: int, index: int, c: Clients, counts: np.ndarray) -> pl.DataFrame:
    """Rows ``index * CHUNK`` up to ``rows`` of the ledger, as dated, typed columns."""
    low, high = index * CHUNK, min(rows, (index + 1) * CHUNK)
    rng = np.random.default_rng([seed, 2 + index])
    days = np.searchsorted(counts, np.arange(low, high), "right")
    who = draw_clients(rng, c, days)
    drawn = amounts_and_statuses(rng, c, who, days)
    number = (
        pl.Series(np.arange(low + 1, high + 1)).cast(pl.String).str.zfill(max(7, len(str(rows))))
    )
    client = c.names.gather(who)
    project = pl.Series(rng.integers(0, 4, high - low)).cast(pl.String)
    width = digits(c.names.len())
    return pl.DataFrame(
        {
            "Invoice No": "INV-" + number,
            "Client": client,
            **drawn,
            "Project": "Project " + client.str.slice(7, width) + "-" + project,
        }
    ).select(COLUMNS)


def chunks(rows: int, seed: int = 7, count: int = CLIENTS) -> Iterator[pl.DataFrame]:
    """The ledger of ``rows`` invoices over ``count`` clients, ``CHUNK`` rows at a time."""
    c, counts = clients(seed, count), day_offsets(rows, seed)
    for index in range(-(-rows // CHUNK)):
        yield chunk(rows, seed, index, c, counts)


def frame(rows: int, seed: int = 7, count: int = CLIENTS) -> pl.DataFrame:
    """The whole ledger in memory: the known rows a check compares a report against."""
    return pl.concat(list(chunks(rows, seed, count)))


def ledger_path(
    rows: int, seed: int = 7, suffix: str = "xlsx", data: Path = DATA, count: int = CLIENTS
) -> Path:
    """The cached file's name; the usual shape keeps the names it always had."""
    shape = "" if count == CLIENTS else f"-c{count}"
    return data / f"ledger-v{VERSION}-{rows}{shape}-s{seed}.{suffix}"


def generate(rows: int, seed: int = 7, data: Path = DATA, count: int = CLIENTS) -> Path:
    """The workbook of ``rows`` invoices over ``count`` clients; generated once, then reused."""
    path = ledger_path(rows, seed, "xlsx", data, count)
    if path.exists():
        return path
    data.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.xlsx")
    wb = xlsxwriter.Workbook(str(partial), {"strings_to_formulas": False})
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    ws = wb.add_worksheet("Invoices")
    formats = {
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
    }
    ws.write_row(0, 0, COLUMNS)
    row = 1
    for part in chunks(rows, seed, count):
        write_rows(ws, part, row, formats)
        row += part.height
    wb.close()
    partial.replace(path)
    return path


def write_rows(
    ws: xlsxwriter.worksheet.Worksheet, part: pl.DataFrame, first: int, formats: dict
) -> None:
    """Cells as Excel keeps them: text shared, dates as day serials with a date format."""
    serial = (UNIX_EPOCH - EXCEL_EPOCH).days
    serials = part.select(pl.col(d).cast(pl.Int32) + serial for d in DATES)
    date, money = formats["date"], formats["money"]
    columns = zip(
        part["Invoice No"].to_list(),
        part["Client"].to_list(),
        serials["Invoice Date"].to_list(),
        part["Amount"].to_list(),
        part["Status"].to_list(),
        serials["Due Date"].to_list(),
        serials["Paid Date"].to_list(),
        part["Project"].to_list(),
        strict=True,
    )
    for r, (number, client, day, amount, status, due, paid, project) in enumerate(columns, first):
        ws.write_string(r, 0, number)
        ws.write_string(r, 1, client)
        ws.write_number(r, 2, day, date)
        ws.write_number(r, 3, amount, money)
        ws.write_string(r, 4, status)
        if due is not None:
            ws.write_number(r, 5, due, date)
        if paid is not None:
            ws.write_number(r, 6, paid, date)
        ws.write_string(r, 7, project)


def generate_text(
    rows: int, seed: int = 7, data: Path = DATA, count: int = CLIENTS
) -> tuple[Path, Path]:
    """The same ledger as CSV and as Parquet, written in chunks and streamed: bounded memory."""
    csv, parquet = (ledger_path(rows, seed, s, data, count) for s in ("csv", "parquet"))
    data.mkdir(parents=True, exist_ok=True)
    if not csv.exists():
        partial = csv.with_suffix(".tmp.csv")
        with partial.open("wb") as handle:
            for index, part in enumerate(chunks(rows, seed, count)):
                part.write_csv(handle, include_header=index == 0, date_format="%Y-%m-%d")
        partial.replace(csv)
    if not parquet.exists():
        partial = parquet.with_suffix(".tmp.parquet")
        pl.scan_csv(csv, schema=SCHEMA).sink_parquet(partial)
        partial.replace(parquet)
    return csv, parquet


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate (or find cached) benchmark ledgers.")
    parser.add_argument("rows", type=int, nargs="+")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--text", action="store_true", help="CSV and Parquet instead of .xlsx")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"long tail: {LONG_TAIL}")
    args = parser.parse_args()
    for rows in args.rows:
        if args.text:
            for path in generate_text(rows, args.seed, args.data, args.clients):
                print(path)
        else:
            print(generate(rows, args.seed, args.data, args.clients))


if __name__ == "__main__":
    main()
