"""The emulated Goods Owner REST API v1 routes, relative to the sandbox's /ongoing mount.

Paths are `/{warehouse}/api/v1/...` as on api.ongoingsystems.se; only the warehouse "sandbox"
exists. Every call passes the fault injector first (an outage answers before the application
sees the request), then Basic auth, then the handler. Implemented: PUT/GET articles, GET article
by id, PUT/GET orders, GET order by id, GET order statuses. There is no supplier endpoint: REST v1
has none (supplier data lives in each article's `supplierInfo`), and a faithful emulator must
answer 404 where the real API would.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from so24_sandbox.faults import FaultInjector
from so24_sandbox.ongoing import query
from so24_sandbox.ongoing.auth import ACCESSIBLE_GOODS_OWNERS, WAREHOUSE_NAME, denied, goods_owner_refused
from so24_sandbox.ongoing.faults import Handler, with_faults
from so24_sandbox.ongoing.statuses import ORDER_STATUSES
from so24_sandbox.ongoing.store import OngoingStore, WmsRefusal
from so24_sandbox.ongoing.validation import validate_article, validate_order

INVALID = "The request is invalid."


def invalid(field_errors: dict[str, list[str]], message: str = INVALID) -> JSONResponse:
    return JSONResponse({"message": message, "modelState": field_errors}, status_code=400)


def refusal(exc: WmsRefusal) -> JSONResponse:
    body: dict[str, Any] = {"message": exc.message}
    if exc.field_errors:
        body["modelState"] = exc.field_errors
    return JSONResponse(body, status_code=exc.status)


NOT_JSON = object()


async def _json_body(request: Request) -> Any:
    """The parsed body, None when empty, NOT_JSON when it does not parse."""
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return NOT_JSON


class OngoingApi:
    """Route handlers bound to one store and one fault injector."""

    def __init__(self, store: OngoingStore, faults: FaultInjector) -> None:
        self.store = store
        self.faults = faults

    def routes(self) -> list[BaseRoute]:
        base = "/{warehouse}/api/v1"
        table: list[tuple[str, Handler, str]] = [
            ("/articles", self.put_article, "PUT"),
            ("/articles", self.get_articles, "GET"),
            ("/articles/{articleSystemId:int}", self.get_article, "GET"),
            ("/orders/statuses", self.get_statuses, "GET"),
            ("/orders", self.put_order, "PUT"),
            ("/orders", self.get_orders, "GET"),
            ("/orders/{orderId:int}", self.get_order, "GET"),
        ]
        return [
            Route(base + path, with_faults(self.faults, self._gate(handler)), methods=[method])
            for path, handler, method in table
        ]

    @staticmethod
    def _gate(handler: Handler) -> Handler:
        async def gated(request: Request) -> Response:
            if request.path_params.get("warehouse") != WAREHOUSE_NAME:
                return JSONResponse({"message": "No such warehouse."}, status_code=404)
            refused = denied(request)
            if refused is not None:
                return refused
            try:
                return await handler(request)
            except query.QueryError as exc:
                return invalid({exc.name: [exc.reason]})
            except WmsRefusal as exc:
                return refusal(exc)

        return gated

    # ---- articles ----------------------------------------------------------------------------

    async def put_article(self, request: Request) -> Response:
        body = await _json_body(request)
        if body is NOT_JSON:
            return invalid({"model": ["The body is not valid JSON."]})
        errors = validate_article(body)
        if errors:
            return invalid(errors)
        refused = goods_owner_refused(body["goodsOwnerId"])
        if refused is not None:
            return refused
        article, created = self.store.put_article(body)
        verb = "created" if created else "updated"
        return JSONResponse({"articleSystemId": article.system_id, "message": f"Article '{article.number}' {verb}."})

    async def get_articles(self, request: Request) -> Response:
        params = request.query_params
        owner = query.required_int(params, "goodsOwnerId")
        refused = goods_owner_refused(owner)
        if refused is not None:
            return refused
        found = self.store.find_articles(
            owner,
            article_numbers=query.string_list(params, "articleNumbers", "articleNumber"),
            product_codes=query.string_list(params, "productCodes", "productCode"),
            id_from=query.optional_int(params, "articleSystemIdFrom"),
            max_count=query.optional_int(params, "maxArticlesToGet", minimum=1),
            stock_changed_from=query.optional_time(params, "stockInfoChangedFrom"),
            data_updated_from=query.optional_time(params, "articleDataLastUpdatedFrom"),
            only_in_stock=query.optional_bool(params, "onlyArticlesInStock"),
        )
        return JSONResponse(found)

    async def get_article(self, request: Request) -> Response:
        system_id = request.path_params["articleSystemId"]
        for owner in ACCESSIBLE_GOODS_OWNERS:
            found = self.store.get_article(owner, system_id)
            if found is not None:
                return JSONResponse(found)
        return JSONResponse({"message": f"No article with id {system_id}."}, status_code=404)

    # ---- orders ------------------------------------------------------------------------------

    async def put_order(self, request: Request) -> Response:
        body = await _json_body(request)
        if body is NOT_JSON:
            return invalid({"model": ["The body is not valid JSON."]})
        errors = validate_order(body)
        if errors:
            return invalid(errors)
        refused = goods_owner_refused(body["goodsOwnerId"])
        if refused is not None:
            return refused
        order, created, customer_created = self.store.put_order(body)
        parts = []
        if customer_created:
            parts.append(f"Customer '{order.consignee.get('customerNumber')}' created.")
        parts.append(f"Order '{order.number}' {'created' if created else 'updated'}.")
        return JSONResponse({"orderId": order.order_id, "message": " ".join(parts)}, status_code=201 if created else 200)

    async def get_orders(self, request: Request) -> Response:
        params = request.query_params
        owner = query.required_int(params, "goodsOwnerId")
        refused = goods_owner_refused(owner)
        if refused is not None:
            return refused
        found = self.store.find_orders(
            owner,
            order_numbers=query.string_list(params, "orderNumbers", "orderNumber"),
            id_from=query.optional_int(params, "orderIdFrom"),
            max_count=query.optional_int(params, "maxOrdersToGet", minimum=1),
            status_from=query.optional_int(params, "orderStatusFrom"),
            status_to=query.optional_int(params, "orderStatusTo"),
            shipped_from=query.optional_time(params, "shippedTimeFrom"),
            shipped_to=query.optional_time(params, "shippedTimeTo"),
            status_changed_from=query.optional_time(params, "orderStatusChangedTimeFrom"),
            created_from=query.optional_time(params, "orderCreatedTimeFrom"),
            created_to=query.optional_time(params, "orderCreatedTimeTo"),
            updated_from=query.optional_time(params, "orderUpdatedTimeFrom"),
            article_numbers=query.string_list(params, "articleNumbers"),
        )
        return JSONResponse(found)

    async def get_order(self, request: Request) -> Response:
        order_id = request.path_params["orderId"]
        for owner in ACCESSIBLE_GOODS_OWNERS:
            found = self.store.get_order(owner, order_id)
            if found is not None:
                return JSONResponse(found)
        return JSONResponse({"message": f"No order with id {order_id}."}, status_code=404)

    async def get_statuses(self, request: Request) -> Response:
        return JSONResponse(
            {"orderStatuses": [{"number": n, "text": t} for n, t in sorted(ORDER_STATUSES.items())]}
        )
