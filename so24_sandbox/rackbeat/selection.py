"""`fields=` on any GET: return only the named attributes, nested with parentheses.

Rackbeat's integrations ask for exactly what they need, e.g.
`fields=number,lines(id,child_id,quantity,item(description,barcode)),customer`; a name without
parentheses keeps the whole value. Unknown names are left out silently, as the API does.
"""

from __future__ import annotations

from typing import Any

Selection = dict[str, "Selection | None"]


def parse(spec: str) -> Selection:
    """Parse the `fields` value; raises ValueError for unbalanced parentheses."""
    tree, rest = _parse(spec.replace(" ", ""), 0)
    if rest != len(spec.replace(" ", "")):
        raise ValueError("unbalanced parentheses in fields")
    return tree


def _parse(text: str, pos: int) -> tuple[Selection, int]:
    tree: Selection = {}
    name = ""
    while pos < len(text):
        char = text[pos]
        if char == "(":
            sub, pos = _parse(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                raise ValueError("unbalanced parentheses in fields")
            if name:
                tree[name] = sub
            name = ""
            pos += 1
            continue
        if char == ")":
            break
        if char == ",":
            if name:
                tree[name] = None
            name = ""
        else:
            name += char
        pos += 1
    if name:
        tree[name] = None
    return tree, pos


def apply(value: Any, selection: Selection | None) -> Any:
    if selection is None:
        return value
    if isinstance(value, list):
        return [apply(item, selection) for item in value]
    if isinstance(value, dict):
        return {name: apply(value[name], sub) for name, sub in selection.items() if name in value}
    return value
