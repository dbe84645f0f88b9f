"""Generate the three sample workbooks in ``sample_workbooks/``.

The samples are small, realistic client/invoice registers of the kind tierbook is meant to
read, each built to show one shape of client dependence:

* ``freelancer_one_anchor.xlsx`` - a freelance designer (EUR) whose monthly retainer client
  brings about half of the last year's revenue, plus recurring, one-off and brand-new clients.
* ``agency_diversified.xlsx`` - a small agency (GBP) with about thirty clients and no client
  above roughly 12% of the last year's revenue; its Invoices sheet has title rows above the
  header, as exported registers often do.
* ``consultant_lost_key_client.xlsx`` - an independent consultant (USD) whose key client
  stopped billing at the end of 2025, so another steady client is now the largest.

Each workbook has an ``Invoices`` sheet (real date and number cells, paid/open/void/written
off/credit note rows) and a ``Clients`` sheet. Every workbook is drawn from its own fixed
``random.Random(seed)`` and nothing reads the clock: document properties and zip member
timestamps are pinned to 2026-01-01, so running the script twice gives byte-identical files.

Usage: ``python scripts/make_samples.py [OUTPUT_FOLDER]`` (default: ``sample_workbooks/`` at
the repository root). A summary of each workbook is printed so its shape can be checked.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import random
import sys
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring  # the serialiser openpyxl's own writer uses

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "sample_workbooks"

AS_OF = dt.date(2026, 10, 31)  # nothing is invoiced, paid or contacted after this day
FIXED_STAMP = dt.datetime(2026, 1, 1)
ZIP_STAMP = (2026, 1, 1, 0, 0, 0)

INVOICE_HEADER = [
    "Invoice No",
    "Client",
    "Invoice Date",
    "Due Date",
    "Paid Date",
    "Amount",
    "Currency",
    "Status",
    "Project",
    "Description",
]
INVOICE_WIDTHS = [15, 30, 13, 13, 13, 13, 10, 12, 30, 58]
CLIENT_HEADER = [
    "Client",
    "Client Since",
    "Referred By",
    "Contract",
    "Roles",
    "Working Style",
    "Last Contact",
    "Notes",
]
CLIENT_WIDTHS = [30, 13, 26, 24, 16, 15, 13, 58]
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"

# Invoice kinds, and the order rows of the same day are listed in.
NORMAL, VOID, CREDIT, WRITTEN_OFF, OVERDUE = "normal", "void", "credit", "written off", "overdue"
KIND_ORDER = {VOID: 0, NORMAL: 1, OVERDUE: 1, WRITTEN_OFF: 1, CREDIT: 2}

Job = tuple[str, str]  # (project, description); both may use {year} and {month}


# --------------------------------------------------------------------------- model


@dataclass
class Client:
    """One client: payment habits for the invoices and the fields of the Clients sheet."""

    name: str
    terms: int = 30  # days from invoice to due date
    pay_delay: tuple[int, int] = (0, 7)  # days paid after the due date; negative is early
    since: dt.date | None = None  # defaults to a little before the first invoice
    referred_by: str = ""
    contract: str = ""
    roles: str = ""
    style: str = ""
    last_contact: dt.date | None = None  # defaults to a date after the last invoice
    notes: str = ""
    prospect: bool = False  # listed on the Clients sheet only


@dataclass
class Draft:
    """An invoice before numbering; ``ref`` is the invoice a void or credit note points at."""

    client: Client
    day: dt.date
    amount: float
    project: str
    description: str
    kind: str = NORMAL
    ref: Draft | None = None
    label: str | None = None  # client name as typed on this row, when it differs
    number: str = ""
    tag: str = ""  # "retainer" for fixed monthly/quarterly fees


@dataclass
class Book:
    """Everything one sample workbook is made from."""

    filename: str
    currency: str
    clients: list[Client]
    drafts: list[Draft] = field(default_factory=list)
    title_rows: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- dates


def weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def months(start: dt.date, end: dt.date) -> Iterator[tuple[int, int]]:
    """(year, month) for every month from ``start`` to ``end`` inclusive."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def random_weekday(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
    day = weekday_on_or_after(day)
    return day if day <= end else weekday_on_or_before(end)


def fill(text: str, day: dt.date) -> str:
    return text.format(year=day.year, month=calendar.month_name[day.month])


# --------------------------------------------------------------------------- billing patterns


def hours_amount(rng: random.Random, low: float, high: float, rate: float) -> float:
    """Hours in half-hour steps times an hourly rate."""
    hours = rng.randint(int(low * 2), int(high * 2)) / 2
    return round(hours * rate, 2)


def fee_amount(rng: random.Random, low: int, high: int, step: int = 50) -> float:
    """A fixed fee rounded to ``step``."""
    return float(rng.randrange(low // step, high // step + 1) * step)


def add_monthly(
    book: Book,
    client: Client,
    start: dt.date,
    end: dt.date,
    fee: Callable[[dt.date], float],
    job: Job,
    day_of_month: int = 1,
) -> None:
    """A fixed fee on the first weekday on or after ``day_of_month`` of every month."""
    for year, month in months(start, end):
        day = weekday_on_or_after(dt.date(year, month, day_of_month))
        if start <= day <= end:
            book.drafts.append(
                Draft(client, day, fee(day), fill(job[0], day), fill(job[1], day), tag="retainer")
            )


def add_quarterly(
    book: Book,
    client: Client,
    start: dt.date,
    end: dt.date,
    fee: Callable[[dt.date], float],
    job: Job,
) -> None:
    """A fixed fee on the first weekday of January, April, July and October."""
    for year, month in months(start, end):
        if month in (1, 4, 7, 10):
            day = weekday_on_or_after(dt.date(year, month, 2))
            if start <= day <= end:
                book.drafts.append(
                    Draft(
                        client, day, fee(day), fill(job[0], day), fill(job[1], day), tag="retainer"
                    )
                )


def add_sporadic(
    rng: random.Random,
    book: Book,
    client: Client,
    start: dt.date,
    end: dt.date,
    per_year: float,
    amount: Callable[[], float],
    jobs: list[Job],
) -> None:
    """Irregular recurring work: about ``per_year`` invoices a year on random weekdays."""
    years = ((end - start).days + 1) / 365.25
    count = max(1, round(per_year * years * rng.uniform(0.85, 1.15)))
    days = sorted(random_weekday(rng, start, end) for _ in range(count))
    for day in days:
        project, description = rng.choice(jobs)
        book.drafts.append(Draft(client, day, amount(), fill(project, day), fill(description, day)))


def add_project(
    rng: random.Random,
    book: Book,
    client: Client,
    start: dt.date,
    total: float,
    project: str,
    parts: list[tuple[float, str]],
) -> None:
    """A one-off project billed in stages (e.g. deposit then balance) a few weeks apart."""
    day = weekday_on_or_after(start)
    for index, (share, description) in enumerate(parts):
        if index:
            day = weekday_on_or_after(day + dt.timedelta(days=rng.randint(18, 40)))
        book.drafts.append(
            Draft(client, day, round(total * share, 2), fill(project, day), fill(description, day))
        )


# --------------------------------------------------------------------------- special rows


def candidates(book: Book, low: dt.date, high: dt.date, min_amount: float = 0.0) -> list[Draft]:
    return [
        d
        for d in book.drafts
        if d.kind == NORMAL and low <= d.day <= high and d.amount >= min_amount
    ]


def add_voids(rng: random.Random, book: Book, count: int, reasons: list[str]) -> None:
    """Invoices issued in error, voided, and reissued a few days later as the kept invoice."""
    pool = candidates(book, dt.date(2000, 1, 1), AS_OF - dt.timedelta(days=60))
    for kept, reason in zip(rng.sample(pool, count), rng.sample(reasons, count), strict=True):
        day = weekday_on_or_before(kept.day - dt.timedelta(days=rng.randint(1, 4)))
        wrong = kept.amount
        if rng.random() < 0.5:
            wrong = round(kept.amount * rng.choice([1.1, 0.9]), 2)
        book.drafts.append(
            Draft(
                kept.client,
                day,
                wrong,
                kept.project,
                f"VOID - {reason}; reissued as {{ref}}",
                kind=VOID,
                ref=kept,
            )
        )


def add_credit_notes(rng: random.Random, book: Book, count: int, reasons: list[str]) -> None:
    """Negative invoices crediting part or all of an earlier invoice of the same client."""
    pool = [
        d
        for d in candidates(book, dt.date(2000, 1, 1), AS_OF - dt.timedelta(days=90), 400.0)
        if d.tag != "retainer"
    ]
    for original, reason in zip(rng.sample(pool, count), rng.sample(reasons, count), strict=True):
        day = weekday_on_or_after(original.day + dt.timedelta(days=rng.randint(9, 45)))
        share = rng.choice([0.1, 0.15, 0.2, 0.25, 0.5])
        book.drafts.append(
            Draft(
                original.client,
                day,
                -round(original.amount * share, 2),
                original.project,
                f"Credit note against {{ref}} - {reason}",
                kind=CREDIT,
                ref=original,
            )
        )


def mark(
    rng: random.Random,
    book: Book,
    client: Client,
    low: dt.date,
    high: dt.date,
    kind: str,
) -> None:
    """Turn one of ``client``'s invoices dated in [low, high] into ``kind``."""
    pool = [d for d in candidates(book, low, high) if d.client is client]
    rng.choice(pool).kind = kind


# --------------------------------------------------------------------------- rows


def pay_date(rng: random.Random, draft: Draft, due: dt.date) -> dt.date | None:
    """When a normal invoice was paid, or None when still open on AS_OF."""
    low, high = draft.client.pay_delay
    paid = weekday_on_or_after(due + dt.timedelta(days=rng.randint(low, high)))
    paid = max(paid, weekday_on_or_after(draft.day + dt.timedelta(days=1)))
    return paid if paid <= AS_OF else None


def number_drafts(drafts: list[Draft]) -> list[Draft]:
    """Sort by date and number ``INV-YYYY-NNNN`` per year, then fill in the references."""
    order = sorted(enumerate(drafts), key=lambda p: (p[1].day, KIND_ORDER[p[1].kind], p[0]))
    ordered = [d for _, d in order]
    per_year: Counter[int] = Counter()
    for draft in ordered:
        per_year[draft.day.year] += 1
        draft.number = f"INV-{draft.day.year}-{per_year[draft.day.year]:04d}"
    for draft in ordered:
        if draft.ref is not None:
            draft.description = draft.description.format(ref=draft.ref.number)
    return ordered


def invoice_row(rng: random.Random, draft: Draft, currency: str) -> list[object]:
    due = draft.day + dt.timedelta(days=draft.client.terms)
    paid: dt.date | None = None
    if draft.kind == NORMAL:
        paid = pay_date(rng, draft, due)
        status = "paid" if paid else "open"
    else:
        status = {VOID: "void", CREDIT: "credit note", WRITTEN_OFF: "written off", OVERDUE: "open"}[
            draft.kind
        ]
    return [
        draft.number,
        draft.label or draft.client.name,
        draft.day,
        due,
        paid,
        round(draft.amount, 2),
        currency,
        status,
        draft.project,
        draft.description,
    ]


def client_rows(rng: random.Random, book: Book) -> list[list[object]]:
    days: dict[str, list[dt.date]] = defaultdict(list)
    for draft in book.drafts:
        days[draft.client.name].append(draft.day)
    rows: list[list[object]] = []
    for client in sorted(book.clients, key=lambda c: c.name.casefold()):
        billed = sorted(days.get(client.name, []))
        since = client.since
        if since is None and billed:
            since = weekday_on_or_before(billed[0] - dt.timedelta(days=rng.randint(7, 35)))
        contact = client.last_contact or default_contact(rng, billed)
        rows.append(
            [
                client.name,
                since,
                client.referred_by or None,
                client.contract or None,
                client.roles or None,
                client.style or None,
                contact,
                client.notes or None,
            ]
        )
    return rows


def default_contact(rng: random.Random, billed: list[dt.date]) -> dt.date | None:
    """Shortly after the last invoice; for past clients often a check-in during 2026."""
    if not billed:
        return None
    if billed[-1].year < 2026 and rng.random() < 0.6:
        return random_weekday(rng, dt.date(2026, 1, 5), dt.date(2026, 10, 30))
    day = weekday_on_or_after(billed[-1] + dt.timedelta(days=rng.randint(0, 25)))
    return min(day, weekday_on_or_before(AS_OF))


# --------------------------------------------------------------------------- writing


def write_table(
    ws: Worksheet,
    top: int,
    header: list[str],
    rows: list[list[object]],
    widths: list[int],
) -> None:
    for c, name in enumerate(header, start=1):
        ws.cell(top, c, name).font = Font(bold=True)
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c, value)
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, float):
                cell.number_format = AMOUNT_FORMAT
    for c, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + c)].width = width
    ws.freeze_panes = ws.cell(top + 1, 1)


def build_workbook(rng: random.Random, book: Book) -> Workbook:
    wb = Workbook()
    invoices = wb.active
    invoices.title = "Invoices"
    for r, text in enumerate(book.title_rows, start=1):
        invoices.cell(r, 1, text).font = Font(bold=True, size=14 if r == 1 else 11)
    top = len(book.title_rows) + 2 if book.title_rows else 1
    rows = [invoice_row(rng, d, book.currency) for d in number_drafts(book.drafts)]
    write_table(invoices, top, INVOICE_HEADER, rows, INVOICE_WIDTHS)
    write_table(wb.create_sheet("Clients"), 1, CLIENT_HEADER, client_rows(rng, book), CLIENT_WIDTHS)
    wb.properties.creator = "tierbook sample generator"
    wb.properties.created = FIXED_STAMP
    wb.properties.modified = FIXED_STAMP
    return wb


def save_deterministic(wb: Workbook, path: Path) -> None:
    """Save, then rewrite the zip with pinned timestamps (openpyxl stamps 'modified' on save)."""
    raw = io.BytesIO()
    wb.save(raw)
    wb.properties.modified = FIXED_STAMP
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = core if info.filename == "docProps/core.xml" else src.read(info.filename)
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_STAMP)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.create_system = 0
            member.external_attr = 0
            dst.writestr(member, data)
    path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------- (a) freelancer


def freelancer() -> tuple[Book, random.Random]:
    rng = random.Random(20230901)
    anchor = Client(
        "Nordlicht Media GmbH",
        14,
        (-3, 4),
        since=dt.date(2024, 1, 15),
        contract="retainer",
        roles="special",
        style="savvy",
        last_contact=dt.date(2026, 10, 28),
        notes="Monthly design retainer; rate reviewed every January",
    )
    harbor = Client(
        "Harbor & Pine Ltd", 30, (5, 30), style="laissez-faire", last_contact=dt.date(2026, 10, 14)
    )
    oakridge = Client(
        "Oakridge Dental Group",
        30,
        (30, 60),
        contract="annual",
        style="micromanager",
        last_contact=dt.date(2026, 9, 22),
        notes="Always pays late; send reminder at 30 days",
    )
    kestrel = Client(
        "Kestrel Outdoor Co.",
        14,
        (0, 12),
        roles="image",
        last_contact=dt.date(2026, 10, 2),
        notes="Seasonal catalogues",
    )
    vellum = Client(
        "Studio Vellum",
        14,
        (-7, 0),
        roles="tester",
        style="savvy",
        notes="Sister studio; sends overflow work",
    )
    gruenwerk = Client(
        "Grünwerk Energie AG",
        30,
        (0, 15),
        referred_by=anchor.name,
        contract="annual until 2027-03-31",
        style="in the dark",
        last_contact=dt.date(2026, 10, 20),
    )
    alpenglow = Client(
        "Alpenglow Festival e.V.",
        14,
        (0, 20),
        referred_by=anchor.name,
        roles="special; image",
        notes="Festival artwork each spring",
    )
    copperleaf = Client("Copperleaf Architects", 30, (-2, 10), roles="image")
    brightwater = Client("Brightwater Yoga", 14, (0, 5))
    feldmann = Client("Feldmann & Söhne KG", 30, (10, 25), style="micromanager")
    lumen = Client("Lumen Skincare B.V.", 30, (0, 14), referred_by=harbor.name)
    tidewater = Client(
        "Tidewater Books",
        14,
        (20, 45),
        style="in the dark",
        last_contact=dt.date(2024, 11, 4),
        notes="Shop closed in 2024; final invoice written off",
    )
    marlow = Client(
        "Marlow Coffee Roasters",
        14,
        (0, 7),
        referred_by=anchor.name,
        since=dt.date(2026, 9, 21),
        last_contact=dt.date(2026, 10, 29),
        notes="New: packaging range, more planned for 2027",
    )
    prospect = Client(
        "Sable & Finch Interiors",
        prospect=True,
        last_contact=dt.date(2026, 10, 16),
        notes="Prospect - proposal for brand refresh sent 2026-10-16",
    )
    clients = [
        anchor,
        harbor,
        oakridge,
        kestrel,
        vellum,
        gruenwerk,
        alpenglow,
        copperleaf,
        brightwater,
        feldmann,
        lumen,
        tidewater,
        marlow,
        prospect,
    ]
    book = Book("freelancer_one_anchor.xlsx", "EUR", clients)
    rate = 85.0

    def retainer_fee(day: dt.date) -> float:
        return {2024: 4000.0, 2025: 4250.0}.get(day.year, 4500.0)

    add_monthly(
        book,
        anchor,
        dt.date(2024, 2, 1),
        AS_OF,
        retainer_fee,
        ("Retainer {year}", "Design retainer - {month} {year}"),
    )
    add_sporadic(
        rng,
        book,
        harbor,
        dt.date(2023, 9, 12),
        AS_OF,
        4,
        lambda: hours_amount(rng, 10, 24, rate),
        [
            ("Sales collateral {year}", "Brochure and one-pager design"),
            ("Trade show {year}", "Stand graphics and roll-ups"),
            ("Website refresh", "UI design, landing pages"),
        ],
    )
    add_sporadic(
        rng,
        book,
        oakridge,
        dt.date(2023, 11, 6),
        AS_OF,
        3,
        lambda: hours_amount(rng, 18, 34, rate),
        [
            ("Patient materials {year}", "Leaflets and waiting-room posters"),
            ("Practice signage", "Wayfinding and signage design"),
            ("Recruitment campaign", "Job ad templates and social posts"),
        ],
    )
    add_sporadic(
        rng,
        book,
        kestrel,
        dt.date(2024, 1, 8),
        AS_OF,
        2,
        lambda: fee_amount(rng, 2400, 3600),
        [
            ("Catalogue {year}", "Catalogue layout, fixed fee"),
            ("Product tags", "Hang tag and label artwork"),
        ],
    )
    add_sporadic(
        rng,
        book,
        vellum,
        dt.date(2023, 9, 4),
        AS_OF,
        6,
        lambda: hours_amount(rng, 6, 14, rate),
        [
            ("Overflow work", "Illustration support"),
            ("Overflow work", "Artwork finishing and print prep"),
        ],
    )
    add_sporadic(
        rng,
        book,
        gruenwerk,
        dt.date(2024, 4, 2),
        AS_OF,
        3,
        lambda: fee_amount(rng, 2200, 3200),
        [
            ("Annual report {year}", "Annual report layout"),
            ("Customer newsletter", "Quarterly newsletter design"),
            ("Infographics", "Data graphics set"),
        ],
    )
    for year in (2024, 2025, 2026):
        add_project(
            rng,
            book,
            alpenglow,
            dt.date(year, 2, rng.randint(3, 20)),
            fee_amount(rng, 2200, 3000),
            "Festival {year} artwork",
            [(1.0, "Poster, programme and social artwork")],
        )
    add_project(
        rng,
        book,
        copperleaf,
        dt.date(2024, 5, 13),
        6800.0,
        "Brand identity",
        [(0.5, "Brand identity - deposit 50%"), (0.5, "Brand identity - balance")],
    )
    add_project(
        rng,
        book,
        brightwater,
        dt.date(2023, 9, 18),
        1450.0,
        "Logo and cards",
        [(1.0, "Logo design and business cards")],
    )
    add_project(
        rng,
        book,
        feldmann,
        dt.date(2025, 3, 17),
        3900.0,
        "Packaging relaunch",
        [(0.4, "Packaging relaunch - concept"), (0.6, "Packaging relaunch - artwork")],
    )
    add_project(
        rng,
        book,
        lumen,
        dt.date(2026, 4, 7),
        5200.0,
        "Launch campaign",
        [(0.5, "Launch campaign - phase 1"), (0.5, "Launch campaign - phase 2")],
    )
    add_project(
        rng,
        book,
        tidewater,
        dt.date(2024, 6, 3),
        2600.0,
        "Shop identity",
        [(0.5, "Shop identity - deposit"), (0.5, "Shop identity - final files")],
    )
    add_project(
        rng,
        book,
        marlow,
        dt.date(2026, 10, 6),
        3400.0,
        "Packaging range",
        [(0.5, "Packaging range - deposit 50%")],
    )
    book.drafts.append(
        Draft(
            harbor,
            dt.date(2026, 10, 30),
            hours_amount(rng, 10, 18, rate),
            "Website refresh",
            "Landing page variants",
        )
    )
    book.drafts[-1].tag = "pinned"

    mark(rng, book, tidewater, dt.date(2024, 7, 1), dt.date(2024, 12, 31), WRITTEN_OFF)
    mark(rng, book, oakridge, dt.date(2025, 11, 1), dt.date(2026, 3, 31), OVERDUE)
    add_voids(
        rng, book, 3, ["wrong VAT rate", "duplicate", "wrong client address", "hours entered twice"]
    )
    add_credit_notes(
        rng, book, 2, ["goodwill discount", "print re-run not needed", "scope reduced"]
    )
    return book, rng


# --------------------------------------------------------------------------- (b) agency


def agency() -> tuple[Book, random.Random]:
    rng = random.Random(20221101)
    day_rate = 650.0

    harbor = Client(
        "Harbor & Pine Ltd",
        30,
        (0, 10),
        contract="retainer",
        style="savvy",
        last_contact=dt.date(2026, 10, 29),
        notes="Monthly content and design retainer",
    )
    oakridge = Client(
        "Oakridge Dental Group",
        30,
        (15, 40),
        contract="annual",
        style="micromanager",
        last_contact=dt.date(2026, 10, 21),
        notes="12 practices; marketing retainer",
    )
    cavendish = Client(
        "Cavendish Lettings Ltd",
        14,
        (0, 6),
        contract="retainer",
        style="laissez-faire",
        referred_by="Harbor & Pine Ltd",
        last_contact=dt.date(2026, 10, 9),
    )
    thistle = Client(
        "Thistle & Rye Bakeries",
        30,
        (-5, 5),
        contract="annual until 2027-03-31",
        style="savvy",
        last_contact=dt.date(2026, 10, 6),
        notes="Quarterly campaign fee",
    )
    recurring = [
        Client("Brackenridge Estates", 30, (5, 25), style="in the dark"),
        Client("Morrow & Vale Solicitors LLP", 30, (20, 45), style="micromanager"),
        Client("Saltmarsh Brewing Co.", 14, (0, 10), roles="image", style="laissez-faire"),
        Client("Pennant Sailing Club", 30, (0, 20), roles="special"),
        Client("Ashgrove Veterinary Practice", 30, (0, 12)),
        Client("Kittiwake Travel", 30, (30, 70), notes="Slow payer; chase at 30 days"),
        Client("Blackthorn Fitness Ltd", 14, (0, 8), referred_by="Saltmarsh Brewing Co."),
        Client("Larkspur Home Care", 30, (5, 20), style="in the dark"),
        Client("Greyfriars Publishing", 30, (0, 15), roles="tester", style="savvy"),
        Client("Hollins & Wren Architects", 30, (-3, 5), roles="image"),
        Client("Fenwick Cycles", 14, (0, 14)),
        Client("Whitlock Insurance Brokers", 30, (10, 30), contract="annual"),
        Client("Quayside Dental Lab", 30, (0, 10), referred_by="Oakridge Dental Group"),
    ]
    one_offs = [
        Client("Mulberry Lane Nursery", 14, (0, 7)),
        Client("Redcliffe Opticians", 30, (0, 15)),
        Client("Wexford Garden Centre", 30, (5, 20)),
        Client("Stonebridge Accountancy", 30, (-5, 2), referred_by="Whitlock Insurance Brokers"),
        Client("Bramble & Thorn Florists", 14, (0, 10)),
        Client("Cobalt Yard Gallery", 30, (0, 25), roles="image"),
        Client("Northgate Physio", 14, (0, 5)),
        Client("Ivybridge Cider Co.", 30, (0, 20), referred_by="Pennant Sailing Club"),
        Client("Seabright Conferences Ltd", 30, (10, 35)),
        Client("Cairn Outdoor Gear", 30, (0, 12)),
        Client("Linton Heritage Trust", 30, (0, 30), roles="special"),
        Client("Hartley & Cole Recruitment", 30, (5, 15), referred_by="Greyfriars Publishing"),
        Client(
            "Pebble & Oak Toys",
            30,
            (25, 50),
            notes="Went into administration 2024; last invoice written off",
        ),
    ]
    clients = [harbor, oakridge, cavendish, thistle, *recurring, *one_offs]
    book = Book(
        "agency_diversified.xlsx",
        "GBP",
        clients,
        title_rows=["Northwind Studio \u2014 Invoice register", "Exported 2026-11-01"],
    )

    add_monthly(
        book,
        harbor,
        dt.date(2022, 11, 1),
        AS_OF,
        lambda d: 3600.0 if d.year < 2025 else 3950.0,
        ("Retainer {year}", "Monthly retainer - {month} {year}"),
        day_of_month=25,
    )
    add_monthly(
        book,
        oakridge,
        dt.date(2023, 3, 1),
        AS_OF,
        lambda d: 3000.0 if d.year < 2026 else 3250.0,
        ("Group marketing {year}", "Marketing support - {month} {year}"),
    )
    add_monthly(
        book,
        cavendish,
        dt.date(2024, 2, 1),
        AS_OF,
        lambda d: 2750.0,
        ("Lettings retainer", "Listings design and social - {month} {year}"),
        15,
    )
    add_quarterly(
        book,
        thistle,
        dt.date(2023, 1, 1),
        AS_OF,
        lambda d: 8500.0 if d.year < 2026 else 9200.0,
        ("Seasonal campaigns {year}", "Quarterly campaign fee"),
    )

    jobs = [
        ("Website {year}", "Web design and build, {month}"),
        ("Campaign {year}", "Campaign creative and artwork"),
        ("Brand", "Brand guidelines update"),
        ("Print", "Print design and production"),
        ("Social", "Social media content pack"),
        ("Photography", "Photo shoot and retouching"),
    ]
    # (first day, last day, invoices a year, day-rate days low, high) per recurring client
    spans = [
        (dt.date(2022, 11, 14), AS_OF, 7, 4, 9),  # Brackenridge Estates
        (dt.date(2023, 2, 6), AS_OF, 6, 3, 8),  # Morrow & Vale Solicitors LLP
        (dt.date(2023, 5, 1), AS_OF, 7, 3, 7),  # Saltmarsh Brewing Co.
        (dt.date(2022, 12, 1), dt.date(2025, 6, 30), 5, 2, 5),  # Pennant Sailing Club
        (dt.date(2024, 3, 4), AS_OF, 7, 2, 6),  # Ashgrove Veterinary Practice
        (dt.date(2023, 9, 11), AS_OF, 5, 4, 10),  # Kittiwake Travel
        (dt.date(2024, 6, 3), AS_OF, 8, 2, 5),  # Blackthorn Fitness Ltd
        (dt.date(2022, 11, 21), dt.date(2025, 12, 19), 6, 3, 6),  # Larkspur Home Care
        (dt.date(2025, 1, 13), AS_OF, 8, 3, 8),  # Greyfriars Publishing
        (dt.date(2023, 1, 16), AS_OF, 5, 4, 9),  # Hollins & Wren Architects
        (dt.date(2024, 9, 2), AS_OF, 7, 2, 4),  # Fenwick Cycles
        (dt.date(2023, 4, 3), AS_OF, 4, 5, 10),  # Whitlock Insurance Brokers
        (dt.date(2025, 4, 7), AS_OF, 6, 2, 6),  # Quayside Dental Lab
    ]
    for who, (start, end, per_year, low, high) in zip(recurring, spans, strict=True):
        add_sporadic(
            rng,
            book,
            who,
            start,
            end,
            per_year,
            partial(hours_amount, rng, low, high, day_rate),
            jobs,
        )

    starts = [
        dt.date(2023, 1, 9),
        dt.date(2023, 6, 12),
        dt.date(2024, 2, 19),
        dt.date(2024, 10, 7),
        dt.date(2025, 3, 3),
        dt.date(2025, 5, 19),
        dt.date(2025, 9, 8),
        dt.date(2025, 11, 10),
        dt.date(2026, 2, 2),
        dt.date(2026, 5, 11),
        dt.date(2026, 6, 15),
        dt.date(2023, 3, 20),
        dt.date(2024, 1, 15),
    ]
    for who, start in zip(one_offs, starts, strict=True):
        total = fee_amount(rng, 4000, 16000, 250)
        parts = (
            [(0.5, "Project deposit 50%"), (0.5, "Project balance")]
            if total >= 8000
            else [(1.0, "Fixed-fee project")]
        )
        project = rng.choice(
            [
                "Website rebuild",
                "Brand identity",
                "Launch campaign",
                "Annual report",
                "Event branding",
            ]
        )
        add_project(rng, book, who, start, total, project, parts)
    book.drafts.append(
        Draft(
            recurring[0],
            dt.date(2026, 10, 29),
            hours_amount(rng, 3, 6, day_rate),
            "Campaign 2026",
            "Autumn campaign creative",
        )
    )
    book.drafts[-1].tag = "pinned"

    mark(rng, book, one_offs[-1], dt.date(2024, 2, 1), dt.date(2024, 12, 31), WRITTEN_OFF)
    mark(rng, book, recurring[5], dt.date(2025, 9, 1), dt.date(2026, 4, 30), OVERDUE)
    mark(rng, book, recurring[1], dt.date(2025, 10, 1), dt.date(2026, 5, 31), OVERDUE)
    add_voids(
        rng,
        book,
        4,
        [
            "wrong PO number",
            "duplicate",
            "billed to wrong entity",
            "day rate outdated",
            "VAT missing",
        ],
    )
    add_credit_notes(
        rng, book, 3, ["overrun absorbed", "print error", "goodwill", "cancelled shoot day"]
    )
    return book, rng


# --------------------------------------------------------------------------- (c) consultant


def consultant() -> tuple[Book, random.Random]:
    rng = random.Random(20230601)
    rate = 185.0
    meridian = Client(
        "Meridian Health Systems",
        30,
        (0, 12),
        since=dt.date(2023, 6, 19),
        contract="annual",
        roles="special",
        style="micromanager",
        last_contact=dt.date(2026, 2, 11),
        notes="Budget freeze after merger with Crestline Care (Jan 2026); "
        "engagement ended Dec 2025",
    )
    bluefin = Client(
        "Bluefin Analytics",
        30,
        (-5, 5),
        contract="retainer",
        style="savvy",
        last_contact=dt.date(2026, 10, 27),
        notes="Monthly advisory retainer; now the largest client",
    )
    cascade = Client(
        "Cascade Logistics Inc.",
        30,
        (10, 35),
        contract="annual until 2027-06-30",
        style="laissez-faire",
        referred_by=meridian.name,
        last_contact=dt.date(2026, 10, 13),
    )
    redwood = Client(
        "Redwood Credit Union", 30, (0, 15), style="in the dark", last_contact=dt.date(2026, 9, 30)
    )
    summit = Client(
        "Summit Ridge Capital", 14, (0, 6), roles="tester", style="savvy", referred_by=bluefin.name
    )
    pioneer = Client(
        "Pioneer Valley Schools",
        30,
        (30, 75),
        notes="District pays on board schedule; expect 60+ days",
    )
    lakeshore = Client(
        "Lakeshore Manufacturing Co.",
        30,
        (5, 20),
        roles="image",
        last_contact=dt.date(2026, 10, 22),
    )
    granite = Client("Granite State Biotech", 30, (0, 10))
    copper = Client("Copper Canyon Foods", 14, (0, 10), referred_by=redwood.name)
    willow = Client(
        "Willow Creek Senior Living",
        30,
        (10, 30),
        notes="Strategy workshop; possible follow-up in 2027",
    )
    clients = [
        meridian,
        bluefin,
        cascade,
        redwood,
        summit,
        pioneer,
        lakeshore,
        granite,
        copper,
        willow,
    ]
    book = Book("consultant_lost_key_client.xlsx", "USD", clients)

    book.drafts.append(
        Draft(
            meridian,
            dt.date(2023, 6, 26),
            6500.0,
            "Operations advisory",
            "Discovery phase, fixed fee",
        )
    )
    add_monthly(
        book,
        meridian,
        dt.date(2023, 7, 1),
        dt.date(2025, 10, 31),
        lambda d: 8800.0 if d.year < 2025 else 9600.0,
        ("Operations advisory", "Monthly advisory fee - {month} {year}"),
    )
    book.drafts.append(
        Draft(
            meridian,
            dt.date(2025, 12, 3),
            2400.0,
            "Operations advisory",
            "Handover documentation and close-out",
        )
    )
    add_monthly(
        book,
        bluefin,
        dt.date(2024, 3, 1),
        AS_OF,
        lambda d: 5500.0 if d.year < 2026 else 6500.0,
        ("Analytics advisory {year}", "Advisory retainer - {month} {year}"),
        5,
    )
    add_quarterly(
        book,
        cascade,
        dt.date(2024, 1, 1),
        AS_OF,
        lambda d: 7500.0,
        ("Network review {year}", "Quarterly network and cost review"),
    )
    advisory = [
        ("Process review", "Process mapping and recommendations"),
        ("Board pack {year}", "Board reporting support"),
        ("Vendor selection", "RFP drafting and vendor scoring"),
        ("Workshop", "Strategy workshop, prep and write-up"),
    ]
    add_sporadic(
        rng,
        book,
        redwood,
        dt.date(2023, 8, 14),
        AS_OF,
        4,
        lambda: hours_amount(rng, 16, 40, rate),
        advisory,
    )
    add_sporadic(
        rng,
        book,
        summit,
        dt.date(2024, 5, 6),
        AS_OF,
        5,
        lambda: hours_amount(rng, 8, 24, rate),
        advisory,
    )
    add_sporadic(
        rng,
        book,
        pioneer,
        dt.date(2023, 9, 5),
        dt.date(2026, 6, 30),
        3,
        lambda: hours_amount(rng, 20, 44, rate),
        advisory,
    )
    add_sporadic(
        rng,
        book,
        lakeshore,
        dt.date(2025, 2, 3),
        AS_OF,
        5,
        lambda: hours_amount(rng, 20, 48, rate),
        advisory,
    )
    add_project(
        rng,
        book,
        granite,
        dt.date(2023, 10, 16),
        14800.0,
        "Lab operations review",
        [(0.5, "Review - phase 1"), (0.5, "Review - phase 2 and report")],
    )
    add_project(
        rng,
        book,
        copper,
        dt.date(2024, 8, 12),
        6300.0,
        "Supply chain diagnostic",
        [(1.0, "Fixed-fee diagnostic")],
    )
    add_project(
        rng,
        book,
        willow,
        dt.date(2026, 3, 9),
        9250.0,
        "Strategy workshop",
        [(0.5, "Workshop - deposit"), (0.5, "Workshop - report")],
    )
    book.drafts.append(
        Draft(
            lakeshore,
            dt.date(2026, 10, 28),
            hours_amount(rng, 12, 20, rate),
            "Process review",
            "Process mapping, October",
        )
    )
    book.drafts[-1].tag = "pinned"

    mark(rng, book, pioneer, dt.date(2025, 10, 1), dt.date(2026, 2, 28), OVERDUE)
    add_voids(rng, book, 2, ["wrong rate", "duplicate", "wrong billing contact"])
    add_credit_notes(
        rng,
        book,
        3,
        ["hours adjustment", "travel expense disputed", "discount agreed", "scope reduced"],
    )
    typo = next(
        d for d in book.drafts if d.client is bluefin and d.kind == NORMAL and d.day.year == 2025
    )
    typo.label = "Bluefin Analytics "  # trailing space, as typed by hand once
    return book, rng


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class Row:
    """The fields of one Invoices row that the summary needs, read back from the file."""

    client: str
    day: dt.date
    amount: float
    status: str


def read_invoices(path: Path) -> list[Row]:
    """Read the Invoices sheet back, finding the header row wherever it is."""
    ws = load_workbook(path, read_only=True)["Invoices"]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row and row[0] == "Invoice No")
    col = {str(name): i for i, name in enumerate(rows[top])}
    result = []
    for row in rows[top + 1 :]:
        if not row[0]:
            continue
        when = row[col["Invoice Date"]]
        assert isinstance(when, dt.datetime)
        amount = row[col["Amount"]]
        assert isinstance(amount, int | float)
        result.append(
            Row(
                str(row[col["Client"]]).strip(), when.date(), float(amount), str(row[col["Status"]])
            )
        )
    return result


def window_revenue(rows: list[Row], start: dt.date, end: dt.date) -> list[tuple[str, float]]:
    """Revenue per (trimmed) client invoiced in [start, end], largest first.

    Void rows are left out; credit notes count with their negative amounts.
    """
    revenue: dict[str, float] = defaultdict(float)
    for r in rows:
        if r.status != "void" and start <= r.day <= end:
            revenue[r.client] += r.amount
    return sorted(revenue.items(), key=lambda item: (-item[1], item[0]))


def print_shares(label: str, revenue: list[tuple[str, float]], top: int) -> None:
    total = sum(amount for _, amount in revenue)
    print(f"  {label}: revenue {total:,.2f}")
    for name, amount in revenue[:top]:
        print(f"    {name:32s} {amount:12,.2f}  {amount / total:6.1%}")


def summarise(path: Path) -> None:
    rows = read_invoices(path)
    clients = {r.client for r in rows}
    listed = load_workbook(path, read_only=True)["Clients"].max_row - 1
    first = min(r.day for r in rows)
    latest = max(r.day for r in rows)
    start = latest.replace(year=latest.year - 1) + dt.timedelta(days=1)
    prior_start = latest.replace(year=latest.year - 2) + dt.timedelta(days=1)
    prior_end = start - dt.timedelta(days=1)
    statuses = Counter(r.status for r in rows)
    print(
        f"{path.name}: {len(rows)} rows, {len(clients)} invoiced clients "
        f"({listed} on Clients sheet), invoiced {first} to {latest}"
    )
    print("  statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    print_shares(f"12 months {start} to {latest}", window_revenue(rows, start, latest), 5)
    print_shares(
        f"prior 12 months {prior_start} to {prior_end}",
        window_revenue(rows, prior_start, prior_end),
        3,
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    for make in (freelancer, agency, consultant):
        book, rng = make()
        path = out / book.filename
        save_deterministic(build_workbook(rng, book), path)
        summarise(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
