"""What in a workbook reaches outside it: links to other files, DDE links to programs, data
connections and web-service formulas. tierbook never follows any of them; they are carried into
the annotated workbook byte for byte, so *Method* says each one, where a user can decide
whether to open that copy with links enabled."""

from __future__ import annotations

import re

from pipeline.ooxml.parts import Package

_LINK_RELS = re.compile(r"^xl/externalLinks/_rels/[^/]+\.rels$", re.IGNORECASE)
_LINK_PART = re.compile(r"^xl/externalLinks/[^/]+\.xml$", re.IGNORECASE)
_SHEET = re.compile(r"^xl/(worksheets|chartsheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)
_TARGET = re.compile(
    rb'Target="([^"]{1,2000})"[^>]{0,400}TargetMode="External"|TargetMode="External"[^>]{0,400}Target="([^"]{1,2000})"'
)
_DDE = re.compile(
    rb'<(?:\w+:)?ddeLink\b[^>]{0,2000}ddeService="([^"]{0,200})"[^>]{0,2000}ddeTopic="([^"]{0,500})"'
)
# Excel writes function names in capitals in the file, whatever the user typed.
_WEB = (b"WEBSERVICE(", b"FILTERXML(")
_CHUNK, _CARRY = 1024**2, 16
SHOWN = 10  # links named one by one; more are counted


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("&amp;", "&")


CARRIED = "carried unchanged, never followed by tierbook"


def outside_links(
    files: Package, carried: str = CARRIED, formulas: frozenset[str] | None = None
) -> list[str]:
    """One note per kind of link out of the workbook, naming its targets; ``carried`` says
    what became of them. ``formulas``: the parts known to hold ``<f``, where a web-service
    formula can be (``guard.parts_with_formulas``); None looks in every sheet."""
    targets: list[str] = []
    dde: list[str] = []
    web: list[str] = []
    for name in files:
        if _LINK_RELS.match(name):
            for found in _TARGET.finditer(files[name]):
                targets.append(_text(found.group(1) or found.group(2)))
        elif _LINK_PART.match(name):
            for found in _DDE.finditer(files[name]):
                dde.append(f"{_text(found.group(1))}|{_text(found.group(2))}")
        elif (
            _SHEET.match(name)
            and (formulas is None or name in formulas)
            and _holds_web_formula(files, name)
        ):
            web.append(name.rsplit("/", 1)[-1])
    notes = []
    if targets:
        notes.append(f"links to other files ({_listed(targets)}): {carried}")
    if dde:
        notes.append(
            f"DDE links, which ask another program for data when the file is opened "
            f"({_listed(dde)}): {carried}"
            + ("; open the annotated copy with links disabled" if carried == CARRIED else "")
        )
    if "xl/connections.xml" in files:
        notes.append(f"data connections (web queries or databases, xl/connections.xml): {carried}")
    if web:
        notes.append(f"web-service formulas (WEBSERVICE, FILTERXML) in {_listed(web)}: {carried}")
    return notes


def _holds_web_formula(files: Package, name: str) -> bool:
    """Streamed in chunks with plain searches: a sheet may be hundreds of MB, read once here."""
    carry = b""
    with files.opener(name)() as handle:
        while chunk := handle.read(_CHUNK):
            window = carry + chunk
            if any(word in window for word in _WEB):
                return True
            carry = window[-_CARRY:]
    return False


def _listed(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    shown = ", ".join(f"'{item[:200]}'" for item in unique[:SHOWN])
    return shown + (f" and {len(unique) - SHOWN} more" if len(unique) > SHOWN else "")
