"""The emulated Rackbeat API routes, relative to the sandbox's /rackbeat mount (= .../api/).

Every call passes, in order: the fault injector (an outage answers before the application sees
the request), the bearer gate (401), the request budget (429 + Retry-After; every answer
carries X-RateLimit-Limit / X-RateLimit-Remaining), then the handler, whose refusals render as
422 `{"errors": {...}}` or 404 `{"message"}`. This module serves the registers, custom fields,
webhooks and `GET self`; `order_routes.py` serves orders, shipments, invoices and stock.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from so24_sandbox.faults import FaultInjector
from so24_sandbox.rackbeat import stock
from so24_sandbox.rackbeat.auth import ACCOUNT_ID, COMPANY_NAME, denied
from so24_sandbox.rackbeat.backend import RackbeatBackend
from so24_sandbox.rackbeat.faults import Handler, with_faults
from so24_sandbox.rackbeat.order_routes import order_routes
from so24_sandbox.rackbeat.products import Products
from so24_sandbox.rackbeat.query import Row
from so24_sandbox.rackbeat.registers import Register
from so24_sandbox.rackbeat.responses import json_body, listing, one, path_keys
from so24_sandbox.rackbeat.validation import Refused, not_found


class RackbeatApi:
    def __init__(self, backend: RackbeatBackend, faults: FaultInjector) -> None:
        self.backend = backend
        self.faults = faults

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Handler, list[str]]] = [("/self", self.whoami, ["GET"])]
        for register in self.backend.registers.values():
            table += self._register_routes(register)
        table += [
            ("/fields", self.list_fields, ["GET"]),
            ("/fields", self.create_field, ["POST"]),
            ("/fields/{slug}", self.field, ["GET", "PUT", "DELETE"]),
            ("/webhooks", self.list_webhooks, ["GET"]),
            ("/webhooks", self.register_webhook, ["POST"]),
            ("/webhooks/{hook_id:int}", self.webhook, ["GET", "PUT", "DELETE"]),
        ]
        table += order_routes(self.backend)
        return [Route(path, self.gate(handler), methods=methods) for path, handler, methods in table]

    def gate(self, handler: Handler) -> Handler:
        budget = self.backend.budget

        async def gated(request: Request) -> Response:
            refused = denied(request)
            if refused is not None:
                return refused
            verdict = budget.take()
            headers = {
                "X-RateLimit-Limit": str(verdict.limit),
                "X-RateLimit-Remaining": str(verdict.remaining),
            }
            if not verdict.allowed:
                headers["Retry-After"] = str(verdict.retry_after)
                return JSONResponse({"message": "Too Many Attempts."}, status_code=429, headers=headers)
            try:
                response = await handler(request)
            except Refused as exc:
                response = JSONResponse(exc.body(), status_code=exc.status)
            response.headers.update(headers)
            return response

        return with_faults(self.faults, gated)

    async def whoami(self, request: Request) -> Response:
        return JSONResponse(
            {
                "user_account": {
                    "id": ACCOUNT_ID,
                    "company_name": COMPANY_NAME,
                    "currency": "NOK",
                    "locale": "nb",
                },
                "user": {"id": 1, "name": "API", "email": "api@sandbox.example"},
            }
        )

    # ---- registers ---------------------------------------------------------------------------

    def _register_routes(self, register: Register) -> list[tuple[str, Handler, list[str]]]:
        base = f"/{register.table_name}"

        async def index(request: Request) -> Response:
            with self.backend.store.lock:
                reserved = stock.reserved(self.backend.store) if isinstance(register, Products) else None
                rows = [Row(r, self._render(register, r, reserved)) for r in register.table.values()]
                field_values = self.backend.fields.values_of if register.field_target else None
                return listing(request, register.plural, rows, field_values=field_values)

        async def create(request: Request) -> Response:
            record = register.create(await json_body(request))
            return one(register.singular, self._render(register, record), 201)

        async def member(request: Request) -> Response:
            parts = self._key_parts(request, register)
            key = register.parse_key(parts[0])
            if len(parts) == 1:
                return await self._member(request, register, key)
            if parts[1:] == ["fields"] and register.field_target and request.method in ("GET", "PUT"):
                if request.method == "PUT":
                    record = register.set_field_values(key, await json_body(request))
                else:
                    record = register.get(key)
                return JSONResponse({"field_values": self.backend.fields.values_of(record)})
            if parts[1:] == ["locations"] and isinstance(register, Products) and request.method == "GET":
                return self._product_locations(request, register.get(key))
            raise not_found("Resource")

        key = "{key:path}" if not register.numeric else "{key:int}"
        routes: list[tuple[str, Handler, list[str]]] = [
            (base, index, ["GET"]),
            (base, create, ["POST"]),
            (f"{base}/{key}", member, ["GET", "PUT", "DELETE"]),
        ]
        if register.numeric and register.field_target:
            routes.append((f"{base}/{key}/fields", member, ["GET", "PUT"]))
        return routes

    @staticmethod
    def _key_parts(request: Request, register: Register) -> list[str]:
        if not register.numeric:
            return path_keys(request, register.table_name)
        parts = [str(request.path_params["key"])]
        if request.url.path.rstrip("/").endswith("/fields"):
            parts.append("fields")
        return parts

    def _render(
        self, register: Register, record: dict[str, Any], reserved: dict[str, float] | None = None
    ) -> dict:
        if isinstance(register, Products):
            return register.render(record, reserved)
        return register.render(record)

    async def _member(self, request: Request, register: Register, key: Any) -> Response:
        if request.method == "PUT":
            record = register.update(key, await json_body(request))
        elif request.method == "DELETE":
            record = register.delete(key)
        else:
            record = register.get(key)
        field_values = (lambda: self.backend.fields.values_of(record)) if register.field_target else None
        return one(
            register.singular, self._render(register, record), request=request, field_values=field_values
        )

    def _product_locations(self, request: Request, product: dict[str, Any]) -> Response:
        figures = stock.figures(self.backend.store, product)
        rows = []
        for location in self.backend.registers["locations"].table.values():
            here = figures if location.get("is_default") else dict.fromkeys(figures, 0.0)
            rendered = {
                "location_id": location["number"],
                "location": {"number": location["number"], "name": location["name"]},
                **here,
            }
            rows.append(Row(location, rendered))
        return listing(request, "product_locations", rows)

    # ---- custom fields -----------------------------------------------------------------------

    async def list_fields(self, request: Request) -> Response:
        fields = self.backend.fields
        target = request.query_params.get("for")
        with self.backend.store.lock:
            rows = [
                Row(f, fields.render(f))
                for f in fields.table.values()
                if not target or target in f["available_for"]
            ]
        return listing(request, "fields", rows, extra_filters=("type", "use_in_layouts"))

    async def create_field(self, request: Request) -> Response:
        field = self.backend.fields.create(await json_body(request))
        return one("field", self.backend.fields.render(field), 201)

    async def field(self, request: Request) -> Response:
        fields = self.backend.fields
        slug = request.path_params["slug"]
        if request.method == "PUT":
            found = fields.update(slug, await json_body(request))
        elif request.method == "DELETE":
            found = fields.delete(slug)
        else:
            found = fields.get(slug)
        return one("field", fields.render(found), request=request)

    # ---- webhooks ----------------------------------------------------------------------------

    async def list_webhooks(self, request: Request) -> Response:
        hooks = self.backend.webhooks
        with self.backend.store.lock:
            rows = [Row(h, hooks.render(h)) for h in hooks.table.values()]
        return listing(request, "webhooks", rows, extra_filters=("event",))

    async def register_webhook(self, request: Request) -> Response:
        hook, created = self.backend.webhooks.register(await json_body(request))
        return one("webhook", self.backend.webhooks.render(hook, with_token=created), 201 if created else 200)

    async def webhook(self, request: Request) -> Response:
        hooks = self.backend.webhooks
        hook_id = request.path_params["hook_id"]
        if request.method == "PUT":
            hook = hooks.update(hook_id, await json_body(request))
        elif request.method == "DELETE":
            hook = hooks.delete(hook_id)
        else:
            hook = hooks.get(hook_id)
        return one("webhook", hooks.render(hook), request=request)
