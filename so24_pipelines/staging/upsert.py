"""Upserts of extracted columns into a staging table, keyed by (identity, source key).

Idempotency: each row carries a hash of its content; a rerun that brings the same data updates
nothing, so "rows updated" in the asset metadata really means "changed in the source". Child
tables (order rows) are diffed per parent: rows of a re-extracted parent that 24SO no longer
returns are deleted, because a row deleted in 24SO must disappear from staging too.

Values arrive as text and are typed by DuckDB casts in one vectorised statement; a value that
does not cast (e.g. a non-numeric weight) is a record error, not a batch error. Records without a
required field are skipped with a reason rather than failing the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from so24_pipelines.staging.so24_tables import StagingTable

Columns = dict[str, list[str | None]]


@dataclass
class UpsertResult:
    received: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: UpsertResult) -> None:
        self.received += other.received
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.rejected.extend(other.rejected)


def _reject_incomplete(table: StagingTable, columns: Columns) -> tuple[Columns, list[tuple[str, str]]]:
    """Drop records missing a required field; report each with its key and the missing field."""
    n = len(next(iter(columns.values()), []))
    required = [c.name for c in table.all_columns if c.required]
    bad: dict[int, str] = {}
    for name in required:
        for i, value in enumerate(columns.get(name, [None] * n)):
            if (value is None or value == "") and i not in bad:
                bad[i] = f"{table.name}: missing required field {name}"
    if not bad:
        return columns, []
    key_col = table.key[-1]
    rejected = [(str(columns[key_col][i]) if columns.get(key_col) else f"#{i}", reason) for i, reason in bad.items()]
    keep = [i for i in range(n) if i not in bad]
    return {k: [v[i] for i in keep] for k, v in columns.items()}, rejected


def _frame(table: StagingTable, columns: Columns, identity: str) -> pd.DataFrame:
    names = [c.name for c in table.all_columns]
    n = len(columns[names[0]]) if names[0] in columns else 0
    data = {name: columns.get(name, [None] * n) for name in names}
    frame = pd.DataFrame(data, dtype=object)
    frame.insert(0, "identity", identity)
    return frame


def _typed_select(table: StagingTable) -> str:
    """SELECT that casts text to the table's types and hashes the content (fixed identifiers only)."""
    casts = [f"TRY_CAST(NULLIF(TRIM({c.name}), '') AS {c.sql_type}) AS {c.name}" for c in table.all_columns]
    names = ", ".join(c.name for c in table.all_columns)
    last = table.key[-1]
    order_col = "date_changed" if any(c.name == "date_changed" for c in table.all_columns) else last
    keys = ", ".join(("identity", *table.key))
    return (
        f"SELECT identity, {names}, hash({names}) AS _row_hash, now()::TIMESTAMP AS _extracted_at FROM ("  # noqa: S608
        f"SELECT identity, {', '.join(casts)} FROM incoming_raw) "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order_col} DESC NULLS LAST) = 1"
    )


def _cast_failures(con: duckdb.DuckDBPyConnection, table: StagingTable) -> list[tuple[str, str]]:
    """Values that were present as text but did not cast to the column's type."""
    problems: list[tuple[str, str]] = []
    key = table.key[-1]
    for c in table.all_columns:
        if c.sql_type == "VARCHAR":
            continue
        rows = con.execute(
            f"SELECT {key}, {c.name} FROM incoming_raw "  # noqa: S608
            f"WHERE NULLIF(TRIM({c.name}), '') IS NOT NULL AND TRY_CAST(TRIM({c.name}) AS {c.sql_type}) IS NULL"
        ).fetchall()
        problems.extend((str(k), f"{table.name}: {c.name}={v!r} is not a valid {c.sql_type}") for k, v in rows)
    return problems


def upsert(
    con: duckdb.DuckDBPyConnection,
    table: StagingTable,
    columns: Columns,
    identity: str,
    *,
    parent: StagingTable | None = None,
    parent_keys: list[str | None] | None = None,
) -> UpsertResult:
    """Merge one batch into `table` inside the caller's transaction.

    With `parent`, rows whose parent key is in `parent_keys` but which are absent from the batch
    are deleted (the child list of those parents is replaced, as a diff).
    """
    columns, rejected = _reject_incomplete(table, columns)
    frame = _frame(table, columns, identity)
    result = UpsertResult(received=len(frame) + len(rejected), rejected=rejected)
    con.register("incoming_raw", frame)
    try:
        bad_casts = _cast_failures(con, table)
        if bad_casts:
            result.rejected.extend(bad_casts)
            bad_keys = sorted({k for k, _ in bad_casts})
            con.register("bad_keys", pd.DataFrame({"k": bad_keys}, dtype=object))
            key = table.key[-1]
            con.execute(
                "CREATE OR REPLACE TEMP TABLE incoming_ok AS SELECT * FROM incoming_raw "  # noqa: S608
                f"WHERE CAST({key} AS VARCHAR) NOT IN (SELECT k FROM bad_keys)"
            )
            con.unregister("incoming_raw")
            con.register("incoming_raw", con.execute("SELECT * FROM incoming_ok").df())
        con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS {_typed_select(table)}")
        join = " AND ".join(f"t.{k} = i.{k}" for k in ("identity", *table.key))
        result.inserted = con.execute(
            f"SELECT count(*) FROM incoming i WHERE NOT EXISTS (SELECT 1 FROM {table.qualified} t WHERE {join})"  # noqa: S608
        ).fetchall()[0][0]
        result.updated = con.execute(
            f"SELECT count(*) FROM incoming i JOIN {table.qualified} t ON {join} WHERE t._row_hash <> i._row_hash"  # noqa: S608
        ).fetchall()[0][0]
        result.unchanged = con.execute("SELECT count(*) FROM incoming").fetchall()[0][0] - result.inserted - result.updated
        if parent is not None and parent_keys:
            pcol = parent.key[-1]
            con.register("parent_keys", pd.DataFrame({"k": [k for k in parent_keys if k is not None]}, dtype=object))
            not_in_batch = " AND ".join(f"i.{k} = t.{k}" for k in ("identity", *table.key))
            result.deleted = con.execute(
                f"DELETE FROM {table.qualified} t WHERE t.identity = ? "  # noqa: S608
                f"AND CAST(t.{pcol} AS VARCHAR) IN (SELECT k FROM parent_keys) "
                f"AND NOT EXISTS (SELECT 1 FROM incoming i WHERE {not_in_batch})",
                [identity],
            ).fetchall()[0][0]
            con.unregister("parent_keys")
        names = ["identity", *(c.name for c in table.all_columns), "_row_hash", "_extracted_at"]
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in ("identity", *table.key))
        con.execute(
            f"INSERT INTO {table.qualified} ({', '.join(names)}) SELECT {', '.join(names)} FROM incoming "  # noqa: S608
            f"ON CONFLICT ({', '.join(('identity', *table.key))}) DO UPDATE SET {updates} "
            f"WHERE {table.qualified}._row_hash <> excluded._row_hash"
        )
        con.execute("DROP TABLE IF EXISTS incoming")
    finally:
        con.unregister("incoming_raw")
    return result


def max_date_changed(columns: Columns) -> str | None:
    """The latest DateChanged in a batch (ISO text sorts chronologically), for the high-water mark."""
    values = [v for v in columns.get("date_changed", []) if v]
    return max(values) if values else None
