"""What happens to orders: the brand user's edits (control API) and the API's status change.

`POST /orders/status` sets a status by order reference (§4.2). Setting the status an order already
has changes nothing, not even `update_time`, so a client that repeats the call after a dropped
answer leaves no trace (assumption: the vendor does not say; it is what makes the call safe to
retry). Reaching confirmed/invoicing/closed stamps `confirmation_time` once; canceled stamps
`cancellation_time`. Any status may follow any other: LNB's rules between them are not documented.

A brand user (control API) creates orders for a retailer with lines by EAN13, SKU code or
model/fabric_code/size (a SKU without codes can still be ordered), edits them (which moves
`update_time`) and confirms them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from so24_sandbox.lenewblack import statuses, times
from so24_sandbox.lenewblack.behaviour import Behaviour
from so24_sandbox.lenewblack.catalog import Sku
from so24_sandbox.lenewblack.orders_model import Lookups, Order, OrderItem, order_json, order_row_json
from so24_sandbox.lenewblack.refusals import Refused, invalid, not_found
from so24_sandbox.lenewblack.retailers import Retailer
from so24_sandbox.lenewblack.store import LnbStore

REFERENCE_PREFIX = "LNB-"


def _text(body: dict[str, Any], name: str, errors: dict[str, list[str]]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        errors.setdefault(name, []).append("must be a string")
        return None
    return value


class OrderBook:
    def __init__(self, store: LnbStore, behaviour: Behaviour) -> None:
        self.store = store
        self.behaviour = behaviour

    # ---- reading -----------------------------------------------------------------------------

    def lookups(self) -> Lookups:
        s = self.store
        return Lookups(s.retailers, s.skus, s.products)

    def render(self, order: Order) -> dict[str, Any]:
        return order_json(order, self.lookups(), self.behaviour["time_format"])

    def render_row(self, order: Order) -> dict[str, Any]:
        if self.behaviour["order_list_rows"] == "slim":
            return order_row_json(order, self.lookups(), self.behaviour["time_format"])
        return self.render(order)

    def get(self, reference: str) -> Order:
        order = self.store.orders.get(reference)
        if order is None:
            raise not_found(f"Order {reference} not found.")
        return order

    def in_order(self) -> list[Order]:
        return sorted(self.store.orders.values(), key=lambda o: o.seq)

    # ---- status ------------------------------------------------------------------------------

    def set_status(self, body: Any) -> dict[str, Any]:
        """`POST /orders/status` {reference, status} -> {reference, status, update_time}."""
        if not isinstance(body, dict):
            raise invalid({"body": ["must be a JSON object"]})
        errors: dict[str, list[str]] = {}
        reference = _text(body, "reference", errors)
        status = _text(body, "status", errors)
        if not reference and "reference" not in errors:
            errors["reference"] = ["required"]
        if not status and "status" not in errors:
            errors["status"] = ["required"]
        elif status and status not in statuses.ORDER_STATUSES:
            errors["status"] = [f"must be one of {', '.join(statuses.ORDER_STATUSES)}"]
        if errors:
            raise invalid(errors)
        assert reference is not None and status is not None
        with self.store.lock:
            order = self.get(reference)
            if self.move(order, status, times.now()):
                self.store.stats.status_changes += 1
            return {
                "reference": order.reference,
                "status": order.status,
                "update_time": times.write(order.update_time, self.behaviour["time_format"]),
            }

    @staticmethod
    def move(order: Order, status: str, at: datetime) -> bool:
        """Put `order` in `status`; False (and nothing touched) when it already is."""
        if order.status == status:
            return False
        order.status = status
        order.update_time = at
        if status in statuses.CONFIRMED_OR_LATER and order.confirmation_time is None:
            order.confirmation_time = at
            for item in order.items:
                item.confirmation_time = at
        if status == statuses.CANCELED:
            order.cancellation_time = at
        return True

    # ---- the brand user (control API) --------------------------------------------------------

    def create(self, body: dict[str, Any]) -> Order:
        errors: dict[str, list[str]] = {}
        with self.store.lock:
            retailer = self._retailer(body, errors)
            status = body.get("status", statuses.OPEN_FOR_BRAND)
            if status not in statuses.ORDER_STATUSES:
                errors["status"] = [f"must be one of {', '.join(statuses.ORDER_STATUSES)}"]
            reference = _text(body, "reference", errors)
            if reference is not None and reference in self.store.orders:
                errors["reference"] = ["has already been taken"]
            at = times.now()
            items = self._items(body.get("items"), errors, at)
            if errors:
                raise invalid(errors)
            assert retailer is not None
            seq = self.store.next_id("orders")
            order = Order(
                seq=seq,
                reference=reference or f"{REFERENCE_PREFIX}{seq:06d}",
                retailer_id=retailer.id,
                status=statuses.DRAFT,
                create_time=at,
                update_time=at,
                items=items,
                purchase_order_reference=body.get("purchase_order_reference"),
                comment=body.get("comment"),
                delivery_start_on=_day(body.get("delivery_start_on")),
                buyer=("Brand", "User", "brand.user@sandbox.example"),
                sales_person=("Brand", "User", "brand.user@sandbox.example"),
            )
            self.move(order, status, at)
            order.update_time = at
            self.store.orders[order.reference] = order
            return order

    def edit(self, reference: str, body: dict[str, Any]) -> Order:
        """Change lines, comment or PO reference as the brand would in the back office."""
        errors: dict[str, list[str]] = {}
        with self.store.lock:
            order = self.get(reference)
            at = times.now()
            items = self._items(body["items"], errors, at) if "items" in body else None
            for name in ("comment", "purchase_order_reference"):
                _text(body, name, errors)
            if errors:
                raise invalid(errors)
            if items is not None:
                for item in items:
                    item.confirmation_time = order.confirmation_time
                order.items = items
            for name in ("comment", "purchase_order_reference"):
                if name in body:
                    setattr(order, name, body[name])
            order.update_time = at
            return order

    def confirm(self, reference: str) -> Order:
        with self.store.lock:
            order = self.get(reference)
            self.move(order, statuses.CONFIRMED, times.now())
            return order

    def generate(self, count: int, status: str) -> list[Order]:
        """`count` orders in `status` from retailers with a reference, lines by coded SKUs (paging tests)."""
        if status not in statuses.ORDER_STATUSES:
            raise invalid({"status": [f"must be one of {', '.join(statuses.ORDER_STATUSES)}"]})
        with self.store.lock:
            retailers = [r for r in self.store.retailers.values() if r.reference]
            coded = [s for s in self.store.skus.values() if s.ean13 and s.sku]
            made = []
            for k in range(count):
                sku = coded[k % len(coded)]
                body = {
                    "retailer_reference": retailers[k % len(retailers)].reference,
                    "items": [{"ean13": sku.ean13, "quantity": 1 + k % 5}],
                    "status": status,
                }
                made.append(self.create(body))
            return made

    # ---- helpers -----------------------------------------------------------------------------

    def _retailer(self, body: dict[str, Any], errors: dict[str, list[str]]) -> Retailer | None:
        if "retailer_id" in body:
            found = self.store.retailers.get(body["retailer_id"])
            if found is None:
                errors["retailer_id"] = ["not found"]
            return found
        reference = body.get("retailer_reference")
        if not isinstance(reference, str) or not reference:
            errors["retailer_reference"] = ["required (or retailer_id)"]
            return None
        found = self.store.find_retailer(reference)
        if found is None:
            errors["retailer_reference"] = ["not found"]
        return found

    def _items(self, raw: Any, errors: dict[str, list[str]], at: datetime) -> list[OrderItem]:
        if not isinstance(raw, list) or not raw:
            errors["items"] = ["at least one item is required"]
            return []
        items = []
        for index, line in enumerate(raw):
            where = f"items.{index}"
            if not isinstance(line, dict):
                errors[where] = ["must be an object"]
                continue
            sku = self._sku(line)
            quantity = line.get("quantity")
            if sku is None:
                errors[where] = ["no SKU with that ean13, sku or model/fabric_code/size_name"]
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                errors[f"{where}.quantity"] = ["must be a positive integer"]
            if sku is None or f"{where}.quantity" in errors:
                continue
            price = line.get("unit_price", sku.unit_price)
            items.append(OrderItem(sku.id, quantity, float(price), float(line.get("discount_rate", 0.0)), at, at))
        return items

    def _sku(self, line: dict[str, Any]) -> Sku | None:
        for key in ("ean13", "sku"):
            if isinstance(line.get(key), str):
                return self.store.find_sku(key, line[key])
        wanted = (line.get("model"), line.get("fabric_code"), line.get("size_name"))
        return next(
            (s for s in self.store.skus.values() if (s.model, s.fabric_code, s.size_name) == wanted), None
        )


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(422, "The given data was invalid.", {"delivery_start_on": ["must be a date"]}) from None
