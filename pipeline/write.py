"""Write rendered bytes to disk atomically: a temporary file in the same folder, then a rename.

A failure part-way leaves either the previous file or none, never a half-written report.
"""

from __future__ import annotations

import contextlib
import os
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
    """Write every output of one report; all bytes are rendered before the first write."""
    written = []
    for name, data in outputs.items():
        target = folder / name
        write_atomic(target, data)
        written.append(target)
    return written
