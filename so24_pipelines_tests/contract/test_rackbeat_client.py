"""The Rackbeat connector against the sandbox's Rackbeat emulator over real HTTP.

Webhook tests run a small HTTP receiver on 127.0.0.1 that the sandbox process delivers to.
Waits are "until this has arrived, at most N seconds", never sleeps that assert a duration.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from so24_pipelines.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimited,
    RecordRejected,
)
from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.rackbeat import RackbeatClient

pytestmark = pytest.mark.contract

FAST_RETRY = RetryPolicy(attempts=6, backoff_base=0.01, backoff_max=0.05)
WAIT_SECONDS = 15.0


def _credentials(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "rackbeat/credentials").json()


def _client(sandbox, *, token: str | None = None, **kw: Any) -> RackbeatClient:
    c = _credentials(sandbox)
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("requests_per_minute", 60_000)
    kw.setdefault("burst", 100)
    return RackbeatClient(c["baseUrl"], token or c["token"], **kw)


@pytest.fixture
def rb(sandbox) -> Iterator[RackbeatClient]:
    client = _client(sandbox)
    yield client
    client.close()


@dataclass
class Delivery:
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


@dataclass
class Receiver:
    """Records every POST; answers 500 to the first `fail_first` of them, then 200."""

    fail_first: int = 0
    calls: list[Delivery] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/rackbeat/hook"

    def accepted(self, event: str | None = None) -> list[dict[str, Any]]:
        with self.cond:
            return [
                d.body for d in self.calls if d.status == 200 and (event is None or d.body["event"] == event)
            ]

    def wait_for(self, predicate: Callable[[], bool]) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout=WAIT_SECONDS)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with rec.cond:
                status = 500 if len(rec.calls) < rec.fail_first else 200
                rec.calls.append(Delivery(dict(self.headers.items()), json.loads(raw), status))
                rec.cond.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    rec.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=rec.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        rec.server.shutdown()
        rec.server.server_close()


def _spend_budget(sandbox, calls: int) -> None:
    """Use up the key's budget from outside the client, as another integration on the same key would."""
    c = _credentials(sandbox)
    for _ in range(calls):
        requests.get(f"{c['baseUrl']}/self", headers={"Authorization": f"Bearer {c['token']}"}, timeout=10)


def _deliveries(sandbox) -> list[dict[str, Any]]:
    return sandbox.control("GET", "rackbeat/webhooks/deliveries").json()["deliveries"]


# ---- auth, envelopes, validation ----------------------------------------------------------------


def test_a_wrong_key_is_an_auth_error_naming_the_call_and_not_the_key(sandbox):
    client = _client(sandbox, token="not-the-rackbeat-key-123")
    with pytest.raises(AuthError) as info:
        client.get_product("RB-1001")
    assert "rackbeat GET /products/RB-1001" in str(info.value)
    assert "not-the-rackbeat-key-123" not in str(info.value)
    assert "not-the-rackbeat-key-123" not in repr(client) and "not-the-rackbeat-key-123" not in repr(
        client._auth
    )


def test_from_env_takes_the_key_and_url_from_the_environment(sandbox):
    c = _credentials(sandbox)
    client = RackbeatClient.from_env({"RACKBEAT_API_TOKEN": c["token"], "RACKBEAT_BASE_URL": c["baseUrl"]})
    assert client.whoami()["user_account"]["id"] == c["accountId"]
    with pytest.raises(ConfigError, match="RACKBEAT_API_TOKEN"):
        RackbeatClient.from_env({"RACKBEAT_BASE_URL": c["baseUrl"]})


def test_products_are_created_read_and_updated_by_number_even_with_slashes(rb):
    created = rb.create_product({"number": "HY/18 #2", "name": "Hylle", "group": 1001, "sales_price": 99.5})
    assert created["number"] == "HY/18 #2" and created["group"]["number"] == 1001
    updated = rb.update_product("HY/18 #2", {"sales_price": 120})
    assert updated["sales_price"] == 120
    fetched = rb.get_product("HY/18 #2")
    assert fetched is not None and fetched["sales_price"] == 120 and fetched["name"] == "Hylle"
    assert rb.get_product("HY/18") is None
    assert rb.get_stock("RB-1002") == {
        "stock_quantity": 140.0,
        "in_order_quantity": 0.0,
        "available_quantity": 140.0,
        "purchased_quantity": 0.0,
    }


def test_a_product_number_over_25_characters_is_refused_with_the_field_message(rb):
    assert rb.create_product({"number": "N" * 25, "name": "ok", "group": 1001, "sales_price": 1})["number"]
    with pytest.raises(RecordRejected) as info:
        rb.create_product({"number": "N" * 26, "name": "too long", "group": 1001, "sales_price": 1})
    assert info.value.field_errors == {"number": ["The number may not be greater than 25 characters."]}
    assert "rackbeat POST /products" in str(info.value)
    assert rb.get_product("N" * 26) is None


def test_missing_references_come_back_as_field_errors(rb):
    with pytest.raises(RecordRejected) as info:
        rb.create_customer({"name": "Uten betalingsbetingelse AS"})
    assert "payment_terms_id" in info.value.field_errors
    with pytest.raises(RecordRejected) as info:
        rb.create_draft_order({"customer_id": 10001, "lines": [{"item_id": "NO-SUCH", "quantity": 1}]})
    assert "lines.0.item_id" in info.value.field_errors


def test_lists_are_206_envelopes_and_paging_reads_every_page(sandbox, rb):
    for i in range(22):
        rb.create_product({"number": f"PG-{i:03d}", "name": f"Paged {i}", "group": 1001, "sales_price": i})
    numbers = [p["number"] for p in rb.iter_products(page_size=7)]
    assert len(numbers) == 25 and len(set(numbers)) == 25
    c = _credentials(sandbox)
    raw = requests.get(
        f"{c['baseUrl']}/products",
        params={"page": 4, "limit": 7},
        headers={"Authorization": f"Bearer {c['token']}"},
        timeout=10,
    )
    body = raw.json()
    assert raw.status_code == 206
    assert (body["total"], body["pages"], body["limit"], body["page"], len(body["products"])) == (
        25,
        4,
        7,
        4,
        4,
    )


# ---- rate limit and faults ----------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out(sandbox, rb):
    sandbox.control("POST", "rackbeat/limits", json={"per_minute": 60, "burst": 2})
    _spend_budget(sandbox, 2)
    for _ in range(3):
        assert rb.get_product("RB-1001") is not None
    budget = sandbox.control("GET", "rackbeat/limits").json()
    assert budget["throttled"] >= 1 and budget["allowed"] == 5


def test_a_429_beyond_the_retries_is_rate_limited_with_the_servers_wait(sandbox):
    client = _client(sandbox, retry=RetryPolicy(attempts=1))
    sandbox.control("POST", "rackbeat/limits", json={"per_minute": 6, "burst": 1})
    _spend_budget(sandbox, 1)
    with pytest.raises(RateLimited) as info:
        client.get_product("RB-1001")
    assert info.value.retry_after == 10.0 and "rackbeat GET /products/RB-1001" in str(info.value)


def test_reads_complete_under_ten_percent_faults(sandbox, rb):
    for i in range(20):
        rb.create_product({"number": f"FT-{i:03d}", "name": f"Fault {i}", "group": 1001, "sales_price": i})
    sandbox.control(
        "POST",
        "rackbeat/faults",
        json={
            "rate": 0.1,
            "seed": 7,
            "latency_ms": 20,
            "kinds": ["5xx", "limit", "latency", "drop", "malformed", "html"],
        },
    )
    products = {p["number"] for p in rb.iter_products(page_size=2)}
    customers = {c["number"] for c in rb.iter_customers(page_size=1)}
    groups = [g["number"] for g in rb.list_customer_groups()]
    terms = [t["number"] for t in rb.list_payment_terms()]
    injected = sandbox.control("GET", "rackbeat/faults").json()["injected"]
    sandbox.control("DELETE", "rackbeat/faults")
    expected = {p["number"] for p in sandbox.control("GET", "rackbeat/products").json()["products"]}
    assert products == expected and len(products) == 23
    assert customers == {10001, 10002} and groups == [1] and terms == [1]
    assert sum(injected.values()) >= 1


# ---- custom fields ------------------------------------------------------------------------------


def test_a_record_is_found_by_its_custom_field_value(rb):
    field = rb.ensure_field("24so product id", available_for="item")
    assert rb.ensure_field("24so product id", available_for="item")["id"] == field["id"]
    customer_field = rb.ensure_field("customer id", available_for="customer")
    supplier_field = rb.ensure_field("customer id", available_for="supplier")
    assert customer_field["id"] != supplier_field["id"] and customer_field["slug"] != supplier_field["slug"]

    assert rb.set_field_value("products", "RB-1002", field["id"], "24so-777") == {field["id"]: "24so-777"}
    assert rb.find_one_by_field_value("products", field["id"], "24so-777")["number"] == "RB-1002"
    assert rb.find_by_field_value("products", field["id"], "24so-77") == []
    assert rb.get_field_values("products", "RB-1002") == {field["id"]: "24so-777"}

    rb.set_field_value("suppliers", 20001, supplier_field["id"], "501")
    assert rb.find_one_by_field_value("suppliers", supplier_field["id"], "501")["number"] == 20001
    assert rb.find_one_by_field_value("customers", customer_field["id"], "501") is None
    with pytest.raises(RecordRejected) as info:
        rb.set_field_value("customers", 10001, supplier_field["id"], "501")
    assert "custom_fields.0.id" in info.value.field_errors

    rb.set_field_value("products", "RB-1003", field["id"], "24so-777")
    with pytest.raises(ConnectorError, match="RB-1002, RB-1003"):
        rb.find_one_by_field_value("products", field["id"], "24so-777")
    rb.set_field_value("products", "RB-1003", field["id"], None)
    assert rb.find_one_by_field_value("products", field["id"], "24so-777")["number"] == "RB-1002"


# ---- orders and webhooks ------------------------------------------------------------------------


def test_webhook_registration_is_idempotent_and_shows_the_token_once(rb, receiver):
    first = rb.register_webhook("order.shipped", receiver.url)
    again = rb.register_webhook("order.shipped", receiver.url)
    assert len(first["token"]) == 32 and "token" not in again and again["id"] == first["id"]
    assert [h["id"] for h in rb.list_webhooks(event="order.shipped")] == [first["id"]]
    rb.delete_webhook(first["id"])
    assert rb.list_webhooks() == []


def test_draft_book_ship_delivers_the_shipped_webhook_despite_a_failing_receiver(sandbox, rb, receiver):
    receiver.fail_first = 1
    sandbox.control("POST", "rackbeat/webhooks", json={"retry_base_ms": 50})
    hook = rb.register_webhook("order.shipped", receiver.url)

    draft = rb.create_draft_order(
        {
            "customer_id": 10001,
            "their_reference": "24SO-9001",
            "lines": [{"item_id": "RB-1001", "quantity": 2}, {"name": "Levering"}],
        }
    )
    assert draft["is_booked"] is False
    booked = rb.book_order(draft["number"])
    assert booked["is_booked"] is True and rb.get_stock("RB-1001")["in_order_quantity"] == 2
    with pytest.raises(RecordRejected):
        rb.book_order(draft["number"])
    sandbox.control("POST", f"rackbeat/orders/{draft['number']}/ship")

    assert receiver.wait_for(lambda: any(d.status == 200 for d in receiver.calls))
    delivery = next(d for d in receiver.calls if d.status == 200)
    assert delivery.body == {
        "key": draft["number"],
        "key_name": "number",
        "event": "order.shipped",
        "data": {"number": draft["number"], "shipment_id": delivery.body["data"]["shipment_id"]},
    }
    assert delivery.headers["Rackbeat-Webhook-Token"] == hook["token"]
    assert delivery.headers["Rackbeat-Webhook-Event"] == "order.shipped"
    assert delivery.headers["Rackbeat-Account-Id"] == str(_credentials(sandbox)["accountId"])
    attempts = [(d["attempt"], d["status"]) for d in _deliveries(sandbox) if d["event"] == "order.shipped"]
    assert attempts[:2] == [(1, 500), (2, 200)]

    order = rb.get_order(draft["number"])
    assert order["is_shipped"] is True and order["their_reference"] == "24SO-9001"
    shipments = rb.list_order_shipments(draft["number"])
    assert [s["is_shipped"] for s in shipments] == [True] and shipments[0]["lines"][0]["quantity"] == 2
    assert rb.get_stock("RB-1001") == {
        "stock_quantity": 10.0,
        "in_order_quantity": 0.0,
        "available_quantity": 10.0,
        "purchased_quantity": 0.0,
    }


def test_shipping_through_the_api_needs_a_booked_order_and_fires_once_fully_shipped(rb, receiver):
    rb.register_webhook("order.shipped", receiver.url)
    order = rb.create_draft_order({"customer_id": 10002, "lines": [{"item_id": "RB-1002", "quantity": 5}]})
    with pytest.raises(RecordRejected):
        rb.create_shipment(order["number"])
    rb.book_order(order["number"])
    shipment = rb.create_shipment(order["number"])
    assert rb.get_order(order["number"])["is_ready_for_shipping"] is True
    done = rb.mark_shipment_shipped(shipment["id"], pick=True)
    assert done["is_shipped"] is True and rb.get_shipment(shipment["id"])["is_shipped"] is True
    assert receiver.wait_for(lambda: len(receiver.accepted("order.shipped")) == 1)
    invoice_number = rb.convert_order_to_invoice(order["number"], book=True)
    invoice = rb.get_customer_invoice(invoice_number)
    assert invoice["order"]["number"] == order["number"] and invoice["is_booked"] is True


def test_duplicate_deliveries_happen_when_the_duplicate_rate_is_set(sandbox, rb, receiver):
    sandbox.control("POST", "rackbeat/webhooks", json={"duplicate_rate": 1.0})
    rb.register_webhook("product.created", receiver.url)
    for i in range(3):
        sandbox.control(
            "POST",
            "rackbeat/products",
            json={"number": f"UI-{i}", "name": f"Made in Rackbeat {i}", "group": 1001, "sales_price": 10},
        )
    assert receiver.wait_for(lambda: len(receiver.accepted("product.created")) == 6)
    keys = sorted(b["key"] for b in receiver.accepted("product.created"))
    assert keys == ["UI-0", "UI-0", "UI-1", "UI-1", "UI-2", "UI-2"]
    # The sandbox logs a delivery after the receiver has answered it: poll the log until it has all six.
    deadline = time.monotonic() + WAIT_SECONDS
    while len(_deliveries(sandbox)) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(1 for d in _deliveries(sandbox) if d["duplicate"]) == 3


def test_events_arrive_out_of_order_when_reordering_is_on(sandbox, rb, receiver):
    sandbox.control("POST", "rackbeat/webhooks", json={"reorder": True, "delay_ms": 400})
    rb.register_webhook("inventory.changed", receiver.url)
    for _ in range(10):
        sandbox.control("POST", "rackbeat/products/RB-1002/stock", json={"change": 1})
    assert receiver.wait_for(lambda: len(receiver.accepted("inventory.changed")) == 10)
    seen = [b["data"]["stock_quantity"] for b in receiver.accepted("inventory.changed")]
    fired = [141.0 + i for i in range(10)]
    assert sorted(seen) == fired and seen != fired
    assert rb.get_stock("RB-1002")["stock_quantity"] == 150.0


def test_reopen_edit_and_book_again_fires_booked_twice_and_changes_the_lines(sandbox, rb, receiver):
    rb.register_webhook("order.booked", receiver.url)
    order = rb.create_draft_order(
        {
            "customer_id": 10001,
            "lines": [{"item_id": "RB-1001", "quantity": 5}, {"item_id": "RB-1002", "quantity": 1}],
        }
    )
    rb.book_order(order["number"])
    first, second = (line["id"] for line in rb.list_order_lines(order["number"]))
    with pytest.raises(RecordRejected) as info:
        rb.update_order_line(order["number"], first, {"quantity": 3})
    assert "order" in info.value.field_errors

    number = order["number"]
    sandbox.control("POST", f"rackbeat/orders/{number}/reopen")
    sandbox.control("PATCH", f"rackbeat/orders/{number}/lines/{first}", json={"quantity": 3})
    sandbox.control("DELETE", f"rackbeat/orders/{number}/lines/{second}")
    sandbox.control("POST", f"rackbeat/orders/{number}/lines", json={"item_id": "RB-1003", "quantity": 2})
    sandbox.control("POST", f"rackbeat/orders/{number}/book")

    assert receiver.wait_for(lambda: len(receiver.accepted("order.booked")) == 2)
    lines = [(ln["item"]["number"], ln["quantity"]) for ln in rb.get_order(number)["lines"]]
    assert lines == [("RB-1001", 3.0), ("RB-1003", 2.0)]


def test_records_created_in_rackbeat_announce_themselves_and_can_be_read(sandbox, rb, receiver):
    for event in ("customer.created", "supplier.created", "customer_invoice.created"):
        rb.register_webhook(event, receiver.url)
    customer = sandbox.control("POST", "rackbeat/customers", json={"name": "Ny Kunde AS"}).json()["customer"]
    supplier = sandbox.control("POST", "rackbeat/suppliers", json={"name": "Ny Leverandør AS"}).json()[
        "supplier"
    ]
    invoice = sandbox.control(
        "POST",
        "rackbeat/customer-invoices",
        json={
            "customer_id": customer["number"],
            "lines": [{"item_id": "RB-1002", "quantity": 4}],
        },
    ).json()["customer_invoice"]
    assert receiver.wait_for(lambda: len(receiver.accepted()) == 3)
    keys = {b["event"]: b["key"] for b in receiver.accepted()}
    assert keys == {
        "customer.created": customer["number"],
        "supplier.created": supplier["number"],
        "customer_invoice.created": invoice["number"],
    }
    assert rb.get_customer(keys["customer.created"])["name"] == "Ny Kunde AS"
    assert rb.get_supplier(keys["supplier.created"])["company_name"] == "Ny Leverandør AS"
    fetched = rb.get_customer_invoice(keys["customer_invoice.created"])
    assert fetched["customer_id"] == customer["number"] and fetched["total_subtotal"] == 516.0
    assert [i["number"] for i in rb.iter_customer_invoices(is_booked=True)] == [invoice["number"]]


def test_stock_adjustments_change_the_figures(rb):
    rb.adjust_stock("RB-1003", 7, reason="received")
    rb.adjust_stock("RB-1003", -2, reason="damaged")
    assert rb.get_stock("RB-1003")["stock_quantity"] == 5.0
    locations = rb.get_product_locations("RB-1003")
    assert [(row["location"]["number"], row["stock_quantity"]) for row in locations] == [(1, 5.0)]
    with pytest.raises(RecordRejected) as info:
        rb.adjust_stock("NO-SUCH", 1)
    assert "item_number" in info.value.field_errors
