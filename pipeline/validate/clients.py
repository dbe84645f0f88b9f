"""The Clients sheet typed and checked: dates, contracts, one row per client."""

from __future__ import annotations

import polars as pl

from pipeline.config import Config
from pipeline.read.sheets import RawTable
from pipeline.validate.dates import decide_order, parse_date
from pipeline.validate.fields import drop_blank, label, with_fields
from pipeline.validate.issues import issue_rows
from pipeline.validate.records import CLIENT_SCHEMA, DateOrder
from pipeline.validate.text import clean_text

_DATE_LIKE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_CONTRACT_OVER = r"(?i)\b(no|none|ended|expired|cancell?ed|terminated|former|lapsed|n/a)\b"
_DATES = ("client_since", "last_contact")


def parse_clients(
    table: RawTable, config: Config, ledger_order: DateOrder
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The Clients sheet's rows as ``CLIENT_SCHEMA`` and the issues of what could not be used.

    Its dates are the user's own typing: what they show decides their order, else the invoice
    sheets' order."""
    labels = {f: label(table, f) for f in CLIENT_SCHEMA}
    raw = drop_blank(with_fields(table, CLIENT_SCHEMA))
    text_fields = [
        f
        for f in CLIENT_SCHEMA
        if f not in {"row", "sheet", *_DATES, "contract_end", "contract_ended"}
    ]
    cells = pl.concat(
        raw.select(clean_text(f).alias("text"), pl.lit(None, pl.Int64).alias("number"))
        for f in _DATES
    ).drop_nulls("text")
    order = decide_order(cells, config.dates, None, ledger_order.order).order
    end_text = pl.col("contract").str.extract(f"({_DATE_LIKE})")
    parsed = raw.with_columns(
        *(clean_text(f).alias(f) for f in text_fields),
        *(parse_date(f, order).alias(f) for f in _DATES),
        *(clean_text(f).alias(f"raw_{f}") for f in _DATES),
    ).with_columns(
        pl.coalesce(
            end_text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
            end_text.str.strptime(pl.Date, "%d.%m.%Y", strict=False),
        ).alias("contract_end"),
        pl.col("contract").str.contains(_CONTRACT_OVER).fill_null(False).alias("contract_ended"),
    )
    issues = [
        issue_rows(
            parsed,
            pl.col("client").is_null(),
            labels["client"],
            pl.lit(None),
            "no client name",
            "row left out",
        )
    ]
    for field in _DATES:
        bad = pl.col(f"raw_{field}").is_not_null() & pl.col(field).is_null()
        issues.append(
            issue_rows(
                parsed,
                bad,
                labels[field],
                pl.col(f"raw_{field}"),
                "not a date",
                "value ignored; row kept",
            )
        )
    unread_end = end_text.is_not_null() & pl.col("contract_end").is_null()
    issues.append(
        issue_rows(
            parsed,
            unread_end,
            labels["contract"],
            pl.col("contract"),
            "end date not understood (write it as YYYY-MM-DD)",
            "contract treated as in force with no end date",
        )
    )
    parsed = parsed.filter(pl.col("client").is_not_null())
    key = pl.col("client").str.to_lowercase()
    repeat = key.is_duplicated() & ~key.is_first_distinct()
    issues.append(
        issue_rows(
            parsed,
            repeat,
            labels["client"],
            pl.col("client"),
            "client listed more than once",
            "first row used",
        )
    )
    clients = parsed.filter(~repeat).select(
        [pl.col(n).cast(t) for n, t in CLIENT_SCHEMA.items() if n != "sheet"]
    )
    return clients, issues


def idle_clients(clients: pl.DataFrame, table: RawTable, invoices: pl.DataFrame) -> pl.DataFrame:
    """Clients-sheet clients nobody invoiced: listed, not in the figures."""
    billed = invoices["client"].str.to_lowercase().unique().implode()
    return issue_rows(
        clients.with_columns(pl.lit(table.sheet).alias("sheet")),
        ~pl.col("client").str.to_lowercase().is_in(billed),
        label(table, "client"),
        pl.col("client"),
        "no invoices for this client",
        "listed; not in the figures",
    )
