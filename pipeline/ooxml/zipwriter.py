"""A zip package written member by member, so that what is copied is never recompressed.

``zipfile`` can only write a member by compressing it again. A user's package is mostly parts
tierbook does not change (the shared strings of a million-row sheet, images, pivot caches), so
those are copied here as their compressed bytes with their own CRC; only the parts tierbook
writes are deflated. Every entry carries the same fixed time, so the same content gives the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, BinaryIO

from isal import isal_zlib

from pipeline.errors import ZipLimit

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header
_SHARED = struct.Struct("<4H3L2H")  # flags .. extra length: in the local and the central record
_END = struct.Struct("<4s4H2LH")  # end of central directory
_LIMIT = 0xFFFFFFFF  # beyond it a zip needs zip64 records, which this writer does not make
_UTF8 = 0x800
_DESCRIPTOR = 0x08


_WINDOW = 32 * 1024  # how far back deflate looks

# A member this large (a long Client analysis, the notes of thousands of clients) is deflated
# as the data sheets' bodies are: a little less hard, and in chunks on two threads. At 15,000
# clients the Client analysis (28 MB of XML) took 0.36 s at level 6 on one thread, against
# 0.18 s at level 3, for 4.2 MB against 3.5 MB. Smaller members keep level 6 and one stream.
# (Its chunks of ``FAST_SIZE`` or more now go to ISA-L, below; level 3 is for the last, short one.)
BULK_SIZE = 1 << 20
BULK_LEVEL = 3
_BULK_CHUNK = 1 << 21


# A chunk this large (a block of a long data sheet's rows, a piece of a bulk member) is deflated
# by ISA-L, whose fast levels do the work of zlib's level 3 six times as fast for a tenth more
# bytes: the 53 MB data sheet of 100k invoices took 0.065 s against 0.42 s of one core, for
# 7.7 MB against 7.0 MB; at a million rows, 3.7 s less processor time (though not less time:
# the splice beside it took longer still). Smaller chunks, and so every member of a small
# workbook, keep zlib's bytes.
FAST_SIZE = 1 << 20
FAST_LEVEL = 2  # ISA-L's levels run 0-3; 2 was as fast as 1 and a little smaller


def _deflate(chunk: bytes, history: bytes, level: int) -> bytes:
    """One chunk as raw deflate blocks that continue a stream whose last bytes were ``history``
    (any deflater's: the blocks end on a byte boundary, and refer only to what came before)."""
    fast = len(chunk) >= FAST_SIZE
    module = isal_zlib if fast else zlib
    level = FAST_LEVEL if fast else level
    packer = (
        module.compressobj(level, module.DEFLATED, -15, zdict=history)
        if history
        else module.compressobj(level, module.DEFLATED, -15)
    )
    return packer.compress(chunk) + packer.flush(module.Z_SYNC_FLUSH)


class Pieces:
    """A member's bytes as pieces made one after another, afresh each time they are iterated
    (a long table's rows, some thousands at a time): packed as they come, never held whole."""

    def __init__(self, make: Callable[[], Iterable[bytes]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._make())


def sliced(
    head: bytes, tail: bytes, count: int, size: int, made: Callable[[int, int], list[bytes]]
) -> bytes | Pieces:
    """``head``, the bytes ``made(start, n)`` gives for ``count`` items (a long table's rows,
    notes), then ``tail``: joined when ``count`` is at most ``size``, as before; else as pieces
    of ``size`` items each, made only as they are packed, so the whole is never held."""
    if count <= size:
        return b"".join((head, *made(0, count), tail))

    def pieces() -> Iterator[bytes]:
        yield head
        for start in range(0, count, size):
            yield b"".join(made(start, size))
        yield tail

    return Pieces(pieces)


def _cut(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The bytes of ``pieces`` in chunks of ``size``, the last one shorter or none: the chunks
    the joined bytes would be cut into."""
    held: list[memoryview] = []
    count = 0
    for piece in pieces:
        view = memoryview(piece)
        while view:
            take = view[: size - count]
            held.append(take)
            count += len(take)
            view = view[len(take) :]
            if count == size:
                yield b"".join(held)
                held, count = [], 0
    if held:
        yield b"".join(held)


@dataclass(frozen=True)
class Packed:
    """A whole member's deflated bytes, its CRC and its size."""

    data: bytes
    crc: int
    size: int


@dataclass(frozen=True)
class Deflated:
    """Some bytes as raw deflate blocks not yet ended, and what continuing them needs.

    A member's body can be deflated ahead, on another thread, and its last bytes (which may
    still change) added with ``deflate(more, start=body)``.
    """

    blocks: tuple[bytes, ...] = ()
    crc: int = 0
    size: int = 0
    history: bytes = b""  # the last 32 KiB of the bytes, which the next block may refer to


def deflate(chunks: Iterable[bytes], level: int = 6, start: Deflated | None = None) -> Deflated:
    """``chunks`` deflated, continuing ``start``; never holds the uncompressed bytes whole.

    Chunks are deflated two at a time on threads, the way pigz does: each on its own, primed
    with the 32 KiB before it and ended on a byte boundary, so that the pieces join into one
    stream (zlib lets go of the interpreter while it works, and the next chunk is being made
    meanwhile).
    """
    start = start or Deflated()
    blocks, crc, size, history = list(start.blocks), start.crc, start.size, start.history
    pending: deque[Future[bytes]] = deque()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for chunk in chunks:
            if not chunk:
                continue
            # ISA-L's CRC-32 is zlib's value, twelve times as fast (1.9 ms against 23 ms for
            # 100 MB of a sheet's XML)
            crc = isal_zlib.crc32(chunk, crc)
            size += len(chunk)
            pending.append(pool.submit(_deflate, chunk, history, level))
            history = (history + chunk[-_WINDOW:])[-_WINDOW:]
            while len(pending) > 2:
                blocks.append(pending.popleft().result())
        blocks.extend(future.result() for future in pending)
    if size >= _LIMIT:
        raise ZipLimit("a member too large for a package without zip64 records")
    return Deflated(tuple(blocks), crc, size, history)


def _dos_time(when: dt.datetime) -> tuple[int, int]:
    when = max(when, dt.datetime(1980, 1, 1))
    return (
        (when.hour << 11) | (when.minute << 5) | (when.second // 2),
        ((when.year - 1980) << 9) | (when.month << 5) | when.day,
    )


def _name_bytes(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8


class ZipOut:
    """Members written in order to ``target`` (seekable), the central directory on ``close``."""

    def __init__(self, target: BinaryIO, when: dt.datetime, level: int = 6) -> None:
        self.target = target
        self.time, self.date = _dos_time(when)
        self.level = level
        self.entries: list[bytes] = []

    def _entry(self, name: str, flags: int, method: int, crc: int, size: int, usize: int) -> None:
        """Write the local header and keep the central directory's record of the member."""
        raw, utf8 = _name_bytes(name)
        flags = (flags & ~(_DESCRIPTOR | _UTF8)) | utf8
        offset = self.target.tell()
        if max(size, usize, offset) >= _LIMIT or len(self.entries) >= 0xFFFF:
            raise ZipLimit(f"{name}: too large for a package without zip64 records")
        # The fields both records share, from the flags to the extra field's length.
        shared = _SHARED.pack(flags, method, self.time, self.date, crc, size, usize, len(raw), 0)
        self.target.write(b"PK\x03\x04" + struct.pack("<H", 20) + shared + raw)
        self.entries.append(
            b"PK\x01\x02"
            + struct.pack("<2H", (3 << 8) | 20, 20)
            + shared
            + struct.pack("<3H2L", 0, 0, 0, 0o600 << 16, offset)
            + raw
        )

    def copy(self, source: IO[bytes], info: zipfile.ZipInfo) -> None:
        """Copy a member of the zip in ``source`` as it is stored: no inflating, no deflating."""
        if info.flag_bits & 0x1:
            raise ZipLimit(f"{info.filename}: an encrypted member")
        source.seek(info.header_offset)
        header = source.read(_LOCAL.size)
        if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{info.filename}: no local header")
        name_length, extra_length = struct.unpack("<2H", header[26:30])
        source.seek(info.header_offset + _LOCAL.size + name_length + extra_length)
        data = source.read(info.compress_size)
        if len(data) != info.compress_size:
            raise zipfile.BadZipFile(f"{info.filename}: truncated")
        self._entry(
            info.filename,
            info.flag_bits,
            info.compress_type,
            info.CRC,
            info.compress_size,
            info.file_size,
        )
        self.target.write(data)

    def pack(self, data: bytes | Pieces) -> Packed:
        """``data`` deflated as ``write`` would, to be written later (zlib lets go of the
        interpreter meanwhile, so members can be packed on threads); one of ``BULK_SIZE`` or
        more at ``BULK_LEVEL``, in chunks two at a time. Pieces are cut into the chunks their
        joined bytes would be, and deflated as they are made: the same bytes."""
        if isinstance(data, Pieces):
            cut = _cut(data, _BULK_CHUNK)
            first, second = next(cut, b""), next(cut, None)
            if second is not None:
                return self._bulk(itertools.chain((first, second), cut))
            data = first  # one chunk's worth: packed as its bytes are, below
        if len(data) >= BULK_SIZE:
            view = memoryview(data)
            chunks = (view[i : i + _BULK_CHUNK] for i in range(0, len(data), _BULK_CHUNK))
            return self._bulk(map(bytes, chunks))
        packer = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        return Packed(packer.compress(data) + packer.flush(), isal_zlib.crc32(data), len(data))

    def _bulk(self, chunks: Iterable[bytes]) -> Packed:
        body = deflate(chunks, BULK_LEVEL)
        end = zlib.compressobj(BULK_LEVEL, zlib.DEFLATED, -15).flush()
        return Packed(b"".join((*body.blocks, end)), body.crc, body.size)

    def write(self, name: str, data: bytes | Pieces | Packed) -> None:
        """A member of ``data``, deflated (or packed ahead by ``pack``)."""
        packed = data if isinstance(data, Packed) else self.pack(data)
        self._entry(name, 0, zipfile.ZIP_DEFLATED, packed.crc, len(packed.data), packed.size)
        self.target.write(packed.data)

    def write_deflated(self, name: str, body: Deflated) -> None:
        """A member whose deflate blocks were made ahead (by ``deflate``); this ends them."""
        end = zlib.compressobj(self.level, zlib.DEFLATED, -15).flush()
        packed = sum(map(len, body.blocks)) + len(end)
        self._entry(name, 0, zipfile.ZIP_DEFLATED, body.crc, packed, body.size)
        for block in body.blocks:
            self.target.write(block)
        self.target.write(end)

    def close(self) -> None:
        """The central directory and its end record."""
        start = self.target.tell()
        directory = b"".join(self.entries)
        if start + len(directory) >= _LIMIT:
            raise ZipLimit("the package is too large without zip64 records")
        self.target.write(directory)
        count = len(self.entries)
        self.target.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0))
