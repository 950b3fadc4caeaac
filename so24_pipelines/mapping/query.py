"""SQL over staging, built from a spec: one SELECT for the records, one per nested list.

Identifiers come only from the spec, which spec.py has already restricted to `[a-z0-9_]` names,
and `check_catalog` confirms against the staging file that every table and column exists, so a
typo in a mapping fails with the spec's name and the column instead of a DuckDB parse error.
Every value (identity, statuses, keys) is a bound parameter.

Every table a spec reads carries `identity` (the 24SO company the row belongs to); the records
query filters on it and every join matches it, so one staging file can serve several companies
without a mapping ever mixing them.

A nested list (order lines) is read for all records at once, not per record: the child query
keeps the children whose parent passes the record query's filters (a correlated EXISTS over the
same FROM/WHERE), ordered by parent and then by the list's order_by.

The input query (`input_query`) selects the same records and, instead of their columns, one
digest per record of every value its mapping reads: its own columns (joins included), its skip
rules' verdicts and, per nested list, its children's columns in order. Two equal digests mean the
mapping would read exactly the same values, which is what lets a tick skip mapping a record
whose inputs did not change (engine.map_changed). The values are spelled by DuckDB's `to_json`,
which writes NULL and the text 'NULL' apart, every digit of a decimal and the shortest exact form
of a double, so distinct inputs never share a digest by their spelling; md5 is plenty against
chance (a record is only ever compared with its own earlier digest).

A `keys` filter is a semi-join against the unnested list (a hash join), not a list scan per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from so24_pipelines.mapping.spec import ColumnRef, Condition, Join, ListSpec, Param, Spec, SpecError

RECORD_ALIAS = "_s"
PARENT_ALIAS = "_p"


class MappingError(ValueError):
    """The spec cannot be applied as asked (a parameter missing or of the wrong kind)."""


@dataclass(frozen=True)
class Query:
    """SQL text, its bound parameters, and the label of each selected column in order."""

    sql: str
    params: list[Any]
    labels: tuple[str, ...]


def _q(name: str) -> str:
    return f'"{name}"'


def _col(ref: ColumnRef, base: str) -> str:
    return f"{_q(ref.alias or base)}.{_q(ref.column)}"


def _param_value(value: Any, params: dict[str, Any], where: str) -> Any:
    if isinstance(value, Param):
        if value.name not in params:
            raise MappingError(f"{where}: parameter ${value.name} was not given")
        if params[value.name] is None:
            raise MappingError(f"{where}: parameter ${value.name} is None; a filter needs a value")
        return params[value.name]
    return value


def _condition(cond: Condition, base: str, params: dict[str, Any], where: str) -> tuple[str, list[Any]]:
    column = _col(cond.column, base)
    if cond.op == "not_null":
        return f"{column} IS NOT NULL", []
    if cond.op == "is_null":
        return f"{column} IS NULL", []
    value = _param_value(cond.value, params, where)
    values = list(value) if isinstance(value, list | tuple | set | frozenset) else None
    if values is not None:
        if not values:
            raise MappingError(f"{where}: {cond.op} an empty list")
        marks = ", ".join("?" for _ in values)
        return f"{column} {'IN' if cond.op == 'equals' else 'NOT IN'} ({marks})", values
    return f"{column} {'=' if cond.op == 'equals' else '<>'} ?", [value]


def from_where(
    table: str,
    joins: Sequence[Join],
    where: Sequence[Condition],
    base: str,
    identity: str,
    params: dict[str, Any],
    place: str,
) -> tuple[str, list[Any]]:
    """`FROM table AS base [JOIN ...] WHERE identity = ? AND ...` and its parameters."""
    parts = [f"FROM {table} AS {_q(base)}"]
    for join in joins:
        kind = "JOIN" if join.inner else "LEFT JOIN"
        on = [f"{_q(join.alias)}.identity = {_q(base)}.identity"]
        on += [f"{_q(join.alias)}.{_q(theirs)} = {_col(ours, base)}" for theirs, ours in join.on]
        parts.append(f"{kind} {join.table} AS {_q(join.alias)} ON {' AND '.join(on)}")
    clauses = [f"{_q(base)}.identity = ?"]
    values: list[Any] = [identity]
    for cond in where:
        sql, bound = _condition(cond, base, params, place)
        clauses.append(sql)
        values += bound
    parts.append("WHERE " + " AND ".join(clauses))
    return " ".join(parts), values


def _select(refs: Iterable[ColumnRef], base: str) -> tuple[list[str], tuple[str, ...]]:
    unique = list(dict.fromkeys(refs))
    return [_col(ref, base) for ref in unique], tuple(ref.label for ref in unique)


def record_refs(spec: Spec) -> list[ColumnRef]:
    """Columns the record query must return: keys, version, fields, and what the lists join on."""
    refs = [ColumnRef(None, spec.key)]
    refs += [ColumnRef(None, c) for c in (spec.business_key, spec.version) if c]
    for rule in spec.fields:
        refs += rule.columns()
    for lst in spec.lists:
        refs += [ours for _, ours in lst.on]
        refs += lst.missing_refs
    for rule in spec.skip_rules:
        refs += rule.skip_refs
    return refs


def rule_label(index: int) -> str:
    """The label of the record query's column that says whether skip rule `index` holds."""
    return f"_rule{index}"


def _rules(
    spec: Spec, params: dict[str, Any], *, named: bool = True
) -> tuple[list[str], list[Any], tuple[str, ...]]:
    """One boolean column per `else_skip` row: true when the row holds (NULL counts as not);
    `named=False` leaves out the `AS _ruleN` (the input query reads them inside row(...))."""
    columns: list[str] = []
    values: list[Any] = []
    for i, cond in enumerate(spec.skip_rules):
        sql, bound = _condition(cond, RECORD_ALIAS, params, spec.name)
        column = f"coalesce(({sql}), false)"
        columns.append(f"{column} AS {_q(rule_label(i))}" if named else column)
        values += bound
    return columns, values, tuple(rule_label(i) for i in range(len(spec.skip_rules)))


def record_query(
    spec: Spec, identity: str, params: dict[str, Any], keys: Sequence[str] | None = None
) -> Query:
    """The records of `spec` for one identity, ordered by key; `keys` narrows to those source keys."""
    columns, labels = _select(record_refs(spec), RECORD_ALIAS)
    rule_columns, values, rule_labels = _rules(spec, params)
    body, where_values = from_where(spec.table, spec.joins, spec.filters, RECORD_ALIAS, identity, params, spec.name)
    values += where_values
    if keys is not None:
        body += _keys_filter(RECORD_ALIAS, spec.key)
        values.append([str(k) for k in keys])
    sql = f"SELECT {', '.join(columns + rule_columns)} {body} ORDER BY {_q(RECORD_ALIAS)}.{_q(spec.key)}"  # noqa: S608
    return Query(sql, values, labels + rule_labels)


def _keys_filter(alias: str, key: str) -> str:
    return f" AND CAST({_q(alias)}.{_q(key)} AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))"


def list_query(
    spec: Spec, lst: ListSpec, identity: str, params: dict[str, Any], keys: Sequence[str] | None = None
) -> Query:
    """The children of every record `record_query` would return, ordered by parent, then order_by.

    The first len(lst.on) labels are the parent's join values (`_parent0`, ...), so the engine can
    hand each record its own children.
    """
    columns, labels = _select(_child_refs(lst), RECORD_ALIAS)
    parent_cols = [f"{_q(RECORD_ALIAS)}.{_q(child)}" for child, _ in lst.on]
    body, values = _child_body(spec, lst, identity, params, keys)
    order = parent_cols + [f"{_q(RECORD_ALIAS)}.{_q(c)}" for c in lst.order_by]
    select = [f"{c} AS {_q(f'_parent{i}')}" for i, c in enumerate(parent_cols)] + columns
    sql = f"SELECT {', '.join(select)} {body} ORDER BY {', '.join(order)}"  # noqa: S608
    return Query(sql, values, tuple(f"_parent{i}" for i in range(len(parent_cols))) + labels)


def _child_refs(lst: ListSpec) -> list[ColumnRef]:
    refs = [ColumnRef(None, lst.key)]
    for rule in lst.fields:
        refs += rule.columns()
    return refs


def _child_body(
    spec: Spec, lst: ListSpec, identity: str, params: dict[str, Any], keys: Sequence[str] | None
) -> tuple[str, list[Any]]:
    """FROM/WHERE of a list's children whose parent the record query selects (and `keys` names)."""
    place = f"{spec.name} list {lst.target}"
    body, values = from_where(lst.table, lst.joins, lst.where, RECORD_ALIAS, identity, params, place)
    parent_body, parent_values = from_where(
        spec.table, spec.joins, spec.filters, PARENT_ALIAS, identity, params, spec.name
    )
    link = " AND ".join(
        f"{_col(ours, PARENT_ALIAS)} = {_q(RECORD_ALIAS)}.{_q(child)}" for child, ours in lst.on
    )
    body += f" AND EXISTS (SELECT 1 {parent_body} AND {link}"
    values += parent_values
    if keys is not None:
        body += _keys_filter(PARENT_ALIAS, spec.key)
        values.append([str(k) for k in keys])
    return body + ")", values


INPUT_LABELS = ("_key_text", "_key", "_bk", "_version", "_digest")


def input_query(
    spec: Spec, identity: str, params: dict[str, Any], salt: str, keys: Sequence[str] | None = None
) -> Query:
    """Per record of `record_query`, in its order: the key as text, the key, the business key, the
    version and the digest of its inputs (module docstring), salted with `salt` (what else the
    mapping depends on: the spec, its parameters, the code). Columns named as INPUT_LABELS, which
    sync.store.read_inputs relies on."""
    columns, _ = _select(record_refs(spec), RECORD_ALIAS)
    rule_columns, values, _ = _rules(spec, params, named=False)
    body, where_values = from_where(spec.table, spec.joins, spec.filters, RECORD_ALIAS, identity, params, spec.name)
    values += where_values
    if keys is not None:
        body += _keys_filter(RECORD_ALIAS, spec.key)
        values.append([str(k) for k in keys])
    key = f"{_q(RECORD_ALIAS)}.{_q(spec.key)}"
    optional = [f"{_q(RECORD_ALIAS)}.{_q(c)}" if c else "NULL" for c in (spec.business_key, spec.version)]
    links = [
        f"{_col(ours, RECORD_ALIAS)} AS {_q(f'_on{n}_{i}')}"
        for n, lst in enumerate(spec.lists)
        for i, (_, ours) in enumerate(lst.on)
    ]
    inner = [
        f"CAST({key} AS VARCHAR) AS _key_text", f"{key} AS _key", f"{optional[0]} AS _bk", f"{optional[1]} AS _version",
        f"to_json(row({', '.join(columns + rule_columns)})) AS _row", *links,
    ]  # fmt: skip
    sql = f"SELECT {', '.join(inner)} {body}"  # noqa: S608
    # Salt (64 hex), the row's JSON, then one md5 (32 hex) or '-' per list: fixed widths, one reading.
    digests = ["CAST(? AS VARCHAR)", "_r._row"]
    joins: list[str] = []
    for n, lst in enumerate(spec.lists):
        child_columns, _ = _select(_child_refs(lst), RECORD_ALIAS)
        child_body, child_values = _child_body(spec, lst, identity, params, keys)
        parents = [f"{_q(RECORD_ALIAS)}.{_q(child)}" for child, _ in lst.on]
        item = f"to_json(row({', '.join(child_columns)}))"
        order = ", ".join([f"{_q(RECORD_ALIAS)}.{_q(c)}" for c in lst.order_by] + [item])
        picked = ", ".join(f"{c} AS {_q(f'_p{i}')}" for i, c in enumerate(parents))
        joins.append(
            f"LEFT JOIN (SELECT {picked}, md5(string_agg({item}, ',' ORDER BY {order})) AS _digest "
            f"{child_body} GROUP BY {', '.join(parents)}) AS {_q(f'_l{n}')} ON "
            + " AND ".join(f"{_q(f'_l{n}')}.{_q(f'_p{i}')} = _r.{_q(f'_on{n}_{i}')}" for i in range(len(parents)))
        )
        digests.append(f"coalesce({_q(f'_l{n}')}._digest, '-')")
        values += child_values
    digest = " || '|' || ".join(digests)
    outer = (
        f"SELECT _r._key_text, _r._key, _r._bk, _r._version, md5({digest}) AS _digest "  # noqa: S608
        f"FROM ({sql}) AS _r " + " ".join(joins) + " ORDER BY _r._key"
    )
    return Query(outer, [salt, *values], INPUT_LABELS)


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return {row[0] for row in rows}


def check_catalog(con: duckdb.DuckDBPyConnection, spec: Spec) -> None:
    """Every table the spec reads exists with `identity` and every column it names."""
    cache: dict[str, set[str]] = {}

    def columns_of(table: str) -> set[str]:
        if table not in cache:
            cache[table] = _table_columns(con, table)
            if not cache[table]:
                raise SpecError(f"mapping spec {spec.name}: table {table} does not exist in the staging file")
            if "identity" not in cache[table]:
                raise SpecError(f"mapping spec {spec.name}: table {table} has no identity column")
        return cache[table]

    def check(table: str, joins: Sequence[Join], refs: Iterable[ColumnRef], place: str) -> None:
        tables = {None: table, **{j.alias: j.table for j in joins}}
        for ref in refs:
            if ref.column not in columns_of(tables[ref.alias]):
                raise SpecError(
                    f"mapping spec {spec.name}: {place}: column {ref.label} does not exist in {tables[ref.alias]}"
                )
        for join in joins:
            for theirs, _ in join.on:
                if theirs not in columns_of(join.table):
                    raise SpecError(f"mapping spec {spec.name}: join {join.alias}: no column {theirs} in {join.table}")

    check(spec.table, spec.joins, [*record_refs(spec), *(c.column for c in spec.where)], "source")
    for lst in spec.lists:
        refs = [ColumnRef(None, lst.key), *(ColumnRef(None, c) for c in lst.order_by),
                *(ColumnRef(None, child) for child, _ in lst.on), *(c.column for c in lst.where)]
        refs += [r for rule in lst.fields for r in rule.columns()]
        check(lst.table, lst.joins, refs, f"list {lst.target}")
