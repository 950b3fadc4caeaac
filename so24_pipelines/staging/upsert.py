"""Upserts of extracted columns into a staging table, keyed by (identity, source key).

Idempotency: each row carries a hash of its content; a rerun that brings the same data updates
nothing, so "rows updated" in the asset metadata really means "changed in the source". Child
tables (order rows) are diffed per parent: rows of a re-extracted parent that the source no longer
returns are deleted, because a row deleted in the source must disappear from staging too.

Values arrive as text and are typed by DuckDB casts in one vectorised statement, by the rules of
`staging/values.py`: .NET "unset" sentinels become NULL, and a value that does not fit its column
exactly (text that is no number, "1.5" for an INTEGER, 0.00001 for a DECIMAL(18,4)) or a missing
required field rejects that record with a reason, never the batch and never silently.

A record is staged whole or not at all, and a rejected record changes nothing:
- `upsert_family` stages parents with their child rows (an order and its rows): a child row that
  is rejected rejects its parent, with the row's reason, so no flow ever maps 4 of 5 lines; a
  rejected parent keeps its staged header and rows exactly as they were (and stages no orphan
  rows on a first read).
- `upsert(..., parent=...)` (a child table on its own, for callers that stage the parents first):
  a parent whose rows include a rejected one keeps its staged rows as they were, and the reject is
  named by the parent's key.
Rejects are (record key, "<table>: <reason>"); a record without a key is named by
`values.no_key_text`, so no two records share a name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from so24_pipelines.staging import values
from so24_pipelines.staging.tables import StagingTable

Columns = dict[str, list[str | None]]
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


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


def _rows(columns: Columns) -> int:
    return max((len(v) for v in columns.values()), default=0)


def _no_key_names(table: StagingTable, columns: Columns) -> list[str | None]:
    """The name of each record whose key is missing (None where the key is present)."""
    key = next(c for c in table.all_columns if c.name == table.key[-1])
    n = _rows(columns)
    keys = columns.get(key.name) or [None] * n
    names: list[str | None] = [None] * n
    seen: Counter[str] = Counter()
    for i, text in enumerate(keys):
        if values.clean(key, text) is None:
            content = [(columns.get(c.name) or [None] * n)[i] for c in table.all_columns]
            names[i] = values.no_key_text(key.name, content, seen)
    return names


def _frame(table: StagingTable, columns: Columns, identity: str) -> pa.Table:
    """An Arrow table of strings: DuckDB scans Arrow without touching Python objects per value."""
    names = [c.name for c in table.all_columns]
    n = _rows(columns)
    arrays = [pa.array([identity] * n, pa.string())]
    arrays += [pa.array(columns.get(name, [None] * n), pa.string()) for name in names]
    arrays += [pa.array(_no_key_names(table, columns), pa.string()), pa.array(range(n), pa.int64())]
    return pa.Table.from_arrays(arrays, names=["identity", *names, "_no_key", "_pos"])


def _checked_select(table: StagingTable, raw: str) -> str:
    """Clean and cast the text; name, per record, its key and what does not fit or is missing."""
    cleaned = ", ".join(f"{values.clean_sql(c)} AS {c.name}" for c in table.all_columns)
    typed = [
        f"TRY_CAST({c.name} AS {c.sql_type}) AS {c.name}" if c.sql_type != "VARCHAR" else c.name
        for c in table.all_columns
    ]
    problems = [p for c in table.all_columns if (p := values.problem_sql(c)) is not None]
    key = table.key[-1]
    return (
        f"SELECT identity, {', '.join(typed)}, concat_ws('; ', {', '.join(problems) or 'NULL'}) AS _problem, "  # noqa: S608
        f"COALESCE({key}, _no_key, '(no {key}) #' || _pos) AS _key_text, _pos"
        f"{''.join(f', {c.name} AS _text_{c.name}' for c in table.parent_columns)} "
        f"FROM (SELECT identity, {cleaned}, _no_key, _pos FROM {raw})"
    )


class _Batch:
    """One table's batch in temp tables named after `prefix`: `<prefix>_checked`, `<prefix>_incoming`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: StagingTable, columns: Columns, identity: str, prefix: str):
        self.con, self.table, self.identity, self.prefix = con, table, identity, prefix
        frame = _frame(table, columns, identity)
        self.received = frame.num_rows
        raw = f"{prefix}_raw"
        con.register(raw, frame)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_checked AS {_checked_select(table, raw)}")
        finally:
            con.unregister(raw)

    @property
    def checked(self) -> str:
        return f"{self.prefix}_checked"

    def problems(self) -> list[tuple[str, str, str | None]]:
        """(record key, problem, parent key text or None) per rejected row, in batch order."""
        return [
            (str(k), str(p), None if t is None else str(t))
            for k, p, t in self.con.execute(
                f"SELECT _key_text, _problem, {self.parent_text} FROM {self.checked} "  # noqa: S608
                "WHERE _problem <> '' ORDER BY _pos"
            ).fetchall()
        ]

    @property
    def parent_text(self) -> str:
        """SQL: the cleaned text of a child row's parent key (NULL for a table without a parent)."""
        return "NULL" if not self.table.parent_columns else f"_text_{self.table.parent_columns[0].name}"

    def stage(self, where: str = "TRUE") -> UpsertResult:
        """Write the accepted rows that satisfy `where` (SQL over the checked table); count them."""
        table, con = self.table, self.con
        names = ", ".join(c.name for c in table.all_columns)
        order_col = "date_changed" if any(c.name == "date_changed" for c in table.all_columns) else table.key[-1]
        keys = ", ".join(("identity", *table.key))
        incoming = f"{self.prefix}_incoming"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {incoming} AS "  # noqa: S608
            f"SELECT identity, {names}, hash({names}) AS _row_hash, now()::TIMESTAMP AS _extracted_at "
            f"FROM {self.checked} WHERE _problem = '' AND ({where}) "
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order_col} DESC NULLS LAST) = 1"
        )
        join = " AND ".join(f"t.{k} = i.{k}" for k in ("identity", *table.key))
        inserted, updated, total = con.execute(
            "SELECT count(*) FILTER (WHERE t.identity IS NULL), "  # noqa: S608
            "count(*) FILTER (WHERE t.identity IS NOT NULL AND t._row_hash <> i._row_hash), count(*) "
            f"FROM {incoming} i LEFT JOIN {table.qualified} t ON {join}"
        ).fetchall()[0]
        result = UpsertResult(inserted=inserted, updated=updated, unchanged=total - inserted - updated)
        if inserted or updated:
            cols = ["identity", *(c.name for c in table.all_columns), "_row_hash", "_extracted_at"]
            updates = ", ".join(f"{n} = excluded.{n}" for n in cols if n not in ("identity", *table.key))
            con.execute(
                f"INSERT INTO {table.qualified} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {incoming} "  # noqa: S608
                f"ON CONFLICT ({', '.join(('identity', *table.key))}) DO UPDATE SET {updates} "
                f"WHERE {table.qualified}._row_hash <> excluded._row_hash"
            )
        return result

    def delete_missing(self, parent: StagingTable, parent_keys: list[str]) -> int:
        """Delete staged rows of these parents (key text) that this batch no longer has."""
        if not parent_keys:
            return 0
        table, pcol = self.table, parent.key[-1]
        not_in_batch = " AND ".join(f"i.{k} = t.{k}" for k in ("identity", *table.key))
        return self.con.execute(
            f"DELETE FROM {table.qualified} t WHERE t.identity = ? "  # noqa: S608
            f"AND list_contains(?::VARCHAR[], CAST(t.{pcol} AS VARCHAR)) "
            f"AND NOT EXISTS (SELECT 1 FROM {self.prefix}_incoming i WHERE {not_in_batch})",
            [self.identity, parent_keys],
        ).fetchall()[0][0]

    def drop(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.prefix}_incoming")
        self.con.execute(f"DROP TABLE IF EXISTS {self.checked}")


def _canonical(parent: StagingTable, keys: list[str]) -> list[str]:
    """Key text as staged (CAST(key AS VARCHAR)): "010" and " 10" name parent 10."""
    pkey = next(c for c in parent.all_columns if c.name == parent.key[-1])
    if pkey.sql_type not in values.INTEGER_RANGES:
        return keys
    return [str(int(k)) if _INTEGER_TEXT.fullmatch(k.strip()) else k for k in keys]


def _keyset(con: duckdb.DuckDBPyConnection, name: str, keys: list[str]) -> str:
    """A temp table `name` of key texts (the caller drops it); returns its name."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT unnest(?::VARCHAR[]) AS k", [keys])
    return name


def _not_in(column: str, keyset: str) -> str:
    return f"({column} IS NULL OR {column} NOT IN (SELECT k FROM {keyset}))"  # noqa: S608


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

    With `parent` (a child table staged on its own), rows whose parent key is in `parent_keys` but
    which are absent from the batch are deleted (the child list of those parents is replaced, as a
    diff); a parent with a rejected row keeps all its staged rows, and the reject names the parent.
    """
    batch = _Batch(con, table, columns, identity, "upsert")
    try:
        if parent is None:
            result = batch.stage()
            result.rejected = [(k, f"{table.name}: {p}") for k, p, _ in batch.problems()]
        else:
            bad = _child_rejects(batch, parent)
            orphans = bad.pop(None, [])
            result = batch.stage(_not_in(batch.parent_text, _keyset(con, "upsert_rejected", list(bad))))
            result.rejected = [(k, "; ".join(reasons)) for k, reasons in bad.items()]
            seen: Counter[str] = Counter()
            result.rejected += [(values.no_key_text(parent.key[-1], [r], seen), r) for r in orphans]
            wanted = [str(k) for k in (parent_keys or []) if k is not None and str(k) not in bad]
            result.deleted = batch.delete_missing(parent, _canonical(parent, wanted))
            con.execute("DROP TABLE IF EXISTS upsert_rejected")
        result.received = batch.received
        return result
    finally:
        batch.drop()


def _child_rejects(batch: _Batch, parent: StagingTable) -> dict[str | None, list[str]]:
    """{parent key text: reasons} of the batch's rejected child rows (None: rows without one)."""
    bad: dict[str | None, list[str]] = {}
    for key, problem, parent_text in batch.problems():
        bad.setdefault(parent_text, []).append(f"{batch.table.name}: row {key}: {problem}")
    return bad


def upsert_family(
    con: duckdb.DuckDBPyConnection,
    table: StagingTable,
    columns: Columns,
    child: StagingTable,
    child_columns: Columns,
    identity: str,
) -> tuple[UpsertResult, UpsertResult]:
    """Stage parents with their child rows in the caller's transaction; (parent result, child result).

    A parent is staged only when it and every one of its rows fit; then its rows are replaced as a
    diff (rows the source no longer has are deleted). A rejected parent, for its own reason or a
    row's, leaves its staged header and rows as they were; its reject (in the parent result) names
    every reason. The child result's rejects are the bad rows themselves, named by their parent.
    """
    parents = _Batch(con, table, columns, identity, "family_parent")
    try:
        rows = _Batch(con, child, child_columns, identity, "family_child")
        try:
            reasons: dict[str, list[str]] = {}
            for key, problem, _ in parents.problems():
                reasons.setdefault(key, []).append(f"{table.name}: {problem}")
            row_rejects = _child_rejects(rows, table)
            row_rejects.pop(None, None)  # rows without a parent key: their parent has none either
            for key, problems in row_rejects.items():
                reasons.setdefault(key, []).extend(problems)
            rejected = _keyset(con, "family_rejected", list(reasons))
            head = parents.stage(_not_in("_key_text", rejected))
            head.received = parents.received
            head.rejected = [(k, "; ".join(r)) for k, r in reasons.items()]
            accepted = (
                f"SELECT _key_text FROM {parents.checked} "  # noqa: S608
                f"WHERE _problem = '' AND {_not_in('_key_text', rejected)}"
            )
            lines = rows.stage(f"{rows.parent_text} IN ({accepted})")
            lines.received = rows.received
            lines.rejected = [(str(k), r) for k, problems in row_rejects.items() for r in problems]
            staged_keys = [k for (k,) in con.execute(f"SELECT DISTINCT _key_text FROM ({accepted})").fetchall()]  # noqa: S608
            lines.deleted = rows.delete_missing(table, _canonical(table, staged_keys))
            con.execute("DROP TABLE IF EXISTS family_rejected")
            return head, lines
        finally:
            rows.drop()
    finally:
        parents.drop()


def max_date_changed(columns: Columns) -> str | None:
    """The latest DateChanged in a batch (ISO text sorts chronologically), for the high-water mark."""
    found = [v for v in columns.get("date_changed", []) if v]
    return max(found) if found else None
