"""OngoingClient against the sandbox's Ongoing emulator over real HTTP."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from so24_pipelines.connectors.errors import AuthError, ConfigError, RateLimited, RecordRejected
from so24_pipelines.connectors.http import NotFound, RetryPolicy
from so24_pipelines.connectors.ongoing import OngoingClient, parse_time

pytestmark = pytest.mark.contract

FAST_RETRY = RetryPolicy(attempts=8, backoff_base=0.02, backoff_max=0.2)


class CountingSession(requests.Session):
    """A real session that records the URL of every answer it gets, to count pages read."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []
        self.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self.sent.append(str(response.request.url))


class Sleeps:
    def __init__(self, really: bool) -> None:
        self.calls: list[float] = []
        self.really = really

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.really:
            time.sleep(seconds)


@pytest.fixture
def creds(sandbox) -> dict:
    return sandbox.control("GET", "ongoing/credentials").json()


def make_client(creds: dict, **kwargs) -> OngoingClient:
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("rate_per_second", 500)
    kwargs.setdefault("burst", 50)
    return OngoingClient(
        creds["baseUrl"], kwargs.pop("username", creds["username"]), kwargs.pop("password", creds["password"]),
        kwargs.pop("goods_owner_id", creds["goodsOwnerId"]), **kwargs,
    )


@pytest.fixture
def client(creds) -> OngoingClient:
    return make_client(creds)


def order_payload(*lines: tuple[int, str, int], customer: str = "C-1") -> dict:
    return {
        "deliveryDate": "2024-06-03",
        "referenceNumber": "REF-1",
        "consignee": {"customerNumber": customer, "name": "Kari Nordmann", "address1": "Storgata 1",
                      "postCode": "0155", "city": "Oslo", "countryCode": "NO"},
        "orderLines": [{"rowNumber": r, "articleNumber": a, "numberOfItems": n} for r, a, n in lines],
    }


def test_wrong_password_is_auth_error_naming_the_call(creds):
    bad = make_client(creds, password="not-the-password")
    with pytest.raises(AuthError) as info:
        bad.get_articles()
    assert info.value.call == "ongoing GET /api/v1/articles"
    assert "not-the-password" not in f"{info.value} {bad!r}" and creds["username"] not in str(info.value)


def test_goods_owner_out_of_reach_is_auth_error(creds):
    with pytest.raises(AuthError, match="goods owner 77"):
        make_client(creds, goods_owner_id=77).get_articles()


def test_put_article_creates_then_updates_by_number(client, sandbox):
    first = client.put_article("ART-1", {"articleName": "Hammer", "productCode": "101", "weight": 1.2})
    again = client.put_article("ART-1", {"articleName": "Hammer", "productCode": "101", "weight": 1.2})
    renamed = client.put_article("ART-1", {"articleName": "Claw hammer", "productCode": "101", "weight": 1.2})
    assert first["articleSystemId"] == again["articleSystemId"] == renamed["articleSystemId"]
    stored = sandbox.control("GET", "ongoing/articles").json()
    assert [(a["articleNumber"], a["articleName"]) for a in stored] == [("ART-1", "Claw hammer")]
    article = client.get_article("ART-1")
    assert article["articleSystemId"] == first["articleSystemId"] and article["weight"] == 1.2
    assert client.get_article("NO-SUCH") is None


def test_invalid_article_is_rejected_with_field_errors(client):
    with pytest.raises(RecordRejected) as info:
        client.put_article("ART-2", {"articleName": "Saw", "weight": "heavy"})
    assert "weight" in info.value.field_errors
    assert info.value.call == "ongoing PUT /api/v1/articles"


def test_goods_owners_are_kept_apart(client, creds):
    other = make_client(creds, goods_owner_id=2)
    other.put_article("ART-OTHER", {"articleName": "Only for owner 2"})
    assert client.get_article("ART-OTHER") is None
    assert other.get_article("ART-OTHER")["goodsOwner"]["id"] == 2


def test_inventory_tracks_physical_and_sellable_through_an_order(client, sandbox):
    client.put_article("ART-3", {"articleName": "Drill"})
    sandbox.control("POST", "ongoing/articles/ART-3/stock", json={"physical": 10, "sellable": 8})
    inventory = client.get_article_inventory("ART-3")
    assert (inventory["numberOfItems"], inventory["sellableNumberOfItems"]) == (10, 8)
    client.put_order("SO-3", order_payload((1, "ART-3", 3)))
    inventory = client.get_article_inventory("ART-3")
    assert (inventory["numberOfItems"], inventory["sellableNumberOfItems"], inventory["numberOfBookedItems"]) == (10, 5, 3)
    sandbox.control("POST", "ongoing/orders/SO-3/ship")
    inventory = client.get_article_inventory("ART-3")
    assert (inventory["numberOfItems"], inventory["sellableNumberOfItems"]) == (7, 5)
    assert client.get_article_inventory("NO-SUCH") is None


def test_last_in_date_is_the_last_goods_in_not_a_count_down(client, sandbox):
    client.put_article("ART-IN", {"articleName": "Saw"})
    assert client.get_article_inventory("ART-IN")["lastInDate"] is None, "never had stock: no goods-in yet"
    sandbox.control("POST", "ongoing/articles/ART-IN/stock", json={"physical": 4})
    received = client.get_article_inventory("ART-IN")["lastInDate"]
    assert received is not None
    sandbox.control("POST", "ongoing/articles/ART-IN/stock", json={"physical": 1})
    assert client.get_article_inventory("ART-IN")["lastInDate"] == received, "a count down is no goods-in"


def test_order_lifecycle_pick_refused_update_ship_and_shipped_detection(client, sandbox):
    client.put_article("ART-4", {"articleName": "Level"})
    created = client.put_order("SO-4", order_payload((1, "ART-4", 2)))
    updated = client.put_order("SO-4", order_payload((1, "ART-4", 5), (2, "ART-4", 1)))
    assert created["orderId"] == updated["orderId"]
    order = client.get_order("SO-4")
    assert order["orderInfo"]["orderStatus"]["number"] == 200
    assert [line["orderedNumberOfItems"] for line in order["orderLines"]] == [5, 1]
    assert [o["orderInfo"]["orderNumber"] for o in client.get_orders(status=200)] == ["SO-4"]

    sandbox.control("POST", "ongoing/orders/SO-4/pick")
    assert client.get_order("SO-4")["orderInfo"]["orderStatus"]["number"] == 400
    with pytest.raises(RecordRejected) as info:
        client.put_order("SO-4", order_payload((1, "ART-4", 9)))
    assert "cannot be updated" in str(info.value) and "Picked" in str(info.value)
    assert info.value.call == "ongoing PUT /api/v1/orders"

    shipped_at = datetime(2024, 6, 4, 9, 30, tzinfo=UTC)
    sandbox.control("POST", "ongoing/orders/SO-4/ship", json={"shippedTime": shipped_at.isoformat()})
    shipped = client.get_orders(shipped_time_from=shipped_at)
    assert [o["orderInfo"]["orderNumber"] for o in shipped] == ["SO-4"]
    info_block = shipped[0]["orderInfo"]
    assert info_block["orderStatus"]["number"] == 450 and parse_time(info_block["shippedTime"]) == shipped_at
    assert shipped[0]["tracking"][0]["waybill"] == info_block["wayBill"]
    assert client.get_orders(shipped_time_from=shipped_at + timedelta(seconds=1)) == []
    assert client.get_orders(status=200) == []
    assert len(client.get_orders(status_from=450, status_to=999)) == 1


def test_order_referring_to_unknown_article_is_rejected(client):
    with pytest.raises(RecordRejected) as info:
        client.put_order("SO-5", order_payload((1, "MISSING", 1)))
    assert "orderLines[0].articleNumber" in info.value.field_errors
    assert client.get_order("SO-5") is None


def test_statuses_are_read_from_the_warehouse(client):
    statuses = client.get_order_statuses()
    assert statuses[200] == "Open" and statuses[400] == "Picked" and statuses[450] == "Sent"


def test_paging_reads_every_page_once_with_small_max(creds):
    session = CountingSession()
    client = make_client(creds, session=session)
    numbers = [f"P-{i:03d}" for i in range(23)]
    for number in numbers:
        client.put_article(number, {"articleName": f"Part {number}"})
    for i in range(12):
        client.put_order(f"SO-P{i:02d}", order_payload((1, numbers[i], 1)))
    session.sent.clear()
    articles = client.get_articles(page_size=5)
    assert [a["articleNumber"] for a in articles] == numbers
    assert len(session.sent) == 6  # 5+5+5+5+3, then the empty page that ends the cursor
    assert all("maxArticlesToGet=5" in s for s in session.sent)
    session.sent.clear()
    orders = client.get_orders(page_size=5)
    assert [o["orderInfo"]["orderNumber"] for o in orders] == [f"SO-P{i:02d}" for i in range(12)]
    assert len(session.sent) == 4


def test_429_with_retry_after_is_honoured(creds, sandbox):
    sandbox.control("POST", "ongoing/faults", json={"next": "limit", "count": 1})
    sleeps = Sleeps(really=True)
    patient = make_client(creds, sleep=sleeps)
    assert patient.get_order_statuses()[450] == "Sent"
    assert sleeps.calls and sleeps.calls[0] >= 1.0


def test_429_beyond_the_attempts_is_rate_limited(creds, sandbox):
    sandbox.control("POST", "ongoing/faults", json={"next": "limit", "count": 3})
    impatient = make_client(creds, retry=RetryPolicy(attempts=3, backoff_base=0.01), sleep=Sleeps(really=False))
    with pytest.raises(RateLimited) as info:
        impatient.get_order_statuses()
    assert info.value.retry_after == 1.0 and info.value.call == "ongoing GET /api/v1/orders/statuses"


def test_ten_percent_faults_still_complete_without_duplicates(client, sandbox):
    sandbox.control(
        "POST", "ongoing/faults",
        json={"rate": 0.1, "seed": 11, "kinds": ["5xx", "limit", "drop", "malformed", "html", "latency"],
              "latency_ms": 20},
    )
    numbers = [f"F-{i:03d}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: client.put_article(n, {"articleName": n, "weight": 0.5}), numbers))
        list(pool.map(lambda i: client.put_order(f"SO-F{i:02d}", order_payload((1, numbers[i], 2))), range(15)))
    read_back = client.get_articles(page_size=7)
    orders = client.get_orders(page_size=4)
    faults = sandbox.control("GET", "ongoing/faults").json()
    assert sum(n for kind, n in faults["injected"].items() if kind != "latency") >= 1
    sandbox.control("DELETE", "ongoing/faults")
    stored = sandbox.control("GET", "ongoing/articles").json()
    assert sorted(a["articleNumber"] for a in stored) == numbers
    assert sorted(a["articleNumber"] for a in read_back) == numbers
    assert {r["articleSystemId"] for r in results} == {a["articleSystemId"] for a in stored}
    assert len(sandbox.control("GET", "ongoing/orders").json()) == 15 == len(orders)


def test_put_supplier_rewrites_the_supplier_on_its_articles_only(client):
    client.put_article("S-1", {"articleName": "Bolt", "supplierInfo": {"supplierNumber": "900", "supplierName": "Old AS",
                                                                        "supplierArticleNumber": "B-77"}})
    client.put_article("S-2", {"articleName": "Nut", "supplierInfo": {"supplierNumber": "900", "supplierName": "Old AS"}})
    client.put_article("S-3", {"articleName": "Washer", "supplierInfo": {"supplierNumber": "901", "supplierName": "Other"}})
    assert client.put_supplier("900", {"supplierName": "New AS"}) == ["S-1", "S-2"]
    assert client.put_supplier("900", {"supplierName": "New AS"}) == []
    bolt = client.get_article("S-1")
    assert bolt["supplierInfo"] == {"supplierNumber": "900", "supplierName": "New AS", "supplierArticleNumber": "B-77"}
    assert bolt["articleName"] == "Bolt"
    assert client.get_article("S-3")["supplierInfo"]["supplierName"] == "Other"
    with pytest.raises(ValueError, match="cannot hold"):
        client.put_supplier("900", {"supplierName": "X", "address": "Storgata 1"})
    with pytest.raises(NotFound):
        client.put("api/v1/suppliers", json_body={"supplierNumber": "900"})


def test_from_env_names_missing_keys_and_works_with_all_of_them(creds):
    with pytest.raises(ConfigError) as info:
        OngoingClient.from_env({"ONGOING_BASE_URL": creds["baseUrl"], "ONGOING_USERNAME": creds["username"]})
    assert "ONGOING_PASSWORD" in str(info.value) and "ONGOING_GOODS_OWNER_ID" in str(info.value)
    env = {
        "ONGOING_BASE_URL": creds["baseUrl"], "ONGOING_USERNAME": creds["username"],
        "ONGOING_PASSWORD": creds["password"], "ONGOING_GOODS_OWNER_ID": str(creds["goodsOwnerId"]),
    }
    client = OngoingClient.from_env(env, retry=FAST_RETRY)
    assert client.get_order_statuses()[200] == "Open"
    assert creds["password"] not in repr(client)
    with pytest.raises(ValueError, match="differs"):
        client.put_article("A-1", {"articleNumber": "A-2"})
