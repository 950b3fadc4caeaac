"""The HTTP face of every 24SO service: WSDL on GET ?WSDL, SOAP 1.1 on POST.

Order of events on a POST, chosen to match what a client of 24SO can observe:
1. the fault injector may replace the answer (5xx / limit / HTML before any work is done;
   latency delays a normal answer; drop / malformed break the answer AFTER the operation ran,
   like a connection cut on the way back, so a retried save must not create twice);
2. the envelope is parsed safely and dispatched on the body's first child element (a SOAPAction
   header, quoted or not, must agree with it);
3. every operation except Login and HasSession needs the ASP.NET_SessionId cookie of a live
   session, else the fault "Client is not authenticated on this identity";
4. the user's hourly budget is counted (Login counts for the username it names); over it, the
   "Limit exceeded" fault; the budget headers go on every answer to a known user;
5. the handler runs under the store lock and its result is written in WSDL order.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from so24_sandbox.faults import FaultInjector
from so24_sandbox.so24 import wire
from so24_sandbox.so24.limits import LimitCheck
from so24_sandbox.so24.operations import HANDLERS, PUBLIC
from so24_sandbox.so24.operations.common import NOT_AUTHENTICATED, Call, ServerFault
from so24_sandbox.so24.parse import ClientFault, Reader, parse_envelope
from so24_sandbox.so24.serialize import SerializeError, Serializer
from so24_sandbox.so24.services import SCHEMAS, find_service
from so24_sandbox.so24.sessions import COOKIE, session_id_from_cookie
from so24_sandbox.so24.store import Store
from so24_sandbox.so24.types import ServiceSchema
from so24_sandbox.so24.values import utc_now
from so24_sandbox.so24.wsdl import build_wsdl


class So24Endpoint:
    def __init__(self, store: Store, faults: FaultInjector, base_url: str) -> None:
        self.store = store
        self.faults = faults
        self.base_url = base_url.rstrip("/")
        self._readers = {s.name: Reader(s) for s in SCHEMAS}
        self._writers = {s.name: Serializer(s) for s in SCHEMAS}
        self._wsdl: dict[str, bytes] = {}

    async def handle(self, request: Request) -> Response:
        schema = find_service(request.path_params.get("path", ""))
        if schema is None:
            return HTMLResponse("<html><body><h2>The resource cannot be found.</h2></body></html>", 404)
        if request.method in ("GET", "HEAD"):
            if any(key.lower() == "wsdl" for key in request.query_params):
                return wire.soap(self.wsdl(schema))
            return self.help_page(schema)
        return await self.soap(request, schema)

    def wsdl(self, schema: ServiceSchema) -> bytes:
        if schema.name not in self._wsdl:
            self._wsdl[schema.name] = build_wsdl(schema, f"{self.base_url}/24so{schema.path}")
        return self._wsdl[schema.name]

    def help_page(self, schema: ServiceSchema) -> Response:
        items = "".join(f"<li>{name}</li>" for name in schema.operations)
        return HTMLResponse(
            f"<html><body><h2>{schema.name}</h2><p>Sandbox emulation. Operations:</p><ul>{items}</ul>"
            f'<p><a href="?WSDL">Service description</a></p></body></html>'
        )

    async def soap(self, request: Request, schema: ServiceSchema) -> Response:
        kind = self.faults.draw()
        if kind == "5xx":
            return wire.fault(
                "soap:Server",
                "Server was unable to process request. ---> Timeout expired. The timeout period elapsed "
                "prior to completion of the operation or the server is not responding.",
            )
        if kind == "limit":
            # An injected limit fault quarantines briefly, so tests can see a client wait it out.
            reset_at = (utc_now() + timedelta(seconds=2)).replace(microsecond=0)
            check = LimitCheck(False, 0, reset_at, 1)
            return wire.fault("soap:Server", check.message(), check.headers())
        if kind == "html":
            return wire.html_error()
        if kind == "latency":
            await asyncio.sleep(self.faults.latency_seconds)
        body = await request.body()
        response = self.answer(schema, body, request.headers.get("soapaction"), request.headers.get("cookie"))
        if kind == "malformed" and response.status_code == 200:
            return wire.truncated(bytes(response.body))
        if kind == "drop":
            return wire.dropped(bytes(response.body))
        return response

    def answer(self, schema: ServiceSchema, body: bytes, action: str | None, cookie: str | None) -> Response:
        headers: dict[str, str] = {}
        try:
            request = parse_envelope(body)
            operation = schema.operations.get(request.operation)
            if operation is None:
                raise ClientFault(f"{schema.name} has no operation {request.operation!r}.")
            if action and action.strip().strip('"') not in (operation.action, ""):
                raise ClientFault(
                    f"Server did not recognize the value of HTTP Header SOAPAction: {action.strip()}."
                )
            args = self._readers[schema.name].read_operation(request)
            session = self.store.sessions.get(session_id_from_cookie(cookie))
            if session is None and operation.name not in PUBLIC.get(schema.name, ()):
                raise ServerFault(NOT_AUTHENTICATED, wrapped=False)
            now = utc_now()
            user = session.username if session else (args.get("credential") or {}).get("Username")
            if user:
                check = self.store.limits.hit(user, now)
                headers.update(check.headers())
                if not check.allowed:
                    return wire.fault("soap:Server", check.message(), headers)
            call = Call(self.store, schema, session, now)
            with self.store.lock:
                self.store.stats.requests[operation.name] += 1
                result = HANDLERS[schema.name][operation.name](call, args)
                payload = self._writers[schema.name].response(operation, result.result, result.select)
        except ClientFault as exc:
            return wire.fault("soap:Client", str(exc), headers)
        except ServerFault as exc:
            return wire.fault("soap:Server", str(exc), headers)
        except SerializeError as exc:
            return wire.fault("soap:Server", f"Server was unable to process request. ---> {exc}", headers)
        if call.new_session is not None:
            headers["Set-Cookie"] = f"{COOKIE}={call.new_session.id}; path=/; HttpOnly; SameSite=Lax"
        return wire.soap(payload, 200, headers)
