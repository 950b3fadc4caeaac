"""Routes for orders, order lines, shipments, customer invoices and inventory adjustments.

See `orders.py`, `invoices.py` and `inventory.py` for the rules; this module only binds paths
(reference/rackbeat/API.md sections 10 to 14) to them and wraps the answers in envelopes.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from so24_sandbox.rackbeat.backend import RackbeatBackend
from so24_sandbox.rackbeat.faults import Handler
from so24_sandbox.rackbeat.orders import render_line
from so24_sandbox.rackbeat.query import Row
from so24_sandbox.rackbeat.responses import json_body, listing, one
from so24_sandbox.rackbeat.validation import rejected

RouteSpec = tuple[str, Handler, list[str]]


def order_routes(backend: RackbeatBackend) -> list[RouteSpec]:
    orders, shipments, store = backend.orders, backend.shipments, backend.store
    invoices, inventory = backend.invoices, backend.inventory

    def order_answer(order: dict[str, Any], request: Request, status: int = 200) -> Response:
        return one(
            "order",
            orders.render(order),
            status,
            request=request,
            field_values=lambda: backend.fields.values_of(order),
        )

    def order_rows(*, drafts_only: bool) -> list[Row]:
        with store.lock:
            return [
                Row(o, orders.render(o))
                for o in orders.table.values()
                if not (drafts_only and o["is_booked"])
            ]

    async def list_orders(request: Request) -> Response:
        return listing(
            request,
            "orders",
            order_rows(drafts_only=False),
            extra_filters=("customer_id",),
            field_values=backend.fields.values_of,
        )

    async def list_drafts(request: Request) -> Response:
        return listing(
            request,
            "orders",
            order_rows(drafts_only=True),
            extra_filters=("customer_id",),
            field_values=backend.fields.values_of,
        )

    async def create_booked(request: Request) -> Response:
        return order_answer(orders.create(await json_body(request), booked=True), request, 201)

    async def create_draft(request: Request) -> Response:
        return order_answer(orders.create(await json_body(request)), request, 201)

    async def order(request: Request) -> Response:
        number = request.path_params["number"]
        if request.method == "PUT":
            return order_answer(orders.update(number, await json_body(request)), request)
        if request.method == "DELETE":
            with store.lock:
                rendered = orders.render(orders.get(number))
                orders.delete(number)
            return one("order", rendered)
        return order_answer(orders.get(number), request)

    async def book(request: Request) -> Response:
        return order_answer(orders.book(request.path_params["number"], await json_body(request)), request)

    async def reopen(request: Request) -> Response:
        return order_answer(orders.reopen(request.path_params["number"]), request)

    async def fields(request: Request) -> Response:
        body = await json_body(request) if request.method == "PUT" else None
        with store.lock:
            found = orders.get(request.path_params["number"])
            if request.method == "PUT" and backend.fields.set_values("order", found, body):
                orders.touched(found, ["field_values"])
            return JSONResponse({"field_values": backend.fields.values_of(found)})

    async def lines(request: Request) -> Response:
        number = request.path_params["number"]
        if request.method == "POST":
            line = orders.add_line(number, await json_body(request))
            return one("order_line", render_line(store, line), 201)
        with store.lock:
            rows = [Row(ln, render_line(store, ln)) for ln in orders.get(number)["lines"]]
        return listing(request, "order_lines", rows)

    async def line(request: Request) -> Response:
        number, line_id = request.path_params["number"], request.path_params["line_id"]
        if request.method == "PUT":
            found = orders.update_line(number, line_id, await json_body(request))
        elif request.method == "DELETE":
            found = orders.delete_line(number, line_id)
        else:
            found = orders.line(orders.get(number), line_id)
        return one("order_line", render_line(store, found), request=request)

    async def create_shipment(request: Request) -> Response:
        shipment = shipments.create(request.path_params["number"])
        return one("order_shipment", shipments.render(shipment), 201)

    async def shipments_of(request: Request) -> Response:
        number = request.path_params["number"]
        with store.lock:
            orders.get(number)
            rows = [
                Row(s, shipments.render(s)) for s in shipments.table.values() if s["order_number"] == number
            ]
        return listing(request, "order_shipments", rows)

    async def mark_shipped(request: Request) -> Response:
        shipment = shipments.mark_shipped(request.path_params["shipment_id"], await json_body(request))
        return one("order_shipment", shipments.render(shipment))

    async def list_shipments(request: Request) -> Response:
        with store.lock:
            rows = [
                Row(s, {**shipments.render(s), "order_number": s["order_number"]})
                for s in shipments.table.values()
            ]
        return listing(request, "order_shipments", rows, extra_filters=("order_number",))

    async def shipment(request: Request) -> Response:
        return one(
            "order_shipment",
            shipments.render(shipments.get(request.path_params["shipment_id"])),
            request=request,
        )

    async def convert(request: Request) -> Response:
        flag = (request.query_params.get("book") or "false").lower()
        if flag not in ("true", "false", "1", "0"):
            raise rejected("book", "The book field must be true or false.")
        with store.lock:
            invoice = invoices.from_order(
                orders.get(request.path_params["number"]), book=flag in ("true", "1")
            )
        return JSONResponse({"invoice_id": invoice["number"]}, status_code=201)

    async def list_invoices(request: Request) -> Response:
        with store.lock:
            rows = [Row(i, invoices.render(i)) for i in invoices.table.values()]
        return listing(request, "customer_invoices", rows, extra_filters=("customer_id",))

    async def create_invoice(request: Request) -> Response:
        invoice = invoices.create(await json_body(request))
        return one("customer_invoice", invoices.render(invoice), 201)

    async def invoice(request: Request) -> Response:
        return one(
            "customer_invoice", invoices.render(invoices.get(request.path_params["number"])), request=request
        )

    async def book_invoice(request: Request) -> Response:
        found = invoices.book(request.path_params["number"], await json_body(request))
        return one("customer_invoice", invoices.render(found))

    async def list_adjustments(request: Request) -> Response:
        with store.lock:
            rows = [Row(a, inventory.render(a)) for a in store.table("inventory-adjustments").values()]
        return listing(request, "inventory_adjustments", rows, extra_filters=("item_number",))

    async def adjust(request: Request) -> Response:
        return one("inventory_adjustment", inventory.render(inventory.adjust(await json_body(request))), 201)

    n = "/orders/{number:int}"
    return [
        ("/orders", list_orders, ["GET"]),
        ("/orders", create_booked, ["POST"]),
        ("/orders/drafts", list_drafts, ["GET"]),
        ("/orders/drafts", create_draft, ["POST"]),
        ("/orders/shipments/{shipment_id:int}/mark-shipped", mark_shipped, ["POST"]),
        (n, order, ["GET", "PUT", "DELETE"]),
        (f"{n}/book", book, ["POST"]),
        (f"{n}/reopen", reopen, ["POST"]),
        (f"{n}/fields", fields, ["GET", "PUT"]),
        (f"{n}/lines", lines, ["GET", "POST"]),
        (f"{n}/lines/{{line_id:int}}", line, ["GET", "PUT", "DELETE"]),
        (f"{n}/create-shipment", create_shipment, ["POST"]),
        (f"{n}/shipments", shipments_of, ["GET"]),
        (f"{n}/convert-to-invoice", convert, ["POST"]),
        ("/order-shipments", list_shipments, ["GET"]),
        ("/order-shipments/{shipment_id:int}", shipment, ["GET"]),
        ("/customer-invoices", list_invoices, ["GET"]),
        ("/customer-invoices", create_invoice, ["POST"]),
        ("/customer-invoices/{number:int}", invoice, ["GET"]),
        ("/customer-invoices/{number:int}/book", book_invoice, ["POST"]),
        ("/inventory-adjustments", list_adjustments, ["GET"]),
        ("/inventory-adjustments", adjust, ["POST"]),
    ]
