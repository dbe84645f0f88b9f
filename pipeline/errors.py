"""The errors the library raises; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class TierbookError(Exception):
    """Base of every error the pipeline raises on purpose."""


class InputError(TierbookError):
    """The input cannot be analysed: not a workbook, no Invoices sheet, a required column missing."""


class UnsafeWorkbook(InputError):
    """The file is refused before any parser runs (encrypted, oversized, malformed container)."""


class ConfigError(TierbookError):
    """A configuration file or Settings sheet holds a value that cannot be used."""
