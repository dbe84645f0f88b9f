"""The errors tierbook raises on purpose, each with the exit code it means.

Library functions raise these and never print; ``pipeline.edge.messages`` is the one place
that turns any exception into the paragraph a person reads and the code the command exits with.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """What the ``tierbook`` command's exit code says."""

    DONE = 0  # every input reported (data issues may exist)
    REFUSED = 1  # the input was refused (with several inputs: every one was)
    USAGE = 2  # a bad option, setting or executor: nothing was read
    PARTIAL = 3  # some inputs of a batch failed, or the portfolio could not be written


class TierbookError(Exception):
    """Base of every error the pipeline raises on purpose; its message is a whole paragraph."""

    exit_code: Exit = Exit.REFUSED


class InputError(TierbookError):
    """The input cannot be analysed: not a workbook, no Invoices sheet, a required column missing."""


class UnsafeWorkbook(InputError):
    """The file is refused before any parser runs (encrypted, oversized, malformed container)."""


class ConfigError(TierbookError):
    """A configuration file, a Settings row or an option holds a value that cannot be used."""

    exit_code = Exit.USAGE


class PackageError(TierbookError):
    """The user's .xlsx package cannot be extended safely. The workbook then falls back to the
    analysis sheets alone and its Method sheet says why, so this rarely reaches a person."""


class SheetError(PackageError):
    """A worksheet's XML is not laid out in a way its rows can be found in."""


class ZipLimit(PackageError):
    """A member or the package is too large for a plain (non-zip64) zip."""
