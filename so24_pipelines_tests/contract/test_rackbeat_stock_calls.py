"""The Rackbeat stock calls R8 and R3's opening stock make, against the sandbox over real HTTP.

- `inventory_adjustments(number, limit=1)`: has Rackbeat ever adjusted this product (the list is
  filtered by `item_number`; a new product has none);
- `adjust_stock`: how Rackbeat sets stock (a change, with reason and description), found again
  by its description;
- the sandbox's switch for what the reference leaves open: whether a product create also fires
  `inventory.changed` (off by default).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.rackbeat import RackbeatClient

pytestmark = pytest.mark.contract


@pytest.fixture
def rb(sandbox) -> Iterator[RackbeatClient]:
    c = sandbox.control("GET", "rackbeat/credentials").json()
    client = RackbeatClient(
        c["baseUrl"], c["token"], retry=RetryPolicy(attempts=6, backoff_base=0.01, backoff_max=0.05),
        requests_per_minute=60_000, burst=100,
    )  # fmt: skip
    yield client
    client.close()


def _product(rb: RackbeatClient, number: str) -> None:
    rb.create_product({"number": number, "name": f"Vare {number}", "group": 1001, "sales_price": 10})


def test_a_new_product_has_no_adjustments_until_its_stock_is_set(rb: RackbeatClient) -> None:
    _product(rb, "NY/1")
    _product(rb, "NY-2")
    assert rb.inventory_adjustments("NY/1", limit=1) == []
    assert rb.get_stock("NY/1")["stock_quantity"] == 0

    rb.adjust_stock("NY/1", 498.5, reason="24SO opening stock", description="so24-pipelines: opening stock 7")
    [adjustment] = rb.inventory_adjustments("NY/1") or []
    assert (adjustment["item_number"], adjustment["quantity"]) == ("NY/1", 498.5)
    assert adjustment["description"] == "so24-pipelines: opening stock 7"
    assert rb.get_stock("NY/1")["stock_quantity"] == 498.5
    assert rb.inventory_adjustments("NY-2", limit=1) == [], "the list is per product"


def test_whether_a_create_fires_inventory_changed_is_a_sandbox_switch(sandbox) -> None:
    assert sandbox.control("GET", "rackbeat/behaviour").json() == {"inventory_changed_on_create": False}
    assert sandbox.control("POST", "rackbeat/behaviour", json={"inventory_changed_on_create": True}).json() == {
        "inventory_changed_on_create": True
    }
    with pytest.raises(Exception, match="400"):
        sandbox.control("POST", "rackbeat/behaviour", json={"fires_everything": True})
    sandbox.reset()
    assert sandbox.control("GET", "rackbeat/behaviour").json() == {"inventory_changed_on_create": False}
