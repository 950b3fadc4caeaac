"""The arrows of the house point one way: defs -> flows -> mapping/sync -> staging -> connectors.

Read from the source with `ast` (nothing is imported), so a forbidden import fails here with its
file and line instead of slowly tangling the rooms. Three rules:
- a layer imports only from the layers below it (LAYERS); settings and webhooks sit where noted;
- a system's room (`flows/<system>/`, `defs/<system>/`, `connectors/<system>/`) never imports
  another system's room of the same layer: what two systems share lives at the layer's top level
  (only a room across systems, X7's `reconcile`, reads the others);
- connectors import no Dagster (they are protocol clients, usable outside a run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "so24_pipelines"

# Each layer and the project layers it may import. Anything not listed is a violation.
LAYERS: dict[str, set[str]] = {
    "connectors": set(),
    "settings": set(),
    "staging": {"connectors"},
    "webhooks": {"connectors"},
    "sync": {"staging", "connectors"},
    "mapping": {"sync", "staging", "connectors"},
    "flows": {"mapping", "sync", "staging", "webhooks", "connectors", "settings"},
    "defs": {"flows", "mapping", "sync", "staging", "webhooks", "connectors", "settings"},
    "preflight": {"settings", "connectors"},
    "definitions": {"defs", "settings"},
    # One code location per 24SO company: the workspace generator and each location's entry point.
    "deployment": {"definitions", "settings"},
    "cli": {"defs", "flows", "mapping", "sync", "staging", "webhooks", "connectors", "settings", "preflight", "deployment"},
    "__init__": set(),
    "__main__": {"cli"},
}
ROOMED = ("flows", "defs", "connectors")
# Rooms of no one system: X7 compares every pair, so it reads each system's room (what its flows
# would write); no system's room imports it.
ACROSS_SYSTEMS = frozenset({"reconcile"})


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("so24_pipelines"):
            if node.module == "so24_pipelines":
                yield from ((node.lineno, f"so24_pipelines.{alias.name}") for alias in node.names)
            else:
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names if a.name.startswith("so24_pipelines"))


def _place(parts: tuple[str, ...]) -> tuple[str, str | None]:
    """(layer, room) of a module path below so24_pipelines; room is the system's package, if any."""
    layer = parts[0].removesuffix(".py")
    room = parts[1] if layer in ROOMED and len(parts) > 2 else None
    return layer, room


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        layer, room = _place(rel.parts)
        allowed = LAYERS.get(layer)
        if allowed is None:
            found.append(f"{rel}: layer {layer!r} has no place in LAYERS")
            continue
        for line, module in _imports(path):
            target = tuple(module.split(".")[1:])
            if not target:
                continue
            dst_layer, dst_room = _place((*target[:-1], target[-1] + ".py"))
            if dst_layer == layer:
                if room and dst_room and dst_room != room and room not in ACROSS_SYSTEMS:
                    found.append(f"{rel}:{line}: {layer}/{room} imports another system's room {module}")
            elif dst_layer not in allowed:
                found.append(f"{rel}:{line}: {layer} may not import {module}")
            if layer == "connectors" and module.startswith("dagster"):
                found.append(f"{rel}:{line}: connectors import no Dagster")
        if layer == "connectors":
            text = path.read_text()
            if "import dagster" in text or "from dagster" in text:
                found.append(f"{rel}: connectors import no Dagster")
    return found


def test_imports_point_one_way() -> None:
    assert violations() == []
