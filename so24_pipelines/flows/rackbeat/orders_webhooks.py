"""The Rackbeat webhooks the order flows listen to, and what an inbox event of theirs names.

- `order.shipped` -> R5, `order.booked` -> R6, `inventory.changed` -> R8. Rackbeat documents only
  part of its catalogue (API.md section 15), so the names are kept here in one place.
- Registering is safe to repeat: Rackbeat updates the hook with the same event and URL instead
  of adding a twin. The token comes back only when a hook is *created* and every hook has its
  own; it is returned to the caller to put in the receiver's environment, never logged.
- Payloads are thin (`{"key", "key_name", "event", "data"}`): an event only says *which* order
  or product changed. The flows read the record again, so a late or repeated event cannot apply
  stale data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.webhooks.inbox import Event

SHIPPED = "order.shipped"
BOOKED = "order.booked"
INVENTORY = "inventory.changed"
ORDER_EVENTS = (SHIPPED, BOOKED, INVENTORY)
SOURCE = "rackbeat"


def register_order_webhooks(
    client: RackbeatClient, receiver_url: str, events: Iterable[str] = ORDER_EVENTS
) -> dict[str, str | None]:
    """Create or update one hook per event; {event: token}, None where the hook already existed."""
    tokens: dict[str, str | None] = {}
    for event in events:
        hook = client.register_webhook(event, receiver_url)
        tokens[event] = hook.get("token") or None
    return tokens


def event_key(payload: Mapping[str, Any], entity_key: str | None) -> str | None:
    """The order number or product number an event is about (`key`, else `data.number`)."""
    if entity_key:
        return entity_key
    key = payload.get("key")
    if key is None and isinstance(payload.get("data"), Mapping):
        key = payload["data"].get("number")
    return None if key is None else str(key)


def order_number(event: Event) -> int | None:
    """The Rackbeat order number of an order event; None when the event names none."""
    key = event_key(event.payload, event.entity_key)
    return int(key) if key is not None and key.strip().isdigit() else None
