"""Control API at /_sandbox/netvisor: act as a Netvisor user, read the books, tune the sandbox.

    GET   /credentials                     base URL, partner and integration-user keys, companies
    GET   /behaviour  POST /behaviour      switches for the reference's open questions (behaviour.py)
    GET   /stats                           per company: calls, overlaps, refused overlaps, max in flight;
                                           TransactionIds remembered
    GET   /matching-cases                  the N2 cases against the Rackbeat sandbox (counterparts.py)
    GET   /customers | /products | /vendors          a company's register, JSON
    POST  /customers | /products | /vendors          create as a user: {"name": ..., ...} (import names)
    PATCH /customers/{key} | /products/{key} | /vendors/{key}   change as a user (moves changedsince)

Register routes take `?organisation=<business ID>` (default Sandbox Tukku Oy, 2745291-2). JSON
values: numbers as JSON numbers or decimal strings with a dot, flags as true/false. Faults, MAC
and the one-call gate never apply here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from so24_sandbox.netvisor import counterparts, customers, products, vendors
from so24_sandbox.netvisor.behaviour import Behaviour
from so24_sandbox.netvisor.credentials import (
    COMPANY_NAMES,
    MAIN_ORGANISATION_ID,
    PARTNER_ID,
    PARTNER_KEYS,
    USERS,
)
from so24_sandbox.netvisor.faults import Handler
from so24_sandbox.netvisor.fields import Spec
from so24_sandbox.netvisor.serial import CallGate
from so24_sandbox.netvisor.store import NetvisorStore, Record
from so24_sandbox.netvisor.transactions import TransactionLog
from so24_sandbox.netvisor.values import now
from so24_sandbox.system import Rescue, guarded_routes, json_object

SPECS: dict[str, tuple[Spec, ...]] = {
    "customers": tuple(s for block in customers.BLOCKS for s in block[2]),
    "products": (*products.BASE, *products.BOOKKEEPING, *products.ADDITIONAL),
    "vendors": vendors.BASE,
}
EXTRA = {"products": {"deleted": "flag", "eancode": "text", "inventoryamount": "number"}}
REQUIRED = {"customers": ("name",), "products": ("name",), "vendors": ("name", "organizationid")}


class BadControlCall(Exception):
    pass


# A control call's mistakes answer `{"error"}`: 400 for a bad body or value, 404 for an unknown key.
RESCUES: tuple[Rescue, ...] = (
    ((BadControlCall, ValueError), lambda exc: JSONResponse({"error": str(exc)}, status_code=400)),
    (LookupError, lambda exc: JSONResponse({"error": f"not found: {exc}"}, status_code=404)),
)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _coerce(register: str, body: dict[str, Any]) -> Record:
    kinds = {s.name: s.kind for s in SPECS[register]} | EXTRA.get(register, {})
    values: Record = {}
    for name, value in body.items():
        kind = kinds.get(name)
        if kind is None:
            raise BadControlCall(f"unknown field {name!r}; known: {sorted(kinds)}")
        if value is None:
            values[name] = None
        elif kind == "flag":
            if not isinstance(value, bool):
                raise BadControlCall(f"{name} is true or false")
            values[name] = value
        elif kind == "number":
            try:
                values[name] = Decimal(str(value))
            except InvalidOperation:
                raise BadControlCall(f"{name} must be a number") from None
        else:
            values[name] = str(value)
    return values


async def _object(request: Request) -> dict[str, Any]:
    return await json_object(request, BadControlCall)


class NetvisorControl:
    def __init__(
        self, store: NetvisorStore, behaviour: Behaviour, transactions: TransactionLog, gate: CallGate,
        base_url: str,
    ) -> None:  # fmt: skip
        self.store = store
        self.behaviour = behaviour
        self.transactions = transactions
        self.gate = gate
        self.base_url = base_url.rstrip("/")

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Handler, list[str]]] = [
            ("/credentials", self.credentials, ["GET"]),
            ("/behaviour", self.tune, ["GET", "POST"]),
            ("/stats", self.stats, ["GET"]),
            ("/matching-cases", self.cases, ["GET"]),
            ("/{register}", self.register, ["GET", "POST"]),
            ("/{register}/{key:int}", self.edit, ["PATCH"]),
        ]
        return guarded_routes(table, RESCUES)

    async def credentials(self, request: Request) -> Response:
        main = next(u for u in USERS.values() if MAIN_ORGANISATION_ID in u.organisations)
        return JSONResponse({
            "baseUrl": f"{self.base_url}/netvisor",
            "partnerId": PARTNER_ID,
            "partnerKey": PARTNER_KEYS[PARTNER_ID],
            "customerId": main.customer_id,
            "customerKey": main.customer_key,
            "organisationId": MAIN_ORGANISATION_ID,
            "companies": [
                {"organisationId": org, "name": COMPANY_NAMES[org], "customerId": u.customer_id,
                 "customerKey": u.customer_key}
                for u in USERS.values() for org in u.organisations
            ],
        })  # fmt: skip

    async def tune(self, request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(self.behaviour.configure(await _object(request)))
        return JSONResponse(self.behaviour.describe())

    async def stats(self, request: Request) -> Response:
        return JSONResponse({"companies": self.gate.describe(), "transactions": self.transactions.count()})

    async def cases(self, request: Request) -> Response:
        return JSONResponse(
            {"rackbeat_customers": list(counterparts.RACKBEAT_CUSTOMERS), "cases": list(counterparts.CASES)}
        )

    def _table(self, request: Request) -> tuple[str, Any]:
        register = request.path_params["register"]
        if register not in SPECS:
            raise LookupError(f"register {register!r}; one of {', '.join(SPECS)}")
        organisation = request.query_params.get("organisation", MAIN_ORGANISATION_ID)
        if organisation not in self.store.companies:
            raise LookupError(f"company {organisation!r}")
        return register, self.store.company(organisation)

    async def register(self, request: Request) -> Response:
        register, company = self._table(request)
        if request.method == "GET":
            with self.store.lock:
                rows = [_plain(r) for _, r in sorted(company.tables[register].items())]
            return JSONResponse({register: rows})
        values = _coerce(register, await _object(request))
        missing = [name for name in REQUIRED[register] if not values.get(name)]
        if missing:
            raise BadControlCall(f"required: {', '.join(missing)}")
        with self.store.lock:
            if register == "products":
                values = {"isactive": True, "issalesproduct": True, "deleted": False, "unitprice": Decimal(0),
                          **values}  # fmt: skip
                values["unitprice"] = values["unitprice"].quantize(Decimal("1e-12"))
                if values.get("productgroup"):
                    company.product_group(values["productgroup"])
            elif register == "customers":
                values = {"isactive": True, **values}
                if values.get("customergroupname"):
                    company.customer_group(values["customergroupname"])
            elif register == "vendors":
                values = {"domestic": [], "foreign": [], **values}
            record = company.insert(register, values, now())
            return JSONResponse(_plain(record), status_code=201)

    async def edit(self, request: Request) -> Response:
        register, company = self._table(request)
        values = _coerce(register, await _object(request))
        with self.store.lock:
            record = company.tables[register].get(request.path_params["key"])
            if record is None:
                raise LookupError(f"{register} {request.path_params['key']}")
            record.update(values)
            record["changed_at"] = now()
            return JSONResponse(_plain(record))
