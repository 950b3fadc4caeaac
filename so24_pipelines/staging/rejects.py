"""Records an extraction could not stage, kept in sync.failed_records with a readable reason.

Extraction rejects share the table with the loader's failed writes (flow = E1..E7), so a user has
one place to look. A record that stages fine on a later run is removed from the list.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from so24_pipelines.sync.schema import utcnow


def record_rejects(
    con: duckdb.DuckDBPyConnection,
    flow: str,
    identity: str,
    rejected: Iterable[tuple[str, str]],
    stored_keys: Iterable[str],
    run_id: str = "extract",
) -> None:
    now = utcnow()
    for key, reason in rejected:
        con.execute(
            "INSERT INTO sync.failed_records (flow, source_key, reason, attempts, first_failed_at, last_failed_at, last_run_id) "
            "VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (flow, source_key) DO UPDATE SET "
            "reason = excluded.reason, attempts = sync.failed_records.attempts + 1, "
            "last_failed_at = excluded.last_failed_at, last_run_id = excluded.last_run_id",
            [flow, f"{identity}:{key}", reason, now, now, run_id],
        )
    pending = con.execute("SELECT count(*) FROM sync.failed_records WHERE flow = ?", [flow]).fetchall()[0][0]
    keys = [f"{identity}:{k}" for k in stored_keys] if pending else []
    if keys:
        con.execute(
            "DELETE FROM sync.failed_records WHERE flow = ? AND list_contains(?, source_key)",
            [flow, keys],
        )
