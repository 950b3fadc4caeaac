"""Upserts of extracted columns into a staging table, keyed by (identity, source key).

Idempotency: each row carries a hash of its content; a rerun that brings the same data updates
nothing, so "rows updated" in the asset metadata really means "changed in the source". Child
tables (order rows) are diffed per parent: rows of a re-extracted parent that 24SO no longer
returns are deleted, because a row deleted in 24SO must disappear from staging too.

Values arrive as text and are typed by DuckDB casts in one vectorised statement (where .NET
"unset" sentinels such as year-1 dates and Int32.MinValue also become NULL); a value that
does not cast (e.g. a non-numeric weight) is a record error, not a batch error. Records without a
required field are skipped with a reason rather than failing the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from so24_pipelines.staging.tables import StagingTable

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



# .NET "unset" values 24SO may send; they mean "no value" and are stored as NULL.
_SENTINELS = (
    "-2147483648",
    "-32768",
    "-9223372036854775808",
    "-79228162514264337593543950335",
    "-1.7976931348623157E+308",
    "00000000-0000-0000-0000-000000000000",
)
_SENTINEL_LIST = ", ".join(f"'{v}'" for v in _SENTINELS)


def _frame(table: StagingTable, columns: Columns, identity: str) -> pa.Table:
    """An Arrow table of strings: DuckDB scans Arrow without touching Python objects per value."""
    names = [c.name for c in table.all_columns]
    n = max((len(v) for v in columns.values()), default=0)
    arrays = [pa.array([identity] * n, pa.string())]
    arrays += [pa.array(columns.get(name, [None] * n), pa.string()) for name in names]
    return pa.Table.from_arrays(arrays, names=["identity", *names])


def _clean_expr(name: str, sql_type: str) -> str:
    if sql_type == "VARCHAR":
        return f"NULLIF({name}, '') AS {name}"
    if sql_type == "TIMESTAMP":
        return f"CASE WHEN starts_with({name}, '0001-01-01') THEN NULL ELSE NULLIF(TRIM({name}), '') END AS {name}"
    return f"CASE WHEN {name} IN ({_SENTINEL_LIST}) THEN NULL ELSE NULLIF(TRIM({name}), '') END AS {name}"


def _cleaned_select(table: StagingTable) -> str:
    """Blank and .NET-sentinel text becomes NULL (identifiers come from the fixed specs only)."""
    cols = ", ".join(_clean_expr(c.name, c.sql_type) for c in table.all_columns)
    return f"SELECT identity, {cols} FROM incoming_raw"  # noqa: S608


def _checked_select(table: StagingTable) -> str:
    """Cast the cleaned text and name, per record, what did not cast or is missing."""
    typed = [
        f"TRY_CAST({c.name} AS {c.sql_type}) AS {c.name}" if c.sql_type != "VARCHAR" else c.name
        for c in table.all_columns
    ]
    problems = []
    for c in table.all_columns:
        if c.sql_type != "VARCHAR":
            problems.append(
                f"CASE WHEN {c.name} IS NOT NULL AND TRY_CAST({c.name} AS {c.sql_type}) IS NULL "
                f"THEN '{c.name}=' || {c.name} || ' is not a valid {c.sql_type}' END"
            )
        if c.required:
            problems.append(f"CASE WHEN {c.name} IS NULL THEN 'missing required field {c.name}' END")
    key = table.key[-1]
    return (
        f"SELECT identity, {', '.join(typed)}, concat_ws('; ', {', '.join(problems)}) AS _problem, "  # noqa: S608
        f"{key} AS _key_text FROM cleaned"
    )


def _incoming_select(table: StagingTable) -> str:
    names = ", ".join(c.name for c in table.all_columns)
    order_col = "date_changed" if any(c.name == "date_changed" for c in table.all_columns) else table.key[-1]
    keys = ", ".join(("identity", *table.key))
    return (
        f"SELECT identity, {names}, hash({names}) AS _row_hash, now()::TIMESTAMP AS _extracted_at "  # noqa: S608
        f"FROM checked WHERE _problem = '' "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order_col} DESC NULLS LAST) = 1"
    )


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
    frame = _frame(table, columns, identity)
    result = UpsertResult(received=frame.num_rows)
    con.register("incoming_raw", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE cleaned AS {_cleaned_select(table)}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS {_checked_select(table)}")
        result.rejected = [
            (str(k), f"{table.name}: {p}")
            for k, p in con.execute("SELECT _key_text, _problem FROM checked WHERE _problem <> ''").fetchall()
        ]
        con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS {_incoming_select(table)}")
        join = " AND ".join(f"t.{k} = i.{k}" for k in ("identity", *table.key))
        inserted, updated, total = con.execute(
            "SELECT count(*) FILTER (WHERE t.identity IS NULL), "  # noqa: S608
            "count(*) FILTER (WHERE t.identity IS NOT NULL AND t._row_hash <> i._row_hash), count(*) "
            f"FROM incoming i LEFT JOIN {table.qualified} t ON {join}"
        ).fetchall()[0]
        result.inserted, result.updated, result.unchanged = inserted, updated, total - inserted - updated
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
        if inserted or updated:
            names = ["identity", *(c.name for c in table.all_columns), "_row_hash", "_extracted_at"]
            updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in ("identity", *table.key))
            con.execute(
                f"INSERT INTO {table.qualified} ({', '.join(names)}) SELECT {', '.join(names)} FROM incoming "  # noqa: S608
                f"ON CONFLICT ({', '.join(('identity', *table.key))}) DO UPDATE SET {updates} "
                f"WHERE {table.qualified}._row_hash <> excluded._row_hash"
            )
        con.execute("DROP TABLE IF EXISTS incoming")
        con.execute("DROP TABLE IF EXISTS checked")
        con.execute("DROP TABLE IF EXISTS cleaned")
    finally:
        con.unregister("incoming_raw")
    return result


def max_date_changed(columns: Columns) -> str | None:
    """The latest DateChanged in a batch (ISO text sorts chronologically), for the high-water mark."""
    values = [v for v in columns.get("date_changed", []) if v]
    return max(values) if values else None
