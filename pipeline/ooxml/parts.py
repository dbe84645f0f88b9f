"""A package's parts and how they point at each other: relationships, content types, names.

The user's package is read member by member, each inflated only when asked for, and new parts
get names nothing in it uses yet.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import BinaryIO, cast

from pipeline.ooxml.inflated import InflatedMember
from pipeline.ooxml.xmltext import quoteattr, unescape

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKSHEET_TYPE = REL_NS + "/worksheet"
_INFLATED = (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)  # what ``InflatedMember`` reads
_ENCRYPTED = 0x1


class Package(Mapping[str, bytes]):
    """A zip package, each member inflated only when asked for (and then kept); ``data``, the
    package's bytes when the archive reads them from memory, lets ``opener`` stream a member
    through ``InflatedMember``."""

    def __init__(self, archive: zipfile.ZipFile, data: bytes | None = None) -> None:
        self.archive = archive
        self.data = data
        self.order = list(dict.fromkeys(i.filename for i in archive.infolist() if not i.is_dir()))
        self._read: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> bytes:
        if name not in self._read:
            if name not in self.archive.NameToInfo:
                raise KeyError(name)
            self._read[name] = self.archive.read(name)
        return self._read[name]

    def __contains__(self, name: object) -> bool:
        return name in self.archive.NameToInfo

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)

    def opener(self, name: str) -> Callable[[], BinaryIO]:
        """Opens the member for streaming (``sheetdata`` reads a sheet a block at a time)."""

        def open_member() -> BinaryIO:
            info = self.archive.getinfo(name)
            plain = info.compress_type in _INFLATED and not info.flag_bits & _ENCRYPTED
            if self.data is not None and plain:
                return cast(BinaryIO, InflatedMember(self.data, info))
            return cast(BinaryIO, self.archive.open(info))

        return open_member


def resolve(source: str, target: str) -> str:
    """The part a relationship of part ``source`` points to."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, target: str) -> str:
    """How part ``source`` names part ``target`` in its relationships."""
    return posixpath.relpath(target, posixpath.dirname(source))


def rels_name(part: str) -> str:
    """The relationships part of ``part``: xl/worksheets/_rels/sheet1.xml.rels."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def relationships(xml: str) -> list[dict[str, str]]:
    found = []
    for attrs in re.findall(r"<(?:\w+:)?Relationship\b([^>]*?)/?>", xml):
        found.append(dict(re.findall(r'(\w+)="([^"]*)"', attrs)))
    return found


def sheet_parts(
    files: Mapping[str, bytes], errors: str = "strict"
) -> tuple[str, list[tuple[str, str, str]]]:
    """(workbook.xml text, [(sheet name, r:id, part name)]) of a package; ``errors`` as for
    ``bytes.decode`` (a reader that only looks may replace what it cannot decode)."""
    rels_xml = files["xl/_rels/workbook.xml.rels"].decode("utf-8", errors)
    targets = {
        r["Id"]: resolve("xl/workbook.xml", r["Target"])
        for r in relationships(rels_xml)
        if "Id" in r and "Target" in r
    }
    workbook = files["xl/workbook.xml"].decode("utf-8", errors)
    sheets = []
    for attrs in re.findall(r"<(?:\w+:)?sheet\b([^>]*?)/?>", workbook):
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\b\w+:id="([^"]*)"', attrs)
        if name and rid and rid.group(1) in targets:
            sheets.append((unescape(name.group(1)), rid.group(1), targets[rid.group(1)]))
    return workbook, sheets


def add_relationships(rels: str | None, items: Sequence[tuple[str, str]]) -> tuple[str, list[str]]:
    """Add (type, target) relationships; return the XML and their new ids."""
    if rels is None:
        rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
        )
    taken = {r.get("Id") for r in relationships(rels)}
    p = re.search(r"<(\w+:)?Relationships\b", rels).group(1) or ""  # type: ignore[union-attr]
    ids, added = [], ""
    n = 1
    for kind, target in items:
        while f"rIdTb{n}" in taken:
            n += 1
        rid = f"rIdTb{n}"
        taken.add(rid)
        ids.append(rid)
        added += f'<{p}Relationship Id="{rid}" Type="{kind}" Target={quoteattr(target)}/>'
    closing = f"</{p}Relationships>"
    if closing in rels:
        rels = rels.replace(closing, added + closing)
    else:  # an empty, self-closed element
        rels = re.sub(
            rf"<{p}Relationships\b([^>]*)/>",
            rf"<{p}Relationships\1>{added}{closing}",
            rels,
        )
    return rels, ids


def add_content_types(types: str, overrides: Mapping[str, str], defaults: Mapping[str, str]) -> str:
    """``[Content_Types].xml`` with an override per new part and any extension it lacked."""
    p = re.search(r"<(\w+:)?Types\b", types).group(1) or ""  # type: ignore[union-attr]
    known_ext = {
        e.lower() for e in re.findall(r'<(?:\w+:)?Default\b[^>]*Extension="([^"]+)"', types)
    }
    added = "".join(
        f'<{p}Default Extension="{ext}" ContentType="{ct}"/>'
        for ext, ct in defaults.items()
        if ext.lower() not in known_ext
    )
    added += "".join(
        f'<{p}Override PartName="/{name}" ContentType="{ct}"/>' for name, ct in overrides.items()
    )
    return types.replace(f"</{p}Types>", added + f"</{p}Types>")


def _numbered(name: str) -> tuple[str, str, int, str]:
    """xl/tables/table12.xml -> ('xl/tables', 'table', 12, '.xml')."""
    folder, base = posixpath.split(name)
    found = re.match(r"^(.*?)(\d*)(\.[^.]+)$", base)
    if not found:
        return folder, base, 0, ""
    return folder, found.group(1), int(found.group(2) or 0), found.group(3)


class PartNames:
    """New part names that collide with nothing in the package: the next number of their kind."""

    def __init__(self, existing: Sequence[str]) -> None:
        self.taken = set(existing)

    def new(self, like: str) -> str:
        folder, base, _, ext = _numbered(like)
        highest = [
            _numbered(n)[2]
            for n in self.taken
            if _numbered(n)[0] == folder and _numbered(n)[1] == base and _numbered(n)[3] == ext
        ]
        number = max(highest, default=0) + 1
        name = posixpath.join(folder, f"{base}{number}{ext}")
        self.taken.add(name)
        return name
