"""R5: an order shipped in Rackbeat becomes `OrderState_Sent` in 24SO.

Driven by Rackbeat's `order.shipped` webhook through the inbox (one run per event). Why it is
safe against what webhooks do:

- **Thin, late, repeated, reordered events.** The event only names the order; the flow reads the
  order from Rackbeat now and acts on its current flags, so an old or duplicated event can only
  ask for what is already true. A redelivery is dropped by the inbox (same event id); a second
  event for the same order plans "unchanged" in the loader, which writes nothing.
- **Only orders born in 24SO** (orders_links): an order created in Rackbeat has no 24SO order to
  report to, and is logged as skipped with that reason.
- **Only fully shipped orders**: `order.shipped` fires when shipments cover every line, but the
  flag is checked again, since a partly shipped order is not "Sent".
- A failed 24SO write is kept in sync.failed_records and retried by the next run (the retry
  schedule runs the job with no events, which retries exactly the failed ones).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.rackbeat.orders_links import parse_source_key, so24_order_of
from so24_pipelines.flows.rackbeat.orders_so24 import SENT_STATUS, Loaded, load_per_identity
from so24_pipelines.flows.so24_targets import OrderStatusTarget
from so24_pipelines.sync import failed_keys
from so24_pipelines.sync.records import MappedRecord

FLOW = "R5"
EVENT = "order.shipped"


def sent_record(identity: str, order_id: int, shipped_at: str | None = None) -> MappedRecord:
    return MappedRecord(
        source_key=f"{identity}:{int(order_id)}",
        payload={"identity": identity, "OrderId": int(order_id), "OrderStatus": SENT_STATUS},
        business_key=str(int(order_id)),
        source_version=shipped_at,
    )


def shipped_records(
    db_path: str | Path,
    client: RackbeatClient,
    order_numbers: Iterable[int],
    *,
    order_field_id: int,
    retry_keys: Iterable[str] = (),
) -> list[MappedRecord]:
    """One record per Rackbeat order named by the events (plus earlier failures to retry)."""
    records: list[MappedRecord] = []
    seen: set[str] = set()
    for number in dict.fromkeys(int(n) for n in order_numbers):
        order = client.get_order(number, with_field_values=True)
        if order is None:
            records.append(
                MappedRecord(f"rackbeat:{number}", skip_reason=f"Rackbeat order {number} no longer exists")
            )
            continue
        link = so24_order_of(db_path, order, order_field_id)
        if link is None:
            records.append(
                MappedRecord(
                    f"rackbeat:{number}",
                    skip_reason=f"Rackbeat order {number} was not created from 24SO; R5 reports only orders born in 24SO",
                )
            )
            continue
        if not order.get("is_shipped"):
            state = "partly shipped" if order.get("is_partly_shipped") else "not shipped"
            records.append(
                MappedRecord(
                    link.source_key,
                    business_key=str(link.so24_order_id),
                    skip_reason=f"Rackbeat order {number} is {state}; 24SO becomes Sent once every line is shipped",
                )
            )
            seen.add(link.source_key)
            continue
        records.append(sent_record(link.identity, link.so24_order_id, order.get("shipped_at")))
        seen.add(link.source_key)
    for key in retry_keys:
        if key not in seen:
            link = parse_source_key(key)
            records.append(sent_record(link.identity, link.so24_order_id))
            seen.add(key)
    return records


def run_shipped(
    db_path: str | Path,
    rackbeat: RackbeatClient,
    so24: So24Client,
    order_numbers: Iterable[int],
    *,
    order_field_id: int,
    run_id: str,
    dry_run: bool = False,
) -> Loaded:
    """Report the shipped orders (and retry earlier failures) to 24SO through the loader."""
    records = shipped_records(
        db_path, rackbeat, order_numbers, order_field_id=order_field_id, retry_keys=failed_keys(db_path, FLOW)
    )
    return load_per_identity(db_path, FLOW, records, so24, OrderStatusTarget, run_id=run_id, dry_run=dry_run)
