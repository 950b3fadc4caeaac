"""E1-E7 materialized with Dagster against the 24SO sandbox over HTTP."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import pytest

from so24_pipelines_tests.e2e.so24_harness import (
    backfill_assets,
    materialize_extraction,
    metadata,
    resources,
    rows,
)

pytestmark = pytest.mark.e2e


def _sandbox_list(sandbox, entity: str) -> list[dict]:
    return sandbox.control("GET", f"24so/{entity}").json()


def test_extraction_stages_exactly_the_sandbox_data_and_a_rerun_changes_nothing(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    res = resources(sandbox, db)
    first = materialize_extraction(res)
    assert first.success

    products = {p["Id"]: p for p in _sandbox_list(sandbox, "products")}
    staged = {r[0]: r for r in rows(db, "SELECT id, name, no, ean1, stock, category_id FROM staging.so24_products")}
    assert set(staged) == set(products)
    for pid, p in products.items():
        _, name, no, ean1, stock, category = staged[pid]
        assert name == p["Name"] and no == p.get("No") and ean1 == p.get("EAN1")
        assert stock == (Decimal(str(p["Stock"])) if p.get("Stock") is not None else None)
        assert category == p.get("CategoryId")

    orders = _sandbox_list(sandbox, "orders")
    staged_orders = dict(rows(db, "SELECT order_id, order_status FROM staging.so24_orders"))
    assert staged_orders == {o["OrderId"]: o["OrderStatus"] for o in orders}
    sandbox_rows = {(o["OrderId"], r["RowId"]) for o in orders for r in o["rows"]}
    assert set(rows(db, "SELECT order_id, row_id FROM staging.so24_order_rows")) == sandbox_rows

    for entity, table, key in [
        ("companies", "so24_companies", "Id"),
        ("categories", "so24_categories", "Id"),
        ("projects", "so24_projects", "Id"),
        ("work_types", "so24_work_types", "Id"),
        ("salary_types", "so24_salary_types", "Id"),
    ]:
        expected = {r[key] for r in _sandbox_list(sandbox, entity)}
        assert {r[0] for r in rows(db, f"SELECT id FROM staging.{table}")} == expected, entity  # noqa: S608
    employees = {p["Id"] for p in _sandbox_list(sandbox, "persons") if p.get("IsEmployee")}
    assert {r[0] for r in rows(db, "SELECT id FROM staging.so24_persons")} == employees

    before = rows(db, "SELECT * EXCLUDE (_extracted_at) FROM staging.so24_products ORDER BY id")
    second = materialize_extraction(res)
    assert second.success
    for asset in ("so24_products", "so24_companies", "so24_orders", "so24_projects", "so24_persons"):
        meta = metadata(second, asset)
        assert (meta["inserted"], meta["updated"]) == (0, 0), asset
    assert metadata(second, "so24_orders")["mode"] == "incremental"
    assert rows(db, "SELECT * EXCLUDE (_extracted_at) FROM staging.so24_products ORDER BY id") == before


def test_a_change_in_24so_appears_after_the_next_incremental_run(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    res = resources(sandbox, db)
    assert materialize_extraction(res).success
    product = _sandbox_list(sandbox, "products")[3]
    order = _sandbox_list(sandbox, "orders")[5]
    sandbox.control("PATCH", f"24so/products/{product['Id']}", json={"Name": "Renamed in 24SO", "Stock": "77"})
    sandbox.control("PATCH", f"24so/orders/{order['OrderId']}", json={"OrderStatus": "Production"})

    result = materialize_extraction(res)
    assert result.success
    assert rows(db, f"SELECT name, stock FROM staging.so24_products WHERE id = {int(product['Id'])}") == [  # noqa: S608
        ("Renamed in 24SO", Decimal("77.0000"))
    ]
    assert rows(db, f"SELECT order_status FROM staging.so24_orders WHERE order_id = {int(order['OrderId'])}") == [  # noqa: S608
        ("Production",)
    ]
    meta = metadata(result, "so24_products")
    assert meta["mode"] == "incremental" and meta["updated"] == 1


def test_initial_sync_backfill_over_batches_yields_exactly_the_sandbox_rows(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    res = resources(sandbox, db, batch_size=7)
    instance = dg.DagsterInstance.ephemeral()
    plan_assets = [a for a in backfill_assets() if a.key.to_user_string().endswith("_batches")]
    initial = {a.key.to_user_string(): a for a in backfill_assets() if a.key.to_user_string().endswith("_initial")}
    assert dg.materialize(plan_assets, resources=res, instance=instance).success

    order_keys = instance.get_dynamic_partitions("so24_order_batches")
    orders = _sandbox_list(sandbox, "orders")
    assert len(order_keys) == -(-len(orders) // 7) > 1
    for key in order_keys:
        assert dg.materialize([initial["so24_orders_initial"]], resources=res, instance=instance, partition_key=key).success
    for key in instance.get_dynamic_partitions("so24_company_batches"):
        assert dg.materialize([initial["so24_companies_initial"]], resources=res, instance=instance, partition_key=key).success

    assert {r[0] for r in rows(db, "SELECT order_id FROM staging.so24_orders")} == {o["OrderId"] for o in orders}
    assert len(rows(db, "SELECT 1 FROM staging.so24_order_rows")) == sum(len(o["rows"]) for o in orders)
    companies = {c["Id"] for c in _sandbox_list(sandbox, "companies")}
    assert {r[0] for r in rows(db, "SELECT id FROM staging.so24_companies")} == companies

    # After the backfill the schedule's run is incremental from the plan time: nothing new to read.
    after = materialize_extraction(res, instance)
    assert after.success
    assert metadata(after, "so24_orders")["mode"] == "incremental"
    assert metadata(after, "so24_orders")["inserted"] == 0
