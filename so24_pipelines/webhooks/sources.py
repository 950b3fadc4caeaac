"""Who may post webhooks, and where each sender puts its token, event name, key and time.

A source is only accepted when it is listed here: an unknown `/webhooks/<name>` is a 404, so a
typo in a registered URL shows up in the sender's delivery log instead of filling the inbox with
events no sensor reads.

Per sender (reference docs under shared/reference):

- Rackbeat (API.md §15) sends `Rackbeat-Webhook-Token` (the 32-character token returned once when
  the webhook is created) and `Rackbeat-Webhook-Event`; the body is
  `{"key", "key_name", "event", "data"}`. There is no event id in it: `key` names the *entity*, so
  two changes of one order share it and must not be taken for duplicates.
- Ongoing WMS (API.md §4) registers webhooks in its admin with a static token header
  (`X-Auth-Token` per one integrator) and sends the order (`orderId`, `orderNumber`, ...) without
  an event name, so the name goes into the registered URL: `/webhooks/ongoing?event=order.picked`.

`X-Webhook-Token` is accepted from every source as well, for senders (and proxies) that can only
set a header of our choosing.
"""

from __future__ import annotations

from dataclasses import dataclass

GENERIC_TOKEN_HEADER = "X-Webhook-Token"

# Top-level payload fields that carry a sender-assigned *delivery* id. `id` is deliberately not
# among them: in most payloads it is the entity's id, and treating it as the event id would drop
# every later change of that entity as a "duplicate".
DEFAULT_ID_FIELDS: tuple[str, ...] = ("event_id", "eventId", "delivery_id", "deliveryId")

# Where an occurrence time may sit, as paths into the payload; the first present one wins.
DEFAULT_TIME_PATHS: tuple[tuple[str, ...], ...] = (("occurred_at",), ("occurredAt",), ("timestamp",))


@dataclass(frozen=True, slots=True)
class WebhookSource:
    """One sender's conventions; `token_env` names the env var that holds its shared token."""

    name: str
    token_env: str
    token_header: str
    event_header: str | None = None
    key_field: str | None = None
    id_fields: tuple[str, ...] = DEFAULT_ID_FIELDS
    time_paths: tuple[tuple[str, ...], ...] = DEFAULT_TIME_PATHS


RACKBEAT = WebhookSource(
    name="rackbeat",
    token_env="RACKBEAT_WEBHOOK_TOKEN",
    token_header="Rackbeat-Webhook-Token",
    event_header="Rackbeat-Webhook-Event",
    key_field="key",
    # The payload is thin; when the entity snapshot in `data` has a change time, that is the
    # best ordering signal for deliveries that arrive out of order.
    time_paths=DEFAULT_TIME_PATHS + (("data", "updated_at"), ("data", "created_at")),
)

ONGOING = WebhookSource(
    name="ongoing",
    token_env="ONGOING_WEBHOOK_TOKEN",
    token_header="X-Auth-Token",
    key_field="orderId",
)

SOURCES: dict[str, WebhookSource] = {s.name: s for s in (RACKBEAT, ONGOING)}
