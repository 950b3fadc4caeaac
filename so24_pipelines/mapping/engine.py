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
only and closed before the caller touches the network; the reads of one call share one
transaction, so a record and its children come from the same moment of staging.

Speed: a tick maps every record a flow selects (100k products), so the spec is compiled once per
call into plain tuples (column positions, transform functions, payload paths) and each row is
mapped straight from DuckDB's tuple, instead of interpreting the spec's dataclasses per row.

`map_changed` goes further for the scheduled flows: a record whose inputs (every value its
mapping reads, as a digest computed in DuckDB: query.input_query) are what they were when the
flow last planned it, and whose target still holds the payload that gave, is not mapped again. It
comes back as a `SettledRecord` (keys and the known payload hash, no payload), which the planner
counts as unchanged without hashing, and never writes. The digest is salted with the spec, its
parameters, the identity and the code that maps (this package's modules and the caller's), so a
change to any of them maps everything again once.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from so24_pipelines.mapping.query import (
    MappingError,
    Query,
    check_catalog,
    input_query,
    list_query,
    record_query,
    rule_label,
)
from so24_pipelines.mapping.spec import FieldRule, ListSpec, Param, Spec
from so24_pipelines.mapping.transforms import SIMPLE, Transform, TransformError, as_text
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync.planner import SettledRecord, settled_inputs
from so24_pipelines.sync.records import MappedRecord

Row = tuple[Any, ...]
_TEMPLATE_REF = re.compile(r"\{([^{}]*)\}")
_ENGINE_MODULES = (
    "so24_pipelines.mapping.engine",
    "so24_pipelines.mapping.query",
    "so24_pipelines.mapping.spec",
    "so24_pipelines.mapping.transforms",
)


def map_records(
    db_path: str | Path,
    spec: Spec,
    identity: str,
    params: dict[str, Any] | None = None,
    *,
    keys: Sequence[str] | None = None,
) -> list[MappedRecord]:
    """Every record the spec selects for `identity` (or only `keys`), mapped, ordered by key."""
    params = _checked_params(spec, params)
    with transaction(db_path) as con:
        check_catalog(con, spec)
        return _map(con, spec, identity, params, keys)


@dataclass(frozen=True)
class MappedBatch:
    """What `map_changed` returns: the records in key order (some settled), and, per loader key
    of each record mapped afresh, the digest of its inputs (kept by `remember_inputs` after a load)."""

    records: list[MappedRecord]
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def settled(self) -> int:
        return sum(1 for record in self.records if isinstance(record, SettledRecord))


def map_changed(
    db_path: str | Path,
    spec: Spec,
    identity: str,
    params: dict[str, Any] | None = None,
    *,
    flow: str,
    keys: Sequence[str] | None = None,
    key_prefix: str = "",
    context: str = "",
) -> MappedBatch:
    """`map_records`, but records whose inputs did not change since `flow` last planned them come
    back settled (module docstring).

    `key_prefix`: what the flow puts before the engine's key to make its loader key (R4's
    "<identity>:"); `context`: anything else the flow's records depend on beyond the spec and
    its parameters (a setting its own checks read, `source_digest` of its module).
    """
    params = _checked_params(spec, params)
    salt = _salt(spec, identity, params, key_prefix, context)
    with transaction(db_path) as con:
        check_catalog(con, spec)
        query = input_query(spec, identity, params, salt, keys)
        inputs = settled_inputs(con, flow, key_prefix, query.sql, query.params)
        # Per record: its loader key, its key as the engine spells it, and the hash it is settled
        # with (None: map it afresh); only under a key that reads the same in SQL and in Python.
        decided: list[tuple[str, str, str | None]] = []
        seen: set[str] = set()
        fresh_keys: list[str] = []
        for key_text, key, _, _, _, known in inputs:
            if key_text is None or (loader_key := key_prefix + key_text) in seen:
                # a record without a key, or one a join repeats: mapped as map_records maps them,
                # for the planner to skip with its reasons
                return MappedBatch(_map(con, spec, identity, params, keys))
            seen.add(loader_key)
            kind = type(key)
            text = key_text if kind is int or kind is str else (_text(key) or "")
            done = known if text == key_text else None
            decided.append((loader_key, text, done))
            if done is None:
                fresh_keys.append(key_text)
        if len(fresh_keys) == len(inputs):
            fresh = _map(con, spec, identity, params, keys)
        else:
            fresh = _map(con, spec, identity, params, fresh_keys) if fresh_keys else []
    by_key = {record.source_key: record for record in fresh}
    records: list[MappedRecord] = []
    digests: dict[str, str] = {}
    for (loader_key, text, done), row in zip(decided, inputs, strict=True):
        if done is not None:
            records.append(SettledRecord(text, {}, _text(row[2]), None, _text(row[3]), done))
            continue
        record = by_key.pop(text, None)
        if record is not None:  # always, as both queries read one snapshot with one FROM/WHERE
            records.append(record)
            if text == row[0]:
                digests[loader_key] = row[4]
    records += by_key.values()
    return MappedBatch(records, digests)


def _text(value: Any) -> str | None:
    """as_text, or None for None; the common types first (100k keys and versions a tick)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.isoformat()
    return None if value is None else as_text(value)


def source_digest(*modules: str) -> str:
    """A digest of the named modules' source: a flow's `context` for `map_changed`, so a change
    to the code that shapes its records (checks, keys) maps every record again once."""
    return _source_digest(tuple(modules))


@cache
def _source_digest(modules: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in modules:
        module = importlib.import_module(name)
        file = getattr(module, "__file__", None)
        digest.update(name.encode())
        digest.update(Path(file).read_bytes() if file else b"")
    return digest.hexdigest()


def _salt(spec: Spec, identity: str, params: dict[str, Any], key_prefix: str, context: str) -> str:
    text = json.dumps(
        [repr(spec), identity, sorted(params.items()), key_prefix, context, source_digest(*_ENGINE_MODULES)],
        default=repr,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _checked_params(spec: Spec, params: dict[str, Any] | None) -> dict[str, Any]:
    params = dict(params or {})
    absent = sorted(spec.params() - set(params))
    if absent:
        raise MappingError(f"mapping spec {spec.name}: parameter(s) not given: {', '.join('$' + a for a in absent)}")
    return params


def _map(con: Any, spec: Spec, identity: str, params: dict[str, Any], keys: Sequence[str] | None) -> list[MappedRecord]:
    query = record_query(spec, identity, params, keys)
    plan = _compile(spec, query.labels, params)
    rows = _fetch(con, query)
    children: dict[tuple[str, ...], dict[tuple[Any, ...], list[Row]]] = {}
    for lst, compiled in zip(spec.lists, plan.lists, strict=True):
        child_query = list_query(spec, lst, identity, params, keys)
        compiled.bind(child_query.labels, params, f"mapping spec {spec.name} {lst.target}")
        children[lst.to] = _group(_fetch(con, child_query), len(lst.on))
    return [plan.record(row, children) for row in rows]


def _fetch(con: Any, query: Query) -> list[Row]:
    return con.execute(query.sql, query.params).fetchall()


def _group(rows: list[Row], width: int) -> dict[tuple[Any, ...], list[Row]]:
    grouped: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[:width], []).append(row)
    return grouped


def is_empty(value: Any) -> bool:
    """None or blank text: "if null or empty, try the next source"."""
    return value is None or (isinstance(value, str) and not value.strip())


def _fill(template: str, row: dict[str, Any]) -> str:
    return _TEMPLATE_REF.sub(lambda m: "" if row.get(m.group(1)) is None else as_text(row[m.group(1)]), template)


# ---- the compiled spec ----------------------------------------------------------------------------

_SOURCES, _CONST, _SWITCH, _BAD_SWITCH = range(4)


def _step(transform: Transform) -> Callable[[Any], Any]:
    if transform.name == "truncate":
        length = transform.arg

        def truncate(value: Any) -> str:
            return as_text(value)[:length]

        return truncate
    return SIMPLE[transform.name]


class _Field:
    """One sent field row, resolved against one query's columns and one call's parameters."""

    __slots__ = ("rule", "kind", "value", "columns", "steps", "required", "leaf", "parents")

    def __init__(self, rule: FieldRule, index: dict[str, int], params: dict[str, Any], where: str) -> None:
        self.rule = rule
        self.steps = tuple(_step(t) for t in rule.transforms)
        self.required = rule.required
        *parents, self.leaf = rule.to
        self.parents = tuple(parents)
        self.columns: tuple[int, ...] = ()
        self.value: Any = None
        if rule.has_const:
            self.kind = _CONST
            self.value = params[rule.const.name] if isinstance(rule.const, Param) else rule.const
        elif rule.switch is not None:
            choice = params[rule.switch.param]
            ref = rule.switch.cases.get(str(choice))
            if ref is None:  # raised when a record is mapped, as the rule is read row by row
                known = ", ".join(rule.switch.cases)
                self.kind = _BAD_SWITCH
                self.value = f"{where} {rule.target}: ${rule.switch.param}={choice!r} is not one of {known}"
            else:
                self.kind = _SWITCH
                self.columns = (index[ref.label],)
        else:
            self.kind = _SOURCES
            self.columns = tuple(index[ref.label] for ref in rule.sources)


def _fields(rules: Sequence[FieldRule], index: dict[str, int], params: dict[str, Any], where: str) -> tuple[_Field, ...]:
    return tuple(_Field(rule, index, params, where) for rule in rules if rule.not_sent is None)


def _apply(fields: tuple[_Field, ...], row: Row, labels: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """One payload level from one row; problems are phrased for a user, not a developer."""
    payload: dict[str, Any] = {}
    problems: list[str] = []
    for f in fields:
        kind = f.kind
        if kind == _SOURCES:  # the first non-empty source (blank text is empty: "" or whitespace)
            value = None
            for column in f.columns:
                candidate = row[column]
                if candidate is not None and not (isinstance(candidate, str) and (not candidate or candidate.isspace())):
                    value = candidate
                    break
        else:
            if kind == _CONST:
                value = f.value
            elif kind == _SWITCH:
                value = row[f.columns[0]]
            else:
                raise MappingError(f.value)
            if isinstance(value, str) and (not value or value.isspace()):
                value = None
        if f.steps:
            try:
                for step in f.steps:
                    if value is None:
                        break
                    value = step(value)
            except TransformError as exc:
                problems.append(f"{f.rule.target}: {exc} (from {f.rule.source_label})")
                continue
        if value is None or (isinstance(value, str) and (not value or value.isspace())):
            if f.required:
                rule = f.rule
                problems.append(_fill(rule.missing, dict(zip(labels, row, strict=True))) if rule.missing else
                                f"{rule.target} is empty (from {rule.source_label})")
            continue
        if f.parents:
            node = payload
            for part in f.parents:
                node = node.setdefault(part, {})
            node[f.leaf] = value
        else:
            payload[f.leaf] = value
    return payload, problems


def _set(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = payload
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


class _List:
    """One nested list: how a record finds its children, and how each child is mapped."""

    def __init__(self, lst: ListSpec, index: dict[str, int]) -> None:
        self.spec = lst
        self.parent = tuple(index[ours.label] for _, ours in lst.on)
        self.fields: tuple[_Field, ...] = ()
        self.labels: tuple[str, ...] = ()
        self.key = 0

    def bind(self, labels: tuple[str, ...], params: dict[str, Any], where: str) -> None:
        index = {label: i for i, label in enumerate(labels)}
        self.labels = labels
        self.key = index[self.spec.key]
        self.fields = _fields(self.spec.fields, index, params, where)

    def items(self, rows: list[Row]) -> tuple[list[dict[str, Any]], list[str]]:
        items: list[dict[str, Any]] = []
        problems: list[str] = []
        for row in rows:
            item, item_problems = _apply(self.fields, row, self.labels)
            if item_problems:
                name = f"{self.spec.record} {as_text(row[self.key])}"
                problems += [f"{name}: {p}" for p in item_problems]
            items.append(item)
        return items, problems


class _Compiled:
    """A spec resolved against the record query's columns and one call's parameters."""

    def __init__(self, spec: Spec, labels: tuple[str, ...], params: dict[str, Any]) -> None:
        index = {label: i for i, label in enumerate(labels)}
        self.spec = spec
        self.labels = labels
        self.key = index[spec.key]
        self.business_key = index[spec.business_key] if spec.business_key else None
        self.version = index[spec.version] if spec.version else None
        self.skip_rules = tuple((index[rule_label(i)], rule.else_skip or "") for i, rule in enumerate(spec.skip_rules))
        self.fields = _fields(spec.fields, index, params, f"mapping spec {spec.name}")
        self.lists = tuple(_List(lst, index) for lst in spec.lists)

    def record(self, row: Row, children: dict[tuple[str, ...], dict[tuple[Any, ...], list[Row]]]) -> MappedRecord:
        value = row[self.key]
        key = "" if value is None else as_text(value)
        broken = [template for column, template in self.skip_rules if not row[column]]
        if broken:
            named = self._named(row)
            return self._result(row, key, {}, [_fill(template, named) for template in broken])
        payload, problems = _apply(self.fields, row, self.labels)
        for lst in self.lists:
            rows = children[lst.spec.to].get(tuple(row[i] for i in lst.parent), [])
            if not rows and lst.spec.required:
                problems.append(_fill(lst.spec.missing, self._named(row)) if lst.spec.missing else
                                f"{lst.spec.target}: no {lst.spec.record}s in {lst.spec.table}")
                continue
            items, item_problems = lst.items(rows)
            problems += item_problems
            _set(payload, lst.spec.to, items)
        return self._result(row, key, payload, problems)

    def _named(self, row: Row) -> dict[str, Any]:
        return dict(zip(self.labels, row, strict=True))

    def _result(self, row: Row, key: str, payload: dict[str, Any], problems: list[str]) -> MappedRecord:
        business_key = None if self.business_key is None else row[self.business_key]
        version = None if self.version is None else row[self.version]
        return MappedRecord(
            source_key=key,
            payload={} if problems else payload,
            business_key=None if business_key is None else as_text(business_key),
            skip_reason=f"{self.spec.record} {key}: " + "; ".join(problems) if problems else None,
            source_version=None if version is None else as_text(version),
        )


def _compile(spec: Spec, labels: tuple[str, ...], params: dict[str, Any]) -> _Compiled:
    return _Compiled(spec, labels, params)
