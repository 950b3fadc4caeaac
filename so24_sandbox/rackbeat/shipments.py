"""Order shipments: how an order leaves the warehouse, and what fires `order.shipped`.

    POST orders/{n}/create-shipment          shipment of what is left to ship (order booked)
                                             fires order_shipment.created
    POST orders/shipments/{id}/mark-shipped  {"pick": true}: lines picked, stock leaves,
                                             fires order_shipment.shipped, inventory.changed per
                                             product, and order.shipped once every line is shipped
    GET  orders/{n}/shipments, order-shipments?order_number=n, order-shipments/{id}

Rules (reference/rackbeat/API.md section 13): a shipment needs a booked order and covers what no
other shipment covers yet; `mark-shipped` with `pick: false` on unpicked lines is refused (lines
must be picked first); shipping twice is refused. `order.shipped` fires only when the order is
shipped in full, which is when Rackbeat's 24SO integration sets the 24SO order to "Sent" (R5).
"""

from __future__ import annotations

from typing import Any

from so24_sandbox.rackbeat import stock, times
from so24_sandbox.rackbeat.fulfilment import order_flags, shipped_by_line
from so24_sandbox.rackbeat.orders import Orders
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, not_found, rejected


class Shipments:
    def __init__(self, store: RackbeatStore, orders: Orders) -> None:
        self.store = store
        self.orders = orders

    @property
    def table(self) -> dict[Any, dict[str, Any]]:
        return self.store.table("order-shipments")

    def get(self, shipment_id: int) -> dict[str, Any]:
        found = self.table.get(shipment_id)
        if found is None:
            raise not_found("Order shipment")
        return found

    def render(self, shipment: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.table.get(shipment["order_number"]) or {}
        lines = []
        for line in shipment["lines"]:
            product = self.store.table("products").get(line["item_number"]) or {}
            lines.append(
                {
                    "id": line["id"],
                    "order_line_id": line["order_line_id"],
                    "child_id": product.get("id"),
                    "child_type": "product",
                    "item": {"number": line["item_number"], "name": product.get("name")},
                    "location_id": line["location_id"],
                    "quantity": line["quantity"],
                    "is_picked": line["is_picked"],
                }
            )
        return {
            "id": shipment["id"],
            "order_id": order.get("id"),
            "order": {
                "number": shipment["order_number"],
                "customer_id": order.get("customer_id"),
                "self": self.store.url("orders", shipment["order_number"]),
            },
            "is_picked": all(ln["is_picked"] for ln in shipment["lines"]),
            "is_partly_picked": any(ln["is_picked"] for ln in shipment["lines"]),
            "is_shipped": shipment["is_shipped"],
            "shipped_at": times.stamp(shipment["shipped_at"]),
            "lines": lines,
            "created_at": times.stamp(shipment["created_at"]),
            "updated_at": times.stamp(shipment["updated_at"]),
            "self": self.store.url("order-shipments", shipment["id"]),
        }

    def create(self, number: int) -> dict[str, Any]:
        with self.store.lock:
            order = self.orders.get(number)
            if not order["is_booked"]:
                raise rejected("order", "The order must be booked before it can be shipped.")
            covered = shipped_by_line(self.store, number, only_shipped=False)
            lines = []
            for line in order["lines"]:
                left = line["quantity"] - covered.get(line["id"], 0.0)
                if line["child_type"] == "product" and left > 0:
                    lines.append(
                        {
                            "id": self.store.next_id("shipment-lines"),
                            "order_line_id": line["id"],
                            "item_number": line["item_number"],
                            "quantity": left,
                            "location_id": line["location_id"],
                            "is_picked": False,
                        }
                    )
            if not lines:
                raise rejected("order", "The order has nothing left to ship.")
            moment = times.now()
            shipment = {
                "id": self.store.next_id("order-shipments"),
                "order_number": number,
                "lines": lines,
                "is_shipped": False,
                "shipped_at": None,
                "created_at": moment,
                "updated_at": moment,
            }
            self.table[shipment["id"]] = shipment
            self.store.emit(
                "order_shipment.created", shipment["id"], "id", {"id": shipment["id"], "order_number": number}
            )
            return shipment

    def mark_shipped(self, shipment_id: int, body: Any) -> dict[str, Any]:
        with self.store.lock:
            shipment = self.get(shipment_id)
            errors = Errors(body if body is not None else {})
            pick = errors.boolean("pick")
            errors.check()
            if shipment["is_shipped"]:
                raise rejected("shipment", "The shipment is already shipped.")
            if pick:
                for line in shipment["lines"]:
                    line["is_picked"] = True
            if not all(line["is_picked"] for line in shipment["lines"]):
                raise rejected("pick", "The shipment lines must be picked before the shipment is shipped.")
            moment = times.now()
            shipment.update(is_shipped=True, shipped_at=moment, updated_at=moment)
            moved: dict[str, float] = {}
            for line in shipment["lines"]:
                product = self.store.table("products").get(line["item_number"])
                if product is not None:
                    product["stock_quantity"] = product.get("stock_quantity", 0.0) - line["quantity"]
                    moved[product["number"]] = moved.get(product["number"], 0.0) - line["quantity"]
            number = shipment["order_number"]
            order = self.orders.get(number)
            order["updated_at"] = moment
            self.store.emit(
                "order_shipment.shipped", shipment_id, "id", {"id": shipment_id, "order_number": number}
            )
            reserved = stock.reserved(self.store)
            for item, change in moved.items():
                product = self.store.table("products")[item]
                self.store.emit(
                    "inventory.changed",
                    item,
                    "number",
                    {"number": item, "change": change, **stock.figures(self.store, product, reserved)},
                )
            if order_flags(self.store, order)["is_shipped"]:
                self.store.emit(
                    "order.shipped", number, "number", {"number": number, "shipment_id": shipment_id}
                )
            return shipment

    def ship(self, number: int) -> dict[str, Any]:
        """What a warehouse user does in one go: ship everything left on a booked order."""
        with self.store.lock:
            order = self.orders.get(number)
            if not order["is_booked"]:
                raise rejected("order", "The order must be booked before it can be shipped.")
            open_ids = sorted(
                s["id"] for s in self.table.values() if s["order_number"] == number and not s["is_shipped"]
            )
            for shipment_id in open_ids:
                self.mark_shipped(shipment_id, {"pick": True})
            if not order_flags(self.store, order)["is_shipped"]:
                shipment = self.create(number)
                self.mark_shipped(shipment["id"], {"pick": True})
            return order
