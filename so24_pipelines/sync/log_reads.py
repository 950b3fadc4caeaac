"""Questions asked of sync.sync_log (X8) by readers outside the loader.

X7 asks which records a flow currently *skips*: a record whose latest outcome in the flow is a
skip is one the flow has looked at and refused with a reason (its preview lists it), not drift.
L1 asks which products its last run skipped for one reason (to list them in its check), N3 when
N1 first wrote (the moment it goes live from).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from so24_pipelines.sync.schema import table_exists


def skipped_now(con: duckdb.DuckDBPyConnection, flow: str) -> dict[str, str]:
    """source key -> reason, for each record of `flow` whose latest logged outcome is a skip."""
    if not table_exists(con, "sync_log"):
        return {}
    rows = con.execute(
        """
        SELECT source_key, action, reason FROM (
            SELECT source_key, action, reason,
                   row_number() OVER (PARTITION BY source_key ORDER BY id DESC) AS n
            FROM sync.sync_log WHERE flow = ?
        ) WHERE n = 1 AND action = 'skip'
        """,
        [flow],
    ).fetchall()
    return {row[0]: row[2] or "" for row in rows}


def last_run_skips(con: duckdb.DuckDBPyConnection, flow: str, reason_prefix: str) -> list[tuple[str, str]]:
    """(source key, reason) of the records the flow's last logged run skipped with a reason
    starting with `reason_prefix`, by source key."""
    if not table_exists(con, "sync_log"):
        return []
    rows = con.execute(
        """
        SELECT source_key, reason FROM sync.sync_log
        WHERE flow = ? AND action = 'skip' AND starts_with(reason, ?) AND run_id = (
            SELECT run_id FROM sync.sync_log WHERE flow = ? ORDER BY id DESC LIMIT 1)
        ORDER BY source_key
        """,
        [flow, reason_prefix, flow],
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def first_logged_at(con: duckdb.DuckDBPyConnection, flow_prefix: str) -> datetime | None:
    """When a flow whose id starts with `flow_prefix` first logged a record (naive UTC), or None."""
    if not table_exists(con, "sync_log"):
        return None
    return con.execute(
        "SELECT min(logged_at) FROM sync.sync_log WHERE starts_with(flow, ?)", [flow_prefix]
    ).fetchone()[0]


def last_written_at(
    con: duckdb.DuckDBPyConnection, flow: str, actions: list[str]
) -> list[tuple[str, str, datetime]]:
    """(source key, target key, latest time) of the records the flow logged one of `actions` for
    (e.g. create, update): when a flow last wrote each pair, as X7 asks of the N-flows."""
    if not table_exists(con, "sync_log"):
        return []
    rows = con.execute(
        "SELECT source_key, target_key, max(logged_at) FROM sync.sync_log WHERE flow = ? "
        "AND list_contains(?::VARCHAR[], action) AND target_key IS NOT NULL GROUP BY 1, 2",
        [flow, actions],
    ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
