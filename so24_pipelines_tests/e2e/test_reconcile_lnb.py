"""X7 for 24SO -> Le New Black (L1) end to end: after L1 nothing differs; a figure typed into LNB is
blamed on LNB, and a 24SO stock change is named, then pending once staged, then gone after L1."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines.defs.lnb.resources import LnbResource
from so24_pipelines.settings import Settings
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.e2e import reconcile_harness as r
from so24_pipelines_tests.e2e import so24_harness
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(sandbox: SandboxProcess, tmp_path: Path) -> dict:
    db = tmp_path / "staging.duckdb"
    creds = sandbox.control("GET", "lnb/credentials").json()
    res = {
        **so24_harness.resources(sandbox, db),
        "lnb": LnbResource(base_url=creds["baseUrl"], client_id=creds["clientId"], client_secret=creds["clientSecret"],
                           requests_per_minute=60_000),
    }  # fmt: skip
    defs = h.definitions(Settings.model_validate({"lnb": {"enabled": True}}), res)
    return {"db": db, "res": res, "defs": defs, "instance": dg.DagsterInstance.ephemeral()}


def _l1(env: dict) -> None:
    assert so24_harness.materialize_extraction(env["res"], env["instance"]).success
    result = h.run_job(env["defs"], "lnb_stock", env["instance"])
    assert result.success, h.step_failures(result)


def test_lnb_pair_clean_then_an_lnb_edit_and_a_24so_change_are_named_and_fixed_by_l1(sandbox, env):
    _l1(env)
    clean = r.reconcile(env["defs"], env["instance"])
    meta = r.report(clean, "lnb")
    assert meta["differences"] == 0 and meta["stock_levels_paired"] > 0
    assert meta["stock_levels_skipped_by_flow"] > 0  # no EAN1 in 24SO, or no line in LNB: L1's own skips
    assert r.check_result(clean, "lnb").passed

    with env["res"]["lnb"].client() as lnb:
        lines = {row["ean13"]: row for row in lnb.get_inventory() if row.get("ean13")}
    product = next(p for p in sandbox.control("GET", "24so/products").json() if p.get("EAN1") in lines)
    ean, key = product["EAN1"], str(product["Id"])
    with env["res"]["lnb"].client() as lnb:
        lnb.set_stock("ean13", ean, 9999)
    r.reconcile(env["defs"], env["instance"])
    (row,) = r.open_differences(env["db"], "lnb")
    assert (row.entity, row.key, row.field, row.kind, row.other_value) == (
        "stock_levels",
        key,
        "in_stock",
        "field",
        "9999",
    )
    assert (
        not row.pending
        and "changed in Le New Black since L1 last wrote it (24SO did not change)" in row.explanation
    )

    stock = int(float(product.get("Stock") or 0)) + 5
    sandbox.control("PATCH", f"24so/products/{key}", json={"Stock": str(stock)})
    r.reconcile(env["defs"], env["instance"])
    (row,) = r.open_differences(env["db"], "lnb")
    assert (
        row.so24_value == str(stock) and not row.pending and "extraction has not read it" in row.explanation
    )
    assert so24_harness.materialize_extraction(env["res"], env["instance"]).success
    r.reconcile(env["defs"], env["instance"])
    (row,) = r.open_differences(env["db"], "lnb")
    assert row.pending and "next run sends it" in row.explanation

    result = h.run_job(env["defs"], "lnb_stock", env["instance"])
    assert result.success, h.step_failures(result)
    assert r.report(r.reconcile(env["defs"], env["instance"]), "lnb")["differences"] == 0
