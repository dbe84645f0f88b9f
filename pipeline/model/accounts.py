"""Clients under common control are measured as one account.

A Clients-sheet Group column names the account a client belongs to; otherwise a QuickBooks
sub-customer ``Parent:Child`` belongs to ``Parent``; otherwise a client is its own account.
"""

from __future__ import annotations

import polars as pl

MEMBER = "member"


def account_map(invoices: pl.DataFrame, clients: pl.DataFrame) -> pl.DataFrame:
    """One row per client name as billed: ``member`` -> ``client`` (the account it is measured in)."""
    names = invoices.select(pl.col("client").alias(MEMBER)).unique()
    groups = clients.filter(pl.col("group").is_not_null()).select(
        pl.col("client").str.to_lowercase().alias("_key"), pl.col("group")
    )
    parent = pl.col(MEMBER).str.extract(r"^([^:]+?)\s*:").str.strip_chars()
    return (
        names.with_columns(pl.col(MEMBER).str.to_lowercase().alias("_key"))
        .join(groups, on="_key", how="left")
        .select(MEMBER, pl.coalesce("group", parent, pl.col(MEMBER)).alias("client"))
        .sort(MEMBER)
    )


def to_accounts(invoices: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """Invoices with ``client`` replaced by the account and the billed name kept as ``member``."""
    return (
        invoices.rename({"client": MEMBER})
        .join(mapping, on=MEMBER, how="left")
        .with_columns(pl.coalesce("client", MEMBER).alias("client"))
    )


def account_members(mapping: pl.DataFrame) -> pl.DataFrame:
    """Accounts that join several billed names, with those names (sorted)."""
    return (
        mapping.group_by("client")
        .agg(pl.col(MEMBER).sort().alias("members"))
        .filter(pl.col("members").list.len() > 1)
    )


def account_attributes(clients: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """The Clients-sheet facts per account: the account's own row first, then its members' rows."""
    keyed = clients.with_columns(pl.col("client").str.to_lowercase().alias("_key"))
    lookup = mapping.with_columns(pl.col(MEMBER).str.to_lowercase().alias("_key")).select(
        "_key", pl.col("client").alias("account")
    )
    joined = keyed.join(lookup, on="_key", how="left").with_columns(
        pl.coalesce("group", "account", "client").alias("account"),
        (
            pl.col("client").str.to_lowercase()
            == pl.coalesce("group", "account", "client").str.to_lowercase()
        ).alias("_own"),
    )
    facts = [c for c in clients.columns if c not in {"client", "row", "group"}]
    return (
        joined.sort(["account", "_own", "row"], descending=[False, True, False])
        .group_by("account", maintain_order=True)
        .agg(pl.col(f).drop_nulls().first() for f in facts)
        .rename({"account": "client"})
    )
