"""Shared setup of the L2 (LNB orders -> 24SO) tests and benchmark; holds no tests itself.

The hub as deployed (the main Definitions plus L2's), pointed at the sandbox over HTTP, with one
Dagster instance for every run of a test. What the two systems hold is read from their control
APIs (a 24SO user's and an LNB brand user's view), never from the code under test.

The seeded accounts line up as a brand's do (so24_sandbox/lenewblack/seed.py): LNB SKU i is 24SO
product 1001 + i (EAN13 = its EAN1, SKU = its number), a retailer's reference is a 24SO customer
id, except retailer 4 (no reference) and 7 ("NY-KUNDE").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from so24_pipelines.defs.lnb.orders import ASSET, JOB
from so24_pipelines.defs.lnb.resources import LnbResource
from so24_pipelines.defs.so24.assets import EXTRACT_ASSETS
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines_tests.e2e.so24_harness import definitions, metadata, resources
from so24_pipelines_tests.sandbox_process import SandboxProcess

NO_REFERENCE_RETAILER = 4
BAD_REFERENCE_RETAILER = 7
EXTRACTS = ("so24_products_extract", "so24_companies_extract")


def lnb_resource(sandbox: SandboxProcess, **options: Any) -> LnbResource:
    creds = sandbox.control("GET", "lnb/credentials").json()
    options = {"requests_per_minute": 60_000, "backoff_seconds": 0.01, "max_retries": 8, **options}
    return LnbResource(base_url=creds["baseUrl"], client_id=creds["clientId"], client_secret=creds["clientSecret"],
                       **options)  # fmt: skip


def l2_settings(flows: dict[str, Any] | None = None) -> Settings:
    """LNB connected and L2 on, with `flows` as flows.L2's other keys."""
    return Settings.model_validate(
        {"lnb": {"enabled": True}, "flows": {"L2": {"enabled": True, **(flows or {})}}}
    )


class Hub:
    """The main Definitions plus L2's, with the test's resources; one Dagster instance for all runs."""

    def __init__(self, sandbox: SandboxProcess, tmp: Path, flows: dict[str, Any] | None = None) -> None:
        self.sandbox = sandbox
        self.db = tmp / "staging.duckdb"
        self.settings = l2_settings(flows)
        self.resources: dict[str, Any] = {**resources(sandbox, self.db), "lnb": lnb_resource(sandbox)}
        self.defs = definitions(self.settings, self.resources)
        self.instance = dg.DagsterInstance.ephemeral()

    def extract(self) -> None:
        """E1 and E3 as shipped: the products and customers L2 maps to."""
        result = dg.materialize(
            [a for a in EXTRACT_ASSETS if a.node_def.name in EXTRACTS], resources=self.resources
        )
        assert result.success

    def l2(self, *, expect_success: bool = True, **config: Any) -> dg.ExecuteInProcessResult:
        """One run of the job `lnb_orders` (the manual trigger), `config` as the asset's run config."""
        run_config = {"ops": {ASSET: {"config": config}}} if config else None
        result = self.defs.resolve_job_def(JOB).execute_in_process(
            instance=self.instance, raise_on_error=False, run_config=run_config
        )
        if expect_success:
            assert result.success, [e.message for e in result.all_events if e.is_failure]
        return result

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with connect(self.db) as con:
            return con.execute(sql, params or []).fetchall()

    def failed(self, flow: str) -> dict[str, str]:
        return dict(self.rows("SELECT source_key, reason FROM sync.failed_records WHERE flow = ?", [flow]))

    def log(self, flow: str = "L2") -> list[tuple[str, str, str | None]]:
        return self.rows(
            "SELECT source_key, action, reason FROM sync.sync_log WHERE flow = ? ORDER BY id", [flow]
        )


def meta(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    return metadata(result, ASSET)


def writes(result: dg.ExecuteInProcessResult) -> int:
    """What the run wrote anywhere (24SO orders and LNB acknowledgements)."""
    m = meta(result)
    return m["created"] + m["updated"] + m["resolved"]


# ---- what the two systems hold, from their control APIs ----------------------------------------


def so24_orders(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    return sandbox.control("GET", "24so/orders").json()


def so24_orders_by_reference(sandbox: SandboxProcess) -> dict[str, list[dict[str, Any]]]:
    """24SO orders per ReferenceNumber (a list: two would be a duplicate)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for order in so24_orders(sandbox):
        if order.get("ReferenceNumber"):
            found.setdefault(order["ReferenceNumber"], []).append(order)
    return found


def lnb_orders(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    return {o["reference"]: o for o in sandbox.control("GET", "lnb/orders").json()}


def lnb_retailers(sandbox: SandboxProcess) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in sandbox.control("GET", "lnb/retailers").json()}


def so24_products(sandbox: SandboxProcess) -> dict[int, dict[str, Any]]:
    return {p["Id"]: p for p in sandbox.control("GET", "24so/products").json()}


def coded_skus(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    """LNB SKUs with both codes whose 24SO product has the same EAN1 (the lines L2 can always match)."""
    products = {p.get("EAN1"): p for p in so24_products(sandbox).values() if p.get("EAN1")}
    return [
        s
        for s in sandbox.control("GET", "lnb/inventory").json()
        if s["ean13"] and s["sku"] and s["ean13"] in products
    ]


def create_lnb_order(
    sandbox: SandboxProcess,
    *,
    retailer_id: int,
    lines: list[tuple[str, int]],
    status: str = "confirmed",
    **extra: Any,
) -> dict[str, Any]:
    """An order made by the brand in LNB: (EAN13, quantity) per line."""
    body = {"retailer_id": retailer_id, "items": [{"ean13": e, "quantity": q} for e, q in lines], "status": status,
            **extra}  # fmt: skip
    return sandbox.control("POST", "lnb/orders", json=body).json()
