"""sync.backfill_batches: the initial-sync plan of the 24SO extraction, one row per partition.

The plan step stores SyncList ids in numbered batches; each batch is a dynamic partition of the
*_initial assets, and the partition sensor keeps Dagster's partitions equal to the rows here.
Keeping the plan in the staging file (not only in Dagster) lets a batch run read its ids after a
restart, and lets the sensor rebuild the partitions after a restore. Writers run in the caller's
transaction (the plan and its watermark commit together); readers use the caller's connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import duckdb

from so24_pipelines.sync.schema import ensure_sync_schema

_DDL = (
    "CREATE TABLE IF NOT EXISTS sync.backfill_batches (entity VARCHAR NOT NULL, partition_key VARCHAR NOT NULL, "
    "identity VARCHAR NOT NULL, ids VARCHAR NOT NULL, planned_at TIMESTAMP NOT NULL, PRIMARY KEY (entity, partition_key))"
)


def ensure_backfill_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The sync schema plus the backfill table (IF NOT EXISTS): what the 24SO extraction writes to."""
    ensure_sync_schema(con)
    con.execute(_DDL)


def plan_backfill_batches(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    identity: str,
    batches: Iterable[tuple[str, Sequence[int]]],
    planned_at: datetime,
) -> None:
    """Replace the entity's plan for this company with `batches` (partition key, ids).

    Replaced as a whole, so planning again never leaves a batch of an older plan behind.
    """
    ensure_backfill_schema(con)
    con.execute("DELETE FROM sync.backfill_batches WHERE entity = ? AND identity = ?", [entity, identity])
    for key, ids in batches:
        con.execute(
            "INSERT INTO sync.backfill_batches (entity, partition_key, identity, ids, planned_at) VALUES (?, ?, ?, ?, ?)",
            [entity, key, identity, json.dumps(list(ids)), planned_at],
        )


def backfill_batch(con: duckdb.DuckDBPyConnection, entity: str, partition_key: str) -> tuple[str, list[int]] | None:
    """(identity, ids) of one planned batch, or None when no such batch is planned."""
    rows = con.execute(
        "SELECT identity, ids FROM sync.backfill_batches WHERE entity = ? AND partition_key = ?",
        [entity, partition_key],
    ).fetchall()
    return (rows[0][0], json.loads(rows[0][1])) if rows else None


def planned_backfill_partitions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(entity, partition_key) of every planned batch: what the partition sensor mirrors."""
    rows = con.execute("SELECT entity, partition_key FROM sync.backfill_batches").fetchall()
    return [(entity, key) for entity, key in rows]
