"""Questions asked of sync.sync_log (X8) by readers outside the loader.

X7 asks which records a flow currently *skips*: a record whose latest outcome in the flow is a
skip is one the flow has looked at and refused with a reason (its preview lists it), not drift.
"""

from __future__ import annotations

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
