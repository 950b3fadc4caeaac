"""R5: an order shipped in Rackbeat becomes `OrderState_Sent` in 24SO.

Driven by Rackbeat's `order.shipped` webhook through the inbox (one run per event). The flow has
the shape of every flow: the orders the events name (and the orders of earlier failures) are read
from Rackbeat and staged (staging.rackbeat_event_orders, orders_events.py), mapped with
mapping/specs/rackbeat_order_sent.yaml and loaded into 24SO with OrderStatusTarget (SaveInvoices),
the target O3 uses for the same status. Why it is safe against what webhooks do:

- **Thin, late, repeated, reordered events.** The event only names the order; the flow reads the
  order from Rackbeat now and acts on its current flags, so an old or duplicated event can only
  ask for what is already true. A redelivery is dropped by the inbox (same event id); a second
  event for the same order plans "unchanged" in the loader, which writes nothing.
- **Only orders born in 24SO** (the spec's first rule): the staged read links each order to the
  24SO order R4 made it from (orders_links); an order created in Rackbeat has none, has no 24SO
  order to report to, and is logged as skipped with that reason.
- **Only fully shipped orders** (the spec's second rule): `order.shipped` fires when shipments
  cover every line, but the flag is checked again, since a partly shipped order is not "Sent";
  it is skipped with "partly shipped" as the reason.
- A failed 24SO write is kept in sync.failed_records and retried by the next run (the retry
  schedule runs the flow with no events, which retries exactly the failed ones): the order is
  read again, so a retry sends only what is still true. A failure whose order can no longer be
  read as one from 24SO is closed with that reason instead of retried forever.
"""

from __future__ import annotations

from collections.abc import Iterable

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_events import map_staged, read_orders
from so24_pipelines.flows.rackbeat.orders_links import rackbeat_numbers_of
from so24_pipelines.flows.rackbeat.orders_so24 import SENT_STATUS, load_per_identity
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.so24_targets import OrderStatusTarget
from so24_pipelines.mapping import load_spec
from so24_pipelines.sync import failed_keys, flow_key

FLOW = flow_key("R5")
EVENT = "order.shipped"
SPEC = "rackbeat_order_sent"
GONE = "its Rackbeat order can no longer be read as one made from this 24SO order (deleted?); not retried"


def run_shipped(
    run: RunContext,
    rackbeat: RackbeatClient,
    so24: So24Client,
    order_numbers: Iterable[int],
    *,
    order_field_id: int,
) -> FlowRun:
    """Report the shipped orders (and retry earlier failures) to 24SO through the loader."""
    failed = failed_keys(run.db_path, FLOW)
    retry = rackbeat_numbers_of(run.db_path, failed)
    read = read_orders(run, rackbeat, [*order_numbers, *retry], order_field_id=order_field_id)
    records = map_staged(run, load_spec(SPEC), read, {"sent_status": SENT_STATUS})
    if failed:
        records = run.retire_failures(FLOW, records, GONE)
    return load_per_identity(run, FLOW, records, so24, OrderStatusTarget, reads=[read.read])
