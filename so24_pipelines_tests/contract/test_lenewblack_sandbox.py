"""The LNB emulator over raw HTTP: the names, envelopes, headers and refusals of reference §6.

These pin the sandbox to the reference independently of the connector, so a connector test that
passes cannot be passing against a sandbox that drifted into agreeing with it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.contract


@pytest.fixture
def lnb(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "lnb/credentials").json()


def _token(lnb: dict[str, Any], **extra: Any) -> requests.Response:
    body = {"grant_type": "client_credentials", "client_id": lnb["clientId"], "client_secret": lnb["clientSecret"]}
    return requests.post(f"{lnb['baseUrl']}/auth/token", json={**body, **extra}, timeout=10)


@pytest.fixture
def call(lnb):
    token = _token(lnb).json()["access_token"]

    def send(method: str, path: str, **kwargs: Any) -> requests.Response:
        params = {**kwargs.pop("params", {}), "access_token": token}
        return requests.request(method, f"{lnb['baseUrl']}/{path}", params=params, timeout=30, **kwargs)

    return send


def test_token_by_json_and_by_form_on_both_paths(lnb):
    answer = _token(lnb)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expire_on", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    expire_on = datetime.fromisoformat(body["expire_on"])
    assert expire_on.tzinfo is not None and 3590 < (expire_on - datetime.now(UTC)).total_seconds() <= 3600
    form = requests.post(
        f"{lnb['baseUrl']}/oauth/token", timeout=10,
        data={"grant_type": "client_credentials", "client_id": lnb["clientId"], "client_secret": lnb["clientSecret"]},
    )  # fmt: skip
    assert form.status_code == 200 and form.json()["access_token"] != body["access_token"]


def test_bad_credentials_and_bad_grant_are_refused(lnb):
    wrong = _token(lnb, client_secret="wrong")
    assert wrong.status_code == 401 and wrong.json() == {"message": "Invalid client credentials."}
    grant = _token(lnb, grant_type="password")
    assert grant.status_code == 400 and grant.json()["errors"] == {"grant_type": ["invalid"]}


def test_the_token_goes_in_the_query_and_nowhere_else(lnb):
    token = _token(lnb).json()["access_token"]
    missing = requests.get(f"{lnb['baseUrl']}/orders", timeout=10)
    assert missing.status_code == 401 and missing.json() == {"message": "Missing access_token."}
    header = requests.get(f"{lnb['baseUrl']}/orders", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert header.status_code == 401
    unknown = requests.get(f"{lnb['baseUrl']}/orders", params={"access_token": "made-up"}, timeout=10)
    assert unknown.status_code == 401 and unknown.json() == {"message": "Invalid access token."}
    assert requests.get(f"{lnb['baseUrl']}/orders", params={"access_token": token}, timeout=10).status_code == 200


def test_a_token_past_its_lifetime_is_answered_401(lnb, sandbox):
    sandbox.control("POST", "lnb/behaviour", json={"token_lifetime_seconds": 1})
    answer = _token(lnb).json()
    assert answer["expires_in"] == 1
    time.sleep(1.1)
    late = requests.get(f"{lnb['baseUrl']}/inventory", params={"access_token": answer["access_token"]}, timeout=10)
    assert late.status_code == 401 and late.json() == {"message": "The access token has expired."}


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("datetime", lambda v: isinstance(v, str) and len(v) == 19 and v[10] == " "),
        ("unix", lambda v: isinstance(v, int) and v > 1_700_000_000),
    ],
)
def test_expire_on_format_is_a_switch(lnb, sandbox, fmt, check):
    sandbox.control("POST", "lnb/behaviour", json={"expire_on_format": fmt, "send_expires_in": False})
    body = _token(lnb).json()
    assert "expires_in" not in body and check(body["expire_on"])


def test_orders_page_with_the_pagination_headers(call, sandbox):
    sandbox.control("POST", "lnb/orders/generate", json={"count": 600, "status": "invoicing"})
    first = call("GET", "orders", params={"status": "invoicing"})
    assert first.status_code == 200 and isinstance(first.json(), list) and len(first.json()) == 500
    total = sum(1 for o in sandbox.control("GET", "lnb/orders").json() if o["status"] == "invoicing")
    assert total > 600  # the seeded invoicing orders come first
    assert {k: first.headers[k] for k in first.headers if k.lower().startswith("x-pagination")} == {
        "x-pagination-current-page": "1",
        "x-pagination-page-size": "500",
        "x-pagination-has-more": "true",
        "x-pagination-total-pages": "2",
        "x-pagination-total-items": str(total),
    }
    second = call("GET", "orders", params={"status": "invoicing", "page": 2})
    assert len(second.json()) == total - 500 and second.headers["X-Pagination-Has-More"] == "false"
    beyond = call("GET", "orders", params={"status": "invoicing", "page": 3})
    assert beyond.json() == [] and beyond.headers["X-Pagination-Has-More"] == "false"
    assert {o["reference"] for o in first.json()}.isdisjoint(o["reference"] for o in second.json())


def test_pagination_headers_can_be_switched_off_or_renamed(call, sandbox):
    sandbox.control("POST", "lnb/behaviour", json={"pagination_headers": False})
    assert not [k for k in call("GET", "orders").headers if k.lower().startswith("x-pagination")]
    sandbox.control("POST", "lnb/behaviour", json={"pagination_headers": True, "page_header": "X-Pagination-Page"})
    headers = call("GET", "orders").headers
    assert headers["X-Pagination-Page"] == "1" and "X-Pagination-Current-Page" not in headers


def test_order_filters_are_inclusive_and_refuse_what_they_cannot_read(call):
    everything = call("GET", "orders").json()
    pivot = sorted(o["update_time"] for o in everything)[len(everything) // 2]
    later = call("GET", "orders", params={"update_time_from": pivot}).json()
    earlier = call("GET", "orders", params={"update_time_to": pivot}).json()
    assert all(o["update_time"] >= pivot for o in later) and all(o["update_time"] <= pivot for o in earlier)
    assert len(later) + len(earlier) == len(everything) + sum(1 for o in everything if o["update_time"] == pivot)
    plain = call("GET", "orders", params={"update_time_from": pivot.replace("T", " ")[:19]}).json()
    assert plain == later  # Y-m-d H:i:s, read as UTC
    bad_time = call("GET", "orders", params={"order_time_from": "last tuesday"})
    assert bad_time.status_code == 422 and "order_time_from" in bad_time.json()["errors"]
    listed = call("GET", "orders", params={"status": "confirmed,invoicing"})
    assert listed.status_code == 422 and "status" in listed.json()["errors"]


def test_one_order_in_full_and_an_unknown_one(call):
    order = call("GET", "orders/LNB-000004").json()
    assert order["reference"] == "LNB-000004" and order["status"] == "confirmed"
    for name in ("retailer_reference", "billing_address", "delivery_address", "amount_total", "currency",
                 "purchase_order_reference", "confirmation_time", "update_time"):
        assert name in order
    assert set(order["items"][0]) >= {"ean13", "sku", "quantity", "unit_price", "size", "reference", "color"}
    missing = call("GET", "orders/LNB-999999")
    assert missing.status_code == 404 and list(missing.json()) == ["message"]


def test_order_status_answers_reference_status_and_update_time(call, sandbox):
    answer = call("POST", "orders/status", json={"reference": "LNB-000004", "status": "invoicing"})
    assert answer.status_code == 200 and set(answer.json()) == {"reference", "status", "update_time"}
    assert answer.json()["status"] == "invoicing"
    again = call("POST", "orders/status", json={"reference": "LNB-000004", "status": "invoicing"})
    assert again.json() == answer.json()  # the same status again changes nothing, not even update_time
    bad = call("POST", "orders/status", json={"reference": "LNB-000004", "status": "exported"})
    assert bad.status_code == 422 and "status" in bad.json()["errors"]
    assert call("POST", "orders/status", json={"reference": "LNB-0", "status": "closed"}).status_code == 404
    assert sandbox.control("GET", "lnb/stats").json()["status_changes"] == 1


def test_bulk_stock_answers_per_item_with_metadata(call, sandbox):
    stock = sandbox.control("GET", "lnb/inventory").json()
    ean = next(s["ean13"] for s in stock if s["ean13"])
    answer = call("POST", "multi/inventory/ean", json={"requests": [
        {"ean13": ean, "in_stock": 17}, {"ean13": "0000000000000", "in_stock": 1}, {"ean13": ean, "in_stock": 1.5},
        {"in_stock": 2}, 7,
    ]})  # fmt: skip
    assert answer.status_code == 200
    body = answer.json()
    assert body["metadata"] == {"total_requests": 5, "total_successes": 1, "total_errors": 4}
    assert body["data"][0]["status"] == "success" and body["data"][0]["errors"] is None
    assert body["data"][0]["result"]["in_stock"] == 17 and body["data"][0]["result"]["ean13"] == ean
    assert body["data"][1] == {"status": "error", "errors": {"ean13": ["not found"]}, "result": None}
    assert list(body["data"][2]["errors"]) == ["in_stock"] and list(body["data"][3]["errors"]) == ["ean13"]
    assert isinstance(body["data"][4]["errors"], str)
    refused = call("POST", "multi/inventory/sku", json={"items": []})
    assert refused.status_code == 422 and "requests" in refused.json()["errors"]


def test_single_stock_write_answers_201_and_reads_back(call, sandbox):
    sku = next(s["sku"] for s in sandbox.control("GET", "lnb/inventory").json() if s["sku"])
    written = call("POST", "inventory/sku", json={"sku": sku, "in_stock": 9, "incoming_stock": 4,
                                                    "incoming_stock_date": "2026-06-01"})
    assert written.status_code == 201 and written.json()["in_stock"] == 9
    assert written.json()["incoming_stock_date"] == "2026-06-01"
    assert call("GET", f"inventory/sku/{sku}").json() == written.json()
    assert call("GET", "inventory/sku/NO-SUCH").status_code == 404
    assert call("POST", "inventory/sku", json={"sku": "NO-SUCH", "in_stock": 1}).status_code == 422
    listed = call("GET", "inventory").json()
    assert set(listed[0]) == {"ean13", "sku", "extra_1", "is_blocked", "in_stock", "in_stock_update_time",
                              "incoming_stock", "incoming_stock_date"}


def test_products_and_retailers_are_listed_by_the_brands_codes(call):
    products = call("GET", "products").json()
    sample = next(p for p in products if p["model"] == "SAMPLE-01")
    assert all(s["ean13"] is None and s["sku"] is None for v in sample["variants"] for s in v["skus"])
    assert call("GET", f"products/{products[0]['model']}").json() == products[0]
    retailers = call("GET", "retailers").json()
    assert "id" not in retailers[0] and None in {r["reference"] for r in retailers}


@pytest.mark.parametrize(
    ("kind", "status"), [("5xx", 500), ("limit", 429), ("html", 502)]
)
def test_faults_render_as_a_rest_api_fails(call, sandbox, kind, status):
    sandbox.control("POST", "lnb/faults", json={"next": kind, "count": 1})
    answer = call("GET", "orders")
    assert answer.status_code == status
    if kind == "limit":
        assert answer.headers["Retry-After"] == "1"
    assert call("GET", "orders").status_code == 200


def test_the_request_budget_answers_429_with_retry_after(call, sandbox):
    sandbox.control("POST", "lnb/limits", json={"per_minute": 60, "burst": 2})
    answers = [call("GET", "inventory") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert sandbox.control("GET", "lnb/limits").json()["throttled"] == 1


def test_the_brand_user_creates_edits_and_confirms_orders(call, sandbox):
    created = sandbox.control("POST", "lnb/orders", json={
        "retailer_reference": "10002", "items": [{"sku": "P-001001", "quantity": 2},
                                                 {"model": "SAMPLE-01", "fabric_code": "SMP", "size_name": "M", "quantity": 1}],
    }).json()  # fmt: skip
    assert created["status"] == "open_for_brand" and created["confirmation_time"] is None
    assert [i["sku"] for i in created["items"]] == ["P-001001", None]
    edited = sandbox.control("PATCH", f"lnb/orders/{created['reference']}", json={"comment": "Ring før levering"}).json()
    assert edited["comment"] == "Ring før levering" and edited["update_time"] >= created["update_time"]
    confirmed = sandbox.control("POST", f"lnb/orders/{created['reference']}/confirm").json()
    assert confirmed["status"] == "confirmed" and confirmed["confirmation_time"] is not None
    assert call("GET", f"orders/{created['reference']}").json() == confirmed
    refused = requests.post(f"{sandbox.url}/_sandbox/lnb/orders", json={"retailer_reference": "nobody", "items": []},
                            timeout=10)  # fmt: skip
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"retailer_reference", "items"}


def test_a_retailer_reference_change_shows_on_its_orders_without_touching_them(call, sandbox):
    before = [o for o in call("GET", "orders").json() if o["retailer_name"] == "Butikk 4 AS"]
    assert before and all(o["retailer_reference"] is None for o in before)
    sandbox.control("PATCH", "lnb/retailers/4", json={"reference": "10099"})
    after = {o["reference"]: o for o in call("GET", "orders").json()}
    for order in before:
        assert after[order["reference"]]["retailer_reference"] == "10099"
        assert after[order["reference"]]["update_time"] == order["update_time"]
    taken = requests.patch(f"{sandbox.url}/_sandbox/lnb/retailers/5", json={"reference": "10099"}, timeout=10)
    assert taken.status_code == 422


def test_behaviour_refuses_unknown_switches(sandbox):
    answer = requests.post(f"{sandbox.url}/_sandbox/lnb/behaviour", json={"page_sise": 3}, timeout=10)
    assert answer.status_code == 400 and "page_sise" in answer.json()["message"]
    sandbox.control("POST", "lnb/behaviour", json={"page_size": 3})
    sandbox.reset()
    assert sandbox.control("GET", "lnb/behaviour").json()["page_size"] == 500


def test_the_brand_codes_and_uncodes_a_sku_and_stock_writes_follow(call, sandbox):
    lines = sandbox.control("GET", "lnb/inventory").json()
    coded = next(s for s in lines if s["ean13"] and s["sku"])
    taken = next(s for s in lines if s["ean13"] and s["ean13"] != coded["ean13"])
    recoded = sandbox.control("PATCH", f"lnb/skus/{coded['id']}", json={"ean13": "7000000000024", "sku": None})
    assert recoded.status_code == 200 and (recoded.json()["ean13"], recoded.json()["sku"]) == ("7000000000024", None)
    answer = call("POST", "multi/inventory/ean", json={"requests": [
        {"ean13": coded["ean13"], "in_stock": 1}, {"ean13": "7000000000024", "in_stock": 2},
    ]}).json()  # fmt: skip
    assert [d["status"] for d in answer["data"]] == ["error", "success"]
    assert call("POST", "inventory/sku", json={"sku": coded["sku"], "in_stock": 1}).status_code == 422

    def patch(sid: int, body: dict[str, Any]) -> requests.Response:
        return requests.patch(f"{sandbox.url}/_sandbox/lnb/skus/{sid}", json=body, timeout=30)

    clash = patch(coded["id"], {"ean13": taken["ean13"]})
    assert clash.status_code == 422 and "ean13" in clash.json()["errors"]
    assert patch(999999, {"sku": "X"}).status_code == 404
    assert patch(coded["id"], {}).status_code == 422
