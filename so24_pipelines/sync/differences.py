"""sync.reconcile_differences: what X7's nightly reconciliation found, one row per difference.

A difference is keyed by (pair, entity, key, field): seen again on the next night it stays one row
whose `first_seen` stays put and whose `last_seen` moves, so its age is `last_seen - first_seen`.
One that is no longer found is not deleted but closed (`resolved_at`), so "since when did Rackbeat
lack product 1010, and when was it fixed" stays answerable; found again later, it opens afresh
with a new `first_seen`. Only the entities a run compared are closed: a run that could not read
one entity leaves that entity's rows as they were (unknown is not fixed).

`pending` marks a difference the owning flow's next run will fix (24SO changed and staged, a
record waiting in the failed records): it is listed, never alarmed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from so24_pipelines.sync.schema import utcnow

_DDL = """
    CREATE TABLE IF NOT EXISTS sync.reconcile_differences (
        pair          VARCHAR NOT NULL,
        entity        VARCHAR NOT NULL,
        key           VARCHAR NOT NULL,
        field         VARCHAR NOT NULL,
        kind          VARCHAR NOT NULL,
        so24_value    VARCHAR,
        other_value   VARCHAR,
        pending       BOOLEAN NOT NULL,
        explanation   VARCHAR,
        repair        VARCHAR,
        first_seen    TIMESTAMP NOT NULL,
        last_seen     TIMESTAMP NOT NULL,
        resolved_at   TIMESTAMP,
        last_run_id   VARCHAR NOT NULL,
        PRIMARY KEY (pair, entity, key, field)
    )
"""

_COLUMNS = (
    "pair, entity, key, field, kind, so24_value, other_value, pending, explanation, repair, "
    "first_seen, last_seen, resolved_at, last_run_id"
)


@dataclass(frozen=True)
class DifferenceRow:
    """One row of sync.reconcile_differences, as the UI and the tests read it."""

    pair: str
    entity: str
    key: str
    field: str
    kind: str
    so24_value: str | None
    other_value: str | None
    pending: bool
    explanation: str | None
    repair: str | None
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    last_run_id: str

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def age_days(self) -> float:
        return (self.last_seen - self.first_seen).total_seconds() / 86400


def ensure_differences_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS sync")
    con.execute(_DDL)


_FOUND = "_reconcile_found"
_FOUND_COLUMNS = (
    "entity",
    "key",
    "field",
    "kind",
    "so24_value",
    "other_value",
    "pending",
    "explanation",
    "repair",
)


def record_differences(
    con: duckdb.DuckDBPyConnection,
    pair: str,
    entities: Sequence[str],
    found: Sequence[tuple[str, str, str, str, str | None, str | None, bool, str | None, str | None]],
    run_id: str,
    now: datetime | None = None,
) -> None:
    """Upsert this run's differences of `pair` and close the open ones of `entities` not found again.

    `found`: (entity, key, field, kind, so24_value, other_value, pending, explanation, repair).
    Set-based (one frame, two statements), so a bad night with 50,000 differences costs what a good
    one does.
    """
    ensure_differences_table(con)
    now = now or utcnow()
    unique = {(row[0], row[1], row[2]): row for row in found}
    columns = list(zip(*unique.values(), strict=True)) if unique else [() for _ in _FOUND_COLUMNS]
    types = [pa.string()] * 6 + [pa.bool_()] + [pa.string()] * 2
    frame = pa.table(
        {
            name: pa.array(list(values), type=t)
            for name, values, t in zip(_FOUND_COLUMNS, columns, types, strict=True)
        }
    )
    con.register(_FOUND, frame)
    try:
        con.execute(
            f"""
            INSERT INTO sync.reconcile_differences
                (pair, entity, key, field, kind, so24_value, other_value, pending, explanation, repair,
                 first_seen, last_seen, resolved_at, last_run_id)
            SELECT ?, entity, key, field, kind, so24_value, other_value, pending, explanation, repair,
                   ?, ?, NULL, ? FROM {_FOUND}
            ON CONFLICT (pair, entity, key, field) DO UPDATE SET
                kind = excluded.kind, so24_value = excluded.so24_value, other_value = excluded.other_value,
                pending = excluded.pending, explanation = excluded.explanation, repair = excluded.repair,
                first_seen = CASE WHEN sync.reconcile_differences.resolved_at IS NULL
                                  THEN sync.reconcile_differences.first_seen ELSE excluded.first_seen END,
                last_seen = excluded.last_seen, resolved_at = NULL, last_run_id = excluded.last_run_id
            """,  # noqa: S608 - fixed frame name
            [pair, now, now, run_id],
        )
        if entities:
            con.execute(
                f"""
                UPDATE sync.reconcile_differences AS d SET resolved_at = ?, last_run_id = ?
                WHERE d.pair = ? AND d.resolved_at IS NULL AND list_contains(?::VARCHAR[], d.entity)
                  AND NOT EXISTS (SELECT 1 FROM {_FOUND} AS f
                                  WHERE f.entity = d.entity AND f.key = d.key AND f.field = d.field)
                """,  # noqa: S608 - fixed frame name
                [now, run_id, pair, list(entities)],
            )
    finally:
        con.unregister(_FOUND)


def read_differences(
    con: duckdb.DuckDBPyConnection, pair: str | None = None, *, open_only: bool = True
) -> list[DifferenceRow]:
    """The differences of `pair` (all pairs when None), unexplained first, oldest first."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sync' "
        "AND table_name = 'reconcile_differences'"
    ).fetchall()[0][0]
    if not exists:
        return []
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM sync.reconcile_differences "  # noqa: S608 - fixed column list
        "WHERE (CAST(? AS VARCHAR) IS NULL OR pair = ?) AND (NOT ? OR resolved_at IS NULL) "
        "ORDER BY pending, first_seen, entity, key, field",
        [pair, pair, open_only],
    ).fetchall()
    return [DifferenceRow(*row) for row in rows]
