"""LnbClient against the sandbox's LNB emulator over real HTTP: every route, the token's life,
paging, filters, per-item stock outcomes, faults, and secrets kept out of logs and errors.

Expectations come from the control API's view of the account (what LNB holds), never from the
client under test, and waits are bounded by what the test sets (no sleeps that assert durations).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from so24_pipelines.connectors.errors import AuthError, ConfigError, RateLimited, RecordRejected
from so24_pipelines.connectors.http import NotFound, RetryPolicy
from so24_pipelines.connectors.lnb import LnbClient, parse_time

pytestmark = pytest.mark.contract

FAST_RETRY = RetryPolicy(attempts=6, backoff_base=0.01, backoff_max=0.05)
FAULT_KINDS = ("5xx", "limit", "drop", "malformed", "html")


def _creds(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "lnb/credentials").json()


def make_client(sandbox, **kwargs: Any) -> LnbClient:
    c = _creds(sandbox)
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("requests_per_minute", 60_000)
    kwargs.setdefault("burst", 100)
    return LnbClient(c["baseUrl"], kwargs.pop("client_id", c["clientId"]),
                     kwargs.pop("client_secret", c["clientSecret"]), **kwargs)  # fmt: skip


@pytest.fixture
def client(sandbox):
    lnb = make_client(sandbox)
    yield lnb
    lnb.close()


def stats(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "lnb/stats").json()


def calls(sandbox, route: str) -> int:
    return stats(sandbox)["calls"].get(route, 0)


def stock_of(sandbox) -> list[dict[str, Any]]:
    return sandbox.control("GET", "lnb/inventory").json()


class Clock:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


# ---- credentials and the token's life ------------------------------------------------------------


def test_a_bad_secret_fails_the_first_call_naming_the_env_vars(sandbox):
    bad = make_client(sandbox, client_secret="not-the-secret")
    with pytest.raises(AuthError) as info:
        bad.get_orders()
    message = str(info.value)
    assert info.value.call == "lnb POST /auth/token"
    assert "LNB_CLIENT_ID" in message and "LNB_CLIENT_SECRET" in message and "refused the client credentials" in message
    assert "not-the-secret" not in f"{message} {bad!r} {bad.tokens!r}"
    assert "GET /orders" not in stats(sandbox)["calls"]  # no data call was tried with a bad credential
    with pytest.raises(AuthError, match="LNB_CLIENT_SECRET"):
        bad.authenticate()
    assert stats(sandbox)["tokens"]["refused_credentials"] == 2


def test_from_env_names_a_missing_variable_and_works_with_both(sandbox):
    c = _creds(sandbox)
    with pytest.raises(ConfigError, match="LNB_CLIENT_SECRET") as info:
        LnbClient.from_env({"LNB_CLIENT_ID": c["clientId"], "LNB_BASE_URL": c["baseUrl"]})
    assert "LNB_CLIENT_ID" not in str(info.value)
    env = {"LNB_CLIENT_ID": c["clientId"], "LNB_CLIENT_SECRET": c["clientSecret"], "LNB_BASE_URL": "http://wrong.invalid"}
    lnb = LnbClient.from_env(env, base_url=c["baseUrl"], retry=FAST_RETRY)
    assert lnb.get_order("LNB-000001")["reference"] == "LNB-000001"
    assert c["clientSecret"] not in repr(lnb)


def test_one_token_serves_many_calls_and_is_renewed_before_it_expires(sandbox):
    clock = Clock()
    lnb = make_client(sandbox, token_clock=clock)
    lnb.get_inventory()
    lnb.get_order("LNB-000001")
    assert stats(sandbox)["tokens"]["issued"] == 1
    clock.now += 3600 - 61
    lnb.get_inventory()
    assert stats(sandbox)["tokens"]["issued"] == 1
    clock.now += 2  # now inside the last minute of the token's life
    lnb.get_inventory()
    tokens = stats(sandbox)["tokens"]
    assert tokens["issued"] == 2 and tokens["unauthorized_calls"] == 0


def test_a_token_ended_early_costs_one_401_and_the_call_goes_through(sandbox, client):
    client.get_inventory()
    sandbox.control("POST", "lnb/tokens/expire")
    assert client.get_order("LNB-000002")["reference"] == "LNB-000002"
    sandbox.control("POST", "lnb/tokens/expire")
    assert client.set_order_status("LNB-000002", "closed")["status"] == "closed"  # a write, repeated after 401
    s = stats(sandbox)
    assert (s["tokens"]["issued"], s["tokens"]["unauthorized_calls"], s["status_changes"]) == (3, 2, 1)


def test_a_token_refused_again_when_fresh_is_an_auth_error(sandbox):
    class DeadOnArrival(requests.Session):
        """Every token the sandbox issues is ended before the client can use it."""

        def __init__(self) -> None:
            super().__init__()
            self.hooks["response"].append(self._expire)

        def _expire(self, response: requests.Response, *args: object, **kwargs: object) -> None:
            if response.request.url and "/auth/token" in response.request.url:
                sandbox.control("POST", "lnb/tokens/expire")

    lnb = make_client(sandbox, session=DeadOnArrival())
    with pytest.raises(AuthError, match="again with a fresh access token") as info:
        lnb.get_inventory()
    assert info.value.call == "lnb GET /inventory" and stats(sandbox)["tokens"]["unauthorized_calls"] == 2


def test_credentials_revoked_mid_run_fail_with_the_env_vars_named(sandbox):
    class RevokedAfterFirstToken(requests.Session):
        """Sends the real secret for the first token request only, as if it were revoked after it."""

        def __init__(self) -> None:
            super().__init__()
            self.token_requests = 0

        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            if request.url and "/auth/token" in request.url:
                self.token_requests += 1
                if self.token_requests > 1:
                    request.prepare_body(None, None, json={"grant_type": "client_credentials",
                                                           "client_id": "so24-hub-sandbox", "client_secret": "revoked"})
            return super().send(request, **kwargs)

    lnb = make_client(sandbox, session=RevokedAfterFirstToken())
    lnb.get_inventory()
    sandbox.control("POST", "lnb/tokens/expire")
    with pytest.raises(AuthError, match="LNB_CLIENT_SECRET") as info:
        lnb.get_inventory()
    assert info.value.call == "lnb POST /auth/token" and "fresh access token" not in str(info.value)
    assert stats(sandbox)["tokens"]["unauthorized_calls"] == 1


@pytest.mark.parametrize(
    "switches",
    [
        {"expire_on_format": "iso", "send_expires_in": False},
        {"expire_on_format": "datetime", "send_expires_in": False},
        {"expire_on_format": "unix", "send_expires_in": False},
        {"expire_on_format": "datetime", "send_expires_in": True},
    ],
)
def test_every_token_answer_format_gives_the_right_lifetime(sandbox, switches):
    sandbox.control("POST", "lnb/behaviour", json=switches)
    lnb = make_client(sandbox)
    lnb.authenticate()
    assert 3590 < lnb.tokens.lifetime <= 3600
    lnb.get_inventory()
    assert stats(sandbox)["tokens"]["issued"] == 1


def test_the_java_token_endpoint_takes_a_form(sandbox):
    lnb = make_client(sandbox, auth_path="oauth/token")
    assert lnb.get_order("LNB-000003")["reference"] == "LNB-000003"
    routes = stats(sandbox)["calls"]
    assert routes.get("POST /oauth/token") == 1 and "POST /auth/token" not in routes
    with pytest.raises(ConfigError, match="lnb.auth_path"):
        make_client(sandbox, auth_path="token")


def test_the_token_endpoint_is_retried_through_faults(sandbox):
    sandbox.control("POST", "lnb/faults", json={"next": "5xx", "count": 2})
    lnb = make_client(sandbox)
    lnb.authenticate()
    assert stats(sandbox)["tokens"]["issued"] == 1


# ---- orders -----------------------------------------------------------------------------------


def _refs(orders: list[dict[str, Any]]) -> list[str]:
    return [o["reference"] for o in orders]


@pytest.mark.parametrize("fmt", ["datetime", "iso"])
def test_filters_return_exactly_what_lnb_holds_in_the_window(sandbox, fmt):
    lnb = make_client(sandbox, filter_time_format=fmt)
    everything = sandbox.control("GET", "lnb/orders").json()

    def when(order: dict[str, Any], name: str) -> datetime | None:
        return parse_time(order[name])

    updated = sorted(when(o, "update_time") for o in everything)
    pivot = updated[len(updated) // 2]
    created = sorted(when(o, "create_time") for o in everything)
    low, high = created[3], created[-4]
    confirmed_pivot = sorted(t for o in everything if (t := when(o, "confirmation_time")))[1]
    cases = [
        ({"update_time_from": pivot}, lambda o: when(o, "update_time") >= pivot),
        ({"update_time_to": pivot}, lambda o: when(o, "update_time") <= pivot),
        ({"order_time_from": low, "order_time_to": high}, lambda o: low <= when(o, "create_time") <= high),
        ({"confirmation_time_from": confirmed_pivot},
         lambda o: when(o, "confirmation_time") is not None and when(o, "confirmation_time") >= confirmed_pivot),
        ({"status": "canceled"}, lambda o: o["status"] == "canceled"),
        ({"status": "confirmed", "update_time_from": pivot},
         lambda o: o["status"] == "confirmed" and when(o, "update_time") >= pivot),
    ]  # fmt: skip
    for filters, keep in cases:
        expected = [o["reference"] for o in everything if keep(o)]
        assert _refs(lnb.get_orders(**filters)) == expected, filters
        assert expected, f"the seed should give {filters} something to find"
    assert not lnb.get_orders(update_time_from=updated[-1] + timedelta(seconds=1))


def test_several_statuses_are_read_one_query_each_and_merged(sandbox, client):
    everything = sandbox.control("GET", "lnb/orders").json()
    got = _refs(client.get_orders(status=["confirmed", "invoicing", "confirmed"]))
    assert got == [o["reference"] for o in everything if o["status"] == "confirmed"] + [
        o["reference"] for o in everything if o["status"] == "invoicing"
    ]
    assert calls(sandbox, "GET /orders") == 2
    assert client.get_orders(status=[]) == []


@pytest.mark.parametrize(
    ("switches", "generated", "pages"),
    [
        ({}, 1100, 3),
        ({"pagination_headers": False}, 1100, 3),  # 500 + 500 + a short page
        ({"page_header": "X-Pagination-Page"}, 1100, 3),
        ({}, 997, 2),  # exactly two full pages: Has-More says when to stop
        ({"pagination_headers": False}, 997, 3),  # ... without headers one empty page confirms the end
    ],
)
def test_paging_reads_every_order_once(sandbox, client, switches, generated, pages):
    sandbox.control("POST", "lnb/behaviour", json=switches)
    sandbox.control("POST", "lnb/orders/generate", json={"count": generated, "status": "confirmed"})
    expected = [o["reference"] for o in sandbox.control("GET", "lnb/orders").json() if o["status"] == "confirmed"]
    before = calls(sandbox, "GET /orders")
    got = _refs(client.get_orders(status="confirmed"))
    assert got == expected and len(set(got)) == len(got) == generated + 3
    assert calls(sandbox, "GET /orders") - before == pages


def test_slim_list_rows_are_completed_with_a_read_each(sandbox, client):
    sandbox.control("POST", "lnb/behaviour", json={"order_list_rows": "slim"})
    rows = client.get_orders(status="closed", full=False)
    assert rows and all("items" not in r for r in rows)
    full = client.get_orders(status="closed")
    assert _refs(full) == _refs(rows) and all(o["items"] and "billing_address" in o for o in full)
    assert calls(sandbox, "GET /orders/{reference:str}") == len(rows)


def test_one_order_in_full_or_none(sandbox, client):
    order = client.get_order("LNB-000004")
    assert order == next(o for o in sandbox.control("GET", "lnb/orders").json() if o["reference"] == "LNB-000004")
    assert client.get_order("LNB-999999") is None


def test_acknowledging_export_sets_the_status_once(sandbox, client):
    answer = client.set_order_status("LNB-000004", "invoicing")
    assert answer["reference"] == "LNB-000004" and answer["status"] == "invoicing"
    assert client.set_order_status("LNB-000004", "invoicing") == answer
    assert "LNB-000004" in _refs(client.get_orders(status="invoicing"))
    assert stats(sandbox)["status_changes"] == 1
    with pytest.raises(RecordRejected) as info:
        client.set_order_status("LNB-000004", "exported")
    assert "status" in info.value.field_errors and info.value.call == "lnb POST /orders/status"
    with pytest.raises(NotFound):
        client.set_order_status("LNB-404404", "closed")


def test_what_the_brand_does_is_seen_through_update_time(sandbox, client):
    since = datetime.now(UTC) - timedelta(seconds=1)
    made = sandbox.control("POST", "lnb/orders", json={"retailer_reference": "10002",
                                                       "items": [{"sku": "P-001001", "quantity": 3}]}).json()  # fmt: skip
    sandbox.control("PATCH", "lnb/orders/LNB-000001", json={"comment": "Endret av merkevaren"})
    sandbox.control("POST", f"lnb/orders/{made['reference']}/confirm")
    changed = client.get_orders(update_time_from=since)
    assert sorted(_refs(changed)) == sorted(["LNB-000001", made["reference"]])
    assert next(o for o in changed if o["reference"] == made["reference"])["status"] == "confirmed"


# ---- stock ------------------------------------------------------------------------------------


def test_bulk_stock_by_ean13_gives_one_outcome_per_item(sandbox, client):
    before = {s["ean13"]: s["in_stock"] for s in stock_of(sandbox) if s["ean13"]}
    eans = list(before)[:4]
    items = [
        {"ean13": eans[0], "in_stock": 11},
        {"ean13": eans[1], "in_stock": Decimal("12")},  # a whole Decimal goes as an int
        {"ean13": "7000000000000", "in_stock": 3},
        {"ean13": eans[2], "in_stock": -4},
        {"ean13": eans[3], "in_stock": 2.5},
    ]
    out = client.write_stock("ean13", items)
    assert [(o.value, o.ok) for o in out] == [(eans[0], True), (eans[1], True), ("7000000000000", False),
                                              (eans[2], False), (eans[3], False)]  # fmt: skip
    assert out[0].result["in_stock"] == 11 and out[0].reason is None
    assert out[2].errors == {"ean13": ["not found"]} and out[2].reason == "ean13: not found"
    assert set(out[3].errors) == {"in_stock"} and set(out[4].errors) == {"in_stock"}
    after = {s["ean13"]: s["in_stock"] for s in stock_of(sandbox) if s["ean13"]}
    assert after == {**before, eans[0]: 11, eans[1]: 12}


def test_bulk_stock_by_sku_goes_in_batches_and_keeps_the_order(sandbox, client):
    skus = [s["sku"] for s in stock_of(sandbox) if s["sku"]][:8]
    out = client.write_stock_levels("sku", {sku: n for n, sku in enumerate(skus)}, batch_size=3)
    assert [(o.value, o.in_stock, o.ok) for o in out] == [(sku, n, True) for n, sku in enumerate(skus)]
    assert stats(sandbox)["stock_requests"] == 3
    held = {s["sku"]: s["in_stock"] for s in stock_of(sandbox) if s["sku"]}
    assert [held[sku] for sku in skus] == list(range(8))


def test_a_batch_refused_whole_fails_its_items_and_the_next_batch_still_goes(sandbox, client):
    sandbox.control("POST", "lnb/behaviour", json={"max_batch_items": 2})
    skus = [s["sku"] for s in stock_of(sandbox) if s["sku"]][:5]
    out = client.write_stock_levels("sku", dict.fromkeys(skus, 40), batch_size=3)
    assert [o.ok for o in out] == [False, False, False, True, True]
    assert all(o.errors == {"requests": ["may not have more than 2 items"]} for o in out[:3])
    assert out[0].reason.startswith("batch refused: ") and "requests: may not have more than 2 items" in out[0].reason
    held = {s["sku"]: s["in_stock"] for s in stock_of(sandbox) if s["sku"]}
    assert [held[s] for s in skus[3:]] == [40, 40]


def test_skus_without_the_key_cannot_be_sent_and_lnb_still_lists_them(client):
    uncoded = [i for i in client.get_inventory() if i["ean13"] is None and i["sku"] is None]
    assert len(uncoded) == 2
    with pytest.raises(ValueError, match="needs its sku"):
        client.write_stock("sku", [{"ean13": "7000079269196", "in_stock": 1}])


def test_the_codes_lnb_carries_come_from_one_inventory_read_and_follow_the_brands_edits(sandbox, client):
    lines = stock_of(sandbox)
    before = calls(sandbox, "GET /inventory")
    assert client.inventory_codes("ean13") == {s["ean13"] for s in lines if s["ean13"]}
    assert client.inventory_codes("sku") == {s["sku"] for s in lines if s["sku"]}
    assert calls(sandbox, "GET /inventory") - before == 2
    uncoded = next(s for s in lines if s["ean13"] is None and s["sku"] is None)
    sandbox.control("PATCH", f"lnb/skus/{uncoded['id']}", json={"ean13": "7000000000017", "sku": "SAMPLE-S"})
    assert "7000000000017" in client.inventory_codes("ean13") and "SAMPLE-S" in client.inventory_codes("sku")
    assert client.write_stock_levels("ean13", {"7000000000017": 3})[0].ok


def test_one_item_set_and_read_back(sandbox, client):
    ean = next(s["ean13"] for s in stock_of(sandbox) if s["ean13"])
    stored = client.set_stock("ean13", ean, Decimal("5"), is_blocked=True)
    assert stored["in_stock"] == 5 and stored["is_blocked"] is True
    assert client.get_inventory_item("ean13", ean) == stored
    assert client.get_inventory_item("sku", "NO-SUCH") is None
    with pytest.raises(RecordRejected) as info:
        client.set_stock("sku", "NO-SUCH", 1)
    assert info.value.field_errors == {"sku": ["not found"]}


def test_products_and_retailers_read_over_small_pages(sandbox, client):
    sandbox.control("POST", "lnb/behaviour", json={"page_size": 4})
    retailers = list(client.iter_retailers())
    assert [r["reference"] for r in retailers] == [r["reference"] for r in sandbox.control("GET", "lnb/retailers").json()]
    assert {None, "NY-KUNDE"} <= {r["reference"] for r in retailers}
    products = list(client.iter_products())
    assert len(products) == len(sandbox.control("GET", "lnb/products").json())
    assert calls(sandbox, "GET /retailers") == 2 and calls(sandbox, "GET /products") == 2
    assert client.get_product("SAMPLE-01")["variants"][0]["skus"][0]["ean13"] is None
    assert client.get_product("NO-SUCH") is None


# ---- faults, limits and secrets ---------------------------------------------------------------


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind_is_retried_for_reads_and_stock_writes(sandbox, client, kind):
    expected = _refs(client.get_orders(status="closed"))
    sandbox.control("POST", "lnb/faults", json={"next": kind, "count": 2})
    assert _refs(client.get_orders(status="closed")) == expected
    assert sandbox.control("GET", "lnb/faults").json()["injected"] == {kind: 2}
    ean = next(s["ean13"] for s in stock_of(sandbox) if s["ean13"])
    sandbox.control("POST", "lnb/faults", json={"next": kind, "count": 2})
    assert [o.ok for o in client.write_stock_levels("ean13", {ean: 33})] == [True]
    assert next(s["in_stock"] for s in stock_of(sandbox) if s["ean13"] == ean) == 33
    assert sandbox.control("GET", "lnb/faults").json()["injected"] == {kind: 2}


def test_429_waits_as_long_as_retry_after_says(sandbox):
    sleeps = Sleeps()
    lnb = make_client(sandbox, sleep=sleeps)
    lnb.authenticate()
    sandbox.control("POST", "lnb/faults", json={"next": "limit", "count": 1})
    assert lnb.get_order("LNB-000001") is not None
    assert sleeps.calls and max(sleeps.calls) >= 1.0


def test_429_past_the_attempts_is_rate_limited_with_the_wait(sandbox):
    lnb = make_client(sandbox, retry=RetryPolicy(attempts=2, backoff_base=0.01), sleep=lambda s: None)
    lnb.authenticate()
    sandbox.control("POST", "lnb/faults", json={"next": "limit", "count": 3})
    with pytest.raises(RateLimited) as info:
        lnb.get_inventory()
    assert info.value.retry_after == 1.0 and info.value.call == "lnb GET /inventory"


def test_the_request_budget_is_waited_out(sandbox, client):
    sandbox.control("POST", "lnb/limits", json={"per_minute": 120, "burst": 1})
    for _ in range(3):
        assert client.get_order("LNB-000001") is not None
    assert sandbox.control("GET", "lnb/limits").json()["throttled"] >= 1


def test_ten_percent_faults_end_in_the_fault_free_state(sandbox, client):
    skus = [s["sku"] for s in stock_of(sandbox) if s["sku"]]
    levels = {sku: (n * 7) % 50 for n, sku in enumerate(skus)}
    acknowledged = ["LNB-000004", "LNB-000011", "LNB-000018"]
    sandbox.control("POST", "lnb/faults", json={"rate": 0.1, "seed": 5, "kinds": [*FAULT_KINDS, "latency"],
                                                "latency_ms": 20})  # fmt: skip
    out = client.write_stock_levels("sku", levels, batch_size=4)
    for reference in acknowledged:
        client.set_order_status(reference, "invoicing")
    read = _refs(client.get_orders(status="invoicing"))
    injected = sandbox.control("GET", "lnb/faults").json()["injected"]
    sandbox.control("DELETE", "lnb/faults")
    assert sum(n for kind, n in injected.items() if kind != "latency") >= 1
    assert all(o.ok for o in out) and len(out) == len(levels)
    assert {s["sku"]: s["in_stock"] for s in stock_of(sandbox) if s["sku"]} == levels
    assert read == _refs(client.get_orders(status="invoicing"))
    assert set(acknowledged) <= set(read)
    assert stats(sandbox)["status_changes"] == len(acknowledged)


def test_the_token_and_secret_never_reach_logs_or_errors(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    c = _creds(sandbox)
    lnb = make_client(sandbox)
    raised: list[str] = []
    sandbox.control("POST", "lnb/faults", json={"next": "5xx", "count": 1})
    lnb.get_orders(status="closed")
    sandbox.control("POST", "lnb/faults", json={"next": "drop", "count": 1})
    lnb.get_inventory()
    for failing in (lambda: lnb.set_order_status("LNB-000001", "exported"), lambda: lnb.set_order_status("X", "closed")):
        try:
            failing()
        except (RecordRejected, NotFound) as exc:
            raised.append(f"{exc} {exc!r}")
    sandbox.control("POST", "lnb/tokens/expire")
    lnb.get_inventory()
    token = lnb.tokens.current()
    text = caplog.text + " ".join(raised) + repr(lnb)
    assert len(raised) == 2 and "access_token=<redacted>" in caplog.text  # urllib3 did log the calls
    assert token not in text and c["clientSecret"] not in text
    assert stats(sandbox)["tokens"]["issued"] == 2
