"""The write stage: rendered bytes to disk, atomically, and the one time written into files.

A file is written to a temporary file in the same folder, then renamed. A report's files are
written into a fresh temporary folder beside the final one, which then takes the old one's
place in one step (the kernel's exchange of two names where it has it), so a failure or a kill
at any point leaves the previous report or the new one, complete, never a mix and never none.
Runs writing into the same folder take turns for that step; what a killed run left behind is
put back or removed by the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import errno
import fcntl
import functools
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

NAME_MAX = 255  # bytes in one file name on every common file system
LEFTOVER_AGE = 24 * 3600  # a leftover this old is removed whoever left it
# Staging folders ".NAME.PID.XXXXXXXX.tmp", retired reports ".NAME.PID.old", staged files.
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)(?:\.[^.]+\.tmp|\.old)$")
_RENAME_EXCHANGE = 2


def _short(prefix_name: str, overhead: int) -> str:
    """``prefix_name`` cut (on a character boundary) so that it and ``overhead`` more bytes fit
    one file name."""
    room = NAME_MAX - overhead
    encoded = prefix_name.encode()
    if len(encoded) <= room:
        return prefix_name
    return encoded[:room].decode(errors="ignore")


def _umask() -> int:
    """The process umask, read without changing it (changing it races with other threads)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    current = os.umask(0o022)
    os.umask(current)
    return current


def modes(like: int | None = None) -> tuple[int, int]:
    """File and folder modes for outputs: what the umask allows, and never more than the input
    (``like``, its ``st_mode``) lets others read; the owner can always replace them."""
    umask = _umask()
    file_mode, dir_mode = 0o666 & ~umask, 0o777 & ~umask
    if like is not None:
        readable = stat.S_IMODE(like) & 0o444
        file_mode &= readable | 0o200
        # A folder is as readable as the input, and searchable where it is readable.
        dir_mode &= readable | (readable >> 2) | 0o700
    return file_mode | 0o600, dir_mode | 0o700


def write_atomic(path: Path, data: bytes | Iterable[bytes], mode: int | None = None) -> None:
    """Write ``data`` (its bytes, or pieces of them written as they are made) to ``path``
    through a temporary file, synced, then renamed: ``path`` holds the old file or the whole
    new one, never a part. A piece that fails to be made leaves ``path`` as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = "." + _short(path.name, 1 + 1 + 10 + 1 + 8 + 4) + f".{os.getpid()}."
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            for piece in (data,) if isinstance(data, bytes | bytearray | memoryview) else data:
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, modes()[0] if mode is None else mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names in one step (Linux ``renameat2``); False where the kernel, the C library
    or the file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def _turn(folder: Path) -> Iterator[None]:
    """One run at a time swaps reports into ``folder`` (a lock on the folder itself, so no lock
    file is left behind)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _newest_first(path: Path) -> tuple[float, str]:
    try:
        return (-path.lstat().st_mtime, path.name)
    except FileNotFoundError:
        return (0.0, path.name)


def clean_leftovers(out_dir: Path, now: float | None = None) -> list[str]:
    """Put back or remove what killed runs left in ``out_dir``; what was done, as phrases.

    A retired report whose report is missing (a run killed between two renames) is put back;
    other leftovers are removed once the run that made them is gone, or a day old.
    """
    done: list[str] = []
    if not out_dir.is_dir():
        return done
    now = time.time() if now is None else now
    with _turn(out_dir):
        # Newest first: of two retired copies of one report, the later one is put back.
        for entry in sorted(out_dir.iterdir(), key=_newest_first):
            found = _LEFTOVER.match(entry.name)
            if found is None:
                continue
            try:
                age = now - entry.lstat().st_mtime
            except FileNotFoundError:
                continue
            if _alive(int(found["pid"])) and age < LEFTOVER_AGE:
                continue
            report = out_dir / found["name"]
            if entry.name.endswith(".old") and entry.is_dir() and not report.exists():
                os.replace(entry, report)
                done.append(f"put back the report '{found['name']}' an interrupted run had moved")
            elif entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"removed '{entry.name}', left by an interrupted run")
            else:
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                done.append(f"removed '{entry.name}', left by an interrupted run")
    return done


def write_outputs(
    folder: Path,
    outputs: Mapping[str, bytes | Iterator[bytes] | Callable[[], bytes]],
    like: int | None = None,
) -> list[Path]:
    """Write one report's files as a set: staged in a temporary folder, then swapped in.

    A file may be given as its bytes, as pieces made as they are written (``summary.json``'s
    client list, a few thousand clients at a time), or as a callable that gives its bytes when
    they are done (a workbook still being finished on its threads): the others are written
    first, while it finishes.
    ``like`` is the input's ``st_mode``: no output is readable by more people than the input.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    file_mode, dir_mode = modes(like)
    prefix = "." + _short(folder.name, 1 + 1 + 10 + 1 + 8 + 4) + f".{os.getpid()}."
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=prefix, suffix=".tmp"))
    try:
        ready = sorted(outputs.items(), key=lambda item: callable(item[1]))
        for name, data in ready:
            write_atomic(staging / name, data() if callable(data) else data, file_mode)
        os.chmod(staging, dir_mode)
        with _turn(folder.parent):
            if not folder.exists():
                os.replace(staging, folder)
            elif _exchange(staging, folder):
                shutil.rmtree(staging, ignore_errors=True)  # it now holds the old report
            else:
                retired = folder.with_name(f".{_short(folder.name, 1 + 11 + 4)}.{os.getpid()}.old")
                os.replace(folder, retired)
                try:
                    os.replace(staging, folder)
                except BaseException:
                    os.replace(retired, folder)
                    raise
                shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / name for name in outputs]


def fixed_time(day: dt.date) -> dt.datetime:
    """The one time written into files (zip entries, document properties): SOURCE_DATE_EPOCH
    when set, else midnight of ``day`` (the as-of date), so the same input gives the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).replace(tzinfo=None)
    return dt.datetime.combine(day, dt.time())
