"""The loader's SQL: reading what sync.* remembers and recording outcomes, set-based.

Every function takes an open connection and does its work in the caller's transaction; none
opens one, and none is ever called with a network call in flight. Batches travel as pandas
frames registered under fixed names (never interpolated values), so recording 100 or 100,000
outcomes is a handful of statements rather than one round trip per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa

from so24_pipelines.sync.report import Outcome
from so24_pipelines.sync.schema import table_exists

_KEYS_VIEW = "_sync_keys"
_OUTCOMES_VIEW = "_sync_outcomes"
_INPUTS_VIEW = "_sync_inputs"

# Beside the loader's tables (schema.py), its own DDL like backfill.py's: per flow and source
# record, the digest of the inputs it was last mapped from and the hash of the payload that gave
# (engine.map_changed, planner.remember_inputs). A pure cache: dropping it only costs one tick
# that maps everything again.
_INPUTS_DDL = """
    CREATE TABLE IF NOT EXISTS sync.mapped_inputs (
        flow          VARCHAR NOT NULL,
        source_key    VARCHAR NOT NULL,
        input_digest  VARCHAR NOT NULL,
        payload_hash  VARCHAR NOT NULL,
        updated_at    TIMESTAMP NOT NULL,
        PRIMARY KEY (flow, source_key)
    )
"""


@dataclass(frozen=True)
class LoadContext:
    """Who is writing what: fixed for one load."""

    flow: str
    run_id: str
    source_system: str | None
    target_system: str
    target_entity: str


class IdMapRow(NamedTuple):
    """One sync.id_map row (a named tuple: a tick reads one per record, 100k of them)."""

    source_key: str
    target_system: str
    target_entity: str
    target_key: str | None
    business_key: str | None
    last_hash: str | None
    status: str
    claimed_run: str | None
    claimed_at: datetime | None


@dataclass(frozen=True)
class FailureRow:
    source_key: str
    reason: str
    attempts: int
    last_run_id: str | None = None


@contextmanager
def _frame(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, Sequence[Any]]) -> Iterator[None]:
    """Expose Python columns as a view for one statement batch (name from the fixed set above).

    An Arrow table when every column has one Arrow type (the usual case: text, or flags), which
    DuckDB scans without touching Python objects; a pandas frame of objects otherwise.
    """
    if name not in (_KEYS_VIEW, _OUTCOMES_VIEW, _INPUTS_VIEW):
        raise ValueError(f"unknown frame name {name!r}")
    frame: Any
    try:
        frame = pa.table({column: pa.array(list(values)) for column, values in columns.items()})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frame = pd.DataFrame(
            {column: pd.Series(list(values), dtype=object) for column, values in columns.items()}
        )
    con.register(name, frame)
    try:
        yield
    finally:
        con.unregister(name)


def read_id_map(con: duckdb.DuckDBPyConnection, flow: str, source_keys: Sequence[str]) -> dict[str, IdMapRow]:
    """id_map rows of this flow for the given source keys."""
    if not source_keys:
        return {}
    with _frame(con, _KEYS_VIEW, {"source_key": source_keys}):
        rows = con.execute(
            """
            SELECT m.source_key, m.target_system, m.target_entity, m.target_key, m.business_key,
                   m.last_hash, m.status, m.claimed_run, m.claimed_at
            FROM sync.id_map AS m
            JOIN (SELECT DISTINCT CAST(source_key AS VARCHAR) AS source_key FROM _sync_keys) AS k
              ON m.source_key = k.source_key
            WHERE m.flow = ?
            """,
            [flow],
        ).fetchall()
    return {row[0]: row for row in map(IdMapRow._make, rows)}


def read_plan_state(
    con: duckdb.DuckDBPyConnection,
    flow: str,
    source_keys: Sequence[str],
    hashes: Sequence[str],
    target_system: str,
    target_entity: str,
) -> tuple[dict[str, str], dict[str, IdMapRow]]:
    """For a batch about to be planned (key, payload hash): the target key of each record the id
    map holds unchanged (confirmed with this hash, synced, linked to this target), and the id map
    rows of the others. Decided here, in one pass over the batch, so a tick with 100k unchanged
    records reads two columns of them instead of building 100k rows in Python."""
    if not source_keys:
        return {}, {}
    unchanged_sql = (
        "m.last_hash = k.payload_hash AND m.target_key IS NOT NULL AND m.status <> 'pending_create' "
        "AND m.target_system = ? AND m.target_entity = ?"
    )
    with _frame(con, _KEYS_VIEW, {"source_key": source_keys, "payload_hash": hashes}):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _sync_plan AS
            SELECT DISTINCT CAST(source_key AS VARCHAR) AS source_key, CAST(payload_hash AS VARCHAR) AS payload_hash
            FROM _sync_keys
            """
        )
    try:
        unchanged = con.execute(
            f"""
            SELECT m.source_key, m.target_key FROM _sync_plan AS k
            JOIN sync.id_map AS m ON m.flow = ? AND m.source_key = k.source_key
            WHERE {unchanged_sql}
            """,  # noqa: S608 - fixed text
            [flow, target_system, target_entity],
        ).fetchall()
        others = con.execute(
            f"""
            SELECT m.source_key, m.target_system, m.target_entity, m.target_key, m.business_key,
                   m.last_hash, m.status, m.claimed_run, m.claimed_at
            FROM _sync_plan AS k
            JOIN sync.id_map AS m ON m.flow = ? AND m.source_key = k.source_key
            WHERE NOT coalesce({unchanged_sql}, false)
            """,  # noqa: S608 - fixed text
            [flow, target_system, target_entity],
        ).fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS _sync_plan")
    return dict(unchanged), {row[0]: row for row in map(IdMapRow._make, others)}


def read_failures(
    con: duckdb.DuckDBPyConnection, flow: str, source_keys: Sequence[str]
) -> dict[str, FailureRow]:
    """failed_records rows of this flow for the given source keys (for plan reasons)."""
    if not source_keys:
        return {}
    with _frame(con, _KEYS_VIEW, {"source_key": source_keys}):
        rows = con.execute(
            """
            SELECT f.source_key, f.reason, f.attempts, f.last_run_id
            FROM sync.failed_records AS f
            JOIN (SELECT DISTINCT CAST(source_key AS VARCHAR) AS source_key FROM _sync_keys) AS k
              ON f.source_key = k.source_key
            WHERE f.flow = ?
            """,
            [flow],
        ).fetchall()
    return {row[0]: FailureRow(*row) for row in rows}


def read_business_key_owners(
    con: duckdb.DuckDBPyConnection, flow: str, business_keys: Sequence[str]
) -> list[tuple[str, str]]:
    """(business_key, source_key) pairs of id_map rows of this flow that carry one of these keys."""
    if not business_keys:
        return []
    with _frame(con, _KEYS_VIEW, {"source_key": business_keys}):
        rows = con.execute(
            """
            SELECT m.business_key, m.source_key
            FROM sync.id_map AS m
            JOIN (SELECT DISTINCT CAST(source_key AS VARCHAR) AS business_key FROM _sync_keys) AS k
              ON m.business_key = k.business_key
            WHERE m.flow = ?
            ORDER BY m.business_key, m.source_key
            """,
            [flow],
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


def read_inputs(
    con: duckdb.DuckDBPyConnection, flow: str, key_prefix: str, query_sql: str, query_params: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """The rows of an input query (mapping.query.input_query: `_key_text`, `_key`, ..., `_digest`)
    in `_key` order, each followed by the payload hash its record may be settled with: its loader
    key (`key_prefix` + `_key_text`) has this input digest remembered, and its target holds that
    payload (synced, confirmed with that hash, claimed by no run, not failed). None: map it.
    Reads only, in one statement; nothing is settled before the tables exist."""
    if not (table_exists(con, "mapped_inputs") and table_exists(con, "id_map")):
        return [(*row, None) for row in con.execute(query_sql, list(query_params)).fetchall()]
    return con.execute(
        f"""
        SELECT q.*, CASE WHEN i.source_key IS NOT NULL AND f.source_key IS NULL THEN m.payload_hash END
        FROM ({query_sql}) AS q
        LEFT JOIN sync.mapped_inputs AS m
          ON m.flow = ? AND m.source_key = CAST(? AS VARCHAR) || q._key_text AND m.input_digest = q._digest
        LEFT JOIN sync.id_map AS i
          ON i.flow = ? AND i.source_key = m.source_key AND i.status = 'synced' AND i.target_key IS NOT NULL
         AND i.claimed_run IS NULL AND i.last_hash = m.payload_hash
        LEFT JOIN sync.failed_records AS f ON f.flow = ? AND f.source_key = m.source_key
        ORDER BY q._key
        """,  # noqa: S608 - the query is the engine's, built from checked identifiers
        [*query_params, flow, key_prefix, flow, flow],
    ).fetchall()


def write_inputs(
    con: duckdb.DuckDBPyConnection, flow: str, rows: Sequence[tuple[str, str, str]], now: datetime
) -> None:
    """Remember (source key, input digest, payload hash) for records mapped afresh."""
    if not rows:
        return
    con.execute("CREATE SCHEMA IF NOT EXISTS sync")
    con.execute(_INPUTS_DDL)
    columns = {"source_key": [r[0] for r in rows], "input_digest": [r[1] for r in rows],
               "payload_hash": [r[2] for r in rows]}  # fmt: skip
    with _frame(con, _INPUTS_VIEW, columns):
        con.execute(
            """
            INSERT INTO sync.mapped_inputs (flow, source_key, input_digest, payload_hash, updated_at)
            SELECT ?, CAST(source_key AS VARCHAR), CAST(input_digest AS VARCHAR), CAST(payload_hash AS VARCHAR), ?
            FROM _sync_inputs
            ON CONFLICT (flow, source_key) DO UPDATE SET
                input_digest = excluded.input_digest,
                payload_hash = excluded.payload_hash,
                updated_at = excluded.updated_at
            """,
            [flow, now],
        )


def read_open_keys(con: duckdb.DuckDBPyConnection, flow: str) -> list[str]:
    """Source keys a flow must re-include: failed last time, or a write whose outcome is unknown."""
    rows = con.execute(
        """
        SELECT source_key FROM sync.failed_records WHERE flow = ?
        UNION
        SELECT source_key FROM sync.id_map
        WHERE flow = ? AND (status = 'pending_create' OR claimed_run IS NOT NULL)
        ORDER BY 1
        """,
        [flow, flow],
    ).fetchall()
    return [row[0] for row in rows]


def insert_pending_creates(
    con: duckdb.DuckDBPyConnection, ctx: LoadContext, rows: Sequence[tuple[str, str | None]], now: datetime
) -> None:
    """Write 'pending_create' rows (source_key, business_key), claimed by this run, before sending."""
    if not rows:
        return
    with _frame(con, _KEYS_VIEW, {"source_key": [r[0] for r in rows], "business_key": [r[1] for r in rows]}):
        con.execute(
            """
            INSERT INTO sync.id_map (flow, source_system, source_key, target_system, target_entity, target_key,
                                     business_key, last_hash, status, claimed_run, claimed_at, created_at, updated_at)
            SELECT ?, ?, CAST(source_key AS VARCHAR), ?, ?, NULL, CAST(business_key AS VARCHAR), NULL,
                   'pending_create', ?, ?, ?, ?
            FROM _sync_keys
            """,
            [ctx.flow, ctx.source_system, ctx.target_system, ctx.target_entity, ctx.run_id, now, now, now],
        )


def claim_rows(
    con: duckdb.DuckDBPyConnection, ctx: LoadContext, source_keys: Sequence[str], now: datetime
) -> None:
    """Mark existing id_map rows as being written by this run (the caller checked they are free)."""
    if not source_keys:
        return
    with _frame(con, _KEYS_VIEW, {"source_key": source_keys}):
        con.execute(
            """
            UPDATE sync.id_map SET claimed_run = ?, claimed_at = ?, updated_at = ?
            WHERE flow = ? AND source_key IN (SELECT CAST(source_key AS VARCHAR) FROM _sync_keys)
            """,
            [ctx.run_id, now, now, ctx.flow],
        )


def record_outcomes(
    con: duckdb.DuckDBPyConnection, ctx: LoadContext, outcomes: Sequence[Outcome], now: datetime
) -> None:
    """Apply a batch of outcomes to id_map, failed_records and sync_log in the caller's transaction.

    - create/resolved: id_map upserted to 'synced' with the confirmed target key and hash;
    - update: id_map gets the confirmed hash;
    - fail: this run's claim is released; a resolve that found the target record but failed to
      update it keeps the key (status 'synced', hash NULL, so the next plan updates it); a create
      the target refused (or one never sent) drops this run's 'pending_create' row, since nothing
      was made, while a create whose answer was lost keeps it to be resolved; the failure is
      upserted with attempts + 1 and the target's words;
    - every success (and every mapping skip) clears the record's failure;
    - every outcome becomes one sync_log row.
    """
    if not outcomes:
        return
    columns: dict[str, list[Any]] = {
        "source_key": [o.source_key for o in outcomes],
        "action": [o.action for o in outcomes],
        "business_key": [o.business_key for o in outcomes],
        "target_key": [o.target_key for o in outcomes],
        "reason": [o.reason for o in outcomes],
        "payload_hash": [o.payload_hash for o in outcomes],
        "payload_json": [o.payload_json for o in outcomes],
        "source_version": [o.source_version for o in outcomes],
        "keeps_failure": [o.keeps_failure for o in outcomes],
        "never_sent": [o.never_sent for o in outcomes],
        "refused": [o.refused for o in outcomes],
    }
    with _frame(con, _OUTCOMES_VIEW, columns):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _sync_batch AS
            SELECT CAST(source_key AS VARCHAR) AS source_key, CAST(action AS VARCHAR) AS action,
                   CAST(business_key AS VARCHAR) AS business_key, CAST(target_key AS VARCHAR) AS target_key,
                   CAST(reason AS VARCHAR) AS reason, CAST(payload_hash AS VARCHAR) AS payload_hash,
                   CAST(payload_json AS VARCHAR) AS payload_json,
                   CAST(source_version AS VARCHAR) AS source_version,
                   (CAST(action AS VARCHAR) <> 'fail' AND NOT CAST(keeps_failure AS BOOLEAN)) AS clears_failure,
                   (CAST(never_sent AS BOOLEAN) OR CAST(refused AS BOOLEAN)) AS nothing_made
            FROM _sync_outcomes
            """
        )
    try:
        _apply_batch(con, ctx, now, frozenset(columns["action"]))
    finally:
        con.execute("DROP TABLE IF EXISTS _sync_batch")


def _apply_batch(con: duckdb.DuckDBPyConnection, ctx: LoadContext, now: datetime, actions: frozenset[str]) -> None:
    """The statements of record_outcomes; those about an action the batch does not hold are left
    out (a quiet tick's batch is all `unchanged`: it clears failures and writes the log)."""
    if actions & {"create", "resolved"}:
        _upsert_confirmed(con, ctx, now)
    if "update" in actions:
        _confirm_updates(con, ctx, now)
    if "fail" in actions:
        _keep_failed_resolves(con, ctx, now)
    _release(con, ctx, now, actions)
    _log(con, ctx, now)


def _upsert_confirmed(con: duckdb.DuckDBPyConnection, ctx: LoadContext, now: datetime) -> None:
    con.execute(
        """
        INSERT INTO sync.id_map (flow, source_system, source_key, target_system, target_entity, target_key,
                                 business_key, last_hash, status, claimed_run, claimed_at, created_at, updated_at)
        SELECT ?, ?, source_key, ?, ?, target_key, business_key, payload_hash, 'synced', NULL, NULL, ?, ?
        FROM _sync_batch WHERE action IN ('create', 'resolved')
        ON CONFLICT (flow, source_key) DO UPDATE SET
            source_system = coalesce(excluded.source_system, sync.id_map.source_system),
            target_system = excluded.target_system,
            target_entity = excluded.target_entity,
            target_key = excluded.target_key,
            business_key = excluded.business_key,
            last_hash = excluded.last_hash,
            status = 'synced',
            claimed_run = NULL,
            claimed_at = NULL,
            updated_at = excluded.updated_at
        """,
        [ctx.flow, ctx.source_system, ctx.target_system, ctx.target_entity, now, now],
    )


def _confirm_updates(con: duckdb.DuckDBPyConnection, ctx: LoadContext, now: datetime) -> None:
    con.execute(
        """
        UPDATE sync.id_map AS m
        SET last_hash = b.payload_hash, business_key = coalesce(b.business_key, m.business_key),
            claimed_run = NULL, claimed_at = NULL, updated_at = ?
        FROM _sync_batch AS b
        WHERE m.flow = ? AND m.source_key = b.source_key AND b.action = 'update'
        """,
        [now, ctx.flow],
    )


def _keep_failed_resolves(con: duckdb.DuckDBPyConnection, ctx: LoadContext, now: datetime) -> None:
    con.execute(
        """
        UPDATE sync.id_map AS m
        SET target_key = b.target_key, status = 'synced', last_hash = NULL, updated_at = ?
        FROM _sync_batch AS b
        WHERE m.flow = ? AND m.source_key = b.source_key AND b.action = 'fail' AND b.target_key IS NOT NULL
        """,
        [now, ctx.flow],
    )
    con.execute(
        """
        DELETE FROM sync.id_map
        WHERE flow = ? AND status = 'pending_create' AND claimed_run = ?
          AND source_key IN (SELECT source_key FROM _sync_batch WHERE action = 'fail' AND nothing_made)
        """,
        [ctx.flow, ctx.run_id],
    )


def _release(con: duckdb.DuckDBPyConnection, ctx: LoadContext, now: datetime, actions: frozenset[str]) -> None:
    """Claims of failed and skipped records, then failures: cleared by a success or a mapping
    skip, kept (attempts + 1) by a failure."""
    if actions & {"fail", "skip"}:
        con.execute(
            """
            UPDATE sync.id_map SET claimed_run = NULL, claimed_at = NULL, updated_at = ?
            WHERE flow = ? AND claimed_run = ?
              AND source_key IN (SELECT source_key FROM _sync_batch WHERE action IN ('fail', 'skip'))
            """,
            [now, ctx.flow, ctx.run_id],
        )
    con.execute(
        """
        DELETE FROM sync.failed_records
        WHERE flow = ? AND source_key IN (SELECT source_key FROM _sync_batch WHERE clears_failure)
        """,
        [ctx.flow],
    )
    if "fail" in actions:
        con.execute(
            """
            INSERT INTO sync.failed_records (flow, source_key, business_key, reason, attempts, first_failed_at,
                                             last_failed_at, last_run_id, payload_json)
            SELECT ?, source_key, business_key, coalesce(reason, 'unknown failure'), 1, ?, ?, ?, payload_json
            FROM _sync_batch WHERE action = 'fail'
            ON CONFLICT (flow, source_key) DO UPDATE SET
                business_key = excluded.business_key,
                reason = excluded.reason,
                attempts = sync.failed_records.attempts + 1,
                last_failed_at = excluded.last_failed_at,
                last_run_id = excluded.last_run_id,
                payload_json = excluded.payload_json
            """,
            [ctx.flow, now, now, ctx.run_id],
        )


def _log(con: duckdb.DuckDBPyConnection, ctx: LoadContext, now: datetime) -> None:
    con.execute(
        """
        INSERT INTO sync.sync_log (run_id, flow, source_key, business_key, target_key, action, reason,
                                   source_version, logged_at)
        SELECT ?, ?, source_key, business_key, target_key, action, reason, source_version, ?
        FROM _sync_batch
        """,
        [ctx.run_id, ctx.flow, now],
    )
