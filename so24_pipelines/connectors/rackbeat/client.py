"""RackbeatClient: every Rackbeat call the R-flows need, on one paced, retrying session.

Build it with `RackbeatClient.from_env()` (RACKBEAT_API_TOKEN) or with the base URL and key;
share one per step (thread-safe; every thread draws from the same 480/min budget). The quirks
of each area are in the module that serves it: base.py (envelopes, paging, pacing),
catalogue.py, parties.py, fields.py, orders.py, invoices.py, webhooks.py.
"""

from __future__ import annotations

from so24_pipelines.connectors.rackbeat.catalogue import CatalogueCalls
from so24_pipelines.connectors.rackbeat.fields import FieldCalls
from so24_pipelines.connectors.rackbeat.invoices import InvoiceCalls
from so24_pipelines.connectors.rackbeat.orders import OrderCalls
from so24_pipelines.connectors.rackbeat.parties import PartyCalls
from so24_pipelines.connectors.rackbeat.webhooks import WebhookCalls


class RackbeatClient(CatalogueCalls, PartyCalls, FieldCalls, OrderCalls, InvoiceCalls, WebhookCalls):
    """One Rackbeat account (one API key)."""
