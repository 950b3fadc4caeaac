"""R4, R5, R8 with 10 % faults on both sandboxes end where the fault-free run ends.

The same scenario runs twice on a freshly reset sandbox, once healthy and once with every kind
of fault at a 10 % rate on Rackbeat and 24SO (5xx, 429, dropped connections, truncated and HTML
bodies, and the two kinds that fail *after* the work was done). Each flow runs tick after tick
(its failed records are retried by the next one) until a tick fails nothing, and then the states
of both systems are compared: same orders, lines, shipments, 24SO statuses and stock.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_flow import run_orders
from so24_pipelines.flows.rackbeat.shipped import run_shipped
from so24_pipelines.flows.rackbeat.stock_events import run_stock
from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
    dump,
    prepare_rackbeat,
    rackbeat_client,
    rows,
    sendable_orders,
    so24_client,
    so24_order,
    stage_so24,
)

pytestmark = pytest.mark.reliability

MAX_TICKS = 12
FAULTS = {"rate": 0.1, "kinds": ["5xx", "limit", "drop", "malformed", "html", "latency"], "latency_ms": 50}


def _until_clean(tick) -> int:
    """Run ticks until one fails nothing; the number of ticks it took."""
    for n in range(1, MAX_TICKS + 1):
        if not tick(n):
            return n
    raise AssertionError(f"still failing after {MAX_TICKS} ticks")


def _scenario(sandbox, db: Path, *, faults: bool) -> tuple[dict[str, Any], dict[str, int]]:
    stage_so24(sandbox, db)
    rb = rackbeat_client(sandbox)
    ids = prepare_rackbeat(rb, db)
    orders = sendable_orders(db)
    ship = orders[: len(orders) - 2]
    products = [p["number"] for p in dump(sandbox, "products") if p["field_values"]][:8]
    if faults:
        for system in ("rackbeat", "24so"):
            sandbox.control("POST", f"{system}/faults", json={**FAULTS, "seed": 11})
    ticks = 0

    def r4(n: int) -> int:
        run = run_orders(RunContext.of(db, f"r4-{n}"), rb, so24_status="Confirmed", rackbeat_status="booked")
        return run.counts()["failed"] + rows(db, "SELECT count(*) FROM sync.id_map WHERE status <> 'synced'")[0][0]

    ticks += _until_clean(r4)
    for number in ship:
        sandbox.control("POST", f"rackbeat/orders/{number}/ship")
    for k, number in enumerate(products):
        sandbox.control("POST", f"rackbeat/products/{number}/stock", json={"change": k + 1})
    with so24_client(sandbox) as so24:

        def r5(n: int) -> int:
            numbers = ship if n == 1 else []
            loaded = run_shipped(RunContext.of(db, f"r5-{n}"), rb, so24, numbers, order_field_id=ids["orders"])
            return len(loaded.failures())

        def r8(n: int) -> int:
            numbers = products if n == 1 else []
            loaded = run_stock(RunContext.of(db, f"r8-{n}"), rb, so24, numbers, product_field_id=ids["products"])
            return len(loaded.failures())

        ticks += _until_clean(r5) + _until_clean(r8)
    injected = {
        s: sum(sandbox.control("GET", f"{s}/faults").json()["injected"].values())
        for s in ("rackbeat", "24so")
    }
    sandbox.control("DELETE", "rackbeat/faults")
    sandbox.control("DELETE", "24so/faults")
    rb.close()
    assert ticks >= 3
    return _snapshot(sandbox, db, orders, products), injected


def _snapshot(sandbox, db: Path, orders: list[int], products: list[str]) -> dict[str, Any]:
    rackbeat = {
        o["number"]: (
            o["customer"]["number"],
            o["is_booked"],
            o["is_shipped"],
            sorted((v["name"], v["value"]) for v in o["field_values"]),
            [(ln["item"]["number"], Decimal(str(ln["quantity"]))) for ln in o["lines"]],
        )
        for o in dump(sandbox, "orders")
    }
    shipments = sorted(s["order"]["number"] for s in dump(sandbox, "order-shipments"))
    statuses = {n: so24_order(sandbox, n)["OrderStatus"] for n in orders}
    linked = {p["number"]: p for p in dump(sandbox, "products")}
    stock = {}
    for number in products:
        so24_id = next(v["value"] for v in linked[number]["field_values"] if v["name"] == "24so product id")
        stock[number] = Decimal(sandbox.control("GET", f"24so/products/{so24_id}").json()["Stock"])
    pairs = rows(db, "SELECT rackbeat_order, count(*) FROM sync.rackbeat_order_lines GROUP BY 1 ORDER BY 1")
    return {
        "rackbeat": rackbeat,
        "shipments": shipments,
        "statuses": statuses,
        "stock": stock,
        "pairs": pairs,
    }


def test_ten_percent_faults_on_both_sandboxes_end_in_the_fault_free_state(sandbox, tmp_path):
    healthy, none = _scenario(sandbox, tmp_path / "healthy.duckdb", faults=False)
    assert none == {"rackbeat": 0, "24so": 0}
    shipped = set(healthy["shipments"])
    assert len(shipped) >= 3 and all(healthy["statuses"][n] == "OrderState_Sent" for n in shipped)
    sandbox.reset()
    faulty, injected = _scenario(sandbox, tmp_path / "faulty.duckdb", faults=True)
    assert injected["rackbeat"] > 0 and injected["24so"] > 0, injected
    assert faulty == healthy
