"""Clients under common control are measured as one account.

A Clients-sheet Group column names the account a client belongs to (followed through chains:
a subsidiary's group may itself belong to a group); otherwise a QuickBooks sub-customer
``Parent:Child`` belongs to ``Parent``; otherwise a client is its own account. Names match
case-insensitively, and an account takes the spelling of the client of that name when one bills.
"""

from __future__ import annotations

import re

import polars as pl

MEMBER = "member"
_MAX_DEPTH = 10  # group chains deeper than this are cut (and loops broken)


_SUB_CUSTOMER = re.compile(r"^([^:]+?)\s*:(?![\s/])")  # "Parent:Child", not "Re: x" or "http://"


def _parent(name: str) -> str:
    found = _SUB_CUSTOMER.match(name) if ":" in name else None  # most names have no colon
    return found.group(1).strip() if found and found.group(1).strip() else name


def account_map(invoices: pl.DataFrame, clients: pl.DataFrame) -> pl.DataFrame:
    """One row per client name as billed: ``member`` -> ``client`` (the account it is measured in).

    Resolved over the distinct names (a few thousand at most), not over invoice rows.
    """
    # the distinct names only: a Python string for each of ten million rows was 290 MB and 1 s
    names = invoices["client"].drop_nulls().unique().sort()
    billed = names.to_list()
    group_of = {
        str(c).casefold(): str(g)
        for c, g in clients.filter(pl.col("group").is_not_null())
        .select("client", "group")
        .iter_rows()
        if str(g).casefold() != str(c).casefold()
    }
    folded = pl.Series([name.casefold() for name in billed], dtype=pl.String)
    if not group_of and not names.str.contains(":", literal=True).any():
        # Most ledgers: no groups and no sub-customers, so each name's account is the first
        # spelling of it (in sorted order), found in columns. At the bench's long tail (15,300
        # names billed) this took 0.0085-0.0089 s against 0.0245-0.0265 s name by name, before
        # the model's threads start (medians of 15, side by side).
        by_name = pl.DataFrame({MEMBER: names, "key": folded})
        return by_name.select(MEMBER, pl.col(MEMBER).first().over("key").alias("client"))
    spelling: dict[str, str] = {}
    for name, key in zip(billed, folded, strict=True):
        spelling.setdefault(key, name)
    keys = {}
    for name, folded_name in zip(billed, folded, strict=True):
        key, seen = folded_name, set[str]()
        while key in group_of and key not in seen and len(seen) < _MAX_DEPTH:
            seen.add(key)
            key = group_of[key].casefold()
        if not seen:  # no group on the Clients sheet: QuickBooks Parent:Child
            parent = _parent(name)
            key = parent.casefold()
            spelling.setdefault(key, parent)
        else:
            spelling.setdefault(key, group_of_spelling(clients, key) or key)
        keys[name] = key
    rows = [(name, spelling[key]) for name, key in keys.items()]
    return pl.DataFrame(rows, schema={MEMBER: pl.String, "client": pl.String}, orient="row")


def group_of_spelling(clients: pl.DataFrame, key: str) -> str | None:
    """How the Clients sheet spells a group that no invoice bills directly."""
    for value in clients["group"].drop_nulls().to_list():
        if str(value).casefold() == key:
            return str(value)
    return None


def to_accounts(invoices: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """Invoices with ``client`` replaced by the account and the billed name kept as ``member``.

    Mapped by value, not joined: a join copies every column of every invoice (0.65 GB at ten
    million), where only the one new column is made here."""
    if mapping.height == 0 or (mapping[MEMBER] == mapping["client"]).all():
        # every account is its one billed name: the column is shared, not made again
        return invoices.with_columns(pl.col("client").alias(MEMBER))
    account = pl.col(MEMBER).replace_strict(
        mapping[MEMBER], mapping["client"], default=pl.col(MEMBER), return_dtype=pl.String
    )
    return invoices.rename({"client": MEMBER}).with_columns(account.alias("client"))


def account_members(mapping: pl.DataFrame) -> pl.DataFrame:
    """Accounts that join several billed names (or one under another name), with those names."""
    if (mapping[MEMBER] == mapping["client"]).all():
        # each name its own account, as in most ledgers: none (0.009 s at 15,000 names grouped)
        mapping = mapping.clear()
    return (
        mapping.group_by("client")
        .agg(pl.col(MEMBER).sort().alias("members"))
        .filter(
            (pl.col("members").list.len() > 1)
            | (pl.col("members").list.first() != pl.col("client"))
        )
    )


def account_of(mapping: pl.DataFrame, names: pl.Expr) -> pl.Expr:
    """Map free-text client names (e.g. a Referred By cell) to accounts, case-insensitively.

    Where two spellings differ only in case, the later one's account is taken. The lookup stays
    in columns: as a dict of 20,000 names it took 0.026 s a pair of calls against 0.010 s."""
    keys = mapping.select(pl.col(MEMBER).str.to_lowercase(), "client").unique(
        MEMBER, keep="last", maintain_order=True
    )
    return names.str.to_lowercase().replace_strict(
        keys[MEMBER], keys["client"], default=None, return_dtype=pl.String
    )


def account_attributes(clients: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """The Clients-sheet facts per account: the account's own row first, then its members' rows."""
    lookup = mapping.select(
        pl.col(MEMBER).str.to_lowercase().alias("_key"), pl.col("client").alias("account")
    )
    joined = (
        clients.with_columns(pl.col("client").str.to_lowercase().alias("_key"))
        .join(lookup.unique("_key"), on="_key", how="left")
        .with_columns(pl.coalesce("account", "group", "client").alias("account"))
        .with_columns((pl.col("_key") == pl.col("account").str.to_lowercase()).alias("_own"))
    )
    facts = [c for c in clients.columns if c not in {"client", "row", "group"}]
    return (
        joined.sort(["account", "_own", "row"], descending=[False, True, False])
        .group_by("account", maintain_order=True)
        .agg(pl.col(f).drop_nulls().first() for f in facts)
        .rename({"account": "client"})
    )
