"""X7 for 24SO <-> Rackbeat end to end: after a clean sync nothing differs; each kind of drift is
found under its name, with the right side blamed, and goes once the owning flow has run."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines.defs.rackbeat.events import R8_ASSET
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.e2e import reconcile_harness as r
from so24_pipelines_tests.e2e import so24_harness
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(sandbox: SandboxProcess, tmp_path: Path) -> dict:
    h.open_budget(sandbox)
    db = tmp_path / "staging.duckdb"
    res = h.resources(sandbox, db, tmp_path / "inbox.sqlite")
    return {"db": db, "res": res, "instance": dg.DagsterInstance.ephemeral()}


def _defs(env: dict, **flows: dict) -> dg.Definitions:
    return h.definitions(h.entity_settings(**flows), env["res"])


def _clean_sync(env: dict, defs: dg.Definitions) -> None:
    for job in ("rackbeat_initial_sync", "rackbeat_opening_stock"):
        result = h.run_job(defs, job, env["instance"])
        assert result.success, h.step_failures(result)


def _extract(env: dict) -> None:
    assert so24_harness.materialize_extraction(env["res"], env["instance"]).success


def test_clean_sync_finds_nothing_and_a_24so_edit_is_named_then_pending_then_gone(sandbox, env):
    defs = _defs(env)
    _clean_sync(env, defs)
    clean = r.reconcile(defs, env["instance"])
    meta = r.report(clean, "rackbeat")
    assert (meta["differences"], meta["unexplained"]) == (0, 0)
    assert meta["products_paired"] == 39 and meta["customers_paired"] == 34 and meta["suppliers_paired"] == 6
    assert (
        meta["products_rackbeat_own"] == 3
    )  # made in Rackbeat before the hub; direction 24so keeps them there
    assert r.check_result(clean, "rackbeat").passed

    h.so24(sandbox).call(
        "ProductService", "SaveProducts", products={"Product": [{"Id": 1010, "Price": Decimal("4321.50")}]}
    )
    edited = r.reconcile(defs, env["instance"])
    rows = r.open_differences(env["db"], "rackbeat")
    assert r.named(rows) == {("products", "1010", "sales_price", "field")}
    (row,) = rows
    assert row.so24_value == "4321.5" and row.other_value not in (None, "4321.5")
    assert not row.pending and "extraction has not read it" in row.explanation
    assert row.repair.startswith("R1 writes sales_price=4321.5 to Rackbeat P-001010")
    check = r.check_result(edited, "rackbeat")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN

    _extract(env)
    staged = r.reconcile(defs, env["instance"])
    (row,) = r.open_differences(env["db"], "rackbeat")
    assert row.pending and "next run sends it" in row.explanation
    assert r.check_result(staged, "rackbeat").passed  # pending: the next R1 run fixes it, no alarm
    assert r.report(staged, "rackbeat")["pending"] == 1

    synced = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert synced.success, h.step_failures(synced)
    after = r.reconcile(defs, env["instance"])
    assert r.report(after, "rackbeat")["differences"] == 0
    assert r.open_differences(env["db"], "rackbeat") == []
    (closed,) = [d for d in _all(env["db"]) if d.key == "1010"]
    assert closed.resolved_at is not None and closed.first_seen < closed.resolved_at


def _all(db: Path) -> list:
    from so24_pipelines.staging.db import connect
    from so24_pipelines.sync.differences import read_differences

    with connect(db) as con:
        return read_differences(con, "rackbeat", open_only=False)


def test_a_rackbeat_edit_is_blamed_on_rackbeat_and_goes_back_with_direction_both(sandbox, env):
    defs = _defs(env, R1={"products": "both"})
    _clean_sync(env, defs)
    first = h.run_job(defs, "rackbeat_entities_sync", env["instance"])  # both: Rackbeat's own 3 go to 24SO
    assert first.success, h.step_failures(first)
    assert r.report(r.reconcile(defs, env["instance"]), "rackbeat")["unexplained"] == 0

    h.rackbeat(sandbox).update_product("P-001012", {"name": "Renamed in Rackbeat"})
    r.reconcile(defs, env["instance"])
    (row,) = r.open_differences(env["db"], "rackbeat")
    assert (row.entity, row.key, row.field, row.kind) == ("products", "1012", "name", "field")
    assert row.other_value == "Renamed in Rackbeat" and not row.pending
    assert "changed in Rackbeat since R1 last wrote it (24SO did not change)" in row.explanation

    again = h.run_job(defs, "rackbeat_entities_sync", env["instance"])
    assert again.success, h.step_failures(again)
    assert r.report(r.reconcile(defs, env["instance"]), "rackbeat")["differences"] == 0
    assert h.so24_product(h.so24(sandbox), 1012)["Name"] == "Renamed in Rackbeat"


def test_deleted_record_dropped_stock_event_and_switched_off_flow_are_named(sandbox, env):
    defs = _defs(env)
    _clean_sync(env, defs)
    rb = h.rackbeat(sandbox)
    supplier = next(
        s for s in rb.iter_suppliers(with_field_values=True) if h.field_value(s, "24so supplier id")
    )
    rb.delete(f"suppliers/{int(supplier['number'])}")
    # a stock count in Rackbeat whose inventory.changed never reached the hub (no webhook registered)
    sandbox.control("POST", "rackbeat/products/P-001015/stock", json={"quantity": 77})
    # a product made in 24SO while R1 is switched off
    category = sandbox.control("GET", "24so/products").json()[0]["CategoryId"]
    new = sandbox.control(
        "POST",
        "24so/products",
        json={"Name": "Ny vare", "No": "NY-001", "CategoryId": category, "Price": 100},
    ).json()
    off = _defs(env, R1={"enabled": False})
    _extract(env)
    first = r.reconcile(off, env["instance"])
    second = r.reconcile(off, env["instance"])
    rows = {(d.entity, d.key): d for d in r.open_differences(env["db"], "rackbeat")}
    supplier_id = h.field_value(supplier, "24so supplier id")
    assert set(rows) == {("suppliers", supplier_id), ("stock", "1015"), ("products", str(new["Id"]))}
    gone, stock, made = (
        rows["suppliers", supplier_id],
        rows["stock", "1015"],
        rows["products", str(new["Id"])],
    )
    assert gone.kind == "missing_in_rackbeat" and "deleted in Rackbeat" in gone.explanation
    assert (stock.field, stock.other_value, stock.pending) == ("stock", "77", False)
    assert "R8 sets 24SO's stock of 1015 to 77" in stock.repair
    assert made.kind == "only_in_so24" and not made.pending and "R1 is switched off" in made.explanation
    # seen on two nights: one row each, its first sighting kept
    assert all(d.first_seen < d.last_seen for d in rows.values())
    assert r.report(second, "rackbeat")["unexplained"] == 3
    assert not r.check_result(first, "rackbeat").passed

    stock_run = defs.resolve_job_def("rackbeat_stock").execute_in_process(
        instance=env["instance"], raise_on_error=False,
        run_config={"ops": {R8_ASSET: {"config": {"product_numbers": ["P-001015"]}}}},
    )  # fmt: skip
    assert stock_run.success, h.step_failures(stock_run)
    synced = h.run_job(defs, "rackbeat_entities_sync", env["instance"])  # R1 switched on again
    assert synced.success, h.step_failures(synced)
    r.reconcile(defs, env["instance"])
    left = r.named(r.open_differences(env["db"], "rackbeat"))
    # the deleted supplier stays: R2 sends only what changed in 24SO and never makes a record twice
    assert left == {("suppliers", supplier_id, "<record>", "missing_in_rackbeat")}


def test_ten_percent_faults_give_the_same_report(sandbox, env):
    defs = _defs(env)
    _clean_sync(env, defs)
    h.so24(sandbox).call(
        "ProductService", "SaveProducts", products={"Product": [{"Id": 1010, "Price": Decimal("99")}]}
    )
    h.rackbeat(sandbox).update_customer(
        int(next(c for c in h.rackbeat(sandbox).iter_customers(with_field_values=True)
                 if h.field_value(c, "24so customer id"))["number"]),
        {"name": "Renamed customer"},
    )  # fmt: skip
    r.reconcile(defs, env["instance"])
    calm = [
        (d.entity, d.key, d.field, d.kind, d.so24_value, d.other_value, d.pending)
        for d in r.open_differences(env["db"], "rackbeat")
    ]
    assert len(calm) == 2

    spec = {"rate": 0.1, "kinds": ["5xx", "limit", "drop", "malformed", "html"]}
    sandbox.control("POST", "24so/faults", json={**spec, "seed": 7})
    sandbox.control("POST", "rackbeat/faults", json={**spec, "seed": 8})
    faulty = r.reconcile(defs, env["instance"])
    stormy = [
        (d.entity, d.key, d.field, d.kind, d.so24_value, d.other_value, d.pending)
        for d in r.open_differences(env["db"], "rackbeat")
    ]
    injected = {s: sandbox.control("GET", f"{s}/faults").json()["injected"] for s in ("24so", "rackbeat")}
    sandbox.control("DELETE", "24so/faults")
    sandbox.control("DELETE", "rackbeat/faults")
    assert stormy == calm
    assert sum(sum(kinds.values()) for kinds in injected.values()) > 0, injected
    assert r.report(faulty, "rackbeat")["unexplained"] == 2
