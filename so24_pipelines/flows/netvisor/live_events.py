"""The Rackbeat webhooks N3 listens to, and which of their inbox events N3 may mark processed.

Rackbeat fires `<entity>.created` and `<entity>.updated` for customers, suppliers and products
(API.md §15; the sandbox fires them on every create and edit). An event only says which record
changed: an N3 run reads both registers again (n3.py), so one run covers every event before it,
and a late or repeated event cannot send stale data.

The processed mark of an event belongs to one flow. R7 (Rackbeat -> 24SO) owns the `.created`
marks while it is on, so N3 marks only the `.updated` events, which no other flow reads (and both
with R7 off). N3's sensor keeps its own cursor and reads processed events too
(`new_events(include_processed=True)`), so it sees every arrival whichever sensor ticked first.
"""

from __future__ import annotations

from so24_pipelines.connectors.rackbeat import RackbeatClient

SOURCE = "rackbeat"
ENTITY_REGISTER = {"customer": "customers", "supplier": "suppliers", "product": "products"}
LIVE_EVENTS: dict[str, str] = {
    f"{entity}.{what}": register
    for entity, register in ENTITY_REGISTER.items()
    for what in ("created", "updated")
}
"""Rackbeat event name -> the register it is about."""


def events_for(registers: list[str]) -> list[str]:
    """The event names of the registers N3 carries, in a stable order."""
    return sorted(name for name, register in LIVE_EVENTS.items() if register in registers)


def events_to_mark(names: list[str], *, r7_on: bool) -> set[str]:
    """The event names N3 marks processed: all, or with R7 on only those R7 does not read."""
    return {n for n in names if not (r7_on and n.endswith(".created"))}


def register_live_webhooks(
    client: RackbeatClient, receiver_url: str, registers: list[str]
) -> dict[str, str | None]:
    """Create or update one Rackbeat hook per N3 event; {event: token}, None where it already existed.

    A token is shown once, when its hook is created: keep its digest in the inbox, never the token."""
    return {e: client.register_webhook(e, receiver_url).get("token") or None for e in events_for(registers)}
