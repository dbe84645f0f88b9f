"""Feature-rich workbooks built in code, for checking that nothing of the user's is lost."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from pathlib import Path

import xlsxwriter


def tiny_png() -> bytes:
    """A 2x2 red PNG, made here so no binary fixture is committed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def rich_workbook(path: Path) -> Path:
    """Overview (chart, text box, image, merged title, a cached formula), Invoices (frozen
    header, validation, sparklines, widths, a defined name), Clients (with a note of its own)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    money = wb.add_format({"num_format": "€#,##0.00"})
    overview = wb.add_worksheet("Overview")
    invoices = wb.add_worksheet("Invoices")
    clients = wb.add_worksheet("Clients")
    invoices.write_row(0, 0, ["Invoice No", "Client", "Invoice Date", "Amount", "Status", "Trend"])
    rows = []
    start = dt.date(2024, 7, 5)
    for i in range(36):
        client = ["Alpha GmbH", "Beta Ltd", "Gamma Oy", '=HYPERLINK("http://x.invalid","y")'][i % 4]
        day = start + dt.timedelta(days=30 * i + (i % 3))
        rows.append((f"INV-{i + 1:03d}", client, day, 1000.0 + 250 * (i % 4) + 10 * i, "paid"))
    for r, (no, client, day, amount, status) in enumerate(rows, start=1):
        invoices.write_string(r, 0, no)
        invoices.write_string(r, 1, client)
        invoices.write_datetime(r, 2, day, date)
        invoices.write_number(r, 3, amount, money)
        invoices.write_string(r, 4, status)
    invoices.add_sparkline(1, 5, {"range": "Invoices!D2:D13"})
    invoices.data_validation(
        1, 4, len(rows), 4, {"validate": "list", "source": ["paid", "open", "void"]}
    )
    invoices.freeze_panes(1, 0)
    invoices.set_column(0, 0, 12)
    invoices.set_column(1, 1, 28)
    wb.define_name("Amounts", f"=Invoices!$D$2:$D${len(rows) + 1}")
    overview.merge_range(0, 0, 0, 3, "Our invoices", wb.add_format({"bold": True}))
    overview.write_formula(2, 0, "=SUM(Amounts)", money, sum(r[3] for r in rows))
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": f"=Invoices!$D$2:$D${len(rows) + 1}"})
    overview.insert_chart(4, 0, chart)
    overview.insert_textbox(4, 9, "A note the owner wrote in a text box")
    overview.insert_image(20, 9, "dot.png", {"image_data": __import__("io").BytesIO(tiny_png())})
    clients.write_row(0, 0, ["Client", "Contract", "Referred By"])
    clients.write_row(1, 0, ["Alpha GmbH", "retainer", ""])
    clients.write_row(2, 0, ["Beta Ltd", "", "Alpha GmbH"])
    clients.write_comment(1, 0, "The owner's own note")
    wb.close()
    return path


def invoice_book(path: Path, **options: object) -> Path:
    """A plain invoice workbook from xlsxwriter; ``options`` add the odd features tests need."""
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "date_1904": bool(options.get("date_1904"))}
    )
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    ws = wb.add_worksheet("Invoices")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["Invoice No", "Client", "Invoice Date", "Amount"])
    for i in range(24):
        ws.write_string(i + 1, 0, f"I{i}")
        ws.write_string(i + 1, 1, ["Alpha", "Beta", "Gamma"][i % 3])
        ws.write_datetime(i + 1, 2, dt.datetime(2025, 1, 10) + dt.timedelta(days=20 * i), date)
        ws.write_number(i + 1, 3, 100.0 + i)
    if options.get("data_bar"):
        ws.conditional_format(1, 3, 24, 3, {"type": "data_bar", "data_bar_2010": True})
    if options.get("highlight"):  # a rule with its own format: a dxf in the user's styles
        ws.conditional_format(
            1,
            3,
            24,
            3,
            {
                "type": "cell",
                "criteria": ">",
                "value": 110,
                "format": wb.add_format({"bold": True}),
            },
        )
    if options.get("far_width"):
        ws.set_column(25, 25, 30)
    if options.get("hidden_tail"):
        ws.set_column(4, 16383, None, None, {"hidden": True})
    if options.get("merged_footer"):
        ws.merge_range(26, 0, 26, 11, "Footer merged across the sheet")
    if options.get("last_column"):
        ws.write_string(0, 16382, "far away")
    if options.get("defined_name"):
        wb.define_name(str(options["defined_name"]), "=Invoices!$A$1")
    if options.get("second_sheet"):
        wb.add_worksheet("Notes").write_string(0, 0, "selected tab")
        wb.worksheets()[-1].activate()
    wb.close()
    return path


def rewrite(path: Path, target: Path, changes: dict[str, object]) -> Path:
    """A copy of a package with some members' text changed by functions."""
    import zipfile

    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            change = changes.get(info.filename)
            if callable(change):
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    return target
