"""Apply a spec to staging: rows in, MappedRecords (nested payloads or skip reasons) out.

The rules the engine applies to each field row, in order:

1. `not_sent` rows are documentation only (a seed pair the target or staging cannot carry yet).
2. The value is a constant (`const`, possibly a `$param`), the column a `$param` picks (`by`), or
   the first non-empty of the listed columns: "if null or empty, try the next" (seed 001's phone
   and e-mail rule). Empty means None or blank text.
3. The transforms run left to right; one that cannot handle the value makes the record a skip.
4. An empty result is left out of the payload (so an unset 24SO field never overwrites a value
   in the target with null); if the row is `required`, the record is skipped and the reason names
   the record, the target field and where it was read from (or the row's own `missing` text).

Before the fields, the spec's `else_skip` rules (`where` rows that tell instead of filter): a
record that fails one is skipped with the rule's reason(s) alone, and its fields are not mapped.

A record with any problem carries all of them in `skip_reason` and no payload: the loader logs
it and sends nothing, and the rest of the batch goes on. Connections are opened for the reads
only and closed before the caller touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from so24_pipelines.mapping.query import (
    MappingError,
    Query,
    check_catalog,
    list_query,
    record_query,
    rule_label,
)
from so24_pipelines.mapping.spec import FieldRule, ListSpec, Param, Spec
from so24_pipelines.mapping.transforms import TransformError, apply_all, as_text
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.records import MappedRecord

Row = dict[str, Any]
_TEMPLATE_REF = re.compile(r"\{([^{}]*)\}")


def map_records(
    db_path: str | Path,
    spec: Spec,
    identity: str,
    params: dict[str, Any] | None = None,
    *,
    keys: Sequence[str] | None = None,
) -> list[MappedRecord]:
    """Every record the spec selects for `identity` (or only `keys`), mapped, ordered by key."""
    params = dict(params or {})
    absent = sorted(spec.params() - set(params))
    if absent:
        raise MappingError(f"mapping spec {spec.name}: parameter(s) not given: {', '.join('$' + a for a in absent)}")
    with connect(db_path) as con:
        check_catalog(con, spec)
        rows = _fetch(con, record_query(spec, identity, params, keys))
        children = {
            lst.to: _group(_fetch(con, list_query(spec, lst, identity, params, keys)), len(lst.on))
            for lst in spec.lists
        }
    return [_record(spec, row, children, params) for row in rows]


def _fetch(con: Any, query: Query) -> list[Row]:
    return [dict(zip(query.labels, values, strict=True)) for values in con.execute(query.sql, query.params).fetchall()]


def _group(rows: list[Row], width: int) -> dict[tuple[Any, ...], list[Row]]:
    grouped: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        grouped.setdefault(tuple(row[f"_parent{i}"] for i in range(width)), []).append(row)
    return grouped


def is_empty(value: Any) -> bool:
    """None or blank text: "if null or empty, try the next source"."""
    return value is None or (isinstance(value, str) and not value.strip())


def _fill(template: str, row: Row) -> str:
    return _TEMPLATE_REF.sub(lambda m: "" if row.get(m.group(1)) is None else as_text(row[m.group(1)]), template)


def _set(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = payload
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _raw(rule: FieldRule, row: Row, params: dict[str, Any], where: str) -> Any:
    if rule.has_const:
        return params[rule.const.name] if isinstance(rule.const, Param) else rule.const
    if rule.switch is not None:
        choice = params[rule.switch.param]
        ref = rule.switch.cases.get(str(choice))
        if ref is None:
            known = ", ".join(rule.switch.cases)
            raise MappingError(f"{where}: ${rule.switch.param}={choice!r} is not one of {known}")
        return row[ref.label]
    for ref in rule.sources:
        if not is_empty(row[ref.label]):
            return row[ref.label]
    return None


def _apply(rules: Sequence[FieldRule], row: Row, params: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """One payload level from one row; problems are phrased for a user, not a developer."""
    payload: dict[str, Any] = {}
    problems: list[str] = []
    for rule in rules:
        if rule.not_sent is not None:
            continue
        value = _raw(rule, row, params, f"{where} {rule.target}")
        try:
            value = apply_all(rule.transforms, None if is_empty(value) else value)
        except TransformError as exc:
            problems.append(f"{rule.target}: {exc} (from {rule.source_label})")
            continue
        if is_empty(value):
            if rule.required:
                problems.append(_fill(rule.missing, row) if rule.missing else
                                f"{rule.target} is empty (from {rule.source_label})")
            continue
        _set(payload, rule.to, value)
    return payload, problems


def _items(lst: ListSpec, rows: list[Row], params: dict[str, Any], where: str) -> tuple[list[dict[str, Any]], list[str]]:
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for row in rows:
        item, item_problems = _apply(lst.fields, row, params, where)
        name = f"{lst.record} {as_text(row[lst.key])}"
        problems += [f"{name}: {p}" for p in item_problems]
        items.append(item)
    return items, problems


def _record(spec: Spec, row: Row, children: dict[tuple[str, ...], dict[tuple[Any, ...], list[Row]]],
            params: dict[str, Any]) -> MappedRecord:
    key = "" if row[spec.key] is None else as_text(row[spec.key])
    broken = [_fill(rule.else_skip or "", row) for i, rule in enumerate(spec.skip_rules) if not row[rule_label(i)]]
    if broken:
        return _result(spec, row, key, {}, broken)
    payload, problems = _apply(spec.fields, row, params, f"mapping spec {spec.name}")
    for lst in spec.lists:
        parent = tuple(row[ours.label] for _, ours in lst.on)
        rows = children[lst.to].get(parent, [])
        if not rows and lst.required:
            problems.append(_fill(lst.missing, row) if lst.missing else f"{lst.target}: no {lst.record}s in {lst.table}")
            continue
        items, item_problems = _items(lst, rows, params, f"mapping spec {spec.name} {lst.target}")
        problems += item_problems
        _set(payload, lst.to, items)
    return _result(spec, row, key, payload, problems)


def _result(spec: Spec, row: Row, key: str, payload: dict[str, Any], problems: list[str]) -> MappedRecord:
    business_key = row.get(spec.business_key) if spec.business_key else None
    version = row.get(spec.version) if spec.version else None
    return MappedRecord(
        source_key=key,
        payload={} if problems else payload,
        business_key=None if business_key is None else as_text(business_key),
        skip_reason=f"{spec.record} {key}: " + "; ".join(problems) if problems else None,
        source_version=None if version is None else as_text(version),
    )
