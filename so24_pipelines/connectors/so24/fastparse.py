"""Columns straight from a 24SO answer's XML, skipping zeep's object graph.

A GetInvoices answer for 1000 orders is tens of thousands of elements; zeep turns each into a
Python object with type checks, which dominates the extraction time. Staging only needs text per
column, so this walks the lxml tree once per record and leaves typing to DuckDB's casts (one
vectorised step). zeep still builds every request and is used for small answers.

Sentinels: 24SO answers can carry .NET "unset" values (year-1 dates, Int32.MinValue,
Decimal.MinValue); they become None here so staging never stores a fake value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

NS = "{http://24sevenOffice.com/webservices}"
_SENTINELS = frozenset(
    {
        "-2147483648",
        "-32768",
        "-9223372036854775808",
        "-79228162514264337593543950335",
        "-1.7976931348623157E+308",
        "00000000-0000-0000-0000-000000000000",
    }
)


@dataclass(frozen=True)
class Field:
    """One staged column and the element path it comes from (e.g. "Addresses/Post/Street")."""

    column: str
    path: str

    @property
    def steps(self) -> tuple[str, ...]:
        return tuple(NS + part for part in self.path.split("/"))


@dataclass(frozen=True)
class RecordShape:
    """How to read one record type; `children` are nested lists staged as tables of their own."""

    tag: str
    fields: tuple[Field, ...]
    children: dict[str, ChildShape] = field(default_factory=dict)

    @property
    def return_properties(self) -> list[str]:
        """Top-level element names to ask for (24SO returns only what returnProperties names)."""
        names: list[str] = []
        for f in self.fields:
            top = f.path.split("/")[0]
            if top not in names:
                names.append(top)
        for child in self.children.values():
            top = child.path.split("/")[0]
            if top not in names:
                names.append(top)
        return names


@dataclass(frozen=True)
class ChildShape:
    """A nested list (e.g. InvoiceRows/InvoiceRow) with the parent columns copied into each row."""

    path: str
    shape: RecordShape
    parent_columns: tuple[str, ...]


def _clean(text: str | None) -> str | None:
    if text is None or text in _SENTINELS or text.startswith("0001-01-01"):
        return None
    return text


def _value(record: etree._Element, index: dict[str, etree._Element], steps: tuple[str, ...]) -> str | None:
    node = index.get(steps[0])
    for step in steps[1:]:
        if node is None:
            return None
        node = node.find(step)
    if node is None:
        return None
    return _clean(node.text)


def _child_nodes(index: dict[str, etree._Element], steps: tuple[str, ...]) -> list[etree._Element]:
    node = index.get(steps[0])
    for step in steps[1:-1]:
        if node is None:
            return []
        node = node.find(step)
    if node is None:
        return []
    return node.findall(steps[-1])


def records_to_columns(
    records: list[etree._Element] | etree._Element | None, shape: RecordShape
) -> tuple[dict[str, list[str | None]], dict[str, dict[str, list[str | None]]]]:
    """Turn record elements into {column: values} plus one such dict per child table."""
    columns: dict[str, list[str | None]] = {f.column: [] for f in shape.fields}
    child_columns: dict[str, dict[str, list[str | None]]] = {
        name: {c: [] for c in child.parent_columns} | {f.column: [] for f in child.shape.fields}
        for name, child in shape.children.items()
    }
    if records is None:
        return columns, child_columns
    field_steps = [(columns[f.column], f.steps) for f in shape.fields]
    child_specs = [
        (
            child_columns[name],
            tuple(NS + p for p in child.path.split("/")),
            child.parent_columns,
            [(child_columns[name][f.column], f.steps) for f in child.shape.fields],
        )
        for name, child in shape.children.items()
    ]
    for record in records:
        index = {c.tag: c for c in record}
        parent_values: dict[str, str | None] = {}
        for values, steps in field_steps:
            values.append(_value(record, index, steps))
        if not child_specs:
            continue
        for f in shape.fields:
            parent_values[f.column] = columns[f.column][-1]
        for table, steps, parent_cols, row_fields in child_specs:
            for row in _child_nodes(index, steps):
                row_index = {c.tag: c for c in row}
                for col in parent_cols:
                    table[col].append(parent_values.get(col))
                for values, rsteps in row_fields:
                    values.append(_value(row, row_index, rsteps))
    return columns, child_columns
