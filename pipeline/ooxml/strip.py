"""``--strip-external``: the user's package with everything that reaches outside it taken out,
for an annotated copy that can be sent on and opened without a prompt to update links.

What goes: links to other workbooks and DDE or OLE links (their parts, the workbook's list of
them, the names defined through them), web-service formulas, and data connections with their
query tables. A formula that used any of them is replaced by the value it last showed, so the
sheet reads as it did; a chart series drawn from another workbook keeps its cached points as
literal values. What cannot go without breaking the workbook (a pivot table built on a data
connection) stays, and the notes say so. Every change is to XML text; no part is re-serialised.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.ooxml.parts import Package, relationships, rels_name, resolve, sheet_parts
from pipeline.ooxml.xmltext import unescape
from pipeline.ooxml.zipwriter import ZipOut

_EXTERNAL_LINK = "/externalLink"
_CONNECTIONS = "/connections"
_QUERY_TABLE = "/queryTable"
_CALC_CHAIN = "/calcChain"
_SHEET = re.compile(r"^xl/(worksheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)
_CHART = re.compile(r"^xl/charts/[^/]+\.xml$", re.IGNORECASE)
# A reference into another workbook, as the file stores it: [1]Sheet!A1, '[1]My sheet'!A1,
# [1]Jan:Mar!A1, [1]!Name; always a sheet or a name after it, where a structured reference to a
# column named 1 ([1], Table1[[#This Row],[1]]) has none.
# Sheet names are at most 31 characters (63 for a 3D range), which bounds each try.
_BOOK_REF = re.compile(
    r"(?:^|[^\w.\]])(?:'\[\d{1,9}\](?:[^']|''){0,130}'!|\[\d{1,9}\][\w.:]{0,130}!)"
)
_WEB = ("WEBSERVICE(", "FILTERXML(")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_TAG_F = r"<({p})f\b([^<>]*?)(?:/>|>([^<]*)</{p}f>)"


@dataclass
class Stripped:
    """What was taken out, counted for the Method sheet and the data issues."""

    links: list[str] = field(default_factory=list)  # parts of other workbooks, DDE, OLE
    formulas: Counter[str] = field(default_factory=Counter)  # sheet -> formulas replaced
    names: list[str] = field(default_factory=list)
    series: int = 0  # chart series made literal
    validations: int = 0
    connections: int = 0
    kept: list[str] = field(default_factory=list)  # what stays, and why

    def summary(self) -> str:
        """One sentence of what the annotated copy holds in their place."""
        said = []
        total = sum(self.formulas.values())
        if total:
            where = ", ".join(f"'{sheet}': {n}" for sheet, n in sorted(self.formulas.items()))
            said.append(f"{_n(total, 'formula')} keep the values they last showed ({where})")
        if self.names:
            shown = ", ".join(f"'{n[:60]}'" for n in self.names[:10])
            more = f" and {len(self.names) - 10} more" if len(self.names) > 10 else ""
            said.append(f"{_n(len(self.names), 'defined name')} removed ({shown}{more})")
        if self.series:
            said.append(f"{_n(self.series, 'chart series', 'chart series')} keep their last points")
        if self.validations:
            said.append(
                f"{_n(self.validations, 'data validation')} reading other workbooks removed"
            )
        if self.links:
            said.append(f"{_n(len(self.links), 'link part')} removed")
        if self.connections:
            said.append(
                f"{_n(self.connections, 'data connection')} removed with their query tables"
            )
        said += self.kept
        return "; ".join(said)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def strip_external(original: bytes) -> tuple[bytes, Stripped]:
    """``original`` without what reaches outside it, and what was taken out.

    The bytes come back unchanged (and nothing is counted) when nothing reaches outside.
    """
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        files = Package(archive)
        job = _Strip(files)
        job.run()
        if not job.out and not job.removed:
            return original, job.found
        out = io.BytesIO()
        when = archive.infolist()[0].date_time if archive.infolist() else None
        writer = ZipOut(out, _stamp(when))
        source = archive.fp
        assert source is not None
        for name in files.order:
            if name in job.removed:
                continue
            if name in job.out:
                writer.write(name, job.out[name])
            else:
                writer.copy(source, archive.getinfo(name))
        writer.close()
        return out.getvalue(), job.found


def _stamp(when: tuple[int, ...] | None) -> dt.datetime:
    """The package's own entry time, so the same input gives the same bytes."""
    if when is None or when[0] < 1980:
        return dt.datetime(1980, 1, 1)
    return dt.datetime(when[0], when[1], when[2], when[3], when[4], when[5])


class _Strip:
    """One pass over a package: decide what goes, then rewrite the parts that referred to it."""

    def __init__(self, files: Package) -> None:
        self.files = files
        self.out: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self.found = Stripped()
        self.names: set[str] = set()  # defined names that pointed outside, case-folded
        try:
            self.sheet_names = {part: sheet for sheet, _, part in sheet_parts(files)[1]}
        except Exception:  # noqa: BLE001 - names only label the counts
            self.sheet_names = {}

    def text(self, name: str) -> str:
        return (self.out.get(name) or self.files[name]).decode("utf-8")

    def run(self) -> None:
        if "xl/workbook.xml" not in self.files:
            return
        rels_part = "xl/_rels/workbook.xml.rels"
        rels = self.text(rels_part) if rels_part in self.files else ""
        links = [r for r in relationships(rels) if r.get("Type", "").endswith(_EXTERNAL_LINK)]
        connections = [r for r in relationships(rels) if r.get("Type", "").endswith(_CONNECTIONS)]
        dropped_rels = [r["Id"] for r in links]
        for rel in links:
            part = resolve("xl/workbook.xml", unescape(rel.get("Target", "")))
            self._remove(part)
            self.found.links.append(part)
        if connections and self._connections_removable():
            dropped_rels += [r["Id"] for r in connections]
            for rel in connections:
                self._remove(resolve("xl/workbook.xml", unescape(rel.get("Target", ""))))
            self.found.connections = self._count_connections()
            self._drop_query_tables()
        elif connections:
            self.found.kept.append(
                "data connections kept: a pivot table or the data model is built on them, and "
                "would break without them"
            )
        self._workbook(links)
        for name in self.files.order:
            if name in self.removed:
                continue
            if _SHEET.match(name):
                self._sheet(name)
            elif _CHART.match(name):
                self._chart(name)
        if sum(self.found.formulas.values()) or self.found.names:
            for rel in relationships(rels):
                if rel.get("Type", "").endswith(_CALC_CHAIN):  # Excel rebuilds it
                    dropped_rels.append(rel["Id"])
                    self._remove(resolve("xl/workbook.xml", unescape(rel.get("Target", ""))))
        if dropped_rels:
            self.out[rels_part] = _without_rels(rels, dropped_rels).encode("utf-8")
            self._content_types()

    def _remove(self, part: str) -> None:
        for name in (part, rels_name(part)):
            if name in self.files:
                self.removed.add(name)

    def _connections_removable(self) -> bool:
        """A pivot cache or the data model built on a connection needs it."""
        for name in self.files.order:
            lower = name.lower()
            if lower.startswith("xl/model/"):
                return False
            if lower.startswith("xl/pivotcache/") and b"connectionId=" in self.files[name]:
                return False
        return True

    def _count_connections(self) -> int:
        part = "xl/connections.xml"
        if part not in self.files:
            return 1
        return max(1, len(re.findall(rb"<(?:\w+:)?connection\b", self.files[part])))

    def _drop_query_tables(self) -> None:
        """A table filled by a query becomes a plain table holding the rows it last showed."""
        for name in self.files.order:
            if not name.lower().startswith("xl/tables/") or not name.endswith(".xml"):
                continue
            rels_part = rels_name(name)
            if rels_part in self.files:
                rels = self.text(rels_part)
                query = [r for r in relationships(rels) if r.get("Type", "").endswith(_QUERY_TABLE)]
                for rel in query:
                    self._remove(resolve(name, unescape(rel.get("Target", ""))))
                if query:
                    kept = _without_rels(rels, [r["Id"] for r in query])
                    if relationships(kept):
                        self.out[rels_part] = kept.encode("utf-8")
                    else:
                        self.removed.add(rels_part)
            table = self.text(name)
            plain = re.sub(
                r'\s(?:tableType="queryTable"|connectionId="\d+"|queryTableFieldId="\d+")',
                "",
                table,
            )
            if plain != table:
                self.out[name] = plain.encode("utf-8")

    def _workbook(self, links: list[dict[str, str]]) -> None:
        workbook = self.text("xl/workbook.xml")
        changed = re.sub(_element("externalReferences"), "", workbook)

        def name(match: re.Match[str]) -> str:
            if not _outside(match.group(3)):
                return match.group(0)
            found = re.search(r'\bname="([^"]*)"', match.group(2))
            label = unescape(found.group(1)) if found else "?"
            self.names.add(label.casefold())
            self.found.names.append(label)
            return ""

        changed = re.sub(r"<(\w+:)?definedName\b([^<>]*)>([^<]*)</\1?definedName>", name, changed)
        changed = re.sub(r"<(\w+:)?definedNames\b[^<>]*>\s*</\1?definedNames>", "", changed)
        if changed != workbook:
            self.out["xl/workbook.xml"] = changed.encode("utf-8")

    def _external(self, formula: str) -> bool:
        plain = _plain(formula)
        if _reaches_out(plain):
            return True
        if self.names:
            tokens = {t.casefold() for t in re.findall(r"[A-Za-z_\\][\w.\\]*", plain)}
            return bool(tokens & self.names)
        return False

    def _sheet(self, name: str) -> None:
        sheet = self.text(name)
        if "<" not in sheet or not re.search(r"<(?:\w+:)?f\b", sheet):
            changed = sheet
        else:
            changed = self._formulas(name, sheet)
        changed = self._validations(changed)
        if changed != sheet:
            self.out[name] = changed.encode("utf-8")

    def _formulas(self, name: str, sheet: str) -> str:
        """Each cell whose formula reaches outside, with its formula taken out and its last
        value kept (a formula's text result becomes plain text)."""
        p = re.match(r"[^<]*(?:<[?!][^<>]*>\s*)*<(\w+:)?", sheet)
        pre = (p.group(1) or "") if p else ""
        tag = re.compile(_TAG_F.format(p=re.escape(pre)))
        shared: set[str] = set()
        for match in tag.finditer(sheet):
            attrs, formula = match.group(2), match.group(3) or ""
            si = re.search(r'\bsi="(\d+)"', attrs)
            if si and formula and self._external(formula):
                shared.add(si.group(1))
        pieces: list[str] = []
        at = 0
        count = 0
        close = f"</{pre}c>"
        end = -1
        for match in tag.finditer(sheet):
            attrs, formula = match.group(2), match.group(3) or ""
            si = re.search(r'\bsi="(\d+)"', attrs)
            if not (self._external(formula) if formula else si and si.group(1) in shared):
                continue
            start = sheet.rfind("<", 0, match.start())
            if end < match.end():
                end = sheet.find(close, match.end())
                if end < 0:
                    break  # no cell closes after this: nothing further can be replaced
            if start < at or not re.match(rf"<{re.escape(pre)}c[\s>]", sheet[start:]):
                continue
            pieces.append(sheet[at:start])
            pieces.append(_valued(sheet[start : match.start()], sheet[match.end() : end], pre))
            at = end + len(close)
            count += 1
        if not count:
            return sheet
        self.found.formulas[self.sheet_names.get(name, posixpath.basename(name))] += count
        pieces.append(sheet[at:])
        return "".join(pieces)

    def _validations(self, sheet: str) -> str:
        def drop(match: re.Match[str]) -> str:
            formulas = re.findall(r"<(?:\w+:)?formula[12]>([^<]*)<", match.group(0))
            if any(self._external(f) for f in formulas):
                self.found.validations += 1
                return ""
            return match.group(0)

        changed = re.sub(_element("dataValidation"), drop, sheet)
        if changed == sheet:
            return sheet
        left = len(re.findall(r"<(?:\w+:)?dataValidation\b", changed))
        if not left:
            return re.sub(
                r"<(\w+:)?dataValidations\b[^<>]*?(?:/>|>\s*</\1?dataValidations>)", "", changed
            )
        return re.sub(
            r'(<(?:\w+:)?dataValidations\b[^<>]*?\bcount=")\d+"', rf'\g<1>{left}"', changed
        )

    def _chart(self, name: str) -> None:
        chart = self.text(name)

        def literal(match: re.Match[str]) -> str:
            p, kind, formula, rest = (
                match.group(1) or "",
                match.group(2),
                match.group(3),
                match.group(4),
            )
            if not self._external(formula) and not re.search(r"\[[^\]]+\.xl\w*\]", formula):
                return match.group(0)
            self.found.series += 1
            cache = re.search(rf"<{p}{kind}Cache>(.*?)</{p}{kind}Cache>", rest, re.S)
            body = cache.group(1) if cache else f'<{p}ptCount val="0"/>'
            return f"<{p}{kind}Lit>{body}</{p}{kind}Lit>"

        changed = re.sub(
            r"<(\w+:)?(num|str)Ref>\s*<\1?f>([^<]*)</\1?f>([^<]*(?:<(?!/?(?:\w+:)?(?:num|str)Ref\b)[^<]*)*)</\1?\2Ref>",
            literal,
            chart,
        )
        if changed != chart:
            self.out[name] = changed.encode("utf-8")

    def _content_types(self) -> None:
        types = self.text("[Content_Types].xml")
        for name in self.removed:
            types = re.sub(
                rf'<(?:\w+:)?Override\b[^<>]*PartName="/{re.escape(name)}"[^<>]*/>', "", types
            )
        self.out["[Content_Types].xml"] = types.encode("utf-8")


def _element(tag: str) -> str:
    """An element and its content, in one linear pass: the content stops at the next tag of
    the same name, so no start without its end makes the search go back over the text."""
    return rf"<(\w+:)?{tag}\b[^<>]*?(?:/>|>[^<]*(?:<(?!/?(?:\w+:)?{tag}\b)[^<]*)*</\1?{tag}>)"


def _outside(formula: str) -> bool:
    """Whether a formula reaches another workbook or the web by itself (names aside)."""
    return _reaches_out(_plain(formula))


def _reaches_out(plain: str) -> bool:
    """``_outside`` of a formula already made plain (``_plain``)."""
    return bool(_BOOK_REF.search(plain)) or any(word in plain.upper() for word in _WEB)


def _plain(formula: str) -> str:
    """A formula's text with its strings emptied and its structured references ([Column],
    Table1[[#This Row],[1]]) blanked, in one pass: what is left can only name a workbook
    by reference."""
    text = _STRING.sub('""', unescape(formula))
    if "[" not in text:
        return text
    out, depth, quoted = [], 0, False
    for i, char in enumerate(text):
        if depth:
            if quoted:
                quoted = False  # ' escapes the next character inside a structured reference
            elif char == "'":
                quoted = True
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            out.append(" ")
        elif char == "[" and i and (text[i - 1].isalnum() or text[i - 1] in "_.\\"):
            depth = 1
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def _valued(start_tag: str, rest: str, pre: str) -> str:
    """A cell's start tag and what followed its formula, as a cell holding the value alone."""
    value = re.search(rf"<{re.escape(pre)}v>([^<]*)</{re.escape(pre)}v>", rest)
    kind = re.search(r'\st="([^"]*)"', start_tag)
    if value is None:
        return re.sub(r'\st="[^"]*"', "", start_tag[:-1]) + "/>"
    if kind and kind.group(1) == "str":
        tag = start_tag.replace(kind.group(0), ' t="inlineStr"')
        return f'{tag}<{pre}is><{pre}t xml:space="preserve">{value.group(1)}</{pre}t></{pre}is></{pre}c>'
    return f"{start_tag}{value.group(0)}</{pre}c>"


def _without_rels(rels: str, ids: Iterable[str]) -> str:
    for rid in ids:
        rels = re.sub(rf'<(?:\w+:)?Relationship\b[^<>]*\bId="{re.escape(rid)}"[^<>]*/>', "", rels)
    return rels
