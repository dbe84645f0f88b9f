"""The errors the library raises; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class TierbookError(Exception):
    """Base of every error the pipeline raises on purpose."""

    exit_code = 1


class InputError(TierbookError):
    """The input cannot be analysed: not a workbook, no Invoices sheet, a required column missing."""

    exit_code = 3


class UnsafeWorkbook(InputError):
    """The file is refused before any parser runs (encrypted, oversized, malformed container)."""

    exit_code = 4


class ConfigError(TierbookError):
    """A configuration file or Settings sheet holds a value that cannot be used."""

    exit_code = 2
