"""Customer invoices: what Rackbeat's 24SO integration sends to 24SO as soon as it exists.

- `GET customer-invoices` (filters `is_booked`, `is_paid`, `updated_at_from`, `invoice_date_from`
  ...), `GET customer-invoices/{number}`; `POST customer-invoices` creates one from lines;
  `POST orders/{n}/convert-to-invoice?book=true|false` makes one from an order and answers
  `{"invoice_id": n}` (keeping the order <-> invoice link, as Rackbeat recommends).
- `POST customer-invoices/{number}/book` with `{"suppress_webhooks": bool}`: the flag exists so
  an integration that books its own invoice does not get its own webhook back.
- Events: `customer_invoice.created` on creation, `customer_invoice.booked` on booking
  (assumption: the names follow the `<singular>.<verb>` pattern; no source lists them).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from so24_sandbox.rackbeat import times
from so24_sandbox.rackbeat.orders import line_errors, render_line
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, not_found, rejected

FIRST_INVOICE_NUMBER = 5001


class Invoices:
    def __init__(self, store: RackbeatStore) -> None:
        self.store = store

    @property
    def table(self) -> dict[Any, dict[str, Any]]:
        return self.store.table("customer-invoices")

    def get(self, number: int) -> dict[str, Any]:
        invoice = self.table.get(number)
        if invoice is None:
            raise not_found("Customer invoice")
        return invoice

    def render(self, invoice: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in invoice.items() if not k.startswith("_") and k != "lines"}
        customer = self.store.table("customers").get(invoice["customer_id"]) or {}
        out["customer"] = {
            "number": invoice["customer_id"],
            "name": customer.get("name"),
            "self": self.store.url("customers", invoice["customer_id"]),
        }
        order = self.store.table("orders").get(invoice.get("order_number"))
        out["order_id"] = order["id"] if order else None
        out["order"] = (
            None
            if not invoice.get("order_number")
            else {
                "number": invoice["order_number"],
                "self": self.store.url("orders", invoice["order_number"]),
            }
        )
        out["lines"] = [render_line(self.store, ln) for ln in invoice["lines"]]
        subtotal = round(sum(ln["line_total"] for ln in out["lines"]), 2)
        total = round(subtotal * 1.25, 2)
        out.update(
            total_subtotal=subtotal,
            total_vat=round(total - subtotal, 2),
            total_total=total,
            total_base_currency=total,
            balance=0.0 if invoice["is_paid"] else total,
        )
        for key in ("created_at", "updated_at", "booked_at"):
            out[key] = times.stamp(invoice[key])
        out["self"] = self.store.url("customer-invoices", invoice["number"])
        return out

    def create(self, body: Any, *, book: bool = False) -> dict[str, Any]:
        """A new invoice from `customer_id` and `lines` (same line shape as orders)."""
        with self.store.lock:
            errors = Errors(body)
            customer_id = errors.integer("customer_id", required=True)
            customer = self.store.table("customers").get(customer_id) if customer_id is not None else None
            if customer is None and "customer_id" not in errors.by_field:
                errors.add("customer_id", "The selected Customer is invalid.")
            raw_lines = errors.body.get("lines")
            lines = []
            if not isinstance(raw_lines, list) or not raw_lines:
                errors.add("lines", "The lines field is required.")
            else:
                for index, line in enumerate(raw_lines):
                    line_errs, values = line_errors(self.store, line, f"lines.{index}.", None)
                    errors.merge(line_errs)
                    lines.append(values)
            heading = errors.text("heading")
            if customer is None:
                errors.check()
                raise rejected("customer_id", "The selected Customer is invalid.")
            errors.check()
            return self._insert(customer, lines, heading=heading, order_number=None, book=book)

    def from_order(self, order: dict[str, Any], *, book: bool) -> dict[str, Any]:
        with self.store.lock:
            if any(i.get("order_number") == order["number"] for i in self.table.values()):
                raise rejected("order", "The order is already invoiced.")
            customer = self.store.table("customers").get(order["customer_id"]) or {
                "number": order["customer_id"]
            }
            lines = [{k: v for k, v in ln.items() if k != "id"} for ln in order["lines"]]
            return self._insert(
                customer, lines, heading=order.get("heading"), order_number=order["number"], book=book
            )

    def _insert(
        self,
        customer: dict[str, Any],
        lines: list[dict[str, Any]],
        *,
        heading: str | None,
        order_number: int | None,
        book: bool,
    ) -> dict[str, Any]:
        number = max([FIRST_INVOICE_NUMBER - 1, *self.table]) + 1
        moment = times.now()
        terms = self.store.table("payment-terms").get(customer.get("payment_terms_id")) or {}
        invoice = {
            "id": self.store.next_id("customer-invoices"),
            "number": number,
            "order_number": order_number,
            "customer_id": customer["number"],
            "heading": heading,
            "note": None,
            "currency": customer.get("currency") or "NOK",
            "currency_rate": 1.0,
            "lines": [{"id": self.store.next_id("invoice-lines"), **ln} for ln in lines],
            "invoice_date": moment.date().isoformat(),
            "due_date": (moment + timedelta(days=terms.get("maturity_days", 14))).date().isoformat(),
            "is_booked": False,
            "booked_at": None,
            "is_paid": False,
            "is_partly_paid": False,
            "created_at": moment,
            "updated_at": moment,
        }
        self.table[number] = invoice
        self.store.emit("customer_invoice.created", number, "number", {"number": number})
        if book:
            self.book(number, {})
        return invoice

    def book(self, number: int, body: Any) -> dict[str, Any]:
        with self.store.lock:
            invoice = self.get(number)
            errors = Errors(body if body is not None else {})
            suppress = errors.boolean("suppress_webhooks")
            errors.check()
            if invoice["is_booked"]:
                raise rejected("invoice", "The invoice is already booked.")
            moment = times.now()
            invoice.update(is_booked=True, booked_at=moment, updated_at=moment)
            if not suppress:
                self.store.emit("customer_invoice.booked", number, "number", {"number": number})
            return invoice
