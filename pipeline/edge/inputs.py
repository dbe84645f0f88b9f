"""What counts as an input: one rule for ``report``, ``watch`` and ``make report``.

A file is an input when its extension is one tierbook reads and it is not a lock, hidden,
temporary or partly downloaded file, nor a workbook tierbook itself wrote (the portfolio, when
a folder is both the input and the output), nor a ``.txt`` that holds no table. ``tierbook inputs FOLDER`` lists them, so the
Makefile asks rather than keeping its own list.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from pipeline.naming import RESERVED_NAMES, unique
from pipeline.read.delimited import looks_like_a_table
from pipeline.read.guard import SUPPORTED


def is_input_name(path: Path) -> bool:
    """Whether the name alone is an input's: an extension tierbook reads, and not Office's
    owner file (``~$book.xlsx``), LibreOffice's lock (``.~lock.book.xlsx#``) or another hidden
    file. What browsers and copy tools write on the way (``book.xlsx.part``, ``.crdownload``,
    ``.tmp``) has an extension of its own."""
    return path.suffix.lower() in SUPPORTED and not path.name.startswith(("~$", "."))


def made_by_tierbook(path: Path) -> bool:
    """Whether a workbook is one tierbook wrote (its portfolio), so a folder that is both the
    input and the output is not read back as a business."""
    if path.suffix.lower() != ".xlsx":
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml")[:4096]
    except (OSError, KeyError, NotImplementedError, zipfile.BadZipFile):
        return False
    return b"<dc:creator>tierbook</dc:creator>" in core


def is_input(path: Path) -> bool:
    """Whether ``path`` is a file tierbook would report: a ``.txt`` only where it holds a
    table (an export), never a note left beside the workbooks."""
    if not (path.is_file() and is_input_name(path)):
        return False
    if path.suffix.lower() == ".txt":
        return looks_like_a_table(path)
    return not made_by_tierbook(path)


def find_inputs(folder: Path) -> list[Path]:
    """The inputs directly inside ``folder``, by name."""
    return sorted(p for p in Path(folder).iterdir() if is_input(p))


def expand_inputs(items: Iterable[Path]) -> list[Path]:
    """Files as given and the inputs inside folders, each file once."""
    paths: list[Path] = []
    seen: set[Path] = set()
    for item in items:
        item = Path(item)
        for path in find_inputs(item) if item.is_dir() else [item]:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                paths.append(path)
    return paths


def output_names(paths: Iterable[Path]) -> dict[Path, str]:
    """Each input's report name: its stem; ``stem-ext`` where stems clash, numbered if still clashing."""
    paths = list(paths)
    # A stem like "." or ".." would make the output folder itself the report folder.
    stems = [p.stem.lstrip(".") or "workbook" for p in paths]
    taken: set[str] = {name.casefold() for name in RESERVED_NAMES}
    names: dict[Path, str] = {}
    for path, stem in zip(paths, stems, strict=True):
        name = stem if stems.count(stem) == 1 else f"{stem}-{path.suffix.lstrip('.').lower()}"
        names[path] = unique(name, taken, "{name}-{n}")
    return names
