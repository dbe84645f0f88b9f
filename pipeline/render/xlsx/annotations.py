"""The annotation columns added to the user's own data sheets: each invoice row's client
labels and its own data issues, and each client's reasons as a note on its first row."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import polars as pl

from pipeline.model.analysis import Analysis
from pipeline.ooxml.notes import CellNotes
from pipeline.ooxml.plan import Annotation
from pipeline.render.provenance import Provenance
from pipeline.words.i18n import ENGLISH, Words
from pipeline.words.labels import grade_label, role_label, tier_label
from pipeline.words.rows import worded

HEADERS = (
    "tierbook: tier",
    "tierbook: grade",
    "tierbook: roles",
    "tierbook: share",
    "tierbook: flags",
)


def _flags(w: Words) -> pl.Expr:
    """A client's flags, "; "-joined, or null when it has none."""
    lost = pl.col("lost_key")

    def flag(when: pl.Expr, label: str) -> pl.Expr:
        return pl.when(when.fill_null(False)).then(pl.lit(label))

    flags = pl.concat_str(
        flag(pl.col("major_customer"), w._("major customer")),
        flag(lost, w._("lost key client")),
        flag(~lost & pl.col("at_risk"), w._("at risk")),
        flag(pl.col("check_in"), w._("check in")),
        separator="; ",
        ignore_nulls=True,
    )
    return pl.when(flags != "").then(flags)


def _note(note: str, w: Words) -> str:
    """The model's note on an invoice row (why it is not counted), in the report's language."""
    if note == "before the window":
        return w._("before the window")
    if note == "after the as-of date":
        return w._("after the as-of date")
    if note.endswith(": not revenue"):
        return w._("%(status)s: not revenue", status=note.removesuffix(": not revenue"))
    return note


# What Python's str.strip takes off, which polars' strip_chars (Unicode White_Space) does not
# quite match: the note is what the plain-text template it replaces gave, to the character.
_PY_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def noted_clients(analysis: Analysis) -> pl.Series:
    """The clients whose first rows get a note: at most ``notes_max_clients``, those that brought
    the most in the window or in the prior window (so a key client gone quiet keeps its note),
    then by window revenue and name.

    LibreOffice opens a workbook some 6 ms slower for each note (a 100k-invoice ledger of
    15,259 clients took 95 s with a note for each, 5 s without), and a long tail's one-off
    buyers gain little from one; every client's reasons are on the Client analysis sheet."""
    clients, limit = analysis.clients, analysis.config.notes_max_clients
    if clients.height <= limit:
        return clients["client"]
    larger = pl.max_horizontal("revenue", pl.col("prior_revenue").fill_null(0.0))
    return clients.sort(
        larger, "revenue", "client", descending=[True, True, False], maintain_order=True
    )["client"].head(limit)


def client_notes(
    analysis: Analysis, w: Words = ENGLISH, noted: pl.Series | None = None
) -> pl.DataFrame:
    """Each noted client's note (``noted``, by default ``noted_clients``): "Acme: Anchor, grade A
    (growth)", then its reasons, one "- " line each; built for those clients at once from
    ``worded``'s columns."""
    table = worded(analysis, w)
    noted = noted_clients(analysis) if noted is None else noted
    if noted.len() < table.height:
        table = table.filter(pl.col("client").is_in(noted.implode()))
    tiers = table["tier"].drop_nulls().unique().to_list()
    grades = table["grade"].drop_nulls().unique().to_list()
    roles = table["roles"].explode().drop_nulls().unique().to_list()
    grade = pl.col("grade")
    head = pl.concat_str(
        pl.col("client"),
        pl.lit(": "),
        pl.col("tier").replace_strict({t: tier_label(t, w) for t in tiers}, return_dtype=pl.String),
        pl.when(grade.is_not_null() & (grade != ""))
        .then(pl.lit(", ") + grade.replace_strict({g: grade_label(g, w) for g in grades}))
        .otherwise(pl.lit("")),
        pl.when(pl.col("roles").list.len() > 0)
        .then(
            pl.lit(" (")
            + pl.col("roles")
            .list.eval(pl.element().replace({r: role_label(r, w) for r in roles}))
            .list.join(", ")
            + pl.lit(")")
        )
        .otherwise(pl.lit("")),
    )
    body = pl.col("reasons").list.eval(pl.lit("- ") + pl.element()).list.join("\n")
    return table.select(
        pl.col("client").alias("key"),
        (head + pl.lit("\n") + body).str.strip_chars(_PY_SPACE).alias("note"),
    )


def annotation_columns(
    analysis: Analysis, provenance: Provenance, w: Words = ENGLISH
) -> list[Annotation]:
    """Annotation columns for the invoice sheets and the Clients sheet, row by row.

    Built as frames (each invoice row joined to its client's labels and its own data issues),
    so a million-row ledger costs a few joins, not a million Python steps. The notes are worded
    when first read (``CellNotes``).
    """
    lost = analysis.lost_key_clients["client"]
    tiers = analysis.clients["tier"].drop_nulls().unique().to_list()
    known = analysis.clients.with_columns(lost_key=pl.col("client").is_in(lost.implode())).select(
        pl.col("client").cast(pl.String),
        pl.col("tier")
        .replace_strict({t: tier_label(t, w) for t in tiers}, return_dtype=pl.String)
        .alias("tier"),
        pl.col("grade").cast(pl.String),
        pl.col("roles").list.join(", ").alias("roles"),
        pl.col("share").cast(pl.Float64),
        _flags(w).alias("client_flags"),
    )
    clients = known["client"]
    chosen = noted_clients(analysis)
    noted = chosen.implode()

    @cache
    def texts() -> pl.DataFrame:
        return client_notes(analysis, w, chosen)

    problems = analysis.issues.group_by("sheet", "row", maintain_order=True).agg(
        pl.format("{} ({})", "problem", "action").str.join("; ").alias("problems")
    )

    def annotation(sheet: str, rows: pl.DataFrame, notes: Mapping[int, str]) -> Annotation:
        """``rows`` (row, client, note) joined to the labels, plus the rows that only have issues
        (left out of the figures), which get their flags alone."""
        header = provenance.header_rows[sheet]
        own = problems.filter(pl.col("sheet") == sheet).drop("sheet")
        only_issues = own.filter(
            ~pl.col("row").is_in(rows["row"].implode()) & (pl.col("row") != header)
        ).select("row")
        every = pl.concat(
            [
                rows,
                only_issues.with_columns(
                    client=pl.lit(None, pl.String), note=pl.lit(None, pl.String)
                ),
            ],
            how="vertical_relaxed",
        )
        values = (
            every.join(known, on="client", how="left", maintain_order="left")
            .join(own, on="row", how="left", maintain_order="left")
            .select(
                pl.col("row").cast(pl.Int64),
                pl.col("tier").alias(HEADERS[0]),
                pl.col("grade").alias(HEADERS[1]),
                pl.col("roles").alias(HEADERS[2]),
                pl.col("share").alias(HEADERS[3]),
                pl.concat_str(
                    ["client_flags", "note", "problems"], separator="; ", ignore_nulls=True
                ).alias(HEADERS[4]),
            )
        )
        return Annotation(
            sheet=sheet,
            header_row=header,
            headers=HEADERS,
            percent_columns=frozenset({3}),
            values=values,
            comments=notes,
        )

    result = []
    for sheet in provenance.invoice_sheets:
        rows = analysis.invoice_rows.filter(pl.col("sheet") == sheet).select(
            "row", "client", "note"
        )
        notes = rows["note"].drop_nulls().unique().to_list()
        rows = rows.with_columns(
            pl.col("note").replace_strict(
                {n: _note(n, w) for n in notes}, default=None, return_dtype=pl.String
            )
        )
        # each noted client's first invoice row carries its note
        first_rows = (
            rows.filter(pl.col("client").is_in(noted)).group_by("client").agg(pl.col("row").min())
        )
        notes_at = first_rows.select("row", pl.col("client").alias("key"))
        result.append(annotation(sheet, rows, CellNotes(notes_at, texts)))
    if provenance.client_sheet:
        sheet = provenance.client_sheet
        rows = analysis.client_sheet_rows.select(
            pl.col("row").cast(pl.Int64), "client"
        ).with_columns(
            pl.when(pl.col("client").is_in(clients.implode()))
            .then(pl.lit(None, pl.String))
            .otherwise(pl.lit(w._("no invoices")))
            .alias("note")
        )
        notes_at = rows.filter(pl.col("client").is_in(noted)).select(
            "row", pl.col("client").alias("key")
        )
        result.append(annotation(sheet, rows, CellNotes(notes_at, texts)))
    return result
