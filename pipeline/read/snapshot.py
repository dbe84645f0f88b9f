"""The input read once: a private copy hashed as it is made, which every later step opens.

The readers open a workbook several times (the guard, the cells, the formulas check, the
annotated copy of its sheets). Opened by its own path each time, a file replaced or rewritten
during the run would give a report of two files under one file's SHA-256. The copy is made
once, its digest taken from the same bytes, and the original checked unchanged around the copy;
what changed while it was copied is refused, never mixed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError

_CHUNK = 1024**2
_PREFIX = "tierbook-input-"
_COPY = re.compile(rf"^{_PREFIX}(\d+)-")


def _remove_dead_copies() -> None:
    """Copies left by runs that were killed (a kill leaves no time to remove them): a client's
    ledger should not stay in the temporary folder."""
    with contextlib.suppress(OSError):
        for entry in Path(tempfile.gettempdir()).iterdir():
            found = _COPY.match(entry.name)
            if found is None or int(found[1]) == os.getpid():
                continue
            try:
                os.kill(int(found[1]), 0)
                continue  # its run is alive
            except ProcessLookupError:
                pass
            except PermissionError:
                continue  # another user's run
            with contextlib.suppress(OSError):
                if entry.lstat().st_uid == os.getuid() and entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)


@dataclass(frozen=True)
class Snapshot:
    path: Path  # the private copy, under the input's own file name
    sha256: str
    mode: int | None = None  # the input's st_mode: outputs are readable by no more people


def _identity(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


@contextlib.contextmanager
def snapshot(source: Path) -> Iterator[Snapshot]:
    """A private copy of ``source`` and its SHA-256 for the run, removed afterwards.

    A source that is not a regular file is given back as is (the guard says what is wrong).
    """
    source = Path(source)
    if not source.is_file():
        yield Snapshot(path=source, sha256="")
        return
    _remove_dead_copies()
    folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))  # mode 0700: private
    try:
        copy = folder / source.name
        digest = hashlib.sha256()
        with source.open("rb") as handle:
            first = os.fstat(handle.fileno())
            before = _identity(first)
            with copy.open("wb") as out:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            during = _identity(os.fstat(handle.fileno()))
        try:
            after = _identity(os.stat(source))
        except FileNotFoundError:
            after = None
        if not before == during == after:
            raise InputError(
                f"{source.name}: the file changed while it was being read (it was saved, "
                "replaced or moved during the run), so it was not reported. Run again once "
                "it is saved."
            )
        yield Snapshot(path=copy, sha256=digest.hexdigest(), mode=first.st_mode)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
