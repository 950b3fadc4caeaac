"""Control API at /_sandbox/lnb: act as the brand's LNB user, read the account, tune the sandbox.

    GET   /credentials                     baseUrl, clientId, clientSecret
    GET   /behaviour  POST /behaviour      switches for the reference's open questions (behaviour.py)
    GET   /limits     POST /limits         request budget {"per_minute": n | null, "burst"?: n}
    GET   /stats                           tokens issued/refused, 401s, stock and status writes, calls per route
    POST  /tokens/expire                   end every issued token now (the next call answers 401)
    GET   /inventory                       stock as LNB holds it: every SKU with its sandbox `id`,
                                           model/fabric_code/size_name
    PATCH /skus/{id}                       {"ean13"?: "..." | null, "sku"?: "..." | null}: the brand
                                           codes (or uncodes) a SKU in its catalogue
    GET   /products                        the catalogue (model -> variants -> skus)
    GET   /retailers                       every retailer with its sandbox `id`
    PATCH /retailers/{id}                  {"reference": "10002" | null}: change a retailer's reference
    GET   /orders   GET /orders/{reference}    every order / one order, as the API renders them
    POST  /orders                          create: {"retailer_reference" | "retailer_id", "items":
                                           [{"ean13" | "sku" | "model"+"fabric_code"+"size_name",
                                           "quantity"}], "status"?, "reference"?, "comment"?,
                                           "purchase_order_reference"?}
    POST  /orders/generate                 {"count": n, "status"?}: n plain orders (paging tests)
    PATCH /orders/{reference}              edit {"items"?, "comment"?, "purchase_order_reference"?}
    POST  /orders/{reference}/confirm      status confirmed (stamps confirmation_time)
    POST  /orders/{reference}/status       {"status": ...} as the brand moves it in the UI

Writes follow the API's rules (422 `{"message", "errors"}` when refused). Faults, tokens and
the request budget never apply here.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from so24_sandbox.lenewblack import statuses, times
from so24_sandbox.lenewblack.auth import CLIENT_ID, CLIENT_SECRET, TokenIssuer
from so24_sandbox.lenewblack.behaviour import Behaviour
from so24_sandbox.lenewblack.catalog import product_json
from so24_sandbox.lenewblack.faults import Handler
from so24_sandbox.lenewblack.inventory import Inventory
from so24_sandbox.lenewblack.limits import RequestBudget
from so24_sandbox.lenewblack.orders import OrderBook
from so24_sandbox.lenewblack.refusals import Refused, invalid, not_found
from so24_sandbox.lenewblack.retailers import retailer_json
from so24_sandbox.lenewblack.store import LnbStore
from so24_sandbox.system import Rescue, guarded_routes, json_object

# How a refused control call reads: the API's own refusals as the API renders them, anything else
# a caller got wrong as a plain 400 with LNB's `message` key.
RESCUES: tuple[Rescue, ...] = (
    (Refused, lambda exc: JSONResponse(exc.body(), status_code=exc.status)),
    (ValueError, lambda exc: JSONResponse({"message": str(exc)}, status_code=400)),
)


async def _object(request: Request) -> dict[str, Any]:
    return await json_object(
        request,
        lambda message: Refused(400, message),
        not_json="The request body is not valid JSON.",
        not_object="The request body must be a JSON object.",
    )


class LnbControl:
    def __init__(
        self,
        store: LnbStore,
        behaviour: Behaviour,
        tokens: TokenIssuer,
        budget: RequestBudget,
        base_url: str,
    ) -> None:
        self.store = store
        self.behaviour = behaviour
        self.tokens = tokens
        self.budget = budget
        self.base_url = base_url.rstrip("/")
        self.inventory = Inventory(store, behaviour)
        self.orders = OrderBook(store, behaviour)

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Handler, list[str]]] = [
            ("/credentials", self.credentials, ["GET"]),
            ("/behaviour", self.switches, ["GET", "POST"]),
            ("/limits", self.limits, ["GET", "POST"]),
            ("/stats", self.stats, ["GET"]),
            ("/tokens/expire", self.expire_tokens, ["POST"]),
            ("/inventory", self.stock, ["GET"]),
            ("/skus/{sid:int}", self.recode_sku, ["PATCH"]),
            ("/products", self.products, ["GET"]),
            ("/retailers", self.retailers, ["GET"]),
            ("/retailers/{rid:int}", self.edit_retailer, ["PATCH"]),
            ("/orders", self.list_orders, ["GET"]),
            ("/orders", self.create_order, ["POST"]),
            ("/orders/generate", self.generate_orders, ["POST"]),
            ("/orders/{reference:str}", self.order, ["GET", "PATCH"]),
            ("/orders/{reference:str}/confirm", self.confirm_order, ["POST"]),
            ("/orders/{reference:str}/status", self.order_status, ["POST"]),
        ]
        return guarded_routes(table, RESCUES)

    # ---- sandbox settings --------------------------------------------------------------------

    async def credentials(self, request: Request) -> Response:
        return JSONResponse({"baseUrl": f"{self.base_url}/lnb", "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})

    async def switches(self, request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(self.behaviour.configure(await _object(request)))
        return JSONResponse(self.behaviour.describe())

    async def limits(self, request: Request) -> Response:
        if request.method == "POST":
            body = await _object(request)
            per_minute, burst = body.get("per_minute"), body.get("burst")
            return JSONResponse(self.budget.configure(
                int(per_minute) if per_minute is not None else None, int(burst) if burst is not None else None
            ))  # fmt: skip
        return JSONResponse(self.budget.describe())

    async def stats(self, request: Request) -> Response:
        with self.store.lock:
            s = self.store.stats
            writes = {
                "stock_requests": s.stock_requests,
                "stock_items_written": s.stock_items_written,
                "stock_items_changed": s.stock_items_changed,
                "stock_items_refused": s.stock_items_refused,
                "status_changes": s.status_changes,
                "calls": dict(s.by_route),
            }
        return JSONResponse({"tokens": self.tokens.describe(), "budget": self.budget.describe(), **writes})

    async def expire_tokens(self, request: Request) -> Response:
        return JSONResponse({"expired": self.tokens.expire_all()})

    # ---- reading the account -----------------------------------------------------------------

    async def stock(self, request: Request) -> Response:
        with self.store.lock:
            rows = [
                {"id": s.id, "model": s.model, "fabric_code": s.fabric_code, "size_name": s.size_name,
                 **self.inventory.render(s)}
                for s in sorted(self.store.skus.values(), key=lambda s: s.id)
            ]
        return JSONResponse(rows)

    async def recode_sku(self, request: Request) -> Response:
        """The brand edits a SKU's codes in its catalogue (a code another SKU holds is refused)."""
        body = await _object(request)
        codes = {k: body[k] for k in ("ean13", "sku") if k in body}
        if not codes:
            raise invalid({"ean13": ["give ean13 and/or sku (a string, or null to remove it)"]})
        for key, value in codes.items():
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise invalid({key: ["must be a non-empty string or null"]})
        with self.store.lock:
            sku = self.store.skus.get(request.path_params["sid"])
            if sku is None:
                raise not_found(f"SKU {request.path_params['sid']} not found.")
            for key, value in codes.items():
                other = self.store.find_sku(key, value) if value else None
                if other is not None and other is not sku:
                    raise invalid({key: ["has already been taken"]})
            for key, value in codes.items():
                self.store.recode(sku, key, value)
            return JSONResponse({"id": sku.id, **self.inventory.render(sku)})

    async def products(self, request: Request) -> Response:
        with self.store.lock:
            return JSONResponse([product_json(p) for p in self.store.products.values()])

    async def retailers(self, request: Request) -> Response:
        with self.store.lock:
            rows = sorted(self.store.retailers.values(), key=lambda r: r.id)
            return JSONResponse([{"id": r.id, **retailer_json(r)} for r in rows])

    async def edit_retailer(self, request: Request) -> Response:
        body = await _object(request)
        if "reference" not in body:
            raise invalid({"reference": ["required (a string, or null to remove it)"]})
        reference = body["reference"]
        if reference is not None and (not isinstance(reference, str) or not reference.strip()):
            raise invalid({"reference": ["must be a non-empty string or null"]})
        with self.store.lock:
            retailer = self.store.retailers.get(request.path_params["rid"])
            if retailer is None:
                raise not_found(f"Retailer {request.path_params['rid']} not found.")
            other = self.store.find_retailer(reference) if reference else None
            if other is not None and other.id != retailer.id:
                raise invalid({"reference": ["has already been taken"]})
            retailer.reference = reference
            return JSONResponse({"id": retailer.id, **retailer_json(retailer)})

    # ---- acting as the brand user ------------------------------------------------------------

    async def list_orders(self, request: Request) -> Response:
        with self.store.lock:
            return JSONResponse([self.orders.render(o) for o in self.orders.in_order()])

    async def create_order(self, request: Request) -> Response:
        body = await _object(request)
        with self.store.lock:
            return JSONResponse(self.orders.render(self.orders.create(body)), status_code=201)

    async def generate_orders(self, request: Request) -> Response:
        body = await _object(request)
        count = body.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100_000:
            raise invalid({"count": ["must be an integer from 1 to 100000"]})
        made = self.orders.generate(count, body.get("status", statuses.CONFIRMED))
        return JSONResponse({"created": [o.reference for o in made]}, status_code=201)

    async def order(self, request: Request) -> Response:
        reference = request.path_params["reference"]
        body = await _object(request) if request.method == "PATCH" else None
        with self.store.lock:
            order = self.orders.edit(reference, body) if body is not None else self.orders.get(reference)
            return JSONResponse(self.orders.render(order))

    async def confirm_order(self, request: Request) -> Response:
        with self.store.lock:
            return JSONResponse(self.orders.render(self.orders.confirm(request.path_params["reference"])))

    async def order_status(self, request: Request) -> Response:
        """The brand moves an order (not counted as a hub write in /stats, unlike POST /orders/status)."""
        status = (await _object(request)).get("status")
        if status not in statuses.ORDER_STATUSES:
            raise invalid({"status": [f"must be one of {', '.join(statuses.ORDER_STATUSES)}"]})
        with self.store.lock:
            order = self.orders.get(request.path_params["reference"])
            self.orders.move(order, status, times.now())
            return JSONResponse(self.orders.render(order))
