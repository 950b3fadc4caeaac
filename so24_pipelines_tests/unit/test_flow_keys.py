"""One grammar of loader flow keys (`<FlowId>[.<part>...]`), and the deployed keys never change.

Every module of flows/ and defs/ is imported and its flow constants collected (a module-level
`FLOW`, `<X>_FLOW`, `FLOW_<X>` or `<X>_FLOWS`: a string, or a collection or mapping of strings), so a
new flow whose key breaks the grammar fails here, wherever it lives. The keys built from data
(entity specs, staging rejects, extraction entities) are collected from the data.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import so24_pipelines.defs
import so24_pipelines.flows
from so24_pipelines.settings.registry import FLOW_CATALOG
from so24_pipelines.sync import FLOW_KEY, flow_id_of, flow_key

CONSTANT = re.compile(r"(?:[A-Z0-9_]+_)?FLOWS?(?:_[A-Z0-9_]+)?")
NOT_KEYS = {"FLOW_TAG"}  # the tag key "so24/flow" names a flow in Dagster, it is not a loader key

# Keys already in deployed sync.id_map tables: a different spelling would make the loader create
# every record of the flow again.
DEPLOYED = {
    "O1", "O2", "O3", "O3.import", "O4", "O5",
    "R1.product_groups.to_rackbeat", "R1.products.to_rackbeat", "R1.products.to_so24",
    "R2.customers.to_rackbeat", "R2.customers.to_so24", "R2.suppliers.to_rackbeat", "R2.suppliers.to_so24",
    "R7.invoices.to_so24",
}  # fmt: skip


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from _strings(item)


def _modules() -> Iterator[Any]:
    for package in (so24_pipelines.flows, so24_pipelines.defs):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield importlib.import_module(info.name)


def constant_keys() -> dict[str, str]:
    """key -> where it is declared, for every flow constant in flows/ and defs/."""
    found: dict[str, str] = {}
    for module in _modules():
        for name, value in vars(module).items():
            if CONSTANT.fullmatch(name) and name not in NOT_KEYS:
                for key in _strings(value):
                    found.setdefault(key, f"{module.__name__}.{name}")
    return found


def built_keys() -> dict[str, str]:
    """Keys the code builds from data rather than declares."""
    from so24_pipelines.flows.rackbeat.entities_specs import ENTITIES
    from so24_pipelines.flows.rackbeat.entities_staging import STAGING_FLOW
    from so24_pipelines.flows.so24.entities import ENTITIES as SO24_ENTITIES

    found: dict[str, str] = {}
    for entity in ENTITIES.values():
        found[entity.to_rackbeat_flow] = f"EntitySpec {entity.name}.to_rackbeat_flow"
        found[entity.to_so24_flow] = f"EntitySpec {entity.name}.to_so24_flow"
    for entity, flow in STAGING_FLOW.items():
        found[f"{flow}.rackbeat_{entity}"] = f"entities_staging rejects of {entity}"
    for entity in SO24_ENTITIES.values():
        found[entity.flow] = f"24SO extraction rejects of {entity.name}"
    return found


def test_flow_key_joins_a_flow_id_and_parts() -> None:
    assert flow_key("R4") == "R4"
    assert flow_key("O3", "import") == "O3.import"
    assert flow_key("R1", "products", "to_rackbeat") == "R1.products.to_rackbeat"
    assert flow_id_of("R1.products.to_rackbeat") == "R1"


@pytest.mark.parametrize(
    ("flow_id", "parts"),
    [("r4", ()), ("R", ()), ("R1", ("Products",)), ("R1", ("to-so24",)), ("R1", ("",)), ("R1.products", ())],
)
def test_flow_key_refuses_what_is_outside_the_grammar(flow_id: str, parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="is not <FlowId>"):
        flow_key(flow_id, *parts)


def test_every_flow_key_in_the_code_base_has_the_one_grammar_and_a_declared_flow() -> None:
    keys = {**constant_keys(), **built_keys()}
    assert {"R4", "O3.import", "R1.products.to_rackbeat"} <= set(keys)
    bad = {key: where for key, where in keys.items() if not FLOW_KEY.fullmatch(key)}
    assert bad == {}, "flow keys outside <FlowId>[.<part>...]; build them with sync.flow_key"
    unknown = {key: where for key, where in keys.items() if flow_id_of(key) not in FLOW_CATALOG}
    assert unknown == {}, "flow keys whose flow id is not declared in settings (FLOWS.md)"


def test_deployed_keys_keep_their_spelling() -> None:
    keys = {**constant_keys(), **built_keys()}
    assert DEPLOYED <= set(keys), f"missing deployed keys: {sorted(DEPLOYED - set(keys))}"
