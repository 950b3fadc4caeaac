"""Webhook registrations.

- `register_webhook(event, url)` is safe to repeat: Rackbeat updates the hook with the same
  event and URL instead of adding a twin (the client therefore lets RestClient retry it).
- The hook's `token` is in the answer **only when the hook is created**; Rackbeat then sends it
  in `Rackbeat-Webhook-Token` with every delivery (no HMAC: compare it in constant time). If
  the token was lost, delete the hook and register it again to get a new one.
- Deliveries are at least once and unordered: expect duplicates and events out of order, and
  re-read the record by the payload's `key` rather than trusting the thin `data`.
- Event names are not fully documented (`order.shipped` and `order.created` are confirmed);
  keep them in configuration.
"""

from __future__ import annotations

from typing import Any

from so24_pipelines.connectors.rackbeat.base import RackbeatBase


class WebhookCalls(RackbeatBase):
    def list_webhooks(self, *, event: str | None = None) -> list[dict[str, Any]]:
        params = {"event": event} if event else None
        return list(self.iter_list("webhooks", "webhooks", params))

    def register_webhook(self, event: str, url: str, *, is_active: bool = True) -> dict[str, Any]:
        """Create or update; the result carries `token` only if Rackbeat created a new hook."""
        body = {"event": event, "url": url, "is_active": is_active}
        return self.write("POST", "webhooks", "webhook", body, idempotent=True)

    def delete_webhook(self, webhook_id: int) -> None:
        self.delete(f"webhooks/{int(webhook_id)}")
