"""Stock figures derived from the order book, so they can never drift from it.

`stock_quantity` (on hand) is stored on the product and moves with inventory adjustments and
shipped shipments. `in_order_quantity` is what booked, unshipped order lines reserve (booking
reserves, shipping draws down, reopening releases: the help centre's general description; the
exact moment of deduction is an account setting Rackbeat does not document). `available_quantity`
= on hand - reserved, and may go negative when an order is booked beyond stock, as in Rackbeat.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from so24_sandbox.rackbeat.fulfilment import shipped_by_line
from so24_sandbox.rackbeat.store import RackbeatStore


def reserved(store: RackbeatStore) -> dict[str, float]:
    """Reserved quantity per product number over every booked order."""
    totals: dict[str, float] = defaultdict(float)
    for order in store.table("orders").values():
        if not order["is_booked"]:
            continue
        shipped = shipped_by_line(store, order["number"], only_shipped=True)
        for line in order["lines"]:
            if line["child_type"] == "product":
                totals[line["item_number"]] += max(0.0, line["quantity"] - shipped.get(line["id"], 0.0))
    return totals


def figures(
    store: RackbeatStore, product: dict[str, Any], reserved_by_number: dict[str, float] | None = None
) -> dict:
    on_hand = float(product.get("stock_quantity", 0.0))
    booked = (reserved_by_number if reserved_by_number is not None else reserved(store)).get(
        product["number"], 0.0
    )
    return {
        "stock_quantity": on_hand,
        "in_order_quantity": booked,
        "available_quantity": on_hand - booked,
        "purchased_quantity": 0.0,
    }
