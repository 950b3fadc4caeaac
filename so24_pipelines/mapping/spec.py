"""A field-mapping spec: one YAML file per flow, read into frozen dataclasses and checked on load.

Why YAML and not Python: the vendors describe their integrations as tables ("Ongoing field <-
24SO field"), and a flow's mapping should read like that table, be reviewable by someone who
does not read Python, and change without touching code. So every pair lives in a spec file and
the engine (engine.py) is the only code that knows how to apply one. The format is documented in
docs/mapping.md; this module refuses anything it does not understand, naming the file and the
row, because a silently ignored key in a mapping is a field that silently never arrives.

Identifiers (tables, columns, aliases) are checked against a strict pattern here and against the
staging file's catalog when the spec is applied, so the SQL built from them can interpolate them
safely; values never are interpolated (they are bound parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from so24_pipelines.mapping.transforms import Transform, parse_transforms

SPEC_DIR = Path(__file__).resolve().parent / "specs"

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_ALIAS = re.compile(r"^[a-z][a-z0-9_]*$")
_TEMPLATE_REF = re.compile(r"\{([^{}]*)\}")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_TARGET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PARAM = re.compile(r"^\$([a-z_][a-z0-9_]*)$")


class SpecError(ValueError):
    """The spec file is malformed; the message names the file and the offending row or key."""


class SpecLoader(yaml.SafeLoader):
    """YAML 1.2 booleans only, and no key given twice.

    PyYAML follows YAML 1.1, where `no`, `yes`, `on` and `off` are booleans: `from: no` (24SO's
    product number column) would silently become False. A repeated key would silently keep the
    last row. Both are refused or avoided here.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class ColumnRef:
    """A column of the row being mapped: `alias` is None for the table itself, else a join alias."""

    alias: str | None
    column: str

    @property
    def label(self) -> str:
        return self.column if self.alias is None else f"{self.alias}.{self.column}"


@dataclass(frozen=True)
class Param:
    """A value supplied at run time (`$name` in the spec), e.g. a status from the settings."""

    name: str


@dataclass(frozen=True)
class Switch:
    """`from: {by: <param>, <value>: <column>, ...}`: a setting picks which column is read."""

    param: str
    cases: dict[str, ColumnRef]


@dataclass(frozen=True)
class Join:
    """`alias: {table, on: {their column: our column}, inner}`; identity is always matched too."""

    alias: str
    table: str
    on: tuple[tuple[str, ColumnRef], ...]
    inner: bool = False


@dataclass(frozen=True)
class Condition:
    """One `where` row: column equals / differs from a value or parameter, or is (not) null.

    With `else_skip` (record-level `where` only) the row does not filter: a record that fails it
    is still selected, but skipped with that reason (`{column}` quotes the row), so a rule the
    user should see ("only orders born in 24SO") is told, not silently applied.
    """

    column: ColumnRef
    op: str  # "equals" | "not_equals" | "not_null" | "is_null"
    value: Any = None  # literal, list of literals, or Param
    else_skip: str | None = None
    skip_refs: tuple[ColumnRef, ...] = ()


@dataclass(frozen=True)
class FieldRule:
    """One row of the mapping table: target field <- source (with fallbacks), or a constant."""

    to: tuple[str, ...]
    sources: tuple[ColumnRef, ...] = ()
    switch: Switch | None = None
    const: Any = None
    has_const: bool = False
    transforms: tuple[Transform, ...] = ()
    required: bool = False
    missing: str | None = None
    missing_refs: tuple[ColumnRef, ...] = ()
    not_sent: str | None = None
    note: str | None = None
    create_only: bool = False

    @property
    def target(self) -> str:
        return ".".join(self.to)

    @property
    def source_label(self) -> str:
        if self.has_const:
            return f"${self.const.name}" if isinstance(self.const, Param) else repr(self.const)
        if self.switch is not None:
            cases = ", ".join(f"{k}: {v.label}" for k, v in self.switch.cases.items())
            return f"by {self.switch.param} ({cases})"
        return " ?? ".join(ref.label for ref in self.sources)

    def columns(self) -> tuple[ColumnRef, ...]:
        """Every column the rule reads (none for a constant or a row that is not sent)."""
        if self.not_sent is not None:
            return ()
        read = tuple(self.switch.cases.values()) if self.switch is not None else self.sources
        return read + self.missing_refs


@dataclass(frozen=True)
class ListSpec:
    """A nested list target built from a child table joined to the record by key (order lines)."""

    to: tuple[str, ...]
    record: str
    table: str
    key: str
    on: tuple[tuple[str, ColumnRef], ...]
    order_by: tuple[str, ...]
    joins: tuple[Join, ...]
    where: tuple[Condition, ...]
    fields: tuple[FieldRule, ...]
    required: bool = False
    missing: str | None = None
    missing_refs: tuple[ColumnRef, ...] = ()

    @property
    def target(self) -> str:
        return ".".join(self.to)


@dataclass(frozen=True)
class Spec:
    """A whole mapping: where the records come from and how each becomes a target payload."""

    name: str
    flow: str
    record: str
    target: str
    table: str
    key: str
    business_key: str | None
    version: str | None
    joins: tuple[Join, ...]
    where: tuple[Condition, ...]
    fields: tuple[FieldRule, ...]
    lists: tuple[ListSpec, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def owned_fields(self) -> tuple[str, ...]:
        """The target fields this spec writes (dotted paths; a list is owned whole): the fields it owns.

        A target sends only these and never clears or replaces another field of the record; where
        the target system replaces a whole structure (24SO addresses), the target merges these into
        the record as it reads it. `not_sent` rows are documentation and own nothing.
        """
        return tuple(r.target for r in self.fields if r.not_sent is None) + tuple(lst.target for lst in self.lists)

    @property
    def create_only_fields(self) -> tuple[str, ...]:
        """Owned fields sent only when the target record is created (`create_only: true`), never on update."""
        return tuple(r.target for r in self.fields if r.create_only and r.not_sent is None)

    @property
    def filters(self) -> tuple[Condition, ...]:
        """The `where` rows that select records (a record failing one is not mapped at all)."""
        return tuple(c for c in self.where if c.else_skip is None)

    @property
    def skip_rules(self) -> tuple[Condition, ...]:
        """The `where` rows with `else_skip`: a record failing one is mapped as a skip, with its reason."""
        return tuple(c for c in self.where if c.else_skip is not None)

    def params(self) -> set[str]:
        """Every `$name` the spec needs at run time."""
        names: set[str] = set()
        for conditions in (self.where, *(lst.where for lst in self.lists)):
            for cond in conditions:
                if isinstance(cond.value, Param):
                    names.add(cond.value.name)
        for rule in (*self.fields, *(f for lst in self.lists for f in lst.fields)):
            if isinstance(rule.const, Param):
                names.add(rule.const.name)
            if rule.switch is not None:
                names.add(rule.switch.param)
        return names


def load_spec(name: str | Path) -> Spec:
    """Read and check a spec: a bare name (`ongoing_orders`) is looked up in mapping/specs/."""
    path = Path(name) if isinstance(name, Path) or str(name).endswith((".yaml", ".yml")) else SPEC_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SPEC_DIR.glob("*.yaml")))
        raise SpecError(f"mapping spec {name!r} not found (known: {known})")
    return _load(path, path.read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def _load(path: Path, text: str) -> Spec:
    """A spec from its text, parsed once per process and text.

    PyYAML in pure Python takes ~10 ms a spec, and specs are read on every tick and every load of
    the definitions (their metadata); a Spec is frozen, so one parsed copy serves every caller,
    and an edited file (other text) is parsed afresh.
    """
    try:
        raw = yaml.load(text, Loader=SpecLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SpecError(f"{path.name}: not valid YAML: {exc}") from None
    return parse_spec(raw, path.stem)


def parse_spec(raw: Any, name: str) -> Spec:
    """Build a Spec from already-parsed YAML (tests and tools may construct specs in memory)."""
    p = _Parser(name)
    data = p.mapping(raw, "the file", required={"flow", "source", "fields"},
                     allowed={"flow", "record", "target", "description", "source", "fields", "lists"})
    source = p.mapping(data["source"], "source", required={"table", "key"},
                       allowed={"table", "key", "business_key", "version", "where", "join"})
    joins = p.joins(source.get("join"), "source.join")
    aliases = {j.alias for j in joins}
    fields = p.fields(data["fields"], "fields", aliases)
    lists = tuple(p.list_spec(item, i, aliases) for i, item in enumerate(p.sequence(data.get("lists") or [], "lists")))
    spec = Spec(
        name=name,
        flow=p.text(data["flow"], "flow"),
        record=p.text(data.get("record", "record"), "record"),
        target=p.text(data.get("target", ""), "target", allow_empty=True),
        description=p.text(data.get("description", ""), "description", allow_empty=True),
        table=p.table(source["table"], "source.table"),
        key=p.ident(source["key"], "source.key"),
        business_key=p.optional_ident(source.get("business_key"), "source.business_key"),
        version=p.optional_ident(source.get("version"), "source.version"),
        joins=joins,
        where=p.conditions(source.get("where"), "source.where", aliases, allow_skip=True),
        fields=fields,
        lists=lists,
    )
    p.check_targets([*spec.fields, *spec.lists])
    return spec


class _Parser:
    """Checks one file's structure; every message starts with the spec name and the place."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, where: str, message: str) -> SpecError:
        return SpecError(f"mapping spec {self.name}: {where}: {message}")

    def mapping(self, value: Any, where: str, *, required: set[str], allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(map(str, unknown))} (allowed: {', '.join(sorted(allowed))})")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing {', '.join(missing)}")
        return value

    def sequence(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return value

    def text(self, value: Any, where: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(where, "must be a non-empty string" if not allow_empty else "must be a string")
        return value.strip()

    def ident(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _IDENT.match(value):
            raise self.fail(where, f"{value!r} is not a column name (lower case letters, digits, _)")
        return value

    def optional_ident(self, value: Any, where: str) -> str | None:
        return None if value is None else self.ident(value, where)

    def table(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _TABLE.match(value):
            raise self.fail(where, f"{value!r} is not a schema-qualified table such as staging.so24_orders")
        return value

    def ref(self, value: Any, where: str, aliases: set[str]) -> ColumnRef:
        if not isinstance(value, str):
            raise self.fail(where, f"{value!r} is not a column reference")
        alias, _, column = value.rpartition(".")
        if alias and alias not in aliases:
            known = ", ".join(sorted(aliases)) or "none"
            raise self.fail(where, f"{value!r} names join {alias!r}, which is not declared (joins: {known})")
        return ColumnRef(alias or None, self.ident(column, where))

    def value(self, value: Any) -> Any:
        if isinstance(value, str) and _PARAM.match(value):
            return Param(_PARAM.match(value).group(1))
        return value

    def joins(self, raw: Any, where: str) -> tuple[Join, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a mapping of alias: {table, on}")
        out = []
        for alias, body in raw.items():
            place = f"{where}.{alias}"
            if not isinstance(alias, str) or not _ALIAS.match(alias):
                raise self.fail(place, "a join alias is a lower-case name starting with a letter")
            body = self.mapping(body, place, required={"table", "on"}, allowed={"table", "on", "inner"})
            out.append(Join(alias, self.table(body["table"], f"{place}.table"),
                            self.on(body["on"], f"{place}.on", set()), bool(body.get("inner", False))))
        return tuple(out)

    def on(self, raw: Any, where: str, aliases: set[str]) -> tuple[tuple[str, ColumnRef], ...]:
        if not isinstance(raw, dict) or not raw:
            raise self.fail(where, "must map at least one joined column to a column of ours")
        return tuple((self.ident(k, where), self.ref(v, where, aliases)) for k, v in raw.items())

    def conditions(
        self, raw: Any, where: str, aliases: set[str], *, allow_skip: bool = False
    ) -> tuple[Condition, ...]:
        if raw is None:
            return ()
        out = []
        allowed = {"column", "equals", "not_equals", "not_null", "is_null"} | ({"else_skip"} if allow_skip else set())
        for i, row in enumerate(self.sequence(raw, where)):
            place = f"{where}[{i}]"
            row = self.mapping(row, place, required={"column"}, allowed=allowed)
            ops = [op for op in ("equals", "not_equals", "not_null", "is_null") if op in row]
            if len(ops) != 1:
                raise self.fail(place, "give exactly one of equals, not_equals, not_null, is_null")
            op = ops[0]
            if op in ("not_null", "is_null") and row[op] is not True:
                raise self.fail(place, f"{op} takes the value true")
            value = self.value(row[op]) if op in ("equals", "not_equals") else None
            if isinstance(value, list) and not value:
                raise self.fail(place, f"{op} with an empty list matches nothing")
            skip = None if row.get("else_skip") is None else self.text(row["else_skip"], f"{place}.else_skip")
            out.append(Condition(self.ref(row["column"], place, aliases), op, value,
                                 skip, self.template_refs(skip, f"{place}.else_skip", aliases)))
        return tuple(out)

    def fields(self, raw: Any, where: str, aliases: set[str]) -> tuple[FieldRule, ...]:
        rows = self.sequence(raw, where)
        return tuple(self.field_rule(row, f"{where}[{i}]", aliases) for i, row in enumerate(rows))

    def field_rule(self, raw: Any, where: str, aliases: set[str]) -> FieldRule:
        row = self.mapping(raw, where, required={"to"},
                           allowed={"to", "from", "const", "transform", "required", "missing", "not_sent", "note",
                                    "create_only"})
        to = row["to"]
        if not isinstance(to, str) or not _TARGET.match(to):
            raise self.fail(where, f"to: {to!r} is not a target field (dotted names for nested objects)")
        place = f"{where} ({to})"
        if ("from" in row) == ("const" in row):
            raise self.fail(place, "give either from (a column, or a list of fallbacks) or const")
        sources: tuple[ColumnRef, ...] = ()
        switch = None
        if "from" in row:
            src = row["from"]
            if isinstance(src, dict):
                switch = self.switch(src, place, aliases)
            else:
                items = src if isinstance(src, list) else [src]
                if not items:
                    raise self.fail(place, "from: an empty list")
                sources = tuple(self.ref(item, place, aliases) for item in items)
        try:
            transforms = parse_transforms(row.get("transform"))
        except ValueError as exc:
            raise self.fail(place, str(exc)) from None
        not_sent = row.get("not_sent")
        if not_sent is not None:
            not_sent = self.text(not_sent, f"{place}.not_sent")
            if row.get("required"):
                raise self.fail(place, "a field that is not sent cannot be required")
            if row.get("create_only"):
                raise self.fail(place, "a field that is not sent cannot be create_only")
        missing = None if row.get("missing") is None else self.text(row["missing"], f"{place}.missing")
        return FieldRule(
            to=tuple(to.split(".")),
            sources=sources,
            switch=switch,
            const=self.value(row.get("const")),
            has_const="const" in row,
            transforms=transforms,
            required=self.flag(row.get("required", False), f"{place}.required"),
            missing=missing,
            missing_refs=self.template_refs(missing, f"{place}.missing", aliases),
            not_sent=not_sent,
            note=None if row.get("note") is None else self.text(row["note"], f"{place}.note"),
            create_only=self.flag(row.get("create_only", False), f"{place}.create_only"),
        )

    def switch(self, raw: dict[str, Any], where: str, aliases: set[str]) -> Switch:
        if "by" not in raw or len(raw) < 2:
            raise self.fail(where, "from: {by: <param>, <value>: <column>, ...} needs by and at least one case")
        param = self.ident(raw["by"], f"{where}.by")
        cases = {str(k): self.ref(v, where, aliases) for k, v in raw.items() if k != "by"}
        return Switch(param, cases)

    def template_refs(self, text: str | None, where: str, aliases: set[str]) -> tuple[ColumnRef, ...]:
        """Columns a `missing` message quotes as {column} or {alias.column}."""
        if text is None:
            return ()
        return tuple(self.ref(name, where, aliases) for name in _TEMPLATE_REF.findall(text))

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def list_spec(self, raw: Any, index: int, parent_aliases: set[str]) -> ListSpec:
        where = f"lists[{index}]"
        row = self.mapping(raw, where, required={"to", "table", "key", "on", "fields"},
                           allowed={"to", "record", "table", "key", "on", "order_by", "join", "where", "fields",
                                    "required", "missing"})
        to = row["to"]
        if not isinstance(to, str) or not _TARGET.match(to):
            raise self.fail(where, f"to: {to!r} is not a target field")
        where = f"{where} ({to})"
        joins = self.joins(row.get("join"), f"{where}.join")
        aliases = {j.alias for j in joins}
        order_by = row.get("order_by") or [row["key"]]
        order = tuple(self.ident(c, f"{where}.order_by") for c in (order_by if isinstance(order_by, list) else [order_by]))
        missing = None if row.get("missing") is None else self.text(row["missing"], f"{where}.missing")
        return ListSpec(
            to=tuple(to.split(".")),
            record=self.text(row.get("record", "item"), f"{where}.record"),
            table=self.table(row["table"], f"{where}.table"),
            key=self.ident(row["key"], f"{where}.key"),
            on=tuple((self.ident(k, f"{where}.on"), self.ref(v, f"{where}.on", parent_aliases))
                     for k, v in self._on_items(row["on"], f"{where}.on")),
            order_by=order,
            joins=joins,
            where=self.conditions(row.get("where"), f"{where}.where", aliases),
            fields=self.fields(row["fields"], f"{where}.fields", aliases),
            required=self.flag(row.get("required", False), f"{where}.required"),
            missing=missing,
            missing_refs=self.template_refs(missing, f"{where}.missing", parent_aliases),
        )

    def _on_items(self, raw: Any, where: str) -> list[tuple[Any, Any]]:
        if not isinstance(raw, dict) or not raw:
            raise self.fail(where, "must map at least one child column to a column of the record")
        return list(raw.items())

    def check_targets(self, rules: list[FieldRule | ListSpec]) -> None:
        """No target written twice, and no target both a value and an object (a vs a.b)."""
        seen: dict[tuple[str, ...], str] = {}
        for rule in rules:
            if isinstance(rule, FieldRule) and rule.not_sent is not None:
                continue
            if rule.to in seen:
                raise self.fail(rule.target, "this target field is mapped twice")
            seen[rule.to] = rule.target
        paths = sorted(seen)
        for shorter, longer in zip(paths, paths[1:], strict=False):
            if longer[: len(shorter)] == shorter:
                raise self.fail(".".join(longer), f"{'.'.join(shorter)} is mapped as a value and as an object")
        for rule in rules:
            if isinstance(rule, ListSpec):
                nested = [r for r in rule.fields if r.not_sent is None]
                self.check_targets(list(nested))
