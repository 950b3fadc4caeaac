"""The one grammar of loader flow keys: `<FlowId>[.<part>...]`.

A flow key names one load in sync.id_map, sync.sync_log, sync.failed_records and sync.state
claims. It starts with the flow id of FLOWS.md (E1, R4, O3, ...: a capital letter and digits);
a flow with more than one load or map adds lower-case parts, one per distinction, joined by dots:

- "R4": one load, the flow id alone;
- "O3.import": O3's second load (the import status beside the "sent" status);
- "R1.products.to_rackbeat": entity, then direction;
- "R1.rackbeat_products": the records a staging read of R1 rejected.

The id map is keyed by flow key, so a key that changes makes every record of that flow look new
to the loader and be created again: a key, once deployed, never changes spelling. Build keys with
`flow_key`, never by hand, so a typo fails where the key is made.
"""

from __future__ import annotations

import re

FLOW_ID = re.compile(r"[A-Z][0-9]+")
FLOW_KEY = re.compile(r"[A-Z][0-9]+(?:\.[a-z][a-z0-9_]*)*")


def flow_key(flow_id: str, *parts: str) -> str:
    """The key `<flow_id>.<part>...`; ValueError for a flow id or part outside the grammar."""
    key = ".".join((flow_id, *parts))
    if not FLOW_ID.fullmatch(flow_id) or not FLOW_KEY.fullmatch(key):
        raise ValueError(
            f"flow key {key!r} is not <FlowId>[.<part>...] (flow id like 'R4', parts lower-case like 'to_so24')"
        )
    return key


def is_flow_key(key: str) -> bool:
    return FLOW_KEY.fullmatch(key) is not None


def flow_id_of(key: str) -> str:
    """The flow id a key starts with ("R1" of "R1.products.to_rackbeat")."""
    return key.split(".", 1)[0]
