"""``tierbook inspect``: how a file was read, before trusting its report.

Shows the sheets, the header row found, which export layout was recognised, how each column
was mapped and why, the rows set aside (totals, headings, footers, payments) and the first
rows as the ledger parsed them. Plain text, the same for the same file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from pipeline.config import resolve_config
from pipeline.read.columns import FIELD_NAMES, INVOICE_ALIASES, normalise, parse_mapping
from pipeline.read.profiles import PROFILES
from pipeline.read.sheets import NoInvoiceTable, RawTable, read_workbook
from pipeline.read.snapshot import snapshot
from pipeline.validate.ledger import build_ledger
from pipeline.validate.records import ORDER_NAMES, DateOrder

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # terminal controls, not XML's
SHOWN_ROWS = 5
SHOWN_ISSUES = 20


def _why(table: RawTable, field: str, label: str, mapping: Mapping[str, str]) -> str:
    key = normalise(label)
    if key in mapping:
        return "--map or a Settings 'map' row"
    profile = next((p for p in PROFILES if p.name == table.profile), None)
    if profile is not None and key in profile.columns:
        return f"the {profile.name} layout"
    if label.startswith("("):
        return f"the {table.profile} layout"
    aliases = (field, *INVOICE_ALIASES.get(field, ()))
    alias = next((a for a in aliases if normalise(a) == key), label)
    return f"known name '{FIELD_NAMES.get(alias, alias)}'"


def _plain(text: object) -> str:
    """A label as one line of printable text: a header cell could hold terminal escapes."""
    return CONTROL.sub("?", str(text))


def _dates(order: DateOrder) -> str:
    """How the dates' numbers were read, and what could be read the other way."""
    text = order.words()
    if order.ambiguous:
        text += (
            f"; {order.ambiguous} (such as {_plain(order.example)}) could be read "
            f"{ORDER_NAMES[order.other]}: --dates {order.other}"
        )
    return text


def _columns(table: RawTable, mapping: Mapping[str, str]) -> list[str]:
    """The table's header row, and what each of its columns is read as, and why."""
    layout = (
        f"; layout: {table.profile}"
        if table.profile
        else "; layout: no export recognised, read as a plain table"
    )
    lines = [f"invoices: sheet '{table.sheet}', header on row {table.header_row}{layout}"]
    for field, (position, label) in sorted(table.columns.fields.items(), key=lambda f: f[1][0]):
        where = f"{xl_col_to_name(position)} " if position >= 0 else ""
        lines.append(
            f"  {where}'{_plain(label)}' -> {FIELD_NAMES.get(field, field)} "
            f"({_why(table, field, label, mapping)})"
        )
    for position, label in table.columns.unmapped:
        lines.append(f"  {xl_col_to_name(position)} '{_plain(label)}' -> unmapped, kept as is")
    return lines


def inspect(path: Path, mapping_items: tuple[str, ...] = (), dates: str | None = None) -> str:
    """The report of how ``path`` reads, as lines of text; ``dates`` as ``--dates``."""
    mapping = parse_mapping(mapping_items, "--map")
    with snapshot(Path(path)) as copy:  # read once: a file saved meanwhile is never mixed
        return _inspect(copy.path, mapping, dates)


def _inspect(path: Path, mapping: Mapping[str, str], dates: str | None) -> str:
    try:
        raw = read_workbook(path, mapping)
    except NoInvoiceTable as refused:  # show what was found, then why a report would stop
        lines = [f"{Path(path).name}: sheets: " + ", ".join(map(_plain, refused.sheet_names))]
        if refused.closest is not None:
            lines.append("closest to an invoice table:")
            lines.extend(_columns(refused.closest, mapping))
        for sheet, rows in refused.first_rows:
            lines.append(f"first rows of sheet '{_plain(sheet)}':")
            lines.extend(
                f"  {n}: " + " | ".join(_plain(cell)[:40] for cell in row[:12])
                for n, row in enumerate(rows, 1)
            )
            if not rows:
                lines.append("  (empty)")
        lines.append(f"a report would be refused: {_plain(refused)}")
        return "\n".join(lines) + "\n"
    lines = [f"{raw.path.name}: {raw.format}" + (f" ({raw.detail})" if raw.detail else "")]
    lines.append("sheets: " + ", ".join(raw.sheet_names))
    for table in raw.invoices:
        lines.extend(_columns(table, mapping))
    for table in raw.skipped:
        lines.append(f"not read: sheet '{table.sheet}' (its columns differ from the first)")
    if raw.clients is not None:
        lines.append(
            f"clients: sheet '{raw.clients.sheet}', header on row {raw.clients.header_row}"
        )
    if raw.settings:
        lines.append(f"settings: sheet '{raw.settings_sheet}', {len(raw.settings)} rows")
    config, ignored = resolve_config(raw.settings, raw.path.name, None, {"dates": dates})
    ledger = build_ledger(raw, config, None, ignored)
    lines.append(f"dates: {_dates(ledger.dates)}")
    issues = ledger.issues
    lines.append(f"rows set aside or noted: {issues.height}")
    for issue in issues.head(SHOWN_ISSUES).iter_rows(named=True):
        where = "" if issue["column"].startswith("(") else f", {_plain(issue['column'])}"
        value = f" '{_plain(issue['value'])}'" if issue["value"] is not None else ""
        lines.append(
            f"  {issue['sheet']} row {issue['row']}{where}{value}: "
            f"{issue['problem']} ({issue['action']})"
        )
    if issues.height > SHOWN_ISSUES:
        lines.append(f"  ... and {issues.height - SHOWN_ISSUES} more")
    shown = ledger.invoices.head(SHOWN_ROWS).select(
        "row", "invoice_no", "client", "invoice_date", "amount", "status"
    )
    lines.append(f"first rows as parsed ({ledger.invoices.height} usable):")
    with pl.Config(
        tbl_rows=SHOWN_ROWS,
        tbl_width_chars=120,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        fmt_str_lengths=40,
    ):
        lines.extend(str(shown).splitlines())
    return "\n".join(lines) + "\n"
