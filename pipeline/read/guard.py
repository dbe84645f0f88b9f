"""Checks that run before any parser touches the file: is it a workbook we can open safely?"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from pipeline.errors import InputError, UnsafeWorkbook
from pipeline.read.delimited import DELIMITED

SUPPORTED = {".xlsx", ".xlsm", ".xls", ".ods", *DELIMITED, ".parquet"}
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_MAGIC = b"PK\x03\x04"

# A workbook at Excel's row limit unpacks to a few hundred MB, its XML compressed 5-30 times;
# a zip bomb is far past either limit. Both are read from the zip directory before any parser.
MAX_UNCOMPRESSED_BYTES = 1024**3
MAX_MEMBER_RATIO = 150  # for members over 10 MB
_RATIO_FLOOR_BYTES = 10 * 1024**2
_PROLOGUE_BYTES = 4096  # where a DOCTYPE would have to be


def check_workbook(path: Path) -> str:
    """Refuse what cannot or must not be parsed; return the format ('xlsx', 'xls', 'ods', 'csv',
    'parquet')."""
    if not path.exists():
        raise InputError(f"{path.name}: the file does not exist ({path}).")
    if not path.is_file():
        raise InputError(f"{path.name}: this is a folder, not a workbook file.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(
            f"{path.name}: '{suffix or '(no extension)'}' files are not supported; "
            f"save the workbook as .xlsx (also read: {', '.join(sorted(SUPPORTED))})."
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise InputError(f"{path.name}: the file is empty (0 bytes), so there is nothing to read.")
    if suffix in DELIMITED:
        if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
            raise InputError(
                f"{path.name}: this is a spreadsheet saved with a text extension; rename it to "
                ".xlsx (or .xls) and run again."
            )
        return "csv"
    if suffix == ".parquet":
        if not head.startswith(b"PAR1"):
            raise InputError(
                f"{path.name}: this is not a Parquet file (its first bytes are not Parquet's)."
            )
        return "parquet"
    if head.startswith(OLE_MAGIC):
        if suffix == ".xls":
            return "xls"
        raise UnsafeWorkbook(
            f"{path.name}: the workbook is password-protected (encrypted), so it cannot be read. "
            "Open it in your spreadsheet program, remove the password, save it, and run again."
        )
    if not head.startswith(ZIP_MAGIC):
        raise InputError(
            f"{path.name}: this is not an Excel or OpenDocument workbook (its first bytes are not "
            "a spreadsheet's). If it is a CSV or text export, open it in a spreadsheet program "
            "and save it as .xlsx."
        )
    _check_zip(path)
    return "ods" if suffix == ".ods" else "xlsx"


def _check_zip(path: Path) -> None:
    """Read only the zip directory: sizes and ratios betray a bomb before anything inflates."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:  # a damaged directory
        raise InputError(
            f"{path.name}: the workbook is damaged or truncated and cannot be opened ({exc}). "
            "Export or save it again from your spreadsheet program."
        ) from None
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnsafeWorkbook(
            f"{path.name}: the workbook would unpack to {total / 1024**3:.1f} GiB, more than the "
            f"{MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GiB limit; it was refused unread."
        )
    locked = next((m.filename for m in members if m.flag_bits & 0x1), None)
    if locked is not None:  # zip encryption: no spreadsheet program writes it
        raise InputError(
            f"{path.name}: part '{locked}' of the workbook is encrypted with a zip password, "
            "which tierbook cannot open. Save the workbook again from your spreadsheet program, "
            "without a password."
        )
    _check_no_doctype(path, members)
    for member in members:
        if member.file_size > _RATIO_FLOOR_BYTES and member.compress_size > 0:
            ratio = member.file_size / member.compress_size
            if ratio > MAX_MEMBER_RATIO:
                raise UnsafeWorkbook(
                    f"{path.name}: part '{member.filename}' unpacks {ratio:,.0f} times its packed "
                    f"size ({member.file_size / 1024**2:,.0f} MB), the mark of a zip bomb; "
                    "the workbook was refused unread."
                )


def _check_no_doctype(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Office XML never declares a DTD; one that does is an entity bomb or worse. Only the first
    few KB of each part are inflated to look."""
    with zipfile.ZipFile(path) as archive:
        for member in members:
            if not member.filename.endswith((".xml", ".rels", ".vml")) or member.is_dir():
                continue
            try:
                with archive.open(member) as handle:
                    head = handle.read(_PROLOGUE_BYTES)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
                raise InputError(
                    f"{path.name}: part '{member.filename}' of the workbook is damaged ({exc}). "
                    "Export or save it again from your spreadsheet program."
                ) from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnsafeWorkbook(
                    f"{path.name}: part '{member.filename}' declares XML entities (a DOCTYPE), which no "
                    "spreadsheet program writes and which can expand without bound; the workbook was "
                    "refused unread."
                )
