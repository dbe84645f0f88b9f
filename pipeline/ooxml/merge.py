"""The merge: the user's package, with the analysis workbook's sheets added and the planned
columns in its data sheets, written as one .xlsx.

The user's workbook is never loaded into an object model and saved again. Its members are
copied as their compressed bytes, except the few a new sheet must be registered in
(``workbook.xml``, its relationships, ``[Content_Types].xml``, ``styles.xml``) and the data
sheets that gain cells. Charts, pivot tables, shapes, slicers, sparklines, form controls,
images and macros' parts all stay byte for byte. The merge runs in named steps over one
``_Merge``, the members written anew; each step changes XML text, never a re-serialised tree.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import PackageError
from pipeline.naming import unique
from pipeline.ooxml.bodies import BODY_LEVEL, Bodies, sheet_bodies, sheet_tail
from pipeline.ooxml.bulkrows import Unfilled
from pipeline.ooxml.notes import (
    COMMENTS_TYPE,
    CT_COMMENTS,
    CT_VML,
    VML_TYPE,
    blocks_needed,
    comments_part,
    insert_legacy_drawing,
    note_frame,
    used_blocks,
    vml_part,
)
from pipeline.ooxml.parts import (
    WORKSHEET_TYPE,
    Package,
    PartNames,
    add_content_types,
    add_relationships,
    relationships,
    relative,
    rels_name,
    resolve,
    sheet_parts,
)
from pipeline.ooxml.plan import MergePlan, guarded, unselected
from pipeline.ooxml.styles import StyleMap, merge_styles, restyle_sheet, restyle_table
from pipeline.ooxml.xmltext import attrs, col_letter, prefix, quoteattr, rel_id, unescape
from pipeline.ooxml.zipwriter import Deflated, Pieces, ZipOut, deflate

# Parts of the analysis workbook that are merged into the user's shared parts, not copied.
_SHARED = {
    "xl/workbook.xml",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/calcChain.xml",
}


@dataclass
class _Merge:
    """What the merge writes anew (every other member of the user's package is copied)."""

    files: Package  # the user's package
    extra: Mapping[str, bytes]  # the analysis workbook's members
    names: PartNames
    out: dict[str, bytes | Pieces | Deflated] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    pending: set[str] = field(default_factory=set)  # data sheets whose bodies come last
    overrides: dict[str, str] = field(default_factory=dict)  # new part -> content type
    defaults: dict[str, str] = field(default_factory=dict)  # extension -> content type

    def text(self, name: str) -> str:
        """A member as written so far in this merge, else as the user's package holds it."""
        member = self.out.get(name)
        assert not isinstance(member, Deflated | Pieces)
        return (member or self.files[name]).decode("utf-8")


def write_merge(
    plan: MergePlan,
    analysis: Unfilled,
    when: dt.datetime,
    bodies: Bodies | Callable[[], Bodies] | None = None,
) -> bytes:
    """The user's package with the analysis workbook's sheets appended and the planned columns
    added; ``bodies`` are the data sheets' from ``sheet_bodies`` when they were made ahead, or
    a call that gives them once they are: everything else is merged and deflated meanwhile.
    Raises ``PackageError`` when the package is not one this can change safely."""

    def made() -> Bodies:
        if bodies is None:
            return sheet_bodies(plan)
        return bodies() if callable(bodies) else bodies

    def write() -> bytes:
        with (
            zipfile.ZipFile(io.BytesIO(plan.original)) as archive,
            zipfile.ZipFile(io.BytesIO(analysis.package)) as z,
        ):
            extra = {i.filename: z.read(i.filename) for i in z.infolist() if not i.is_dir()}
            files = Package(archive, plan.original)
            merge = _Merge(files, extra, PartNames(files.order))
            style_map = _merge_styles(merge, plan)
            renamed = _carry_analysis_parts(merge, style_map, analysis)
            _register_sheets(merge, renamed)
            tails = _add_notes(merge, plan)
            _open_on_summary(merge)
            _content_types(merge)
            return _package(archive, merge, when, lambda: _add_bodies(merge, tails, made()))

    return guarded(write)


def _merge_styles(merge: _Merge, plan: MergePlan) -> StyleMap:
    """The user's styles, the annotation columns', then the analysis workbook's."""
    styles, style_map = merge_styles(
        merge.text("xl/styles.xml"), _decoded(merge.extra, "xl/styles.xml")
    )
    if style_map.annotation != plan.styles:  # the sheets' bodies were made with plan.styles
        raise PackageError("the annotation styles moved between planning and merging")
    merge.out["xl/styles.xml"] = styles.encode("utf-8")
    return style_map


def _decoded(files: Mapping[str, bytes], name: str) -> str:
    return files[name].decode("utf-8")


def _inline_strings(sheet: str, strings: Sequence[str]) -> str:
    """Shared-string cells of the analysis sheets as inline strings: the user's table is untouched."""

    def cell(match: re.Match[str]) -> str:
        cell_attrs, index = match.group(1), int(match.group(2))
        cell_attrs = cell_attrs.replace(' t="s"', ' t="inlineStr"')
        return f"<c{cell_attrs}><is>{strings[index]}</is></c>"

    return re.sub(
        r'<c((?:\s+\w+="[^"]*")*?\s+t="s"(?:\s+\w+="[^"]*")*)><v>(\d+)</v></c>', cell, sheet
    )


@dataclass
class _Tables:
    """The table ids and names the package already uses (tables and defined names share the
    workbook's namespace), so the analysis tables can take others."""

    next_id: int
    taken: set[str]

    @classmethod
    def of(cls, files: Package) -> _Tables:
        tables = [name for name in files.order if name.startswith("xl/tables/")]
        ids = [
            int(i)
            for name in tables
            for i in re.findall(rb'<(?:\w+:)?table\b[^>]*?\bid="(\d+)"', files[name])
        ]
        taken = {
            attrs(tag).get(key, "").casefold()
            for name in tables
            for tag in re.findall(
                r"<(?:\w+:)?table\b[^>]*>", files[name].decode("utf-8", "replace")
            )
            for key in ("name", "displayName")
        }
        taken |= {
            attrs(tag).get("name", "").casefold()
            for tag in re.findall(
                r"<(?:\w+:)?definedName\b[^>]*>", _decoded(files, "xl/workbook.xml")
            )
        }
        return cls(max(ids, default=0) + 1, taken)

    def renamed(self, table: str, styles: StyleMap) -> str:
        """An analysis table with a free id and name, its formats moved with the styles."""
        table = re.sub(r'(<table\b[^>]*?\bid=")\d+"', rf'\g<1>{self.next_id}"', table, count=1)
        self.next_id += 1
        table = restyle_table(table, styles)
        wanted = attrs(re.search(r"<table\b[^>]*>", table).group(0))["displayName"]  # type: ignore[union-attr]
        name = unique(wanted, self.taken, "{name}_{n}")
        for attr in ("name", "displayName"):
            table = re.sub(rf'(<table\b[^>]*?\b{attr}=")[^"]+"', rf'\g<1>{name}"', table, count=1)
        return table


def _carry_analysis_parts(merge: _Merge, styles: StyleMap, analysis: Unfilled) -> dict[str, str]:
    """Copy the analysis workbook's own parts in under fresh names; return old -> new names.

    Its sheets' strings become inline (the user's shared strings stay as they are), their
    styles and tables move to where the merge put them, and their relationships follow; the
    long tables' rows go in last, styled like the moved row above them.
    """
    extra = merge.extra
    shared = re.findall(
        r"<si>(.*?)</si>", extra.get("xl/sharedStrings.xml", b"").decode("utf-8"), re.S
    )
    carried = [
        n
        for n in extra
        if n.startswith("xl/")
        and n not in _SHARED
        and not n.startswith("xl/theme/")
        and "/_rels/" not in n
    ]
    renamed = {n: merge.names.new(n) for n in carried}
    types = _decoded(extra, "[Content_Types].xml")
    type_of = dict(re.findall(r'<Override PartName="/([^"]+)" ContentType="([^"]+)"', types))
    for ext, ct in re.findall(r'<Default Extension="([^"]+)" ContentType="([^"]+)"', types):
        if ext.lower() not in {"rels", "xml"}:
            merge.defaults[ext] = ct
    tables = _Tables.of(merge.files)
    _, analysis_sheets = sheet_parts(extra)
    summary = analysis_sheets[0][2] if analysis_sheets else None
    for old, new in renamed.items():
        data = _decoded(extra, old)
        if old.startswith("xl/worksheets/"):
            data = restyle_sheet(_inline_strings(data, shared), styles)
            if old != summary:  # the workbook opens on the Summary, the one selected sheet
                data = unselected(data)
            # the long tables' rows last: the passes above then read xlsxwriter's few rows
            merge.out[new] = analysis.filled(old, data)
        elif old.startswith("xl/tables/"):
            merge.out[new] = tables.renamed(analysis.stretched_table(data), styles).encode("utf-8")
        else:
            merge.out[new] = data.encode("utf-8")
        if old in type_of:
            merge.overrides[new] = type_of[old]
        if rels_name(old) in extra:
            rels = _retargeted(_decoded(extra, rels_name(old)), old, new, renamed)
            merge.out[rels_name(new)] = rels.encode("utf-8")
    return renamed


def _retargeted(rels: str, old: str, new: str, renamed: Mapping[str, str]) -> str:
    """A carried part's relationships, pointing where its targets now are, from where it is."""

    def retarget(match: re.Match[str]) -> str:
        resolved = resolve(old, unescape(match.group(1)))
        return f"Target={quoteattr(relative(new, renamed.get(resolved, resolved)))}"

    return re.sub(r'Target="([^"]*)"', retarget, rels)


def _register_sheets(merge: _Merge, renamed: Mapping[str, str]) -> None:
    """List the analysis sheets in the workbook after the user's, with their print titles, and
    have the workbook recalculated when opened."""
    _, analysis_sheets = sheet_parts(merge.extra)
    workbook, _ = sheet_parts(merge.files)
    p = prefix(workbook, "workbook")
    wb_rels, ids = add_relationships(
        merge.text("xl/_rels/workbook.xml.rels"),
        [
            (WORKSHEET_TYPE, relative("xl/workbook.xml", renamed[part]))
            for _, _, part in analysis_sheets
        ],
    )
    merge.out["xl/_rels/workbook.xml.rels"] = wb_rels.encode("utf-8")
    sheet_tags = re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook)
    sheet_ids = [
        int(a["sheetId"]) for a in map(attrs, sheet_tags) if a.get("sheetId", "").isdigit()
    ]
    added = "".join(
        f'<{p}sheet name={quoteattr(name)} sheetId="{max(sheet_ids, default=0) + i + 1}" '
        f"{rel_id(workbook, 'workbook', rid)}/>"
        for i, ((name, _, _), rid) in enumerate(zip(analysis_sheets, ids, strict=True))
    )
    if f"</{p}sheets>" not in workbook:
        raise PackageError("workbook.xml has no sheet list")
    workbook = workbook.replace(f"</{p}sheets>", added + f"</{p}sheets>", 1)
    workbook = _add_defined_names(
        workbook, p, _decoded(merge.extra, "xl/workbook.xml"), len(sheet_tags)
    )
    if re.search(rf"<{p}calcPr\b", workbook):
        workbook = re.sub(
            rf"<{p}calcPr\b(?![^>]*fullCalcOnLoad)",
            f'<{p}calcPr fullCalcOnLoad="1"',
            workbook,
            count=1,
        )
    else:
        workbook = _insert_after_sheets(workbook, p, f'<{p}calcPr fullCalcOnLoad="1"/>')
    merge.out["xl/workbook.xml"] = workbook.encode("utf-8")


def _add_notes(merge: _Merge, plan: MergePlan) -> dict[str, str]:
    """Each planned data sheet's reasons as notes (their drawings take shape-id blocks no
    other drawing in the package uses); returns each sheet's tail, which follows its body."""
    drawings = [merge.files[name] for name in merge.files.order if name.endswith(".vml")]
    next_block = max(used_blocks(drawings), default=0) + 1
    tails = {}
    for sheet_plan in plan.sheets:
        part, note = sheet_plan.part, sheet_plan.note
        skeleton = sheet_plan.skeleton
        if sheet_plan.with_notes:
            comments = merge.names.new("xl/comments1.xml")
            vml = merge.names.new("xl/drawings/vmlDrawing1.vml")
            first = sheet_plan.first
            notes = note_frame(note.comments)
            merge.out[comments] = comments_part(col_letter(first), notes)
            merge.out[vml] = vml_part(notes["row"] - 1, first - 1, next_block)
            next_block += blocks_needed(notes.height)
            rels = rels_name(part)
            existing = merge.text(rels) if rels in merge.out or rels in merge.files else None
            rels_xml, (vml_id, _comments_id) = add_relationships(
                existing,
                [(VML_TYPE, relative(part, vml)), (COMMENTS_TYPE, relative(part, comments))],
            )
            merge.out[rels] = rels_xml.encode("utf-8")
            skeleton = insert_legacy_drawing(skeleton, vml_id)
            merge.overrides[comments] = CT_COMMENTS
            merge.defaults.setdefault("vml", CT_VML)
        tails[part] = sheet_tail(skeleton)
    merge.pending.update(tails)
    return tails


def _add_bodies(merge: _Merge, tails: Mapping[str, str], bodies: Bodies) -> None:
    """Each planned data sheet: its body made ahead, then its tail."""
    for part, tail in tails.items():
        merge.out[part] = deflate([tail.encode("utf-8")], BODY_LEVEL, bodies[part])
        merge.pending.discard(part)


_SHEET_PART = re.compile(r"^xl/(worksheets|chartsheets|macrosheets|dialogsheets)/[^/]+\.xml$")


def _open_on_summary(merge: _Merge) -> None:
    """The workbook opens on the Summary (the first sheet after the user's): it is the active
    tab, and no sheet of the user's stays selected beside it (two selected tabs are grouped,
    and an edit would go to both)."""
    workbook = merge.text("xl/workbook.xml")
    p = prefix(workbook, "workbook")
    # the user's sheets, every one listed (a tab's index counts hidden ones too)
    summary = len(re.findall(r"<(?:\w+:)?sheet\b", merge.files["xl/workbook.xml"].decode("utf-8")))
    if re.search(rf"<{p}workbookView\b", workbook):
        workbook = re.sub(r'(<(?:\w+:)?workbookView\b[^<>]*?)\sactiveTab="\d+"', r"\1", workbook)
        workbook = re.sub(r"<((?:\w+:)?workbookView)\b", rf'<\1 activeTab="{summary}"', workbook)
    else:
        views = f'<{p}bookViews><{p}workbookView activeTab="{summary}"/></{p}bookViews>'
        workbook = re.sub(rf"(<{p}sheets\b)", views + r"\1", workbook, count=1)
    merge.out["xl/workbook.xml"] = workbook.encode("utf-8")
    for name in merge.files.order:
        if name in merge.out or name in merge.pending or not _SHEET_PART.match(name):
            continue
        with merge.files.opener(name)() as stream:
            head = stream.read(1 << 16)
        if b"tabSelected" not in head:
            continue
        text = merge.files[name].decode("utf-8")
        merge.out[name] = unselected(text).encode("utf-8")


def _content_types(merge: _Merge) -> None:
    """Register the new parts' types; an .xlsm's becomes an .xlsx's, its macros left out."""
    types = add_content_types(merge.text("[Content_Types].xml"), merge.overrides, merge.defaults)
    if "macroEnabled.main" in types:
        types = _drop_macros(merge, types)
    merge.out["[Content_Types].xml"] = types.encode("utf-8")


def _package(
    archive: zipfile.ZipFile, merge: _Merge, when: dt.datetime, complete: Callable[[], None]
) -> bytes:
    """The zip: the user's members in their order, copied or as written anew, then ours.
    ``complete`` puts in the members still pending (the data sheets, whose bodies may still be
    under way) once the others are being deflated."""
    order = merge.files.order
    final_order = [n for n in order if n not in merge.removed] + [
        n for n in merge.out if n not in merge.files
    ]
    target = io.BytesIO()
    writer = ZipOut(target, when)
    source = archive.fp
    assert source is not None
    with ThreadPoolExecutor(max_workers=2) as pool:
        # New members deflated two at a time while the copies are written: the byte stream
        # is the same as one at a time, in a third less time for a long Client analysis.
        packed = {
            name: pool.submit(writer.pack, member)
            for name, member in merge.out.items()
            if isinstance(member, bytes | Pieces) and name not in merge.removed
        }
        complete()
        if merge.pending:
            raise PackageError("a data sheet's body was never put in")
        for name in final_order:
            member = merge.out.get(name)
            if member is None:
                writer.copy(source, archive.getinfo(name))
            elif isinstance(member, Deflated):
                writer.write_deflated(name, member)
            else:
                writer.write(name, packed[name].result())
    writer.close()
    return target.getvalue()


def _add_defined_names(workbook: str, p: str, analysis_workbook: str, offset: int) -> str:
    """Carry the analysis sheets' defined names (print titles), their sheet indexes shifted."""
    names = re.findall(r"<definedName\b([^>]*)>(.*?)</definedName>", analysis_workbook, re.S)
    if not names:
        return workbook
    added = ""
    for name_attrs, body in names:
        local = re.search(r'localSheetId="(\d+)"', name_attrs)
        if local is None:
            continue  # a workbook-wide name could clash with the user's; ours are all sheet-local
        name_attrs = name_attrs.replace(
            local.group(0), f'localSheetId="{offset + int(local.group(1))}"'
        )
        added += f"<{p}definedName{name_attrs}>{body}</{p}definedName>"
    if re.search(rf"</{p}definedNames>", workbook):
        return workbook.replace(f"</{p}definedNames>", added + f"</{p}definedNames>", 1)
    return _insert_after_sheets(
        workbook, p, f"<{p}definedNames>{added}</{p}definedNames>", skip_defined=True
    )


def _drop_macros(merge: _Merge, types: str) -> str:
    """Make an .xlsm package an .xlsx one: the main part's type, and the VBA parts removed."""
    types = types.replace(
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    )
    rels = merge.text("xl/_rels/workbook.xml.rels")
    for rel in relationships(rels):
        if rel.get("Type", "").endswith("/vbaProject"):
            part = resolve("xl/workbook.xml", rel["Target"])
            for name in (part, rels_name(part)):
                merge.out.pop(name, None)
                if name in merge.files:
                    merge.removed.add(name)
                types = re.sub(
                    rf'<(?:\w+:)?Override PartName="/{re.escape(name)}"[^>]*/>', "", types
                )
            rels = re.sub(
                rf'<(?:\w+:)?Relationship\b[^>]*Id="{re.escape(rel["Id"])}"[^>]*/>', "", rels
            )
    merge.out["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
    return types


def _insert_after_sheets(workbook: str, p: str, element: str, skip_defined: bool = False) -> str:
    """Put ``element`` where calcPr (or, with ``skip_defined``, definedNames) belongs."""
    after = ("externalReferences", "functionGroups", "sheets")
    for name in after if skip_defined else ("definedNames", *after):
        match = re.search(rf"</{p}{name}>|<{p}{name}\b[^>]*/>", workbook)
        if match:
            return workbook[: match.end()] + element + workbook[match.end() :]
    raise PackageError("workbook.xml has no sheet list")


def standalone(analysis: bytes | Unfilled, when: dt.datetime) -> bytes:
    """The analysis workbook alone (for .xls, .ods and text inputs, and the portfolio), with
    fixed entry times: same content, same bytes."""
    unfilled = analysis if isinstance(analysis, Unfilled) else Unfilled(analysis)
    with zipfile.ZipFile(io.BytesIO(unfilled.package)) as z:
        order = [i.filename for i in z.infolist()]
        files: dict[str, Any] = {n: z.read(n) for n in order}
    for name in unfilled.parts():
        files[name] = unfilled.filled(name, files[name].decode("utf-8"))
    for name in order:
        if name.startswith("xl/tables/"):
            files[name] = unfilled.stretched_table(files[name].decode("utf-8")).encode("utf-8")
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    if "docProps/core.xml" in files:
        files["docProps/core.xml"] = re.sub(
            rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)",
            rb"\g<1>" + stamp + rb"\g<2>",
            files["docProps/core.xml"],
        )
    out = io.BytesIO()
    writer = ZipOut(out, when)
    with ThreadPoolExecutor(max_workers=2) as pool:  # deflated two at a time, as in _package
        for packed in [(name, pool.submit(writer.pack, files[name])) for name in order]:
            writer.write(packed[0], packed[1].result())
    writer.close()
    return out.getvalue()
