"""The emulated account's state: one table per resource, one lock, ids, URLs and the event hook.

Records are plain dicts as stored; keys starting with "_" are internal (custom-field values,
links) and never rendered. Every domain module (registers, orders, invoices, inventory,
webhooks) reads and writes these tables under `lock`, which is re-entrant so one domain
operation may call another. `emit` hands a change to the webhook fan-out set by the backend.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

TABLES = (
    "products",
    "product-groups",
    "customers",
    "customer-groups",
    "suppliers",
    "supplier-groups",
    "payment-terms",
    "locations",
    "fields",
    "orders",
    "order-shipments",
    "customer-invoices",
    "inventory-adjustments",
    "webhooks",
)

EventSink = Callable[[str, dict[str, Any]], None]

# What the account does where Rackbeat's documentation is silent (POST /_sandbox/rackbeat/behaviour).
# `inventory_changed_on_create`: whether creating a product also fires `inventory.changed` with its
# (empty) stock. The reference names `inventory.changed` only from the brief and says nothing of
# what a create fires, so both must be survivable; off by default (only `product.created` fires).
DEFAULT_BEHAVIOUR: dict[str, bool] = {"inventory_changed_on_create": False}


class RackbeatStore:
    def __init__(self, base_url: str) -> None:
        self.lock = threading.RLock()
        self.api_url = base_url.rstrip("/") + "/rackbeat"
        self.sink: EventSink | None = None
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.tables: dict[str, dict[Any, dict[str, Any]]] = {name: {} for name in TABLES}
            self._counters: dict[str, int] = {}
            self.behaviour: dict[str, bool] = dict(DEFAULT_BEHAVIOUR)

    def configure(self, spec: dict[str, Any]) -> dict[str, bool]:
        """Set behaviour switches (DEFAULT_BEHAVIOUR); unknown keys or non-booleans raise ValueError."""
        unknown = set(spec) - set(DEFAULT_BEHAVIOUR)
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(DEFAULT_BEHAVIOUR)}")
        if any(not isinstance(v, bool) for v in spec.values()):
            raise ValueError("behaviour switches are true or false")
        with self.lock:
            self.behaviour.update(spec)
            return dict(self.behaviour)

    def table(self, name: str) -> dict[Any, dict[str, Any]]:
        return self.tables[name]

    def next_id(self, name: str, start: int = 1) -> int:
        with self.lock:
            value = max(self._counters.get(name, start - 1) + 1, start)
            self._counters[name] = value
            return value

    def url(self, *parts: object) -> str:
        """The absolute `self` URL of a resource; keys are percent-encoded once, as Rackbeat wants."""
        return "/".join([self.api_url, *(quote(str(p), safe="") for p in parts)])

    def emit(self, event: str, key: Any, key_name: str, data: dict[str, Any], **extra: Any) -> None:
        """Announce a change as Rackbeat's webhook payload: {key, key_name, event, data[, ...]}."""
        if self.sink is None:
            return
        payload: dict[str, Any] = {"key": key, "key_name": key_name, "event": event, "data": data}
        payload.update(extra)
        self.sink(event, payload)
