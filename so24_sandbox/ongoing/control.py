"""Control API at /_sandbox/ongoing: act as the warehouse floor and read the WMS's state.

    GET  /credentials                         user, password, goods owner ids, base URL
    GET  /articles                            every article (API rendering, with inventoryInfo)
    GET  /orders                              every order (API rendering)
    POST /orders/{orderNumber}/release        status 300 Released (locks the order for updates)
    POST /orders/{orderNumber}/pick           status 400 Picked, every line picked in full
    POST /orders/{orderNumber}/ship           status 450 Sent; body {"shippedTime"?, "wayBill"?}
    POST /articles/{articleNumber}/stock      body {"physical": n, "sellable"?: n}

Order and article routes take `goodsOwnerId` (query or body), default 1. The fault routes
(/_sandbox/ongoing/faults) come from the sandbox app. Faults never apply to the control API.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from so24_sandbox.ongoing.auth import (
    ACCESSIBLE_GOODS_OWNERS,
    DEFAULT_GOODS_OWNER_ID,
    PASSWORD,
    USERNAME,
    WAREHOUSE_NAME,
)
from so24_sandbox.ongoing.faults import Handler
from so24_sandbox.ongoing.store import OngoingStore, WmsRefusal
from so24_sandbox.ongoing.times import parse_time
from so24_sandbox.system import Rescue, guarded_routes, json_object


class BadControlCall(Exception):
    pass


# A control call's own mistakes answer 400 `{"error"}`; the WMS's refusals keep their status.
RESCUES: tuple[Rescue, ...] = (
    (BadControlCall, lambda exc: JSONResponse({"error": str(exc)}, status_code=400)),
    (WmsRefusal, lambda exc: JSONResponse({"error": exc.message}, status_code=exc.status)),
)


async def _body(request: Request) -> dict[str, Any]:
    return await json_object(request, BadControlCall)


def _goods_owner(request: Request, body: dict[str, Any]) -> int:
    raw = request.query_params.get("goodsOwnerId", body.get("goodsOwnerId", DEFAULT_GOODS_OWNER_ID))
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadControlCall("goodsOwnerId must be an integer") from None


def _number(body: dict[str, Any], name: str, *, required: bool) -> float | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise BadControlCall(f"{name} must be a number")
    return value


class OngoingControl:
    def __init__(self, store: OngoingStore, base_url: str) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Handler, list[str]]] = [
            ("/credentials", self.credentials, ["GET"]),
            ("/articles", self.articles, ["GET"]),
            ("/orders", self.orders, ["GET"]),
            ("/orders/{orderNumber:path}/release", self.release, ["POST"]),
            ("/orders/{orderNumber:path}/pick", self.pick, ["POST"]),
            ("/orders/{orderNumber:path}/ship", self.ship, ["POST"]),
            ("/articles/{articleNumber:path}/stock", self.stock, ["POST"]),
        ]
        return guarded_routes(table, RESCUES)

    async def credentials(self, request: Request) -> Response:
        return JSONResponse({
            "baseUrl": f"{self.base_url}/ongoing/{WAREHOUSE_NAME}",
            "warehouse": WAREHOUSE_NAME,
            "username": USERNAME,
            "password": PASSWORD,
            "goodsOwnerId": DEFAULT_GOODS_OWNER_ID,
            "goodsOwnerIds": list(ACCESSIBLE_GOODS_OWNERS),
        })

    async def articles(self, request: Request) -> Response:
        return JSONResponse(self.store.dump()[0])

    async def orders(self, request: Request) -> Response:
        return JSONResponse(self.store.dump()[1])

    async def release(self, request: Request) -> Response:
        body = await _body(request)
        return JSONResponse(self.store.release(_goods_owner(request, body), request.path_params["orderNumber"]))

    async def pick(self, request: Request) -> Response:
        body = await _body(request)
        return JSONResponse(self.store.pick(_goods_owner(request, body), request.path_params["orderNumber"]))

    async def ship(self, request: Request) -> Response:
        body = await _body(request)
        shipped = body.get("shippedTime")
        try:
            shipped_time = parse_time(shipped) if isinstance(shipped, str) else None
        except ValueError:
            raise BadControlCall("shippedTime must be an ISO 8601 time") from None
        way_bill = body.get("wayBill")
        order = self.store.ship(
            _goods_owner(request, body), request.path_params["orderNumber"],
            shipped_time=shipped_time, way_bill=str(way_bill) if way_bill else None,
        )
        return JSONResponse(order)

    async def stock(self, request: Request) -> Response:
        body = await _body(request)
        physical = _number(body, "physical", required=True)
        sellable = _number(body, "sellable", required=False)
        article = self.store.set_stock(
            _goods_owner(request, body), request.path_params["articleNumber"], physical or 0, sellable
        )
        return JSONResponse(article)
