"""L2 end to end: Le New Black B2B orders become 24SO orders through the job `lnb_orders`, run in
process against the sandbox over HTTP (LNB and 24SO), with the 24SO staging made by E1/E3 as shipped.

Expectations come from the sandboxes' control APIs (what a 24SO user and the brand's LNB user
see), never from the code under test. The seed 002 callouts each have a named test:
"customers without a valid customer reference will block the order export" and "after the order
has been exported from Le New Black, any further changes must be done directly into 24SevenOffice".
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.connectors.errors import TransientError
from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.defs.lnb.orders import ASSET
from so24_pipelines_tests.e2e.lnb_orders_harness import (
    BAD_REFERENCE_RETAILER,
    NO_REFERENCE_RETAILER,
    Hub,
    coded_skus,
    create_lnb_order,
    lnb_orders,
    lnb_retailers,
    meta,
    so24_orders_by_reference,
    so24_products,
    writes,
)
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def hub(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[Hub]:
    hub = Hub(sandbox, tmp_path)
    hub.extract()
    yield hub


def check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.asset_key == dg.AssetKey(ASSET)]
    return evaluation


def customers(sandbox: SandboxProcess) -> set[int]:
    return {
        c["Id"]
        for c in sandbox.control("GET", "24so/companies").json()
        if c["Type"] in ("Business", "Consumer")
    }


def exportable(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    """The LNB orders in status confirmed whose retailer reference is a 24SO customer id and whose
    every line's EAN13 is a 24SO product's EAN1: what L2 must export, as the two users see it."""
    known = customers(sandbox)
    eans = {p.get("EAN1") for p in so24_products(sandbox).values() if p.get("EAN1")}
    return {
        ref: order
        for ref, order in lnb_orders(sandbox).items()
        if order["status"] == "confirmed"
        and (order["retailer_reference"] or "").isdigit()
        and int(order["retailer_reference"]) in known
        and all(item["ean13"] in eans for item in order["items"])
    }


def free_customer(sandbox: SandboxProcess) -> int:
    """A 24SO customer id no LNB retailer has as its reference (retailer references are unique)."""
    used = {r["reference"] for r in lnb_retailers(sandbox).values()}
    return min(c for c in customers(sandbox) if str(c) not in used)


def rows_as_24so_holds_them(order: dict[str, Any]) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    return [
        (r["ProductId"], Decimal(r["Quantity"]), Decimal(r["Price"]), Decimal(r.get("DiscountRate") or "0"))
        for r in order["rows"]
    ]


def rows_as_lnb_holds_them(
    sandbox: SandboxProcess, order: dict[str, Any]
) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    by_ean = {p["EAN1"]: p["Id"] for p in so24_products(sandbox).values() if p.get("EAN1")}
    return [
        (by_ean[i["ean13"]], Decimal(i["quantity"]), Decimal(str(i["unit_price"])),
         Decimal(str(i["discount_rate"])) * 100)
        for i in order["items"]
    ]  # fmt: skip


def test_confirmed_orders_become_24so_orders_with_their_customer_and_rows(hub: Hub, sandbox: SandboxProcess):
    skus = coded_skus(sandbox)
    made = sandbox.control("POST", "lnb/orders", json={
        "retailer_id": 1, "status": "confirmed", "purchase_order_reference": "PO-77", "comment": "Før jul",
        "items": [{"ean13": skus[0]["ean13"], "quantity": 3, "unit_price": 199.5, "discount_rate": 0.15},
                  {"ean13": skus[5]["ean13"], "quantity": 12}],
    }).json()  # fmt: skip
    expected = exportable(sandbox)
    assert made["reference"] in expected and len(expected) >= 3

    result = hub.l2()

    in_24so = so24_orders_by_reference(sandbox)
    assert sorted(r for r in in_24so if r in lnb_orders(sandbox)) == sorted(expected)
    for reference, lnb in expected.items():
        (order,) = in_24so[reference]
        assert order["CustomerId"] == int(lnb["retailer_reference"])
        assert order["OrderStatus"] == "Confirmed"
        assert rows_as_24so_holds_them(order) == rows_as_lnb_holds_them(sandbox, lnb)
        assert order.get("YourReference") == lnb["purchase_order_reference"]
    mine = in_24so[made["reference"]][0]
    assert rows_as_24so_holds_them(mine)[0][1:] == (Decimal(3), Decimal("199.5"), Decimal(15))
    assert mine["InvoiceText"] == "Før jul"

    # Acknowledged in LNB once 24SO had it; the others left as the brand set them.
    after = lnb_orders(sandbox)
    assert {r: after[r]["status"] for r in expected} == dict.fromkeys(expected, "closed")
    assert sandbox.control("GET", "lnb/stats").json()["status_changes"] == len(expected)
    m = meta(result)
    assert m["created"] == 2 * len(expected)  # the 24SO orders and their acknowledgements
    assert m["failed"] == 0 and check(result).passed
    assert sorted(hub.log("L2.ack")) == [(r, "create", None) for r in sorted(expected)]


def test_retailer_without_valid_customer_reference_blocks_its_order(hub: Hub, sandbox: SandboxProcess):
    """Seed 002: "Customers without a valid customer reference will block the order export"."""
    skus = coded_skus(sandbox)
    no_reference = create_lnb_order(sandbox, retailer_id=NO_REFERENCE_RETAILER, lines=[(skus[0]["ean13"], 2)])
    not_a_customer = create_lnb_order(
        sandbox, retailer_id=BAD_REFERENCE_RETAILER, lines=[(skus[1]["ean13"], 1)]
    )

    result = hub.l2()

    in_24so = so24_orders_by_reference(sandbox)
    assert no_reference["reference"] not in in_24so and not_a_customer["reference"] not in in_24so
    blocked = meta(result)["blocked_orders"]
    assert (
        f"order {no_reference['reference']}: the retailer Butikk 4 AS has no customer reference in LNB"
        in blocked
    )
    assert (
        "the customer reference 'NY-KUNDE' of retailer Butikk 7 AS is not the id of a 24SO customer"
        in blocked
    )
    skips = {key: reason for key, action, reason in hub.log() if action == "skip"}
    assert "no customer reference" in skips[no_reference["reference"]]
    assert "'NY-KUNDE'" in skips[not_a_customer["reference"]]
    statuses = {r: o["status"] for r, o in lnb_orders(sandbox).items()}
    assert statuses[no_reference["reference"]] == statuses[not_a_customer["reference"]] == "confirmed"
    assert check(result).passed, "a blocked order is a skip with its reason, not a failure"

    # The brand fixes the reference; the order's update_time does not move, and it still goes.
    customer = free_customer(sandbox)
    before = lnb_orders(sandbox)[not_a_customer["reference"]]["update_time"]
    sandbox.control("PATCH", f"lnb/retailers/{BAD_REFERENCE_RETAILER}", json={"reference": str(customer)})
    assert lnb_orders(sandbox)[not_a_customer["reference"]]["update_time"] == before
    hub.l2()
    (order,) = so24_orders_by_reference(sandbox)[not_a_customer["reference"]]
    assert order["CustomerId"] == customer
    assert lnb_orders(sandbox)[not_a_customer["reference"]]["status"] == "closed"
    assert no_reference["reference"] not in so24_orders_by_reference(sandbox)


def test_unknown_product_blocks_the_whole_order(hub: Hub, sandbox: SandboxProcess):
    skus = coded_skus(sandbox)
    body = {"retailer_id": 1, "status": "confirmed", "items": [
        {"ean13": skus[0]["ean13"], "quantity": 1},
        {"model": "SAMPLE-01", "fabric_code": "SMP", "size_name": "M", "quantity": 2},
    ]}  # fmt: skip
    sample = sandbox.control("POST", "lnb/orders", json=body).json()

    result = hub.l2()

    assert sample["reference"] not in so24_orders_by_reference(sandbox), "no order with part of its lines"
    reason = {k: r for k, _, r in hub.log()}[sample["reference"]]
    assert "line 2: Prøvekolleksjon jakke Grå M (EAN13 '', SKU '') is not a 24SO product" in reason
    assert "line 1" not in reason
    assert sample["reference"] in meta(result)["blocked_orders"]
    assert lnb_orders(sandbox)[sample["reference"]]["status"] == "confirmed"


def test_lines_match_by_sku_when_so_set(sandbox: SandboxProcess, tmp_path: Path):
    """LNB SKU 3 (index 2) has no EAN13 but the SKU P-001003: matched with product_key sku, blocked with ean13."""
    by_sku = Hub(sandbox, tmp_path / "sku", {"product_key": "sku"})
    by_sku.extract()
    line = next(s for s in sandbox.control("GET", "lnb/inventory").json() if s["sku"] == "P-001003")
    assert line["ean13"] is None
    made = sandbox.control("POST", "lnb/orders", json={
        "retailer_id": 2, "status": "confirmed", "items": [{"sku": "P-001003", "quantity": 4}],
    }).json()  # fmt: skip
    by_ean = Hub(sandbox, tmp_path / "ean", {"product_key": "ean13", "dry_run": True})
    by_ean.extract()
    preview = meta(by_ean.l2())["blocked_orders"]
    assert made["reference"] in preview and "is not a 24SO product" in preview

    by_sku.l2()
    (order,) = so24_orders_by_reference(sandbox)[made["reference"]]
    product = next(p for p in so24_products(sandbox).values() if p["No"] == "P-001003")
    assert [(r["ProductId"], Decimal(r["Quantity"])) for r in order["rows"]] == [(product["Id"], Decimal(4))]


def test_second_run_writes_nothing(hub: Hub, sandbox: SandboxProcess):
    first = hub.l2()
    assert writes(first) > 0
    orders, stats = (
        len(sandbox.control("GET", "24so/orders").json()),
        sandbox.control("GET", "lnb/stats").json(),
    )

    second = hub.l2()

    assert writes(second) == 0
    m = meta(second)
    assert m["failed"] == 0 and m["unchanged"] == meta(first)["created"] // 2
    assert len(sandbox.control("GET", "24so/orders").json()) == orders
    assert sandbox.control("GET", "lnb/stats").json()["status_changes"] == stats["status_changes"]


def test_after_export_changes_stay_in_24so(hub: Hub, sandbox: SandboxProcess):
    """Seed 002: "After the order has been exported from Le New Black, any further changes must be
    done directly into 24SevenOffice": an LNB edit is reported on every tick, never applied."""
    skus = coded_skus(sandbox)
    made = create_lnb_order(sandbox, retailer_id=2, lines=[(skus[0]["ean13"], 2), (skus[1]["ean13"], 5)])
    hub.l2()
    (exported,) = so24_orders_by_reference(sandbox)[made["reference"]]

    sandbox.control("PATCH", f"lnb/orders/{made['reference']}", json={
        "items": [{"ean13": skus[0]["ean13"], "quantity": 20}], "comment": "Endret etter eksport",
    })  # fmt: skip
    sandbox.control("PATCH", "lnb/retailers/2", json={"reference": str(free_customer(sandbox))})
    same_retailer = [r for r, o in lnb_orders(sandbox).items() if r in so24_orders_by_reference(sandbox)
                     and o["retailer_name"] == "Butikk 2 AS"]  # fmt: skip
    assert made["reference"] in same_retailer
    untouched = {r: so24_orders_by_reference(sandbox)[r] for r in same_retailer}
    for _ in range(2):  # reported on every tick while LNB and 24SO differ
        result = hub.l2()
        m = meta(result)
        assert writes(result) == 0
        assert m["not_applied"] == len(same_retailer), "the new reference changes every exported order of it"
        assert (
            "exported on " in m["not_applied_orders"]
            and "LNB edits are not applied" in m["not_applied_orders"]
        )
        assert check(result).passed

    assert {r: so24_orders_by_reference(sandbox)[r] for r in same_retailer} == untouched
    (now,) = so24_orders_by_reference(sandbox)[made["reference"]]
    assert now == exported, "the 24SO order stays exactly as it was exported"
    reason = [r for k, a, r in hub.log() if k == made["reference"] and a == "skip"][-1]
    assert f"as 24SO order {exported['OrderId']}; LNB edits are not applied" in reason
    assert hub.failed("L2") == {}


def test_failed_acknowledgement_is_retried_next_tick(hub: Hub, sandbox: SandboxProcess, monkeypatch):
    expected = exportable(sandbox)
    real = LnbClient.set_order_status

    def unavailable(self: LnbClient, reference: str, status: str) -> dict[str, Any]:
        raise TransientError("503 Service Unavailable (after retries)", call="POST orders/status")

    monkeypatch.setattr(LnbClient, "set_order_status", unavailable)
    first = hub.l2(expect_success=False)
    assert sorted(so24_orders_by_reference(sandbox).keys() & expected.keys()) == sorted(expected)
    assert sorted(hub.failed("L2.ack")) == sorted(expected)
    assert not check(first).passed
    assert {lnb_orders(sandbox)[r]["status"] for r in expected} == {"confirmed"}

    monkeypatch.setattr(LnbClient, "set_order_status", real)
    second = hub.l2()
    assert {lnb_orders(sandbox)[r]["status"] for r in expected} == {"closed"}
    assert hub.failed("L2.ack") == {} and check(second).passed
    m = meta(second)
    assert m["created"] == len(expected), "only the acknowledgements: no 24SO order twice"
    assert sum(len(v) for k, v in so24_orders_by_reference(sandbox).items() if k in expected) == len(expected)


def test_dry_run_previews_and_writes_nothing(hub: Hub, sandbox: SandboxProcess):
    expected = exportable(sandbox)
    orders = len(sandbox.control("GET", "24so/orders").json())

    result = hub.l2(dry_run=True)

    m = meta(result)
    assert m["dry_run"] is True and writes(result) == 0
    assert m["planned_create"] == len(expected), (
        "the acknowledgements follow the orders 24SO accepted: none yet"
    )
    for reference in expected:
        assert f"| create | {reference} |" in m["preview"]
    assert len(sandbox.control("GET", "24so/orders").json()) == orders
    assert {lnb_orders(sandbox)[r]["status"] for r in expected} == {"confirmed"}
    assert hub.l2().success and so24_orders_by_reference(sandbox).keys() >= expected.keys()
