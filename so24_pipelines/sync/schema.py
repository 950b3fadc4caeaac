"""The `sync` schema: what the loader remembers between runs, and flow state next to it.

Everything here is idempotent DDL (IF NOT EXISTS), so every writer may call `ensure_sync_schema`
at the start of its transaction and two processes racing to create it simply serialise on the
DuckDB file lock. Timestamps are naive UTC (`TIMESTAMP`), written from Python, so comparisons
(claim expiry) never depend on the DuckDB session's time zone.

Tables:
- `sync.id_map`: one row per (flow, source record): which target record it became, the business
  key it was created under, and the hash of the payload last confirmed by the target. A row in
  status `pending_create` is written *before* a create is sent, so a crash between the target
  accepting it and us recording it leaves a trace to resolve instead of a duplicate to make.
  `claimed_run`/`claimed_at` say which run is writing the record right now (see executor.py).
- `sync.sync_log`: append-only, one row per outcome of every load (X8), keyed by run id.
- `sync.failed_records`: records whose last attempt failed, with the reason, so the next tick
  retries them even when the source did not change (X5).
- `sync.state`: small key/value flow state (high-water marks, cursors), read and written only
  through state.py (one writer, one clock).

Tables kept beside these by other parts of sync/ (their own DDL, so this set stays the loader's):
`sync.backfill_batches` (backfill.py) and `sync.rackbeat_order_lines` (order_lines.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

ID_MAP_STATUSES = ("pending_create", "synced")
LOG_ACTIONS = ("create", "update", "unchanged", "skip", "fail", "resolved")

_DDL = (
    "CREATE SCHEMA IF NOT EXISTS sync",
    """
    CREATE TABLE IF NOT EXISTS sync.id_map (
        flow           VARCHAR NOT NULL,
        source_system  VARCHAR,
        source_key     VARCHAR NOT NULL,
        target_system  VARCHAR NOT NULL,
        target_entity  VARCHAR NOT NULL,
        target_key     VARCHAR,
        business_key   VARCHAR,
        last_hash      VARCHAR,
        status         VARCHAR NOT NULL CHECK (status IN ('pending_create', 'synced')),
        claimed_run    VARCHAR,
        claimed_at     TIMESTAMP,
        created_at     TIMESTAMP NOT NULL,
        updated_at     TIMESTAMP NOT NULL,
        PRIMARY KEY (flow, source_key)
    )
    """,
    "CREATE SEQUENCE IF NOT EXISTS sync.sync_log_id_seq",
    """
    CREATE TABLE IF NOT EXISTS sync.sync_log (
        id              BIGINT NOT NULL DEFAULT nextval('sync.sync_log_id_seq'),
        run_id          VARCHAR NOT NULL,
        flow            VARCHAR NOT NULL,
        source_key      VARCHAR NOT NULL,
        business_key    VARCHAR,
        target_key      VARCHAR,
        action          VARCHAR NOT NULL
                        CHECK (action IN ('create', 'update', 'unchanged', 'skip', 'fail', 'resolved')),
        reason          VARCHAR,
        source_version  VARCHAR,
        logged_at       TIMESTAMP NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS sync.failed_records (
        flow             VARCHAR NOT NULL,
        source_key       VARCHAR NOT NULL,
        business_key     VARCHAR,
        reason           VARCHAR NOT NULL,
        attempts         INTEGER NOT NULL,
        first_failed_at  TIMESTAMP NOT NULL,
        last_failed_at   TIMESTAMP NOT NULL,
        last_run_id      VARCHAR NOT NULL,
        payload_json     VARCHAR,
        PRIMARY KEY (flow, source_key)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS sync.state (
        key         VARCHAR PRIMARY KEY,
        value       VARCHAR,
        updated_at  TIMESTAMP NOT NULL
    )
    """,
)


def utcnow() -> datetime:
    """Naive UTC, the one clock every sync.* timestamp is written with."""
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_sync_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the sync schema if missing. Safe to call in every write transaction."""
    for statement in _DDL:
        con.execute(statement)


def sync_schema_exists(con: duckdb.DuckDBPyConnection) -> bool:
    """True once `ensure_sync_schema` has run; readers use it to stay read-only (dry-run)."""
    return table_exists(con, "id_map")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """True when sync.<table> exists; lets readers answer "nothing yet" without creating it."""
    # fetchall, not fetchone: DuckDB refuses further work on a connection with a half-read result
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sync' AND table_name = ?",
        [table],
    ).fetchall()
    return bool(rows[0][0])
