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


def clean(text: str | None) -> str | None:
    """None for a .NET "unset" sentinel. Staging applies the same rule in SQL (vectorised)."""
    if text is None or text in _SENTINELS or text.startswith("0001-01-01"):
        return None
    return text


# A tree of element tags to walk: tag -> (column index or -1, subtree).
_Tree = dict[str, tuple[int, "_Tree"]]


def _tree(fields: tuple[Field, ...]) -> _Tree:
    root: _Tree = {}
    for index, f in enumerate(fields):
        node = root
        steps = f.steps
        for depth, step in enumerate(steps):
            last = depth == len(steps) - 1
            col, sub = node.get(step, (-1, {}))
            node[step] = (index if last else col, sub)
            node = sub
    return root


def _fill(element: etree._Element, tree: _Tree, row: list[str | None]) -> None:
    """One pass over the element's children, descending only where a requested path leads."""
    for child in element:
        hit = tree.get(child.tag)
        if hit is None:
            continue
        col, sub = hit
        if col >= 0:
            row[col] = child.text
        if sub:
            _fill(child, sub, row)


def records_to_columns(
    records: list[etree._Element] | etree._Element | None, shape: RecordShape
) -> tuple[dict[str, list[str | None]], dict[str, dict[str, list[str | None]]]]:
    """Turn record elements into {column: values} plus one such dict per child table.

    Values are the raw element texts (sentinels included: the staging casts drop them), which
    keeps this loop to one dictionary lookup per element that was asked for.
    """
    names = [f.column for f in shape.fields]
    tree = _tree(shape.fields)
    width = len(names)
    rows: list[list[str | None]] = []
    kids = []
    for name, child in shape.children.items():
        steps = tuple(NS + p for p in child.path.split("/"))
        parent_idx = [names.index(c) for c in child.parent_columns]
        kid_names = [*child.parent_columns, *(f.column for f in child.shape.fields)]
        kids.append((name, steps, parent_idx, _tree(child.shape.fields), len(child.shape.fields), kid_names, []))
    if records is not None:
        for record in records:
            row: list[str | None] = [None] * width
            _fill(record, tree, row)
            rows.append(row)
            for _, steps, parent_idx, kid_tree, kid_width, _, kid_rows in kids:
                container = record.find(steps[0])
                for step in steps[1:-1]:
                    container = container.find(step) if container is not None else None
                if container is None:
                    continue
                prefix = [row[i] for i in parent_idx]
                for item in container.iterchildren(steps[-1]):
                    kid_row: list[str | None] = [None] * kid_width
                    _fill(item, kid_tree, kid_row)
                    kid_rows.append(prefix + kid_row)
    columns = _transpose(names, rows)
    children = {name: _transpose(kid_names, kid_rows) for name, _, _, _, _, kid_names, kid_rows in kids}
    return columns, children


def _transpose(names: list[str], rows: list[list[str | None]]) -> dict[str, list[str | None]]:
    if not rows:
        return {n: [] for n in names}
    return {n: list(values) for n, values in zip(names, zip(*rows, strict=True), strict=True)}
