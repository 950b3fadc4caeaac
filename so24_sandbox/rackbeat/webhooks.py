"""Webhook registrations (`GET|POST webhooks`, `GET|PUT|DELETE webhooks/{id}`) and the fan-out.

- Create with `{"event": "<name>", "url": "<http(s) URL>", "is_active": true}`. The answer is
  201 `{"webhook": {..., "token"}}`: the 32-character token is shown **only then**; store it.
- POSTing an `event` + `url` pair that exists updates it (200, no token) instead of adding a
  twin, so registration is idempotent.
- Any event name is accepted (Rackbeat's catalogue could not be read in full); the sandbox fires
  product|customer|supplier|product_group|payment_terms.created|updated|deleted, order.created,
  order.booked, order.reopened, order.updated, order.deleted, order.shipped,
  order_shipment.created, order_shipment.shipped, customer_invoice.created,
  customer_invoice.booked and inventory.changed.
- Local URLs are accepted (Rackbeat allows them only in development; the sandbox is that).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from so24_sandbox.rackbeat import times
from so24_sandbox.rackbeat.delivery import Dispatcher
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, not_found


class Webhooks:
    def __init__(self, store: RackbeatStore, dispatcher: Dispatcher) -> None:
        self.store = store
        self.dispatcher = dispatcher
        store.sink = self.fan_out
        dispatcher.on_result = self.record_result

    @property
    def table(self) -> dict[Any, dict[str, Any]]:
        return self.store.table("webhooks")

    def get(self, hook_id: int) -> dict[str, Any]:
        hook = self.table.get(hook_id)
        if hook is None:
            raise not_found("Webhook")
        return hook

    def render(self, hook: dict[str, Any], *, with_token: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in hook.items() if k != "token"}
        if with_token:
            out["token"] = hook["token"]
        out["created_at"] = times.stamp(hook["created_at"])
        out["updated_at"] = times.stamp(hook["updated_at"])
        out["self"] = self.store.url("webhooks", hook["id"])
        return out

    def _validate(self, errors: Errors, creating: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        event = errors.text("event", required=creating)
        if event is not None:
            values["event"] = event
        url = errors.text("url", required=creating, max_len=2048)
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                errors.add("url", "The url format is invalid.")
            values["url"] = url
        active = errors.boolean("is_active")
        if active is not None:
            values["is_active"] = active
        return values

    def register(self, body: Any) -> tuple[dict[str, Any], bool]:
        """Create, or update the hook with the same event and URL; returns (hook, created)."""
        with self.store.lock:
            errors = Errors(body)
            values = self._validate(errors, creating=True)
            errors.check()
            for hook in self.table.values():
                if hook["event"] == values["event"] and hook["url"] == values["url"]:
                    hook.update(values)
                    hook["updated_at"] = times.now()
                    return hook, False
            moment = times.now()
            hook = {
                "id": self.store.next_id("webhooks"),
                "event": values["event"],
                "url": values["url"],
                "is_active": values.get("is_active", True),
                "plugin": None,
                "failures_since_last_success": 0,
                "token": secrets.token_hex(16),
                "created_at": moment,
                "updated_at": moment,
            }
            self.table[hook["id"]] = hook
            return hook, True

    def update(self, hook_id: int, body: Any) -> dict[str, Any]:
        with self.store.lock:
            hook = self.get(hook_id)
            errors = Errors(body)
            values = self._validate(errors, creating=False)
            errors.check()
            hook.update(values)
            hook["updated_at"] = times.now()
            return hook

    def delete(self, hook_id: int) -> dict[str, Any]:
        with self.store.lock:
            hook = self.get(hook_id)
            del self.table[hook_id]
            return hook

    def fan_out(self, event: str, payload: dict[str, Any]) -> None:
        with self.store.lock:
            hooks = [dict(h) for h in self.table.values() if h["is_active"] and h["event"] == event]
        for hook in hooks:
            self.dispatcher.enqueue(hook, event, payload)

    def record_result(self, hook_id: int, ok: bool) -> None:
        with self.store.lock:
            hook = self.table.get(hook_id)
            if hook is not None:
                hook["failures_since_last_success"] = 0 if ok else hook["failures_since_last_success"] + 1
