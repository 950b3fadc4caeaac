"""Control API at /_sandbox/rackbeat: act as a Rackbeat user, read the account, tune the sandbox.

    GET    /credentials                       base URL, API key, account id
    GET    /limits  POST /limits              request budget {"per_minute": n, "burst"?: n}
    GET    /stats                             budget counters, webhook deliveries, pending
    GET    /webhooks                          registered hooks (with tokens) and delivery settings
    POST   /webhooks                          delivery settings {"duplicate_rate", "reorder",
                                              "delay_ms", "retry_base_ms", "max_attempts", "timeout_ms"}
    GET    /webhooks/deliveries               every delivery attempt, oldest first
    GET    /behaviour  POST /behaviour        what the account does where Rackbeat's docs are silent:
                                              {"inventory_changed_on_create": bool} (default false)
    GET    /<table>                           dump: products, product-groups, customers,
                                              customer-groups, suppliers, supplier-groups,
                                              payment-terms, locations, fields, orders,
                                              order-shipments, customer-invoices, inventory-adjustments
    POST   /products | /customers | /suppliers   create as a user (fires <entity>.created)
    POST   /customer-invoices                 create and book {"order_number"} or {"customer_id",
                                              "lines"} (fires customer_invoice.created, .booked)
    POST   /products/{number}/stock           {"quantity": n} counts stock, {"change": n} adjusts
                                              (fires inventory.changed)
    POST   /orders/{number}/ship              ship everything left (fires order.shipped)
    POST   /orders/{number}/reopen            reopen (fires order.reopened)
    POST   /orders/{number}/book              book again (fires order.booked)
    POST   /orders/{number}/lines             add a line
    PATCH  /orders/{number}/lines/{id}        change a line ({"quantity": 3})
    DELETE /orders/{number}/lines/{id}        delete a line

Writes follow the same rules as the API (422 with `errors` when refused). A user's customer or
supplier without `payment_terms_id` gets the first payment term, as the UI preselects it.
Faults, auth and the request budget never apply here.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from so24_sandbox.rackbeat import stock
from so24_sandbox.rackbeat.auth import ACCOUNT_ID, API_TOKEN
from so24_sandbox.rackbeat.backend import RackbeatBackend
from so24_sandbox.rackbeat.faults import Handler
from so24_sandbox.rackbeat.limits import DEFAULT_PER_MINUTE
from so24_sandbox.rackbeat.orders import render_line
from so24_sandbox.rackbeat.products import Products
from so24_sandbox.rackbeat.responses import json_body
from so24_sandbox.rackbeat.validation import Refused, rejected
from so24_sandbox.system import Rescue, guarded_routes

# A refused control call reads as the API's refusal would; a caller's other mistakes as `{"message"}`.
RESCUES: tuple[Rescue, ...] = (
    (Refused, lambda exc: JSONResponse(exc.body(), status_code=exc.status)),
    (ValueError, lambda exc: JSONResponse({"message": str(exc)}, status_code=400)),
)


class RackbeatControl:
    def __init__(self, backend: RackbeatBackend, base_url: str) -> None:
        self.backend = backend
        self.base_url = base_url.rstrip("/")

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Handler, list[str]]] = [
            ("/credentials", self.credentials, ["GET"]),
            ("/limits", self.limits, ["GET", "POST"]),
            ("/stats", self.stats, ["GET"]),
            ("/webhooks", self.webhooks, ["GET", "POST"]),
            ("/webhooks/deliveries", self.deliveries, ["GET"]),
            ("/behaviour", self.behaviour, ["GET", "POST"]),
            ("/products", self.create_product, ["POST"]),
            ("/customers", self.create_party, ["POST"]),
            ("/suppliers", self.create_party, ["POST"]),
            ("/customer-invoices", self.create_invoice, ["POST"]),
            ("/products/{number:path}/stock", self.stock, ["POST"]),
            ("/orders/{number:int}/ship", self.ship, ["POST"]),
            ("/orders/{number:int}/reopen", self.reopen, ["POST"]),
            ("/orders/{number:int}/book", self.book, ["POST"]),
            ("/orders/{number:int}/lines", self.add_line, ["POST"]),
            ("/orders/{number:int}/lines/{line_id:int}", self.line, ["PATCH", "DELETE"]),
            ("/{table}", self.dump, ["GET"]),
        ]
        return guarded_routes(table, RESCUES)

    # ---- sandbox settings --------------------------------------------------------------------

    async def credentials(self, request: Request) -> Response:
        return JSONResponse(
            {"baseUrl": f"{self.base_url}/rackbeat", "token": API_TOKEN, "accountId": ACCOUNT_ID}
        )

    async def limits(self, request: Request) -> Response:
        budget = self.backend.budget
        if request.method == "POST":
            body = await _object(request)
            per_minute = int(body.get("per_minute", DEFAULT_PER_MINUTE))
            burst = body.get("burst")
            return JSONResponse(budget.configure(per_minute, int(burst) if burst is not None else None))
        return JSONResponse(budget.describe())

    async def stats(self, request: Request) -> Response:
        deliveries = self.backend.dispatcher.deliveries()
        return JSONResponse(
            {
                "budget": self.backend.budget.describe(),
                "deliveries": len(deliveries),
                "delivered": sum(1 for d in deliveries if d["ok"]),
                "pending": self.backend.dispatcher.pending(),
            }
        )

    async def webhooks(self, request: Request) -> Response:
        dispatcher = self.backend.dispatcher
        if request.method == "POST":
            return JSONResponse(dispatcher.configure(await _object(request)))
        hooks = self.backend.webhooks
        with self.backend.store.lock:
            registered = [hooks.render(h, with_token=True) for h in hooks.table.values()]
        return JSONResponse(
            {"config": dispatcher.config.describe(), "webhooks": registered, "pending": dispatcher.pending()}
        )

    async def behaviour(self, request: Request) -> Response:
        store = self.backend.store
        if request.method == "POST":
            return JSONResponse(store.configure(await _object(request)))
        with store.lock:
            return JSONResponse(dict(store.behaviour))

    async def deliveries(self, request: Request) -> Response:
        return JSONResponse({"deliveries": self.backend.dispatcher.deliveries()})

    async def dump(self, request: Request) -> Response:
        name = request.path_params["table"]
        backend = self.backend
        with backend.store.lock:
            if name in backend.registers:
                register = backend.registers[name]
                if isinstance(register, Products):
                    reserved = stock.reserved(backend.store)
                    rows = [register.render(r, reserved) for r in register.table.values()]
                else:
                    rows = [register.render(r) for r in register.table.values()]
                if register.field_target:
                    for row, raw in zip(rows, register.table.values(), strict=True):
                        row["field_values"] = backend.fields.values_of(raw)
            elif name == "fields":
                rows = [backend.fields.render(f) for f in backend.fields.table.values()]
            elif name == "orders":
                rows = [
                    {**backend.orders.render(o), "field_values": backend.fields.values_of(o)}
                    for o in backend.orders.table.values()
                ]
            elif name == "order-shipments":
                rows = [backend.shipments.render(s) for s in backend.shipments.table.values()]
            elif name == "customer-invoices":
                rows = [backend.invoices.render(i) for i in backend.invoices.table.values()]
            elif name == "inventory-adjustments":
                rows = [backend.inventory.render(a) for a in backend.store.table(name).values()]
            else:
                return JSONResponse({"message": f"No table {name!r}."}, status_code=404)
        return JSONResponse({name: rows})

    # ---- acting as a Rackbeat user -----------------------------------------------------------

    async def create_product(self, request: Request) -> Response:
        register = self.backend.registers["products"]
        record = register.create(await _object(request))
        return JSONResponse({"product": register.render(record)}, status_code=201)

    async def create_party(self, request: Request) -> Response:
        name = request.url.path.rstrip("/").rsplit("/", 1)[1]
        register = self.backend.registers[name]
        body = await _object(request)
        terms = self.backend.registers["payment-terms"].first_key()
        if "payment_terms_id" not in body and terms is not None:
            body["payment_terms_id"] = terms
        record = register.create(body)
        return JSONResponse({register.singular: register.render(record)}, status_code=201)

    async def create_invoice(self, request: Request) -> Response:
        body = await _object(request)
        invoices = self.backend.invoices
        if "order_number" in body:
            with self.backend.store.lock:
                invoice = invoices.from_order(self.backend.orders.get(int(body["order_number"])), book=True)
        else:
            invoice = invoices.create(body, book=True)
        return JSONResponse({"customer_invoice": invoices.render(invoice)}, status_code=201)

    async def stock(self, request: Request) -> Response:
        body = await _object(request)
        number = request.path_params["number"]
        inventory = self.backend.inventory
        if isinstance(body.get("quantity"), int | float) and not isinstance(body.get("quantity"), bool):
            adjustment = inventory.count(number, float(body["quantity"]))
        elif isinstance(body.get("change"), int | float) and not isinstance(body.get("change"), bool):
            adjustment = inventory.adjust(
                {"item_number": number, "quantity": body["change"], "reason": body.get("reason", "control")}
            )
        else:
            raise rejected("quantity", "Send a numeric quantity (count) or change (adjustment).")
        return JSONResponse({"inventory_adjustment": inventory.render(adjustment)})

    def _order(self, order: dict[str, Any]) -> Response:
        return JSONResponse({"order": self.backend.orders.render(order)})

    async def ship(self, request: Request) -> Response:
        return self._order(self.backend.shipments.ship(request.path_params["number"]))

    async def reopen(self, request: Request) -> Response:
        return self._order(self.backend.orders.reopen(request.path_params["number"]))

    async def book(self, request: Request) -> Response:
        return self._order(self.backend.orders.book(request.path_params["number"], {}))

    async def add_line(self, request: Request) -> Response:
        line = self.backend.orders.add_line(request.path_params["number"], await _object(request))
        return JSONResponse({"order_line": render_line(self.backend.store, line)}, status_code=201)

    async def line(self, request: Request) -> Response:
        orders = self.backend.orders
        number, line_id = request.path_params["number"], request.path_params["line_id"]
        if request.method == "DELETE":
            line = orders.delete_line(number, line_id)
        else:
            line = orders.update_line(number, line_id, await _object(request))
        return JSONResponse({"order_line": render_line(self.backend.store, line)})


async def _object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise Refused(400, "The body must be a JSON object.")
    return body
