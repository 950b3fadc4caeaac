"""R1, R2, R3 and the readiness gate end to end: Dagster jobs against both sandboxes over HTTP."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines.flows.rackbeat.readiness import check_readiness
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e

LONG = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 26 characters: one more than Rackbeat takes
EDGE = LONG[:25]


@pytest.fixture
def env(sandbox: SandboxProcess, tmp_path: Path) -> dict:
    h.open_budget(sandbox)
    return {"db": tmp_path / "staging.duckdb", "inbox": tmp_path / "inbox.sqlite", "instance": dg.DagsterInstance.ephemeral()}


def _defs(sandbox: SandboxProcess, env: dict, **flows: dict) -> dg.Definitions:
    return h.definitions(h.entity_settings(**flows), h.resources(sandbox, env["db"], env["inbox"]))


def test_initial_sync_copies_registers_once_and_skips_a_26_character_number(sandbox, env):
    so24 = h.so24(sandbox)
    saved = so24.call("ProductService", "SaveProducts", products={"Product": [{"Id": 1005, "No": LONG}, {"Id": 1006, "No": EDGE}]})
    assert [s["APIException"] for s in saved] == [None, None]
    defs = _defs(sandbox, env)

    first = h.run_job(defs, "rackbeat_initial_sync", env["instance"], tags={"so24/flow": "R3"})
    assert first.success, h.step_failures(first)
    meta = h.metadata(first)
    products = meta["r1_products_to_rackbeat"]
    assert "'ABCDEFGHIJKLMNOPQRSTUVWXYZ' is 26 characters; Rackbeat allows at most 25" in products["preview"]
    assert products["skipped"] == 2  # the 26-character one and the sandbox's 31-character one
    assert products["created"] == 38

    rb = h.rackbeat(sandbox)
    assert rb.get_product(LONG) is None
    edge = rb.get_product(EDGE, with_field_values=True)
    assert edge is not None and h.field_value(edge, "24so product id") == "1006"
    linked = [p for p in rb.list_products(with_field_values=True) if h.field_value(p, "24so product id")]
    assert len(linked) == 38
    assert {g["number"] for g in rb.list_product_groups()} >= set(range(1, 11))
    customers = h.rows(env["db"], "SELECT count(*) FROM staging.so24_companies WHERE type IN ('Business', 'Consumer')")[0][0]
    rb_customers = [c for c in rb.iter_customers(with_field_values=True) if h.field_value(c, "24so customer id")]
    assert len(rb_customers) == customers == meta["r2_customers_to_rackbeat"]["created"]
    assert len(list(rb.iter_customers())) == customers + 2
    reasons = h.rows(
        env["db"],
        "SELECT reason FROM sync.sync_log WHERE flow = 'R1.products.to_rackbeat' AND source_key = '1005' AND action = 'skip'",
    )
    assert reasons and "26 characters" in reasons[0][0]

    again = h.run_job(defs, "rackbeat_initial_sync", env["instance"], tags={"so24/flow": "R3"})
    assert again.success, h.step_failures(again)
    assert set(h.writes(again).values()) == {0}
    assert len(list(rb.iter_products())) == 3 + 38


def test_products_follow_24so_and_a_rerun_writes_nothing(sandbox, env):
    defs = _defs(sandbox, env, R1={"products": "24so"}, R2={"customers": "24so", "suppliers": "24so"})
    first = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert first.success, h.step_failures(first)
    assert h.metadata(first)["r1_products_to_so24"]["idle"].startswith("direction is '24so'")

    so24 = h.so24(sandbox)
    so24.call("ProductService", "SaveProducts", products={"Product": [{"Id": 1010, "Price": Decimal("4321.50")}]})
    second = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert second.success, h.step_failures(second)
    assert h.writes(second)["r1_products_to_rackbeat"] == 1
    assert h.rackbeat(sandbox).get_product("P-001010")["sales_price"] == 4321.5

    third = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert set(h.writes(third).values()) == {0}
    # A quiet tick does not map again what did not change: each product sent is settled by its
    # remembered inputs (the edited one too, by its new ones), while the one Rackbeat cannot hold
    # (the sandbox's 31-character number) is mapped, and reported skipped, on every tick.
    products = h.metadata(third)["r1_products_to_rackbeat"]
    remembered = h.rows(env["db"], "SELECT count(*) FROM sync.mapped_inputs WHERE flow = 'R1.products.to_rackbeat'")
    assert remembered[0][0] == products["unchanged"] > 0
    assert products["skipped"] == 1 and "31 characters" in products["preview"]


def test_both_directions_converge_without_ping_pong(sandbox, env):
    both = {"R1": {"products": "both"}, "R2": {"customers": "both", "suppliers": "both"}}
    defs = _defs(sandbox, env, **both)
    first = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert first.success, h.step_failures(first)
    assert h.writes(first)["r2_customers_to_so24"] == 2  # the two customers made in Rackbeat before the hub

    second = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert second.success, h.step_failures(second)
    assert set(h.writes(second).values()) == {0}, h.writes(second)

    rb, so24 = h.rackbeat(sandbox), h.so24(sandbox)
    rb.update_product("P-001001", {"name": "Omdøpt i Rackbeat"})
    so24.call("ProductService", "SaveProducts", products={"Product": [{"Id": 1003, "Price": Decimal("999.50")}]})
    third = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert third.success, h.step_failures(third)
    changed = {k: v for k, v in h.writes(third).items() if v}
    assert changed == {"r1_products_to_so24": 1, "r1_products_to_rackbeat": 1}
    assert h.so24_product(so24, 1001)["Name"] == "Omdøpt i Rackbeat"
    assert rb.get_product("P-001003")["sales_price"] == 999.5

    fourth = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert set(h.writes(fourth).values()) == {0}, h.writes(fourth)


def test_customer_created_in_rackbeat_lands_in_24so_in_nok_and_norwegian(sandbox, env):
    defs = _defs(sandbox, env, R2={"customers": "rackbeat", "suppliers": "rackbeat"})
    made = sandbox.control("POST", "rackbeat/customers", json={"name": "Havbris Sjømat AS", "contact_email": "post@havbris.example"})
    number = made.json()["customer"]["number"]

    result = h.run_job(defs, "rackbeat_created_to_so24", env["instance"])
    assert result.success, h.step_failures(result)
    so24 = h.so24(sandbox)
    [company] = h.so24_companies_by_external_id(so24, str(number))
    assert (company["Name"], company["Type"], company["CurrencyId"], company["InvoiceLanguage"]) == (
        "Havbris Sjømat AS", "Business", "NOK", "NO",
    )  # fmt: skip
    customer = h.rackbeat(sandbox).get_customer(number, with_field_values=True)
    assert h.field_value(customer, "24so customer id") == str(company["Id"])
    assert h.metadata(result)["r1_products_to_so24"]["idle"].startswith("direction is '24so'")

    again = h.run_job(defs, "rackbeat_created_to_so24", env["instance"])
    assert set(h.writes(again).values()) == {0}
    assert len(h.so24_companies_by_external_id(so24, str(number))) == 1


def test_a_missing_supplier_group_stops_the_initial_sync_naming_what_to_create(sandbox, env):
    rb = h.rackbeat(sandbox)
    rb.create_supplier_group(2, "Leverandører")
    for supplier in rb.iter_suppliers():
        rb.update_supplier(int(supplier["number"]), {"supplier_group_id": 2})
    rb.delete(f"supplier-groups/{1}")
    report = check_readiness(rb, ensure_fields=False)
    assert not report.ok
    assert "Create supplier group number 1 named 'Suppliers' in Rackbeat" in report.to_markdown()

    result = h.run_job(_defs(sandbox, env), "rackbeat_initial_sync", env["instance"], tags={"so24/flow": "R3"})
    assert not result.success
    failure = h.step_failures(result)["rackbeat_setup"]
    assert "Create supplier group number 1 named 'Suppliers'" in failure
    assert "r1_products_to_rackbeat" not in h.metadata(result)
    assert len(list(rb.iter_products())) == 3 and len(list(rb.iter_customers())) == 2


def test_initial_sync_adopts_what_the_user_already_made_in_rackbeat(sandbox, env):
    name = h.so24_company(sandbox, 10002)["Name"]
    sandbox.control("POST", "rackbeat/customers", json={"name": name})
    sandbox.control(
        "POST", "rackbeat/products", json={"number": "P-001007", "name": "Made by hand", "group": 1001, "sales_price": 1}
    )
    result = h.run_job(_defs(sandbox, env), "rackbeat_initial_sync", env["instance"], tags={"so24/flow": "R3"})
    assert result.success, h.step_failures(result)

    rb = h.rackbeat(sandbox)
    namesakes = [c for c in rb.iter_customers(search=name, with_field_values=True) if c["name"] == name]
    assert [h.field_value(c, "24so customer id") for c in namesakes] == ["10002"]
    product = rb.get_product("P-001007", with_field_values=True)
    assert h.field_value(product, "24so product id") == "1007"
    assert product["name"] == h.so24_product(h.so24(sandbox), 1007)["Name"]
    assert len([p for p in rb.iter_products() if p["number"] == "P-001007"]) == 1


def test_dry_run_previews_the_initial_sync_and_writes_nothing(sandbox, env):
    result = h.run_job(_defs(sandbox, env, R3={"dry_run": True}), "rackbeat_initial_sync", env["instance"])
    assert result.success, h.step_failures(result)
    products = h.metadata(result)["r1_products_to_rackbeat"]
    assert (products["dry_run"], products["planned_create"], products["created"]) == (True, 39, 0)
    assert "| create | 1001 | 1001 |" in products["preview"]
    assert len(list(h.rackbeat(sandbox).iter_products())) == 3
    assert h.rows(env["db"], "SELECT count(*) FROM sync.id_map WHERE flow LIKE 'R%'")[0][0] == 0
