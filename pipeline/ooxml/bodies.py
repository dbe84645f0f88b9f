"""The annotated data sheets' bodies: the user's rows, streamed, with the new cells spliced in,
deflated as they come.

A body needs only the plan, so it is made on a thread while the analysis workbook is built;
what follows the rows (the skeleton's tail, where a note drawing may still go) is added at the
merge.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from typing import BinaryIO

import polars as pl

from pipeline.errors import PackageError, SheetError
from pipeline.ooxml import sheetdata
from pipeline.ooxml.parts import Package
from pipeline.ooxml.plan import ROWS, MergePlan, SheetPlan, guarded
from pipeline.ooxml.styles import AnnotationStyles
from pipeline.ooxml.xmltext import col_letter, text, with_prefix
from pipeline.ooxml.zipwriter import BULK_LEVEL, Deflated, deflate

# The data sheets' bodies are the bulk of a package: deflated a little less hard than the rest
# (at 100k invoices, level 3 against 6: 1.6 s against 2.3 s, and 7.0 MB against 6.0 MB), as
# every other member of their size is. This is zlib's level for their small pieces; a block of
# 1 MiB or more goes to ISA-L (``zipwriter.FAST_SIZE``).
BODY_LEVEL = BULK_LEVEL

Bodies = dict[str, Deflated]  # each annotated data sheet's part: its body, deflated


def _header_cells(plan: SheetPlan, styles: AnnotationStyles) -> str:
    row = plan.note.header_row
    return with_prefix(
        "".join(
            f'<c r="{col_letter(plan.first + i)}{row}" s="{styles.header}" t="inlineStr">'
            f'<is><t xml:space="preserve">{text(str(label))}</t></is></c>'
            for i, label in enumerate(plan.note.headers)
        ),
        plan.prefix,
    )


def sheet_body(
    plan: SheetPlan, open_part: Callable[[], BinaryIO], styles: AnnotationStyles
) -> Iterator[bytes]:
    """The annotated sheet's XML up to the end of its rows, a block at a time.

    What follows the rows is the skeleton's tail, which merging may still change (a note
    drawing goes there), so the body can be made before the rest of the package is decided.
    """
    note = plan.note
    columns = [c for c in plan.values.columns if c != "row"]
    letters = [col_letter(plan.first + i) for i in range(len(columns))]
    number_styles = [
        styles.percent if i in note.percent_columns else styles.text for i in range(len(columns))
    ]
    header = pl.DataFrame(
        {"row": [note.header_row], "xml": [_header_cells(plan, styles)]},
        schema={"row": pl.Int64, "xml": pl.String},
    )

    made_for = sheetdata.block_cells(
        plan.values,
        lambda values: sheetdata.cells_xml(
            values, letters, styles.text, number_styles, plan.prefix
        ),
    )

    def cells(rows: pl.Series) -> pl.DataFrame:
        """The new cells of one block's rows, made as the blocks come."""
        made = made_for(rows)
        if plan.header and rows.is_in([note.header_row]).any():
            made = pl.concat([made, header])
        return made

    expected = sheetdata.cell_rows(plan.values) + plan.header
    before, found, _ = plan.skeleton.partition(ROWS)
    if not found:  # <sheetData/>: no rows to add to, the skeleton is all tail
        if expected:
            raise PackageError("the sheet holds no rows to annotate")
        return
    yield before.encode("utf-8")
    try:
        rows = plan.rows if plan.rows is not None else sheetdata.read_rows(open_part, plan.prefix)
        yield from sheetdata.splice(
            rows,
            plan.prefix,
            cells,
            expected,
            plan.first + len(note.headers) - 1,
        )
    except SheetError as exc:
        raise PackageError(str(exc)) from None


def sheet_tail(skeleton: str) -> str:
    """What follows the rows of a skeleton (all of it when the sheet has no rows element)."""
    before, found, after = skeleton.partition(ROWS)
    return after if found else before


def sheet_bodies(plan: MergePlan, level: int = BODY_LEVEL) -> Bodies:
    """Each planned data sheet's body (``sheet_body``) deflated: the bulk of ``write_merge``'s
    work, which needs only the plan, so it can run on a thread while the analysis workbook
    is built. Raises ``PackageError`` when a sheet is not as planned."""

    def make() -> Bodies:
        with zipfile.ZipFile(io.BytesIO(plan.original)) as archive:
            files = Package(archive, plan.original)
            return {
                sp.part: deflate(sheet_body(sp, files.opener(sp.part), plan.styles), level)
                for sp in plan.sheets
            }

    return guarded(make)
