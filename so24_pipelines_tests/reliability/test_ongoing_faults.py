"""With 10 % faults on both 24SO and Ongoing, O1-O5 end in exactly the fault-free state.

The same scenario runs twice on a freshly reset sandbox: once clean, once with faults (5xx, 429,
dropped connections after the work was done, truncated bodies, HTML error pages) injected into
every 24SO and Ongoing API call. Connectors retry what they may; what still fails is kept in
sync.failed_records and retried on the next tick; so the faulty run ticks until nothing is left
failing (bounded), exactly as the 15-minute schedule would. Then both worlds must be equal:
no order or article twice, no status or stock missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.settings import Settings
from so24_pipelines_tests.e2e.ongoing_harness import (
    confirmed_orders,
    extract,
    failed,
    o_resources,
    o_settings,
    run,
    so24_list,
    so24_patch,
    wms_articles,
    wms_orders,
)

pytestmark = pytest.mark.reliability

KINDS = ["5xx", "limit", "drop", "malformed", "html"]
FLOWS = {"ongoing_articles": ("O1",), "ongoing_orders": ("O2",), "ongoing_order_status": ("O3",),
         "ongoing_suppliers": ("O4",), "ongoing_stock": ("O5",)}
MAX_TICKS = 8


def settle(settings: Settings, res: dict[str, Any], db: Path, *keys: str) -> int:
    """Tick the flows until a tick ends with nothing failed; returns the ticks it took."""
    for tick in range(1, MAX_TICKS + 1):
        result: dg.ExecuteInProcessResult = run(settings, res, *keys, expect_success=False)
        if result.success and not any(failed(db, flow) for key in keys for flow in FLOWS[key]):
            return tick
    raise AssertionError(f"still failing after {MAX_TICKS} ticks: {[failed(db, f) for k in keys for f in FLOWS[k]]}")


def extract_until_done(res: dict[str, Any]) -> None:
    for _ in range(MAX_TICKS):
        try:
            extract(res)
            return
        except AssertionError:
            continue
    raise AssertionError("extraction kept failing")


def scenario(sandbox, settings: Settings, res: dict[str, Any], db: Path) -> int:
    """Articles, suppliers, orders; the warehouse ships one and counts stock; status and stock back."""
    ticks = 0
    extract_until_done(res)
    ticks += settle(settings, res, db, "ongoing_articles", "ongoing_suppliers", "ongoing_orders")
    shipped = confirmed_orders(sandbox)[0]["OrderId"]
    sandbox.control("POST", f"ongoing/orders/{shipped}/ship", json={"shippedTime": "2026-11-01T10:00:00Z"})
    for n, number in enumerate(sorted(wms_articles(sandbox))[:5]):
        sandbox.control("POST", f"ongoing/articles/{number}/stock", json={"physical": 50 + n})
    ticks += settle(settings, res, db, *FLOWS)
    return ticks


def world(sandbox) -> dict[str, Any]:
    """Both systems' state without the ids and times each run assigns anew."""
    articles = {}
    for n, a in wms_articles(sandbox).items():
        article = {k: v for k, v in a.items() if k not in ("articleSystemId", "articleDataLastUpdated")}
        # the goods-in time is the moment of the count: whether there was one is state, when is not
        inventory = dict(article.get("inventoryInfo") or {})
        inventory["lastInDate"] = inventory.get("lastInDate") is not None
        articles[n] = {**article, "inventoryInfo": inventory}
    orders = {}
    for number, o in wms_orders(sandbox).items():
        info = {k: v for k, v in o["orderInfo"].items() if k not in ("orderId", "createdDate", "wayBill")}
        lines = [(line["rowNumber"], line["article"]["articleNumber"], line["orderedNumberOfItems"],
                  line["pickedNumberOfItems"]) for line in o["orderLines"]]
        consignee = {k: v for k, v in o["consignee"].items() if k != "id"}
        orders[number] = (info, consignee, lines)
    return {
        "articles": articles,
        "orders": orders,
        "so24_orders": {o["OrderId"]: o["OrderStatus"] for o in so24_list(sandbox, "orders")},
        "so24_stock": {p["Id"]: p["Stock"] for p in so24_list(sandbox, "products")},
    }


def test_ten_percent_faults_on_both_sides_end_in_the_fault_free_state(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch, {"O4": {"enabled": True}, "O3": {"set_status_on_import": True}})
    supplier = next(c for c in so24_list(sandbox, "companies") if c["Type"] == "Supplier")

    def prepare() -> None:
        for product in so24_list(sandbox, "products")[:4]:
            so24_patch(sandbox, "products", product["Id"], {"SupplierId": supplier["Id"]})

    prepare()
    clean_db = tmp_path / "clean.duckdb"
    clean_ticks = scenario(sandbox, settings, o_resources(sandbox, clean_db), clean_db)
    clean = world(sandbox)

    sandbox.reset()
    prepare()
    spec = {"rate": 0.1, "kinds": KINDS}
    sandbox.control("POST", "24so/faults", json={**spec, "seed": 7})
    sandbox.control("POST", "ongoing/faults", json={**spec, "seed": 8})
    faulty_db = tmp_path / "faulty.duckdb"
    res = o_resources(sandbox, faulty_db, so24={"max_retries": 8})
    faulty_ticks = scenario(sandbox, settings, res, faulty_db)
    injected = {system: sandbox.control("GET", f"{system}/faults").json()["injected"] for system in ("24so", "ongoing")}
    sandbox.control("DELETE", "24so/faults")
    sandbox.control("DELETE", "ongoing/faults")

    assert sum(injected["24so"].values()) > 0 and sum(injected["ongoing"].values()) > 0, injected
    assert clean_ticks == 2
    assert faulty_ticks >= clean_ticks
    assert world(sandbox) == clean
    assert any(status == "OrderState_Sent" for status in clean["so24_orders"].values())
    assert any(status == "Pack" for status in clean["so24_orders"].values())
