"""JSON records to staging rows: one converter for every REST system, driven by `Column.path`.

Rackbeat and Ongoing records (dicts, as their APIs answer) become the text columns that
`staging.upsert` takes. Each value is checked here by the rules every staged value obeys
(`staging/values.py`, the same checks and reasons as the upsert's SQL for 24SO), so a record is
rejected before anything is written, and a record with a child list (an invoice and its lines)
is rejected whole when one line does not fit. DuckDB then casts the text in one vectorised step.
What cannot wait for SQL happens here too: walking the path, time zones, custom fields, links
that are not ones.

Path grammar (`Column.path`):
- nested objects, `a.b.c`: dots walk into nested objects. A missing key, or something that is not
  an object on the way, is a missing value (NULL), never an error.
- alternatives, `a | b`: the first alternative that has a value (present, not null, not "")
  wins. Rackbeat: `group.number | group_id` (a product's group as an object, else its id),
  `name | company_name`, `customer.number | customer_id`.
- list rows, `list[]`: a child table's columns start with the list its rows come from, one row per
  element (`lines[].item.number`: the rest is walked in the element). Its parent columns are
  walked in the parent record (an invoice line's `invoice_number` is the invoice's `number`).
- list position, `list[#]`: the element's position in that list, counted from 1.
- custom fields, `field_values[NAME]` (Rackbeat): the `value` of the `field_values` entry whose
  `field_id` is the id of the custom field named NAME. Ids differ per account, so the caller
  resolves them (`custom_fields={NAME: id}`); a field the account lacks (id None) gives NULL.

Value rules, in the order applied:
- missing values: NULL. An optional column stays NULL, a required one rejects the record
  ("missing required field x"); blank and .NET "unset" values count as missing (values.py).
- no objects: an object or a list where a value belongs rejects the record
  ("x is an object, not a VARCHAR"); it is never stored as its Python text.
- timestamps: a TIMESTAMP column takes ISO 8601 text (a date alone, `T` or a space, fractions,
  `Z` or an offset; no offset means UTC) and stores it as naive UTC, the staging convention.
  Blank is NULL; text that does not parse rejects the record ("x=soon is not a valid TIMESTAMP").
- booleans: JSON true/false become "true"/"false".
- custom field values: trimmed; blank is NULL.
- trimmed text (`trim_text=True`, Ongoing): every value is trimmed. Rackbeat's text is kept as
  sent, like 24SO's (the `both` mode compares the two).
- digits-only links (`digits_only`, Ongoing's `so24_product_id` / `so24_order_id`): the value
  is kept only when it is digits below 2**53, i.e. an id the hub can have made from a 24SO id;
  anything else is NULL, not an error: that record is just not linked.
- numbers and decimals: exact or rejected, never rounded (values.py): a JSON integer goes as
  written; a JSON float is a double, read to its 15 significant digits in plain notation (`12.5`,
  `1e-05` -> `0.00001`, `0.30000000000000004` -> `0.3`). A value the column cannot hold exactly
  rejects the record ("x=1.5 is not a whole number (INTEGER would round it)", "x=0.00001 has more
  than 4 decimals (DECIMAL(18,4) would round it)", "x=12,5 is not a valid DECIMAL(18,4)").

A record rejected here is left out of the columns and listed in `rejected` as
(key, "<table>: <reason>"), the upsert's form, keyed by the text of the table's last key column
(a record without one by `values.no_key_text`: a digest of the record, one name per record).
A record with a child table (an invoice and its lines) is one record: a line that does not convert
rejects the invoice, with the line table's name in the reason. `upsert_converted_family` stages
such records with their lines in one step (staging.upsert.upsert_family).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from so24_pipelines.staging import values
from so24_pipelines.staging.tables import Column, StagingTable
from so24_pipelines.staging.upsert import UpsertResult, upsert, upsert_family

Columns = dict[str, list[str | None]]
CustomFields = Mapping[str, int | None]

MAX_LINK_ID = 2**53
_SEGMENT = re.compile(r"([^.\[\]]+)(?:\[([^\]]*)\])?")
_EACH, _POSITION = "", "#"


@dataclass(frozen=True)
class _Step:
    key: str
    select: str | None = None  # None: the key's value; "": each element; "#": position; else a custom field


@dataclass(frozen=True)
class _Path:
    """A parsed Column.path: alternatives, each a sequence of steps."""

    text: str
    alternatives: tuple[tuple[_Step, ...], ...]


def parse_path(text: str) -> _Path:
    """Parse a JSON path (see the module docstring); ValueError for one that is not well formed."""
    alternatives = []
    for alt in text.split("|"):
        alt = alt.strip()
        steps = []
        pos = 0
        while pos < len(alt):
            match = _SEGMENT.match(alt, pos)
            if match is None:
                raise ValueError(f"path {text!r}: cannot read {alt[pos:]!r}")
            steps.append(_Step(match.group(1).strip(), match.group(2)))
            pos = match.end()
            if pos < len(alt):
                if alt[pos] != ".":
                    raise ValueError(f"path {text!r}: expected '.' at {alt[pos:]!r}")
                pos += 1
        if not steps:
            raise ValueError(f"path {text!r}: empty alternative")
        alternatives.append(tuple(steps))
    return _Path(text, tuple(alternatives))


class _Reject(Exception):
    """A value that does not convert; the message is the reason (without the table name)."""


@dataclass
class Converted:
    """What `convert` made of a batch: upsert's text columns, and the records it rejected."""

    columns: Columns
    children: Columns | None = None
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))


@dataclass(frozen=True)
class _Rules:
    custom_fields: CustomFields
    trim_text: bool
    digits_only: Collection[str]


def _has_value(value: Any) -> bool:
    return value is not None and value != ""


def _custom_field(entries: Any, name: str, rules: _Rules) -> Any:
    if name not in rules.custom_fields:
        raise ValueError(f"custom field {name!r}: the caller did not resolve its id (custom_fields)")
    field_id = rules.custom_fields[name]
    if field_id is None or not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("field_id") == field_id:
            value = entry.get("value")
            if isinstance(value, str):
                return value.strip() or None
            return value
    return None


def _walk(node: Any, steps: Iterable[_Step], rules: _Rules) -> Any:
    for step in steps:
        if not isinstance(node, Mapping):
            return None
        node = node.get(step.key)
        if step.select is None:
            continue
        if step.select in (_EACH, _POSITION):
            raise ValueError(f"{step.key}[{step.select}] belongs at the start of a child table's column path")
        node = _custom_field(node, step.select, rules)
    return node


def _lookup(record: Any, path: _Path, rules: _Rules) -> Any:
    value = None
    for steps in path.alternatives:
        value = _walk(record, steps, rules)
        if _has_value(value):
            return value
    return None if value == "" else value


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 text as naive UTC (no offset means UTC); ValueError when it is not a time."""
    value = text.strip()
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day)
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _number_text(column: Column, value: float) -> str:
    """A JSON float as the number it stands for: 15 significant digits, plain notation."""
    if not math.isfinite(value):
        raise _Reject(f"{column.name}={value} is not a valid {column.sql_type}")
    return format(Decimal(format(value, ".15g")), "f")


def _raw_text(column: Column, value: Any, rules: _Rules) -> str | None:
    """One value as staging text, by the value rules of the module docstring (in that order)."""
    if value is None:
        return None
    if isinstance(value, Mapping | list | tuple):
        kind = "an object" if isinstance(value, Mapping) else "a list"
        raise _Reject(f"{column.name} is {kind}, not a {column.sql_type}")
    if column.sql_type == "TIMESTAMP":
        if not str(value).strip():
            return None
        try:
            return parse_timestamp(str(value)).isoformat()
        except ValueError:
            raise _Reject(f"{column.name}={value} is not a valid TIMESTAMP") from None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and values.is_number(column.sql_type):
        text = _number_text(column, value)
    else:
        text = str(value)
    if rules.trim_text:
        text = text.strip()
    if column.name in rules.digits_only:
        digits = text.strip()
        return digits if digits.isdigit() and int(digits) < MAX_LINK_ID else None
    return text


def _text(column: Column, value: Any, rules: _Rules) -> str | None:
    """The value's staging text once it fits the column (values.py), else _Reject with the reason."""
    text = _raw_text(column, value, rules)
    problem = values.problem(column, values.clean(column, text))
    if problem is not None:
        raise _Reject(problem)
    return text


@dataclass(frozen=True)
class _ChildPlan:
    table: StagingTable
    list_key: str
    parent: tuple[tuple[Column, _Path], ...]
    own: tuple[tuple[Column, _Step, tuple[_Step, ...]], ...]  # column, list step, rest of the path


def _plan(table: StagingTable) -> tuple[tuple[Column, _Path], ...]:
    plan = []
    for column in table.all_columns:
        path = parse_path(column.path)
        for steps in path.alternatives:
            if any(s.select in (_EACH, _POSITION) for s in steps):
                raise ValueError(f"{table.name}.{column.name}: {column.path!r} fans out; declare it in a child table")
        plan.append((column, path))
    return tuple(plan)


def _child_plan(table: StagingTable) -> _ChildPlan:
    own = []
    lists = set()
    for column in table.columns:
        path = parse_path(column.path)
        steps = path.alternatives[0]
        if len(path.alternatives) != 1 or steps[0].select not in (_EACH, _POSITION):
            raise ValueError(f"{table.name}.{column.name}: a child column's path starts with list[] or list[#]")
        if steps[0].select == _POSITION and len(steps) > 1:
            raise ValueError(f"{table.name}.{column.name}: nothing can follow {steps[0].key}[#]")
        if any(s.select in (_EACH, _POSITION) for s in steps[1:]):
            raise ValueError(f"{table.name}.{column.name}: one list per child table, not lists in lists")
        lists.add(steps[0].key)
        own.append((column, steps[0], steps[1:]))
    if len(lists) != 1:
        raise ValueError(f"{table.name}: child columns must all come from one list, not {sorted(lists)}")
    parent = tuple((c, parse_path(c.path)) for c in table.parent_columns)
    return _ChildPlan(table, lists.pop(), parent, tuple(own))


def _child_rows(record: Any, plan: _ChildPlan, rules: _Rules) -> list[list[str | None]]:
    try:
        prefix = [_text(c, _lookup(record, p, rules), rules) for c, p in plan.parent]
    except _Reject as exc:
        raise _Reject(f"{plan.table.name}: {exc}") from None
    items = record.get(plan.list_key) if isinstance(record, Mapping) else None
    rows = []
    for position, item in enumerate(items if isinstance(items, list) else [], start=1):
        row = list(prefix)
        for column, head, rest in plan.own:
            value = position if head.select == _POSITION else _walk(item, rest, rules)
            try:
                row.append(_text(column, value, rules))
            except _Reject as exc:
                raise _Reject(f"{plan.table.name}: line {position}: {exc}") from None
        rows.append(row)
    return rows


def convert(
    table: StagingTable,
    records: Iterable[Mapping[str, Any]],
    *,
    child: StagingTable | None = None,
    custom_fields: CustomFields | None = None,
    trim_text: bool = False,
    digits_only: Collection[str] = (),
) -> Converted:
    """JSON records as `table`'s text columns (and `child`'s, from a list in each record).

    `custom_fields` maps each custom field name used in a path to its id in this account;
    `trim_text` and `digits_only` are the Ongoing rules (module docstring).
    """
    rules = _Rules(custom_fields or {}, trim_text, frozenset(digits_only))
    plan = _plan(table)
    kids = _child_plan(child) if child is not None else None
    key_index = next(i for i, (c, _) in enumerate(plan) if c.name == table.key[-1])
    rows: list[list[str | None]] = []
    child_rows: list[list[str | None]] = []
    rejected: list[tuple[str, str]] = []
    seen: Counter[str] = Counter()
    for record in records:
        try:
            row = [_text(column, _lookup(record, path, rules), rules) for column, path in plan]
        except _Reject as exc:
            rejected.append((_key_text(record, plan[key_index], rules, seen), f"{table.name}: {exc}"))
            continue
        try:
            lines = _child_rows(record, kids, rules) if kids is not None else []
        except _Reject as exc:
            rejected.append((_key_text(record, plan[key_index], rules, seen), str(exc)))
            continue
        rows.append(row)
        child_rows.extend(lines)
    columns = _transpose([c.name for c, _ in plan], rows)
    children = _transpose([c.name for c in child.all_columns], child_rows) if child is not None else None
    return Converted(columns, children, rejected)


def _key_text(record: Any, key: tuple[Column, _Path], rules: _Rules, seen: Counter[str]) -> str:
    """A rejected record's name: its key as text, or a digest of the record when it has none."""
    column, path = key
    value = _lookup(record, path, rules)
    try:
        text = values.clean(column, _raw_text(column, value, rules))
    except _Reject:
        text = None if value is None else str(value)
    if text is None:
        content = json.dumps(record, sort_keys=True, default=str) if isinstance(record, Mapping) else repr(record)
        return values.no_key_text(column.name, [content], seen)
    return text


def _transpose(names: list[str], rows: list[list[str | None]]) -> Columns:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def upsert_converted(
    con: duckdb.DuckDBPyConnection,
    table: StagingTable,
    converted: Converted,
    identity: str,
) -> UpsertResult:
    """Upsert the records that converted; the result also counts and names those that did not."""
    result = upsert(con, table, converted.columns, identity) if len(converted) else UpsertResult()
    result.received += len(converted.rejected)
    result.rejected[:0] = converted.rejected
    return result


def upsert_converted_family(
    con: duckdb.DuckDBPyConnection,
    table: StagingTable,
    child: StagingTable,
    converted: Converted,
    identity: str,
) -> tuple[UpsertResult, UpsertResult]:
    """Upsert records with their child rows (`convert(..., child=child)`): staging.upsert_family.

    A record staged is staged with all its rows; one rejected here or by the upsert changes
    nothing staged. The parent result also counts and names the records that did not convert.
    """
    if len(converted):
        head, lines = upsert_family(con, table, converted.columns, child, converted.children or {}, identity)
    else:
        head, lines = UpsertResult(), UpsertResult()
    head.received += len(converted.rejected)
    head.rejected[:0] = converted.rejected
    return head, lines
