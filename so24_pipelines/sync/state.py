"""Flow state in `sync.state`: small key/value marks (cursors, high-water marks, pair baselines).

One writer, one clock: every write goes through `set_states` and stamps `updated_at` with
`utcnow()` (naive UTC, like every other sync.* timestamp). Before, three writers stamped it from
two clocks (Python UTC and DuckDB's `now()`, which is the session's local time once stored in a
TIMESTAMP column), so "when was this mark last moved" depended on who moved it.

The helpers take a connection, not a path: a flow writes its mark in the same transaction as the
rows it covers, so a crash can never leave a mark that runs ahead of them. Readers stay read-only:
they return nothing (instead of creating the schema) before the first write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from so24_pipelines.sync.schema import ensure_sync_schema, table_exists, utcnow


def get_state(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """Read one flow-state value (None when never set or when the schema does not exist yet)."""
    if not table_exists(con, "state"):
        return None
    rows = con.execute("SELECT value FROM sync.state WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def states_with_prefix(con: duckdb.DuckDBPyConnection, prefix: str) -> dict[str, str]:
    """Every set (non-NULL) value whose key starts with `prefix`, by full key.

    For state kept per record under one prefix (e.g. one baseline per linked pair), read in one
    statement instead of one lookup per record.
    """
    if not table_exists(con, "state"):
        return {}
    rows = con.execute(
        "SELECT key, value FROM sync.state WHERE starts_with(key, ?) AND value IS NOT NULL", [prefix]
    ).fetchall()
    return {key: value for key, value in rows}


def states_of(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> dict[str, str]:
    """The set (non-NULL) values of `keys`, by key, in one statement (absent keys are left out)."""
    if not keys or not table_exists(con, "state"):
        return {}
    rows = con.execute(
        "SELECT key, value FROM sync.state WHERE key IN (SELECT unnest(?::VARCHAR[])) AND value IS NOT NULL",
        [list(keys)],
    ).fetchall()
    return {key: value for key, value in rows}


def set_states(con: duckdb.DuckDBPyConnection, values: Mapping[str, str | None]) -> None:
    """Write several flow-state values in the caller's transaction: the one writer of sync.state.

    All rows of one call share one `updated_at` from `utcnow()`; keep it the only INSERT into
    sync.state so the table has one clock.
    """
    if not values:
        return
    ensure_sync_schema(con)
    now = utcnow()
    con.executemany(
        """
        INSERT INTO sync.state (key, value, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
        """,
        [[key, value, now] for key, value in values.items()],
    )


def set_state(con: duckdb.DuckDBPyConnection, key: str, value: str | None) -> None:
    """Write one flow-state value on the caller's connection, inside the caller's transaction.

    Taking the connection (not a path) is the point: a high-water mark committed in the same
    transaction as the staged rows can never run ahead of them after a crash.
    """
    set_states(con, {key: value})
