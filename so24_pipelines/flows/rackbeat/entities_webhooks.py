"""The Rackbeat webhooks R7 listens to: a record created in Rackbeat goes to 24SO at once.

Rackbeat fires `<entity>.created` for products, customers and suppliers, and
`customer_invoice.created` / `.booked` for invoices (sandbox and API docs; the full catalogue is
not published, so the names live here in one place). Only booked invoices are sent, so `.booked`
is the event that matters for them; `.created` is kept for invoices booked on creation.

The hub's own creates fire the same events (Rackbeat does not say who made a change), e.g. the
initial sync's customers while R2 customers go `rackbeat`: the runs they start write nothing. A
record the hub made is linked to its 24SO record by the custom field, so the 24SO target links it
and writes none of it (match before create, entities_targets_so24), and the pair memory knows
the hub's own write when it comes back (entities_pairs); a direction that does not send an entity
never starts a run for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from so24_pipelines.connectors.rackbeat import RackbeatClient

CREATED_EVENTS: dict[str, str] = {
    "product.created": "products",
    "customer.created": "customers",
    "supplier.created": "suppliers",
    "customer_invoice.created": "invoices",
    "customer_invoice.booked": "invoices",
}


def register_created_webhooks(
    client: RackbeatClient, receiver_url: str, events: Iterable[str] = CREATED_EVENTS
) -> dict[str, str | None]:
    """Create or update one hook per event; {event: token}, None where the hook already existed.

    Each hook has its own token, shown only when it is created: put it in the receiver's
    environment (RACKBEAT_WEBHOOK_TOKEN), never in a log or the settings file.
    """
    return {event: client.register_webhook(event, receiver_url).get("token") or None for event in events}
