"""sync.failed_records outside the loader: what flows and checks read, and extraction rejects.

The loader records its own failed writes (store.py). This module is the rest: the keys a flow
still has on record (to retire failures its mapping no longer selects), the list with reasons
that asset checks show, and the records an extraction or staging step could not store. Those
share the table with the loader's failures (flow = E1..E7, or "<flow>.rackbeat_<entity>"), so a
user has one place to look. Readers return nothing before the schema exists (dry-run stays
read-only); writers run in the caller's transaction.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from so24_pipelines.staging.db import connect
from so24_pipelines.sync.schema import sync_schema_exists, utcnow


def failed_record_keys(db_path: str | Path, flow: str) -> list[str]:
    """Source keys with a failure on record for the flow (not the unconfirmed creates), sorted."""
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return []
        rows = con.execute(
            "SELECT source_key FROM sync.failed_records WHERE flow = ? ORDER BY source_key", [flow]
        ).fetchall()
    return [row[0] for row in rows]


def failed_records(db_path: str | Path, flows: Sequence[str], *, limit: int = 50) -> list[tuple[str, str, str, int]]:
    """(flow, source_key, reason, attempts) of the flows' failures, by flow and key, at most `limit`.

    For asset checks and metadata: enough to show a user what is stuck and why.
    """
    if not flows:
        return []
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return []
        rows = con.execute(
            "SELECT flow, source_key, reason, attempts FROM sync.failed_records "
            "WHERE list_contains(?::VARCHAR[], flow) ORDER BY flow, source_key LIMIT ?",
            [list(flows), int(limit)],
        ).fetchall()
    return [(flow, key, reason, int(attempts)) for flow, key, reason, attempts in rows]


def _distinct_keys(rejected: Iterable[tuple[str | None, str]]) -> list[tuple[str, str]]:
    """Rejects with a key each: one without (None, "None", blank) is named by its reason, numbered.

    Staging names a record without an id by a digest of its content (staging/values.py); this is
    the fallback for a caller that passes none, so two such records never share one row.
    """
    out: list[tuple[str, str]] = []
    seen: Counter[str] = Counter()
    for key, reason in rejected:
        if key is None or str(key).strip() in ("", "None"):
            digest = hashlib.sha1(reason.encode()).hexdigest()[:12]
            seen[digest] += 1
            key = f"(no id) {digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")
        out.append((str(key), reason))
    return out


def record_rejects(
    con: duckdb.DuckDBPyConnection,
    flow: str,
    identity: str,
    rejected: Iterable[tuple[str | None, str]],
    stored_keys: Iterable[str],
    run_id: str = "extract",
) -> None:
    """Keep records a read could not stage (key, reason), and clear those that staged this time.

    Keys are "<identity>:<record key>", one row per rejected record: a record without a key has a
    name of its own (never "<identity>:None" shared by all of them). A reject seen again counts one
    more attempt; a record that stores fine on a later run leaves the list. Runs in the caller's
    transaction, beside the rows it describes.
    """
    now = utcnow()
    for key, reason in _distinct_keys(rejected):
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
