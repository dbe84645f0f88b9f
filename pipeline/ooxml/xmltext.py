"""XML as text: the few edits a package needs, made without a parser that would re-serialise.

Prefixes, ``mc:Ignorable`` lists and extension blocks of the user's parts stay exactly as
written because nothing here parses and writes a document back; each helper finds one element
or attribute and changes only that. The characters XML cannot hold are named once, here, for
Python's and for polars' regular expressions alike (both read this syntax).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xlsxwriter.utility import xl_col_to_name

from pipeline.errors import PackageError

# C0 controls other than tab, line feed and carriage return: no XML 1.0 document holds them,
# and no spreadsheet cell can. Cell text writers drop these.
CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"
# Those, and the two non-characters: what XML text drops where it has no escape for them
# (cell text has one, Excel's _xFFFE_, which the cell writers use instead).
NOT_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]"
# The same characters one by one, for a single pass of literal replacements over a column.
NOT_XML_CHARACTERS = (
    *(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))),
    "\ufffe",
    "\uffff",
)
# Python's strings can also hold a lone surrogate (never valid UTF-8, so never in a polars
# column): text written from Python drops those too, or it could not be encoded at all.
_NOT_XML = re.compile(NOT_XML[:-1] + "\ud800-\udfff]")
_CONTROL = re.compile(CONTROL[:-1] + "\ud800-\udfff]")

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# Escaping as xml.sax.saxutils does it, written out: that module imports urllib.request, and with
# it http.client and ssl, 11 ms of every run's start for a few string replacements.
def escape(value: str) -> str:
    """``&``, ``<`` and ``>`` as entities (``xml.sax.saxutils.escape``)."""
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(value: str) -> str:
    """An attribute's value with its quotes, as ``xml.sax.saxutils.quoteattr`` writes it: white
    space kept as character references, a double quote escaped only when both kinds occur."""
    data = escape(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))


def text(value: str) -> str:
    """XML character data, keeping leading and trailing spaces."""
    return escape(_NOT_XML.sub("", value))


def without_controls(value: str) -> str:
    """Text a cell can hold: the control characters the format forbids dropped."""
    return _CONTROL.sub("", value)


def unescape(value: str) -> str:
    """Attribute text as written in a part back to plain text."""
    value = value.replace("&lt;", "<").replace("&gt;", ">")
    value = value.replace("&quot;", '"').replace("&apos;", "'")
    return value.replace("&amp;", "&")  # last, as xml.sax.saxutils.unescape does


def col_letter(index: int) -> str:
    """1 -> A, 27 -> AA (1-based, as Excel's column numbers)."""
    return xl_col_to_name(index - 1)


def col_index(letters: str) -> int:
    """A -> 1, AA -> 27; any number of letters (xlsxwriter's parser stops at three and reads
    a hostile file's 'AAAA' as column A, which would put new cells over the user's)."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def prefix(xml: str, root: str) -> str:
    """The namespace prefix (with colon) the root element is written with, or ''."""
    found = re.search(rf"<(\w+:)?{root}[\s>]", xml)
    if not found:
        raise PackageError(f"no <{root}> element")
    return found.group(1) or ""


def attrs(tag: str) -> dict[str, str]:
    """The attributes of one start tag, whatever their order or quotes."""
    return {
        k: a if a or not b else b
        for k, a, b in re.findall(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", tag)
    }


def root_tag(xml: str, root: str) -> str:
    found = re.search(rf"<(?:\w+:)?{root}\b[^>]*>", xml)
    if not found:
        raise PackageError(f"no <{root}> element")
    return found.group(0)


def rel_prefix(xml: str, root: str) -> str | None:
    """The prefix the root element binds to the relationships namespace, if any."""
    for key, value in attrs(root_tag(xml, root)).items():
        if key.startswith("xmlns:") and value == REL_NS:
            return key.split(":", 1)[1]
    return None


def rel_id(xml: str, root: str, rid: str) -> str:
    """An ``r:id`` attribute that is bound whatever the document declared on its root."""
    bound = rel_prefix(xml, root)
    if bound:
        return f'{bound}:id="{rid}"'
    return f'xmlns:tbr="{REL_NS}" tbr:id="{rid}"'


def with_prefix(snippet: str, p: str) -> str:
    """Put prefix ``p`` on every element of an unprefixed snippet."""
    if not p:
        return snippet
    return re.sub(r"<(/?)(?![?!])(\w+)", rf"<\1{p}\2", snippet)


def children(block: str, child: str) -> list[str]:
    """Top-level ``child`` elements of an unprefixed collection element's inner XML."""
    return re.findall(rf"<{child}\b(?:[^>]*/>|[^>]*>.*?</{child}>)", block, re.S)


def collection(xml: str, tag: str, p: str) -> tuple[str | None, int, int]:
    """(inner XML, start, end) of ``<tag>`` in ``xml``: ``''`` when self-closed, None when absent."""
    found = re.search(rf"<{p}{tag}\b[^>]*?(/>|>(.*?)</{p}{tag}>)", xml, re.S)
    if not found:
        return None, -1, -1
    return (found.group(2) or ""), found.start(), found.end()


def _count(inner: str | None, child: str, p: str) -> int:
    if not inner:
        return 0
    return len(re.findall(rf"<{p}{child}\b", inner))


def append(
    xml: str,
    tag: str,
    child: str,
    items: Sequence[str],
    p: str,
    order: Sequence[str],
    root: str,
) -> tuple[str, int]:
    """Append ``items`` to collection ``tag`` (creating it in schema ``order``); return the XML
    and how many children the collection had before."""
    inner, start, end = collection(xml, tag, p)
    old = _count(inner, child, p)
    if not items:
        return xml, old
    body = "".join(with_prefix(item, p) for item in items)
    if inner is None:
        element = f'<{p}{tag} count="{len(items)}">{body}</{p}{tag}>'
        position = None
        for name in order[order.index(tag) + 1 :]:
            match = re.search(rf"<{p}{name}\b", xml)
            if match:
                position = match.start()
                break
        if position is None:
            position = xml.rindex(f"</{p}{root}>")
        return xml[:position] + element + xml[position:], old
    opening = re.match(rf"<{p}{tag}\b[^>]*?(?=/?>)", xml[start:end]).group(0)  # type: ignore[union-attr]
    opening = (
        re.sub(r"""\scount\s*=\s*("[^"]*"|'[^']*')""", "", opening) + f' count="{old + len(items)}"'
    )
    element = f"{opening}>{inner}{body}</{p}{tag}>"
    return xml[:start] + element + xml[end:], old
