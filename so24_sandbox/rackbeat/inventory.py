"""Stock changes: inventory adjustments (the API way) and a stock count (the control-API way).

`POST inventory-adjustments` with `item_number`, `quantity`, `location_number`, `reason`,
optional `item_type` (product), `description`, `regulated_at`. The quantity is a *change*
(a regulation: +5 receives five, -2 writes two off; assumption: the 2018 schema calls it an
adjustment without saying absolute or relative). Every change fires `inventory.changed` with
the product number as key and the new figures as data; Rackbeat's 24SO guide applies this
event after a one-minute delay so a shipment is not regulated twice (R8), which is the hub's job.
"""

from __future__ import annotations

from typing import Any

from so24_sandbox.rackbeat import stock, times
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, rejected


class Inventory:
    def __init__(self, store: RackbeatStore) -> None:
        self.store = store

    def render(self, adjustment: dict[str, Any]) -> dict[str, Any]:
        out = dict(adjustment)
        out["regulated_at"] = times.stamp(adjustment["regulated_at"])
        out["created_at"] = times.stamp(adjustment["created_at"])
        out["self"] = self.store.url("inventory-adjustments", adjustment["id"])
        return out

    def adjust(self, body: Any) -> dict[str, Any]:
        with self.store.lock:
            errors = Errors(body)
            number = errors.text("item_number", required=True)
            product = self.store.table("products").get(number) if number is not None else None
            if number is not None:
                errors.exists("item_number", product is not None)
            item_type = errors.text("item_type") or "product"
            if item_type != "product":
                errors.add("item_type", "The selected item type is invalid.")
            quantity = errors.number("quantity", required=True)
            if quantity == 0:
                errors.add("quantity", "The quantity may not be zero.")
            location = errors.integer("location_number")
            if location is not None:
                errors.exists("location_number", location in self.store.table("locations"))
            reason = errors.text("reason")
            description = errors.text("description", max_len=1000)
            regulated = errors.text("regulated_at")
            moment = times.now()
            when = moment
            if regulated is not None:
                try:
                    when = times.parse(regulated)
                except ValueError:
                    errors.add("regulated_at", "The regulated at is not a valid date.")
            errors.check()
            if product is None or quantity is None:
                raise rejected("item_number", "The selected item number is invalid.")
            return self._apply(product, quantity, location, reason or "adjustment", description, when)

    def count(self, number: str, quantity: float, reason: str = "stock count") -> dict[str, Any]:
        """Set on-hand stock to `quantity` (a stocktaking), as an adjustment of the difference."""
        with self.store.lock:
            product = self.store.table("products").get(number)
            if product is None:
                raise rejected("item_number", "The selected item number is invalid.")
            change = quantity - float(product.get("stock_quantity", 0.0))
            if change == 0:
                raise rejected("quantity", "The stock is already at that quantity.")
            return self._apply(product, change, None, reason, None, times.now())

    def _apply(
        self,
        product: dict[str, Any],
        change: float,
        location: int | None,
        reason: str,
        description: str | None,
        when: Any,
    ) -> dict[str, Any]:
        product["stock_quantity"] = float(product.get("stock_quantity", 0.0)) + change
        product["updated_at"] = times.now()
        adjustment = {
            "id": self.store.next_id("inventory-adjustments"),
            "item_type": "product",
            "item_number": product["number"],
            "quantity": change,
            "location_number": location or min(self.store.table("locations"), default=None),
            "reason": reason,
            "description": description,
            "regulated_at": when,
            "created_at": times.now(),
        }
        self.store.table("inventory-adjustments")[adjustment["id"]] = adjustment
        self.store.emit(
            "inventory.changed",
            product["number"],
            "number",
            {"number": product["number"], "change": change, **stock.figures(self.store, product)},
        )
        return adjustment
