"""Sales orders and their lines: the part of the lifecycle the 24SO order flows write.

    POST orders/drafts              draft (is_booked false)          fires order.created
    POST orders                     created and booked at once       fires order.created, order.booked
    POST orders/{n}/book            draft -> booked (reserves stock) fires order.booked
    POST orders/{n}/reopen          booked -> editable again         fires order.reopened
    PUT orders/{n}, lines add/change/delete                          fires order.updated

Shipping is in `shipments.py`. Rules (reference/rackbeat/API.md section 12; assumptions marked):
- Lines are written with `item_id` = the product *number*; a line without `item_id` but with a
  `name` is a text line. A product line on a barred product is refused ("Product 'X' is barred.").
- Lines may only change while the order is not booked: reopen, edit, book again (assumption, the
  flow Rackbeat's 24SO guide describes for R6). Booking an already booked order, reopening a
  draft or a shipped order are refused with 422.
- Reopening discards shipments that are not shipped yet (assumption).
- No status string: the flags (`is_booked`, `is_ready_for_shipping`, `is_partly_shipped`,
  `is_shipped`, `is_invoiced`, ...) are the state, as in every source.
"""

from __future__ import annotations

from typing import Any

from so24_sandbox.rackbeat import times
from so24_sandbox.rackbeat.custom_fields import CustomFields
from so24_sandbox.rackbeat.fulfilment import drop_open_shipments, order_flags
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, not_found, rejected

ADDRESS_KEYS = ("name", "street", "street2", "city", "zipcode", "country", "email", "phone")
FIRST_ORDER_NUMBER = 1001


def line_errors(
    store: RackbeatStore, body: Any, prefix: str, current: dict[str, Any] | None
) -> tuple[Errors, dict]:
    """Validate one order or invoice line; returns the errors and the cleaned values."""
    errors = Errors(body, prefix)
    values: dict[str, Any] = {}
    item = errors.text("item_id")
    name = errors.text("name")
    if item is not None:
        product = store.table("products").get(item)
        errors.exists("item_id", product is not None)
        if product is not None and product.get("is_barred"):
            errors.add("item_id", f"Product '{item}' is barred.")
        if product is not None:
            values.update(child_type="product", item_number=item, name=name or product["name"])
            price = product.get("sales_price", 0.0)
            values["line_price"] = price if current is None else current.get("line_price", price)
    elif current is None:
        if name is None:
            errors.add("item_id", "Product needed")
        else:
            values.update(child_type="text", item_number=None, name=name, line_price=0.0)
    elif name is not None:
        values["name"] = name
    is_text = values.get("child_type", (current or {}).get("child_type")) == "text"
    quantity = errors.number("quantity", minimum=0)
    if quantity is not None:
        values["quantity"] = quantity
    elif current is None:
        values["quantity"] = 0.0 if is_text else 1.0
    price = errors.number("line_price")
    if price is not None:
        values["line_price"] = price
    discount = errors.number("discount_percentage", minimum=0, maximum=100)
    if discount is not None:
        values["discount_percentage"] = discount
    elif current is None:
        values["discount_percentage"] = 0.0
    location = errors.integer("location_id")
    if location is not None:
        errors.exists("location_id", location in store.table("locations"))
        values["location_id"] = location
    elif current is None:
        values["location_id"] = min(store.table("locations"), default=None)
    return errors, values


def render_line(store: RackbeatStore, line: dict[str, Any]) -> dict[str, Any]:
    product = store.table("products").get(line["item_number"]) if line["item_number"] else None
    quantity, price = line["quantity"], line["line_price"]
    return {
        "id": line["id"],
        "child_id": product["id"] if product else None,
        "child_type": line["child_type"],
        "item": None
        if product is None
        else {
            "number": product["number"],
            "name": product["name"],
            "barcode": product.get("barcode"),
            "self": store.url("products", product["number"]),
        },
        "name": line["name"],
        "quantity": quantity,
        "line_price": price,
        "discount_percentage": line["discount_percentage"],
        "line_total": round(quantity * price * (1 - line["discount_percentage"] / 100), 6),
        "item_cost_price": (product or {}).get("recommended_cost_price", 0.0),
        "location_id": line["location_id"],
    }


class Orders:
    def __init__(self, store: RackbeatStore, fields: CustomFields) -> None:
        self.store = store
        self.fields = fields

    @property
    def table(self) -> dict[Any, dict[str, Any]]:
        return self.store.table("orders")

    @property
    def shipments(self) -> dict[Any, dict[str, Any]]:
        return self.store.table("order-shipments")

    def get(self, number: int) -> dict[str, Any]:
        order = self.table.get(number)
        if order is None:
            raise not_found("Order")
        return order

    # ---- rendering ---------------------------------------------------------------------------

    def render(self, order: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in order.items() if not k.startswith("_") and k != "lines"}
        customer = self.store.table("customers").get(order["customer_id"]) or {}
        out["customer"] = {
            "number": order["customer_id"],
            "name": customer.get("name"),
            "self": self.store.url("customers", order["customer_id"]),
        }
        terms = self.store.table("payment-terms").get(order.get("payment_terms_id")) or {}
        out["payment_terms"] = (
            {
                "number": terms.get("number"),
                "name": terms.get("name"),
                "maturity_days": terms.get("maturity_days"),
            }
            if terms
            else None
        )
        out["lines"] = [render_line(self.store, ln) for ln in order["lines"]]
        subtotal = sum(ln["line_total"] for ln in out["lines"])
        out["total_subtotal"] = round(subtotal, 2)
        out["total_vat"] = round(subtotal * 0.25, 2)
        out["total_total"] = round(subtotal * 1.25, 2)
        out.update(order_flags(self.store, order))
        for key in ("created_at", "updated_at", "booked_at"):
            out[key] = times.stamp(order[key])
        out["self"] = self.store.url("orders", order["number"])
        return out

    # ---- writes ------------------------------------------------------------------------------

    def _header(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        creating = current is None
        values: dict[str, Any] = {}
        number = errors.integer("number", minimum=1)
        if number is not None:
            if number in self.table and (current is None or current["number"] != number):
                errors.add("number", "The number has already been taken.")
            values["number"] = number
        customer_id = errors.integer("customer_id", required=creating)
        customer = None
        if customer_id is not None:
            customer = self.store.table("customers").get(customer_id)
            if customer is None:
                errors.add("customer_id", "The selected Customer is invalid.")
            elif customer.get("is_barred"):
                errors.add("customer_id", "The customer is barred.")
            values["customer_id"] = customer_id
        for text in ("their_reference", "our_reference", "heading", "order_reference"):
            if errors.given(text):
                values[text] = errors.text(text)
        if errors.given("note"):
            values["note"] = errors.text("note", max_len=65535)
        for day in ("deliver_at", "order_date"):
            raw = errors.text(day)
            if raw is not None:
                try:
                    values[day] = times.parse(raw).date().isoformat()
                except ValueError:
                    errors.add(day, f"The {day.replace('_', ' ')} is not a valid date.")
        currency = errors.text("currency", max_len=3)
        if currency is not None:
            values["currency"] = currency.upper()
        terms = errors.integer("payment_terms_id")
        if terms is not None:
            errors.exists("payment_terms_id", terms in self.store.table("payment-terms"))
            values["payment_terms_id"] = terms
        for kind in ("billing_address", "delivery_address"):
            address = errors.mapping(kind)
            if address is not None:
                values[kind] = {
                    k: (None if address.get(k) is None else str(address.get(k))) for k in ADDRESS_KEYS
                }
        if creating and customer is not None:
            values.setdefault("currency", customer.get("currency") or "NOK")
            values.setdefault("payment_terms_id", customer.get("payment_terms_id"))
            billing = {
                "name": customer.get("name"),
                "street": customer.get("address_street"),
                "street2": customer.get("address_street2"),
                "city": customer.get("address_city"),
                "zipcode": customer.get("address_zipcode"),
                "country": customer.get("address_country"),
                "email": customer.get("contact_email"),
                "phone": customer.get("contact_phone"),
            }
            values.setdefault("billing_address", billing)
            values.setdefault("delivery_address", dict(billing))
        return values

    def _lines(self, errors: Errors) -> list[dict[str, Any]] | None:
        raw = errors.body.get("lines")
        if raw is None:
            return None
        if not isinstance(raw, list):
            errors.add("lines", "The lines must be an array.")
            return None
        lines = []
        for index, body in enumerate(raw):
            line_errs, values = line_errors(self.store, body, f"lines.{index}.", None)
            errors.merge(line_errs)
            lines.append(values)
        return lines

    def _new_line(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.store.next_id("order-lines"), **values}

    def create(self, body: Any, *, booked: bool = False) -> dict[str, Any]:
        with self.store.lock:
            errors = Errors(body)
            values = self._header(errors, None)
            lines = self._lines(errors) or []
            errors.check()
            number = values.pop("number", None) or max([FIRST_ORDER_NUMBER - 1, *self.table]) + 1
            moment = times.now()
            order = {
                "id": self.store.next_id("orders"),
                "number": number,
                "their_reference": None,
                "our_reference": None,
                "heading": None,
                "note": None,
                "order_reference": None,
                "deliver_at": None,
                "order_date": moment.date().isoformat(),
                "currency_rate": 1.0,
                **values,
                "lines": [self._new_line(v) for v in lines],
                "is_booked": False,
                "booked_at": None,
                "created_at": moment,
                "updated_at": moment,
                "_fields": {},
            }
            self.table[number] = order
            self.store.emit("order.created", number, "number", {"number": number})
            if booked:
                self.book(number, {})
            return order

    def _editable(self, order: dict[str, Any]) -> None:
        if order["is_booked"]:
            raise rejected("order", "The order is booked. Reopen it before changing its lines.")

    def touched(self, order: dict[str, Any], changed: list[str]) -> None:
        order["updated_at"] = times.now()
        self.store.emit(
            "order.updated",
            order["number"],
            "number",
            {"number": order["number"]},
            old_key=order["number"],
            new_key=order["number"],
            changed=changed,
        )

    def update(self, number: int, body: Any) -> dict[str, Any]:
        with self.store.lock:
            order = self.get(number)
            errors = Errors(body)
            values = self._header(errors, order)
            lines = self._lines(errors)
            errors.check()
            if lines is not None:
                self._editable(order)
            changed = sorted(k for k, v in values.items() if order.get(k) != v)
            new_number = values.get("number", number)
            order.update(values)
            if lines is not None:
                order["lines"] = [self._new_line(v) for v in lines]
                changed.append("lines")
            if new_number != number:
                del self.table[number]
                self.table[new_number] = order
                for shipment in self.shipments.values():
                    if shipment["order_number"] == number:
                        shipment["order_number"] = new_number
            if changed:
                self.touched(order, changed)
            return order

    def delete(self, number: int) -> dict[str, Any]:
        with self.store.lock:
            order = self.get(number)
            if any(s["order_number"] == number and s["is_shipped"] for s in self.shipments.values()):
                raise rejected("order", "A shipped order cannot be deleted.")
            drop_open_shipments(self.store, number)
            del self.table[number]
            self.store.emit("order.deleted", number, "number", {"number": number})
            return order

    def book(self, number: int, body: Any) -> dict[str, Any]:
        with self.store.lock:
            order = self.get(number)
            if order["is_booked"]:
                raise rejected("order", "The order is already booked.")
            if not any(ln["child_type"] == "product" for ln in order["lines"]):
                raise rejected("lines", "The order must have at least one product line to be booked.")
            moment = times.now()
            order.update(is_booked=True, booked_at=moment, updated_at=moment)
            self.store.emit("order.booked", number, "number", {"number": number})
            return order

    def reopen(self, number: int) -> dict[str, Any]:
        with self.store.lock:
            order = self.get(number)
            if not order["is_booked"]:
                raise rejected("order", "The order is not booked.")
            flags = order_flags(self.store, order)
            if flags["is_shipped"] or flags["is_partly_shipped"]:
                raise rejected("order", "A shipped order cannot be reopened.")
            drop_open_shipments(self.store, number)
            order.update(is_booked=False, booked_at=None, updated_at=times.now())
            self.store.emit("order.reopened", number, "number", {"number": number})
            return order

    # ---- lines -------------------------------------------------------------------------------

    def line(self, order: dict[str, Any], line_id: int) -> dict[str, Any]:
        for line in order["lines"]:
            if line["id"] == line_id:
                return line
        raise not_found("Order line")

    def add_line(self, number: int, body: Any) -> dict[str, Any]:
        with self.store.lock:
            order = self.get(number)
            self._editable(order)
            errors, values = line_errors(self.store, body, "", None)
            errors.check()
            line = self._new_line(values)
            order["lines"].append(line)
            self.touched(order, ["lines"])
            return line

    def update_line(self, number: int, line_id: int, body: Any) -> dict[str, Any]:
        with self.store.lock:
            order = self.get(number)
            line = self.line(order, line_id)
            self._editable(order)
            errors, values = line_errors(self.store, body, "", line)
            errors.check()
            if any(line.get(k) != v for k, v in values.items()):
                line.update(values)
                self.touched(order, ["lines"])
            return line

    def delete_line(self, number: int, line_id: int) -> dict[str, Any]:
        with self.store.lock:
            order = self.get(number)
            line = self.line(order, line_id)
            self._editable(order)
            order["lines"].remove(line)
            self.touched(order, ["lines"])
            return line
