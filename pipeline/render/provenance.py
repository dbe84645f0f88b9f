"""Where the figures came from: the input file and the tool that read it, as every output
records it (the Method sheet, the briefing's method section, ``summary.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    """The input file and the tool that read it."""

    file_name: str
    sha256: str
    version: str
    format: str
    invoice_sheets: tuple[str, ...]
    client_sheet: str | None
    header_rows: Mapping[str, int]  # sheet -> Excel row of its header
    rows_read: int
    sheet_names: tuple[str, ...]
    outside: tuple[str, ...] = ()  # links out of the workbook, for Method
    stripped: tuple[str, ...] = ()  # what --strip-external took out of the annotated copy
    business: str | None = None  # the business's name, where the workbook or a setting gives it
    business_from: str = ""  # where that name was found, for Method

    @property
    def title(self) -> str:
        """What the briefing and the Summary sheet are titled by: the business, else the file."""
        return self.business or self.file_name

    @property
    def invoice_sheet(self) -> str:
        return ", ".join(self.invoice_sheets)

    @property
    def invoice_header_row(self) -> int:
        return self.header_rows[self.invoice_sheets[0]]
