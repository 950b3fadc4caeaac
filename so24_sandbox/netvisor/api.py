"""The emulated Netvisor API, relative to the sandbox's /netvisor mount (= https://isvapi.netvisor.fi).

    GET  customerlist.nv  getcustomer.nv  productlist.nv  getproduct.nv  getvendor.nv
    POST customer.nv      product.nv      vendor.nv        (?method=add|edit, XML message body)

Resource names are matched case-insensitively (the documentation writes `customerlist.nv`, a client
`CustomerList.nv`; reference §1), but the MAC is checked over the URL exactly as sent. Every call
passes, in order: the fault injector, the resource lookup (an unknown name is IIS's 404, before any
authentication), authentication (auth.py), the one-call-at-a-time gate (serial.py), then the
handler under the store's lock. Every Netvisor answer is HTTP 200 with `ResponseStatus`, unless the
caller asks for HTTP status codes (envelope.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lxml import etree
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from so24_sandbox.faults import FaultInjector
from so24_sandbox.netvisor import customers, envelope, products, statuses, vendors
from so24_sandbox.netvisor.auth import H_LANGUAGE, authenticate, wants_http_codes
from so24_sandbox.netvisor.behaviour import Behaviour
from so24_sandbox.netvisor.bodies import read_message
from so24_sandbox.netvisor.context import Answer, Call
from so24_sandbox.netvisor.faults import with_faults
from so24_sandbox.netvisor.params import Params
from so24_sandbox.netvisor.serial import CallGate
from so24_sandbox.netvisor.statuses import NetvisorFailure, invalid
from so24_sandbox.netvisor.store import NetvisorStore
from so24_sandbox.netvisor.transactions import TransactionLog
from so24_sandbox.netvisor.values import BadValue, now

Reader = Callable[[Call], Answer]
Writer = Callable[[Call], "int | None"]

READS: dict[str, Reader] = {
    "customerlist.nv": customers.customer_list,
    "getcustomer.nv": customers.get_customer,
    "productlist.nv": products.product_list,
    "getproduct.nv": products.get_product,
    "getvendor.nv": vendors.get_vendor,
}
WRITES: dict[str, Writer] = {
    "customer.nv": customers.import_customer,
    "product.nv": products.import_product,
    "vendor.nv": vendors.import_vendor,
}


class NetvisorApi:
    def __init__(
        self,
        store: NetvisorStore,
        behaviour: Behaviour,
        transactions: TransactionLog,
        gate: CallGate,
        faults: FaultInjector,
        api_url: str,
    ) -> None:
        self.store = store
        self.behaviour = behaviour
        self.transactions = transactions
        self.gate = gate
        self.faults = faults
        self.api_url = api_url

    def routes(self) -> list[BaseRoute]:
        handler = with_faults(self.faults, self.serve, self.overloaded)
        return [Route("/{resource}", handler, methods=["GET", "POST"])]

    def _failed(self, request: Request, failure: NetvisorFailure, settings: dict) -> Response:
        return envelope.failed(
            failure, request.headers.get(H_LANGUAGE, ""), now(), settings["timezone"],
            settings["response_encoding"], http_codes=bool(settings["http_status_codes"]) and wants_http_codes(request),
        )  # fmt: skip

    def overloaded(self, request: Request) -> Response:
        failure = NetvisorFailure(statuses.TECHNICAL_ERROR, "overlap")
        return self._failed(request, failure, self.behaviour.describe())

    async def serve(self, request: Request) -> Response:
        name = request.path_params["resource"].lower()
        reader, writer = READS.get(name), WRITES.get(name)
        if (request.method == "GET" and reader is None) or (request.method == "POST" and writer is None):
            return PlainTextResponse("404 - File or directory not found.", status_code=404)
        settings = self.behaviour.describe()
        try:
            caller = authenticate(request, self.behaviour, self.transactions)
        except NetvisorFailure as failure:
            return self._failed(request, failure, settings)
        organisation = caller.organisation_id
        if not self.gate.enter(organisation, refuse_overlap=bool(settings["refuse_overlapping_calls"])):
            return self.overloaded(request)
        try:
            if settings["call_duration_ms"]:
                await asyncio.sleep(settings["call_duration_ms"] / 1000.0)
            body = await request.body() if request.method == "POST" else b""
            return self._answer(request, organisation, body, reader, writer, settings)
        except NetvisorFailure as failure:
            return self._failed(request, failure, settings)
        finally:
            self.gate.leave(organisation)

    def _answer(
        self, request: Request, organisation: str, body: bytes,
        reader: Reader | None, writer: Writer | None, settings: dict,
    ) -> Response:  # fmt: skip
        node = None
        if writer is not None:
            node = read_message(
                body, request.headers.get("content-type", ""), settings["default_request_encoding"]
            )
        with self.store.lock:
            call = Call(
                self.store.company(organisation), Params(request), node, now(), settings, self.api_url
            )
            try:
                if reader is not None:
                    answer = reader(call)
                else:
                    assert writer is not None
                    answer = Answer()
                    key = writer(call)
                    if key is not None:
                        replies = etree.Element("Replies")
                        envelope.element(replies, "InsertedDataIdentifier", str(key))
                        answer.elements.append(replies)
            except BadValue as exc:
                raise invalid(str(exc)) from None
        root = envelope.new_root()
        for item in answer.elements:
            root.append(item)
        response = envelope.ok(root, call.at, settings["timezone"], settings["response_encoding"])
        response.headers.update(answer.headers)
        return response
