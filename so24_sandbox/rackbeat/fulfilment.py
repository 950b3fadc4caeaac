"""An order's fulfilment state, derived from its shipments and invoices rather than stored.

Rackbeat has no status string; the flags are the state. Deriving them (instead of keeping them
in step by hand) means a reopened, edited or partly shipped order can never show a stale flag:
`is_shipped` once shipped shipments cover every product line in full, `is_partly_shipped`
before that, `is_ready_for_shipping` while a shipment waits to be shipped.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from so24_sandbox.rackbeat import times
from so24_sandbox.rackbeat.store import RackbeatStore


def shipped_by_line(store: RackbeatStore, order_number: int, *, only_shipped: bool) -> dict[int, float]:
    """Quantity per order line id covered by the order's shipments (shipped ones only, or all)."""
    totals: dict[int, float] = defaultdict(float)
    for shipment in store.table("order-shipments").values():
        if shipment["order_number"] != order_number or (only_shipped and not shipment["is_shipped"]):
            continue
        for line in shipment["lines"]:
            totals[line["order_line_id"]] += line["quantity"]
    return totals


def order_flags(store: RackbeatStore, order: dict[str, Any]) -> dict[str, Any]:
    shipped = shipped_by_line(store, order["number"], only_shipped=True)
    product_lines = [ln for ln in order["lines"] if ln["child_type"] == "product" and ln["quantity"] > 0]
    full = bool(product_lines) and all(shipped.get(ln["id"], 0.0) >= ln["quantity"] for ln in product_lines)
    some = any(shipped.get(ln["id"], 0.0) > 0 for ln in product_lines)
    mine = [s for s in store.table("order-shipments").values() if s["order_number"] == order["number"]]
    invoiced = [
        i for i in store.table("customer-invoices").values() if i.get("order_number") == order["number"]
    ]
    shipped_times = [s["shipped_at"] for s in mine if s["is_shipped"]]
    return {
        "is_booked": order["is_booked"],
        "is_ready_for_shipping": any(not s["is_shipped"] for s in mine),
        "is_partly_shipped": some and not full,
        "is_shipped": full,
        "is_ready_for_invoicing": full and not invoiced,
        "is_invoiced": bool(invoiced),
        "is_partly_invoiced": False,
        "is_paid": False,
        "is_partly_paid": False,
        "is_cancelled": False,
        "is_archived": False,
        "shipped_at": times.stamp(max(shipped_times)) if full and shipped_times else None,
        "invoiced_at": times.stamp(min(i["created_at"] for i in invoiced)) if invoiced else None,
    }


def drop_open_shipments(store: RackbeatStore, number: int) -> None:
    """Forget the order's shipments that are not shipped yet (on reopen or delete)."""
    for sid in [
        s["id"]
        for s in store.table("order-shipments").values()
        if s["order_number"] == number and not s["is_shipped"]
    ]:
        del store.table("order-shipments")[sid]
