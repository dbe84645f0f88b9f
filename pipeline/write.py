"""The write stage: rendered bytes to disk, atomically, and the one time written into files.

A file is written to a temporary file in the same folder, then renamed. A report's files are
written into a fresh temporary folder beside the final one, which is then renamed into place,
so a failure part-way leaves the previous report or none, never a mix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_outputs(folder: Path, outputs: Mapping[str, bytes]) -> list[Path]:
    """Write one report's files as a set: staged in a temporary folder, then swapped in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    retired = None
    try:
        for name, data in outputs.items():
            write_atomic(staging / name, data)
        os.chmod(staging, 0o755)
        if folder.exists():
            retired = folder.with_name(f".{folder.name}.{os.getpid()}.old")
            os.replace(folder, retired)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if retired is not None and not folder.exists():
            os.replace(retired, folder)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
    return [folder / name for name in outputs]


def fixed_time(day: dt.date) -> dt.datetime:
    """The one time written into files (zip entries, document properties): SOURCE_DATE_EPOCH
    when set, else midnight of ``day`` (the as-of date), so the same input gives the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).replace(tzinfo=None)
    return dt.datetime.combine(day, dt.time())
