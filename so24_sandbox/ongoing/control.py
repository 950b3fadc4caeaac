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

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

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


class BadControlCall(Exception):
    pass


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadControlCall("body is not JSON") from None
    if not isinstance(body, dict):
        raise BadControlCall("body must be a JSON object")
    return body


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
        def guarded(handler: Handler) -> Handler:
            async def run(request: Request) -> Response:
                try:
                    return await handler(request)
                except BadControlCall as exc:
                    return JSONResponse({"error": str(exc)}, status_code=400)
                except WmsRefusal as exc:
                    return JSONResponse({"error": exc.message}, status_code=exc.status)

            return run

        return [
            Route("/credentials", guarded(self.credentials), methods=["GET"]),
            Route("/articles", guarded(self.articles), methods=["GET"]),
            Route("/orders", guarded(self.orders), methods=["GET"]),
            Route("/orders/{orderNumber:path}/release", guarded(self.release), methods=["POST"]),
            Route("/orders/{orderNumber:path}/pick", guarded(self.pick), methods=["POST"]),
            Route("/orders/{orderNumber:path}/ship", guarded(self.ship), methods=["POST"]),
            Route("/articles/{articleNumber:path}/stock", guarded(self.stock), methods=["POST"]),
        ]

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
