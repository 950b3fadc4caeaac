"""Small payload helpers the Netvisor targets share: leaving out create-only fields on updates.

A spec's `create_only` fields (the code a new record is given: Rackbeat's number, Netvisor's
customer code) are sent when a record is made and never again: sending them in an update would
renumber a record the user already works with (a Rackbeat PUT with another `number` renumbers
it), or move a customer's code in Netvisor, which its invoices carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def without(payload: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A copy of `payload` without the dotted `paths`; an object left empty is left out too."""
    out: dict[str, Any] = {k: (without(v, ()) if isinstance(v, Mapping) else v) for k, v in payload.items()}
    for path in paths:
        *parents, last = path.split(".")
        trail: list[tuple[dict[str, Any], str]] = []
        node: Any = out
        for part in parents:
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                node = None
                break
            trail.append((node, part))
            node = child
        if not isinstance(node, dict):
            continue
        node.pop(last, None)
        for parent, part in reversed(trail):
            if not parent[part]:
                del parent[part]
    return out


def leaf(payload: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a nested payload (None when it is not there)."""
    node: Any = payload
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node
