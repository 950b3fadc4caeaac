"""The emulated Wholesale API v2 routes, relative to the sandbox's /lnb mount (= .../apis/wholesale/v2).

Every call passes, in order: the fault injector (an outage answers before the application sees
the request), the request budget (429 + Retry-After, off unless switched on), the access-token
gate (401; not on the token endpoints), then the handler, whose refusals render per `refusals.py`.

    POST /auth/token  POST /oauth/token            client credentials -> access token
    GET  /inventory                                every inventory item (not paginated)
    GET  /inventory/ean/{ean13}  /inventory/sku/{sku}
    POST /inventory/ean  /inventory/sku            one item -> 201 with the stored item
    POST /multi/inventory/ean  /multi/inventory/sku    {requests: [...]} -> batch response
    GET  /orders                                   filters and pages (query.py)
    GET  /orders/{reference}
    POST /orders/status                            {reference, status}
    GET  /products  /products/{model}  /retailers  the catalogue and retailers (paginated lists)
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from so24_sandbox.faults import FaultInjector
from so24_sandbox.lenewblack import query
from so24_sandbox.lenewblack.auth import TokenIssuer
from so24_sandbox.lenewblack.behaviour import Behaviour
from so24_sandbox.lenewblack.catalog import product_json
from so24_sandbox.lenewblack.faults import Handler, with_faults
from so24_sandbox.lenewblack.inventory import KEYS, Inventory
from so24_sandbox.lenewblack.limits import RequestBudget
from so24_sandbox.lenewblack.orders import OrderBook
from so24_sandbox.lenewblack.refusals import Refused, not_found
from so24_sandbox.lenewblack.retailers import retailer_json
from so24_sandbox.lenewblack.store import LnbStore


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise Refused(400, "The request body is not valid JSON.") from None


class LnbApi:
    def __init__(
        self,
        store: LnbStore,
        behaviour: Behaviour,
        tokens: TokenIssuer,
        budget: RequestBudget,
        faults: FaultInjector,
    ) -> None:
        self.store = store
        self.behaviour = behaviour
        self.tokens = tokens
        self.budget = budget
        self.faults = faults
        self.inventory = Inventory(store, behaviour)
        self.orders = OrderBook(store, behaviour)

    def routes(self) -> list[BaseRoute]:
        open_table: list[tuple[str, Handler, str]] = [
            ("/auth/token", self.token, "POST"),
            ("/oauth/token", self.token, "POST"),
        ]
        table: list[tuple[str, Handler, str]] = [
            ("/inventory", self.list_inventory, "GET"),
            ("/inventory/{key:str}/{value:path}", self.get_inventory, "GET"),
            ("/inventory/{key:str}", self.set_inventory, "POST"),
            ("/multi/inventory/{key:str}", self.set_inventory_batch, "POST"),
            ("/orders", self.list_orders, "GET"),
            ("/orders/status", self.set_order_status, "POST"),
            ("/orders/{reference:str}", self.get_order, "GET"),
            ("/products", self.list_products, "GET"),
            ("/products/{model:str}", self.get_product, "GET"),
            ("/retailers", self.list_retailers, "GET"),
        ]
        return [Route(p, self._gate(h, f"{m} {p}", needs_token=False), methods=[m]) for p, h, m in open_table] + [
            Route(p, self._gate(h, f"{m} {p}", needs_token=True), methods=[m]) for p, h, m in table
        ]

    def _gate(self, handler: Handler, label: str, *, needs_token: bool) -> Handler:
        async def gated(request: Request) -> Response:
            self.store.count(label)
            wait = self.budget.take()
            if wait is not None:
                return JSONResponse({"message": "Too Many Requests"}, status_code=429,
                                    headers={"Retry-After": str(wait)})
            try:
                if needs_token:
                    refused = self.tokens.refusal(request.query_params.get("access_token"))
                    if refused is not None:
                        raise refused
                return await handler(request)
            except Refused as exc:
                return JSONResponse(exc.body(), status_code=exc.status)

        return with_faults(self.faults, gated)

    # ---- auth --------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        raw = await request.body()
        kind = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            body: Any = dict(parse_qsl(raw.decode("utf-8", "replace")))
        else:
            body = await json_body(request)
        return JSONResponse(self.tokens.issue(body if isinstance(body, dict) else {}))

    # ---- inventory ---------------------------------------------------------------------------

    @staticmethod
    def _key(request: Request) -> str:
        key = KEYS.get(request.path_params["key"])
        if key is None:
            raise not_found("Resource not found.")
        return key

    async def list_inventory(self, request: Request) -> Response:
        return JSONResponse(self.inventory.all())

    async def get_inventory(self, request: Request) -> Response:
        return JSONResponse(self.inventory.get(self._key(request), request.path_params["value"]))

    async def set_inventory(self, request: Request) -> Response:
        key = self._key(request)
        return JSONResponse(self.inventory.single(key, await json_body(request)), status_code=201)

    async def set_inventory_batch(self, request: Request) -> Response:
        key = self._key(request)
        return JSONResponse(self.inventory.batch(key, await json_body(request)))

    # ---- orders ------------------------------------------------------------------------------

    async def list_orders(self, request: Request) -> Response:
        params = request.query_params
        keep = query.order_filter(params)
        page = query.page_number(params)
        with self.store.lock:
            rows = [o for o in self.orders.in_order() if keep(o)]
            chunk, headers = query.one_page(rows, page, self.behaviour)
            body = [self.orders.render_row(o) for o in chunk]
        return JSONResponse(body, headers=headers)

    async def get_order(self, request: Request) -> Response:
        with self.store.lock:
            return JSONResponse(self.orders.render(self.orders.get(request.path_params["reference"])))

    async def set_order_status(self, request: Request) -> Response:
        return JSONResponse(self.orders.set_status(await json_body(request)))

    # ---- catalogue and retailers -------------------------------------------------------------

    async def list_products(self, request: Request) -> Response:
        page = query.page_number(request.query_params)
        with self.store.lock:
            chunk, headers = query.one_page(list(self.store.products.values()), page, self.behaviour)
            return JSONResponse([product_json(p) for p in chunk], headers=headers)

    async def get_product(self, request: Request) -> Response:
        with self.store.lock:
            product = self.store.products.get(request.path_params["model"])
            if product is None:
                raise not_found(f"Product {request.path_params['model']} not found.")
            return JSONResponse(product_json(product))

    async def list_retailers(self, request: Request) -> Response:
        page = query.page_number(request.query_params)
        with self.store.lock:
            rows = sorted(self.store.retailers.values(), key=lambda r: r.id)
            chunk, headers = query.one_page(rows, page, self.behaviour)
            return JSONResponse([retailer_json(r) for r in chunk], headers=headers)
