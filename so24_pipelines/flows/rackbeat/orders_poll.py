"""A safety net under the Rackbeat webhooks: changed orders and products, polled into the inbox.

Why it exists: Rackbeat's webhook bodies are thin and carry no delivery id or time, so booking the
same order a second time sends a body byte-for-byte equal to the first booking's, and the inbox
(which must drop redeliveries by body hash) takes it for a redelivery. A webhook can also simply
be lost: Rackbeat gives up after its retries and does not document how many. Polling what changed
since the last poll, and adding it to the inbox as events whose id names the change time, closes
both holes without a second code path: the same sensors, debounce and runs handle them.

- Booked orders -> `order.booked` (R6), shipped orders -> `order.shipped` (R5), products ->
  `inventory.changed` (R8); each with key = number and an event id of
  "rackbeat:poll:<event>:<key>:<updated_at>", so the same change polled twice is stored once.
- The cursor is the newest `updated_at` Rackbeat reported, read back by OVERLAP because the
  filter has second granularity and paging over a changing list can skip a record.
- The first poll only sets the cursor (to now): what happened before the hub listened is the
  initial sync's business, not an event.
- A polled event that only repeats a webhook's change is harmless: every flow reads the current
  state and the loader writes nothing when it is already in 24SO.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from so24_pipelines.connectors.rackbeat import RackbeatClient, parse_time
from so24_pipelines.flows.rackbeat.orders_webhooks import BOOKED, INVENTORY, SHIPPED, SOURCE
from so24_pipelines.webhooks.inbox import Inbox

OVERLAP = timedelta(minutes=2)

Lister = Callable[[RackbeatClient, datetime], Iterator[dict[str, Any]]]

LISTERS: dict[str, Lister] = {
    BOOKED: lambda c, since: c.iter_orders(is_booked=True, updated_since=since, fields="number,updated_at"),
    SHIPPED: lambda c, since: c.iter_orders(is_shipped=True, updated_since=since, fields="number,updated_at"),
    INVENTORY: lambda c, since: c.iter_products(updated_since=since, fields="number,updated_at"),
}


def poll_changes(
    client: RackbeatClient,
    inbox: Inbox,
    cursor: Mapping[str, str],
    events: tuple[str, ...],
    *,
    now: datetime | None = None,
) -> tuple[dict[str, str], int]:
    """Add an inbox event per record changed since the cursor; returns (new cursor, events added)."""
    moment = now or datetime.now(UTC)
    out = dict(cursor)
    added = 0
    for event in events:
        if event not in out:
            out[event] = moment.isoformat()
            continue
        since = datetime.fromisoformat(out[event]) - OVERLAP
        newest = datetime.fromisoformat(out[event])
        for record in LISTERS[event](client, since):
            stamp = record.get("updated_at")
            key = record.get("number")
            if not stamp or key is None:
                continue
            changed = parse_time(str(stamp))
            newest = max(newest, changed)
            payload = {
                "key": key,
                "key_name": "number",
                "event": event,
                "data": {"number": key, "updated_at": stamp},
            }
            event_id = f"{SOURCE}:poll:{event}:{key}:{changed.isoformat()}"
            added += inbox.add(SOURCE, event_id, event, str(key), changed, payload)
        out[event] = newest.isoformat()
    return out, added
