"""Control API of the 24SO emulator, mounted at /_sandbox/24so: act as a user in 24SO's UI.

    GET   /credentials                 sandbox ApplicationId, username, password, identities
    GET   /limits                      {"per_hour", "used": {user: count}}
    POST  /limits   {"per_hour": N}    set the hourly cap (restarts every user's window)
    GET   /stats                       {"requests": {operation: count}, "logins": n}
    GET   /{entity}[?identity=<guid>]  list (entity: products, categories, companies, orders,
                                       projects, work_types, salary_types, persons, hours)
    GET   /{entity}/{id}               one record
    POST  /{entity}                    create (ids are assigned; body in WSDL field names)
    PATCH /{entity}/{id}               change fields; DateChanged becomes now
    PATCH /{entity}/{id}/wire          set fields as the SOAP answers will carry them, past the UI's
                                       rules: bad data seen in real accounts (below)

The identity defaults to the first one. Records use WSDL names (Id, Name, No, EAN1, Stock ...),
decimals as strings and UTC date-times as ISO strings; orders carry their rows as "rows".
Creates and edits go through the same rules as the SOAP saves (a new product needs Name and an
existing CategoryId, an order an existing CustomerId, an Invoiced order cannot change ...); a
refused edit answers 400 with {"error": reason}.

`/wire` edits are what a user cannot type but real accounts hold (imports, integrations, clock
skew): a DateChanged in the future (kept as given; without one it becomes now), a field left out
(`null` removes it, the record's id too), a CategoryId of "1.5", a quantity no hub column holds.
Top-level scalar fields and, for orders, `"rows": [{"RowId": n, ...}]`. Values are written as
24SO writes them (decimals in plain digits, UTC date-times); only text an integer field cannot
hold ("1.5") goes on the wire as given.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from so24_sandbox.so24 import credentials
from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.jsonio import EXTRAS, from_json, to_json
from so24_sandbox.so24.operations.common import ItemError
from so24_sandbox.so24.operations.companies import save_company
from so24_sandbox.so24.operations.invoices import save_order
from so24_sandbox.so24.operations.products import save_product
from so24_sandbox.so24.operations.projects import save_project_record
from so24_sandbox.so24.operations.timesheet import save_hour_record
from so24_sandbox.so24.services import BY_NAME
from so24_sandbox.so24.store import Store
from so24_sandbox.so24.types import ServiceSchema
from so24_sandbox.so24.values import ValueFormatError, parse_datetime, utc_now

Saver = Callable[[DataSet, dict, datetime], dict]


def _save_simple(entity: str, required: tuple[str, ...], defaults: dict | None = None) -> Saver:
    """Create/update for entities 24SO edits only in its UI (categories, work types, persons ...)."""

    def save(ds: DataSet, item: dict, now: datetime) -> dict:
        table = ds.table(entity)
        if "Id" in item:
            current = table.get(item["Id"])
            if current is None:
                raise ItemError(f"{entity} record {item['Id']} does not exist.")
            record = {**current, **item}
        else:
            missing = [k for k in required if not item.get(k)]
            if missing:
                raise ItemError(f"A new record needs {' and '.join(missing)}.")
            record = {**(defaults or {}), **item, "Id": ds.next_id(entity)}
        if entity == "persons":
            record.setdefault("DateRegistered", now)
            if record.get("_employee") and "EmployeeNumber" not in record:
                record["EmployeeNumber"] = 1 + max(
                    (p.get("EmployeeNumber", 0) for p in ds.employees().values()), default=0
                )
        record["DateChanged" if entity == "persons" else "_changed"] = now
        table[record["Id"]] = record
        return record

    return save


# entity -> (service, type, id field, saver)
ENTITIES: dict[str, tuple[str, str, str, Saver]] = {
    "products": ("ProductService", "Product", "Id", save_product),
    "categories": ("ProductService", "Category", "Id", _save_simple("categories", ("Name",))),
    "companies": ("CompanyService", "Company", "Id", save_company),
    "orders": ("InvoiceService", "InvoiceOrder", "OrderId", save_order),
    "projects": ("ProjectService", "Project", "Id", save_project_record),
    "work_types": (
        "TimeService",
        "WorkType",
        "Id",
        _save_simple("work_types", ("Name",), {"Invoiceable": False, "_active": True}),
    ),
    "salary_types": ("TimeService", "SalaryType", "Id", _save_simple("salary_types", ("Name",))),
    "persons": (
        "PersonService",
        "PersonItem",
        "Id",
        _save_simple("persons", ("LastName",), {"_employee": False}),
    ),
    "hours": ("TimeService", "Hour", "Id", save_hour_record),
}


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Control:
    def __init__(self, store: Store) -> None:
        self.store = store

    def routes(self) -> list[Route]:
        return [
            Route("/credentials", self.get_credentials, methods=["GET"]),
            Route("/limits", self.limits, methods=["GET", "POST"]),
            Route("/stats", self.stats, methods=["GET"]),
            Route("/{entity}", self.collection, methods=["GET", "POST"]),
            Route("/{entity}/{record_id}", self.record, methods=["GET", "PATCH"]),
            Route("/{entity}/{record_id}/wire", self.wire, methods=["PATCH"]),
        ]

    async def get_credentials(self, _request: Request) -> JSONResponse:
        return JSONResponse(credentials.public_credentials())

    async def limits(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json_body(request)
            if isinstance(body, JSONResponse):
                return body
            per_hour = body.get("per_hour")
            if isinstance(per_hour, bool) or not isinstance(per_hour, int) or per_hour < 1:
                return _error("per_hour must be a positive integer")
            self.store.limits.configure(per_hour)
        return JSONResponse(self.store.limits.describe())

    async def stats(self, _request: Request) -> JSONResponse:
        with self.store.lock:
            return JSONResponse(self.store.stats.as_json())

    def _resolve(
        self, request: Request
    ) -> tuple[DataSet, str, ServiceSchema, str, str, Saver] | JSONResponse:
        entity = request.path_params["entity"]
        if entity not in ENTITIES:
            return _error(f"unknown entity {entity!r}; one of {', '.join(ENTITIES)}", 404)
        identity_id = request.query_params.get("identity")
        identity = credentials.identity_by_id(identity_id) if identity_id else credentials.DEFAULT_IDENTITY
        if identity is None:
            return _error(f"unknown identity {identity_id!r}", 404)
        service, type_name, id_field, saver = ENTITIES[entity]
        return self.store.dataset(identity.id), entity, BY_NAME[service], type_name, id_field, saver

    def _json(self, schema: ServiceSchema, entity: str, type_name: str, record: dict) -> dict:
        out = to_json(schema, type_name, record, EXTRAS.get(entity))
        if entity == "orders":
            out["rows"] = out.pop("InvoiceRows", [])
        return out

    async def collection(self, request: Request) -> JSONResponse:
        resolved = self._resolve(request)
        if isinstance(resolved, JSONResponse):
            return resolved
        ds, entity, schema, type_name, id_field, saver = resolved
        if request.method == "GET":
            with self.store.lock:
                table = ds.table(entity)
                return JSONResponse([self._json(schema, entity, type_name, table[k]) for k in sorted(table)])
        body = await _json_body(request)
        if isinstance(body, JSONResponse):
            return body
        if id_field in body:
            return _error(f"{id_field} is assigned by 24SO; leave it out when creating")
        return self._save(ds, entity, schema, type_name, saver, body, None, 201)

    async def record(self, request: Request) -> JSONResponse:
        resolved = self._resolve(request)
        if isinstance(resolved, JSONResponse):
            return resolved
        ds, entity, schema, type_name, id_field, saver = resolved
        try:
            record_id = int(request.path_params["record_id"])
        except ValueError:
            return _error(f"{id_field} must be an integer", 404)
        with self.store.lock:
            current = ds.table(entity).get(record_id)
        if current is None:
            return _error(f"{entity} {id_field}={record_id} does not exist", 404)
        if request.method == "GET":
            return JSONResponse(self._json(schema, entity, type_name, current))
        body = await _json_body(request)
        if isinstance(body, JSONResponse):
            return body
        body.pop(id_field, None)
        return self._save(ds, entity, schema, type_name, saver, body, (id_field, record_id), 200)

    async def wire(self, request: Request) -> JSONResponse:
        """Set fields as the SOAP answers will carry them (module docstring), bypassing the saves."""
        resolved = self._resolve(request)
        if isinstance(resolved, JSONResponse):
            return resolved
        ds, entity, schema, type_name, id_field, _saver = resolved
        try:
            record_id = int(request.path_params["record_id"])
        except ValueError:
            return _error(f"{id_field} must be an integer", 404)
        body = await _json_body(request)
        if isinstance(body, JSONResponse):
            return body
        with self.store.lock:
            table = ds.table(entity)
            current = table.get(record_id)
            if current is None:
                return _error(f"{entity} {id_field}={record_id} does not exist", 404)
            try:
                record = _wire_edit(schema, type_name, entity, id_field, current, body, utc_now())
            except ValueError as exc:
                return _error(str(exc))
            table[record_id] = record
        return JSONResponse(self._json(schema, entity, type_name, record))

    def _save(
        self,
        ds: DataSet,
        entity: str,
        schema: ServiceSchema,
        type_name: str,
        saver: Saver,
        body: dict,
        key: tuple[str, int] | None,
        status: int,
    ) -> JSONResponse:
        if entity == "orders" and "rows" in body:
            body["InvoiceRows"] = body.pop("rows")
        try:
            item = from_json(schema, type_name, body, entity, EXTRAS.get(entity))
        except ValueError as exc:
            return _error(str(exc))
        if key is not None:
            item[key[0]] = key[1]
        try:
            with self.store.lock:
                record = saver(ds, item, utc_now())
        except ItemError as exc:
            return _error(str(exc))
        return JSONResponse(self._json(schema, entity, type_name, record), status_code=status)


def _wire_value(type_name: str, value: object, where: str) -> object:
    """A JSON value as the emulator stores a field of `type_name`, as loosely as a broken account."""
    if type_name == "dateTime" and isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueFormatError as exc:
            raise ValueError(f"{where}: {exc}") from None
    if type_name == "decimal" and isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{where}: {value!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{where}: {value!r} is not a finite number")
        return number
    if type_name in ("int", "long", "short") and isinstance(value, int | str) and not isinstance(value, bool):
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            return text  # written verbatim: what an integer field cannot hold, as an account held it
    if type_name == "boolean" and isinstance(value, bool):
        return value
    if type_name == "string" and isinstance(value, str):
        return value
    raise ValueError(f"{where}: {value!r} cannot be written as {type_name} (wire edits take scalar fields)")


def _wire_fields(schema: ServiceSchema, type_name: str, record: dict, body: dict, where: str) -> dict:
    fields = {f.name: f for f in schema.fields(type_name)}
    out = dict(record)
    for key, value in body.items():
        f = fields.get(key)
        if f is None or f.many or schema.kind(f.type) != "builtin":
            raise ValueError(f"{where}: {key!r} is not a scalar field of {type_name}")
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _wire_value(f.type, value, f"{where}.{key}")
    return out


def _wire_edit(
    schema: ServiceSchema, type_name: str, entity: str, id_field: str, current: dict, body: dict, now: datetime
) -> dict:
    """`current` with the body's fields laid over it as stored values (see the module docstring)."""
    body = dict(body)
    if id_field in body and body[id_field] is not None:
        raise ValueError(f"{id_field} cannot be changed; null leaves it out of the answers")
    rows = body.pop("rows", None)
    record = _wire_fields(schema, type_name, current, body, entity)
    if rows is not None:
        if entity != "orders" or not isinstance(rows, list):
            raise ValueError('"rows" is a list, on orders only')
        edited = list(record.get("InvoiceRows") or [])
        for n, row in enumerate(rows):
            if not isinstance(row, dict) or "RowId" not in row:
                raise ValueError(f"rows[{n}]: name the row by its RowId")
            index = next((i for i, r in enumerate(edited) if r.get("RowId") == row["RowId"]), None)
            if index is None:
                raise ValueError(f"rows[{n}]: RowId {row['RowId']} is not a row of this order")
            changes = {k: v for k, v in row.items() if k != "RowId"}
            edited[index] = _wire_fields(schema, "InvoiceRow", edited[index], changes, f"rows[{n}]")
        record["InvoiceRows"] = edited
    if "DateChanged" not in body:
        if any(f.name == "DateChanged" for f in schema.fields(type_name)):
            record["DateChanged"] = now
        elif "_changed" in (EXTRAS.get(entity) or {}):
            record["_changed"] = now
    return record


async def _json_body(request: Request) -> dict | JSONResponse:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return _error("the body is not valid JSON")
    if not isinstance(body, dict):
        return _error("the body must be a JSON object")
    return body
