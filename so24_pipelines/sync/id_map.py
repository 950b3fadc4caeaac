"""Read-only lookups in sync.id_map for flows that follow links another flow created.

The loader owns the id map (store.py). Other flows ask it questions such as "which 24SO order
did this Rackbeat order come from" (R5/R6 on R4's rows) or "which of these Rackbeat orders were
created by R4" (R7): these helpers answer them with bound parameters, the flow whose rows are
meant always passed in (never a flow id written into the SQL). Each takes the caller's open
connection, so several lookups share one short read; callers check `sync_schema_exists` first
when the schema may not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb


def source_key_by_target(con: duckdb.DuckDBPyConnection, flow: str, target_key: str) -> str | None:
    """The source key the flow's id map pairs with `target_key` (the latest if several), or None."""
    rows = con.execute(
        "SELECT source_key FROM sync.id_map WHERE flow = ? AND target_key = ? ORDER BY updated_at DESC LIMIT 1",
        [flow, str(target_key)],
    ).fetchall()
    return rows[0][0] if rows else None


def source_key_by_business_key(con: duckdb.DuckDBPyConnection, flow: str, business_key: str) -> str | None:
    """The source key created under `business_key` in the flow (the latest if several), or None.

    This answers for a create whose target key was never confirmed (a crash right after the
    create): the row exists from before the send, with its business key.
    """
    rows = con.execute(
        "SELECT source_key FROM sync.id_map WHERE flow = ? AND business_key = ? ORDER BY updated_at DESC LIMIT 1",
        [flow, business_key],
    ).fetchall()
    return rows[0][0] if rows else None


def target_keys_of(con: duckdb.DuckDBPyConnection, flow: str, source_keys: Iterable[str]) -> list[str]:
    """Known target keys of these source keys in the flow (records never confirmed are left out)."""
    keys = [str(k) for k in source_keys]
    if not keys:
        return []
    rows = con.execute(
        "SELECT target_key FROM sync.id_map WHERE flow = ? AND list_contains(?::VARCHAR[], source_key) "
        "AND target_key IS NOT NULL",
        [flow, keys],
    ).fetchall()
    return [row[0] for row in rows]


def mapped_target_keys(con: duckdb.DuckDBPyConnection, flow: str, target_keys: Iterable[str]) -> set[str]:
    """Which of `target_keys` the flow created (has in its id map): a join of staged keys with it.

    E.g. R7 asks which Rackbeat order numbers on staged invoices are orders R4 sent from 24SO.
    """
    keys = sorted({str(k) for k in target_keys})
    if not keys:
        return set()
    rows = con.execute(
        "SELECT DISTINCT m.target_key FROM sync.id_map m "
        "JOIN (SELECT unnest(?::VARCHAR[]) AS target_key) k ON m.target_key = k.target_key "
        "WHERE m.flow = ?",
        [keys, flow],
    ).fetchall()
    return {row[0] for row in rows}


def source_keys_of(con: duckdb.DuckDBPyConnection, flow: str) -> list[str]:
    """Every source key the flow has in its id map (synced or pending), sorted."""
    rows = con.execute("SELECT source_key FROM sync.id_map WHERE flow = ? ORDER BY source_key", [flow]).fetchall()
    return [row[0] for row in rows]


def known_source_keys(con: duckdb.DuckDBPyConnection, flow: str, source_keys: Iterable[str]) -> set[str]:
    """Which of `source_keys` the flow has in its id map (synced or pending): records it wrote.

    E.g. R8 asks which 24SO products R1/R3 made (or adopted) in Rackbeat, O5 which O1 made in the WMS.
    """
    keys = sorted({str(k) for k in source_keys})
    if not keys:
        return set()
    rows = con.execute(
        "SELECT DISTINCT source_key FROM sync.id_map WHERE flow = ? AND list_contains(?::VARCHAR[], source_key)",
        [flow, keys],
    ).fetchall()
    return {row[0] for row in rows}


def confirmed_pairs(con: duckdb.DuckDBPyConnection, flow: str) -> list[tuple[str, str]]:
    """(source key, target key) of every record the flow has confirmed in its target, by source key."""
    rows = con.execute(
        "SELECT source_key, target_key FROM sync.id_map WHERE flow = ? AND status = 'synced' "
        "AND target_key IS NOT NULL ORDER BY source_key",
        [flow],
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def confirmed_since(
    con: duckdb.DuckDBPyConnection, flow: str, since: datetime | None
) -> tuple[list[tuple[str, str]], datetime | None]:
    """(source key, target key) of the records the flow confirmed or wrote after `since` (all when
    None), and the latest such time: a follower flow's mark, so it looks only at what is new."""
    rows = con.execute(
        "SELECT source_key, target_key, updated_at FROM sync.id_map WHERE flow = ? AND status = 'synced' "
        "AND target_key IS NOT NULL AND (CAST(? AS TIMESTAMP) IS NULL OR updated_at > CAST(? AS TIMESTAMP)) "
        "ORDER BY source_key",
        [flow, since, since],
    ).fetchall()
    latest = max((row[2] for row in rows), default=None)
    return [(row[0], row[1]) for row in rows], latest


def confirmed_write_times(con: duckdb.DuckDBPyConnection, flow: str) -> dict[str, datetime]:
    """target key -> when the flow last confirmed or wrote it: what tells a record's own later
    change from the echo of the hub's write (N3 on what N1 made in Rackbeat)."""
    rows = con.execute(
        "SELECT target_key, max(updated_at) FROM sync.id_map WHERE flow = ? AND status = 'synced' "
        "AND target_key IS NOT NULL GROUP BY target_key",
        [flow],
    ).fetchall()
    return {row[0]: row[1] for row in rows if row[1] is not None}


def linked_with_hashes(
    con: duckdb.DuckDBPyConnection, flow: str, *, confirmed_only: bool = False
) -> list[tuple[str, str, str | None]]:
    """(source key, target key, hash of the last payload written) of every record the flow has a
    target for (`confirmed_only`: of those confirmed in the target): X7 pairs records by them and
    tells a source changed since the hub's last write from one that did not."""
    rows = con.execute(
        "SELECT source_key, target_key, last_hash FROM sync.id_map WHERE flow = ? AND target_key IS NOT NULL "
        "AND (NOT ? OR status = 'synced') ORDER BY source_key",
        [flow, confirmed_only],
    ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
