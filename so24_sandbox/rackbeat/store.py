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
