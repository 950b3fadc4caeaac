"""Helpers for the Ongoing (O1-O6) end-to-end and reliability tests; holds no tests itself.

Everything runs for real: the sandbox over HTTP, Dagster materializations in process, DuckDB
staging in a temp file. The 24SO extraction is the one the product ships (E1, E3, E4 assets).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest

import so24_pipelines.settings.registry as settings_module
from so24_pipelines.defs.ongoing.assets import build_ongoing_assets
from so24_pipelines.defs.ongoing.resources import OngoingResource
from so24_pipelines.defs.so24.assets import EXTRACT_ASSETS
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines_tests.e2e.so24_harness import metadata, resources
from so24_pipelines_tests.sandbox_process import SandboxProcess

O_FLOWS = frozenset({"O1", "O2", "O3", "O4", "O5", "O6"})
NEEDED_EXTRACTS = ("so24_products_extract", "so24_companies_extract", "so24_orders_extract")


def o_settings(monkeypatch: pytest.MonkeyPatch, flows: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Settings with O1-O6 built (whether or not BUILT_FLOWS lists them yet) and `flows` applied."""
    monkeypatch.setattr(settings_module, "BUILT_FLOWS", settings_module.BUILT_FLOWS | O_FLOWS)
    return Settings.model_validate({"ongoing": {"enabled": True}, "flows": flows or {}})


def o_resources(
    sandbox: SandboxProcess, db: Path, *, so24: dict[str, Any] | None = None, **ongoing: Any
) -> dict[str, Any]:
    """so24 + staging (as the 24SO e2e tests use them) + ongoing with fast retries for tests."""
    res = resources(sandbox, db, **(so24 or {}))
    creds = sandbox.control("GET", "ongoing/credentials").json()
    options = {"requests_per_second": 1000.0, "backoff_seconds": 0.02, "max_retries": 8, **ongoing}
    res["ongoing"] = OngoingResource(
        base_url=creds["baseUrl"], username=creds["username"], password=creds["password"],
        goods_owner_id=creds["goodsOwnerId"], **options,
    )
    return res


def extract(res: dict[str, Any]) -> dg.ExecuteInProcessResult:
    """E1, E3, E4 (products, companies, orders with rows): what the O-flows read."""
    assets = [a for a in EXTRACT_ASSETS if a.node_def.name in NEEDED_EXTRACTS]
    result = dg.materialize(assets, resources=res)
    assert result.success
    return result


def run(settings: Settings, res: dict[str, Any], *keys: str, expect_success: bool = True) -> dg.ExecuteInProcessResult:
    """Materialize the given Ongoing assets (in dependency order) with these settings."""
    result = dg.materialize(
        build_ongoing_assets(settings), selection=list(keys), resources=res,
        raise_on_error=False,
    )
    if expect_success:
        assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def meta(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    return metadata(result, asset)


def writes(result: dg.ExecuteInProcessResult, asset: str) -> int:
    m = meta(result, asset)
    return m["created"] + m["updated"] + m["resolved"]


def wms_articles(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    return {a["articleNumber"]: a for a in sandbox.control("GET", "ongoing/articles").json()}


def wms_orders(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    return {o["orderInfo"]["orderNumber"]: o for o in sandbox.control("GET", "ongoing/orders").json()}


def so24_list(sandbox: SandboxProcess, entity: str) -> list[dict[str, Any]]:
    return sandbox.control("GET", f"24so/{entity}").json()


def so24_patch(sandbox: SandboxProcess, entity: str, record_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
    return sandbox.control("PATCH", f"24so/{entity}/{record_id}", json=body).json()


def confirmed_orders(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    return [o for o in so24_list(sandbox, "orders") if o["OrderStatus"] == "Confirmed"]


def query(db: Path, sql: str, params: list[Any]) -> list[tuple]:
    with connect(db) as con:
        return con.execute(sql, params).fetchall()


def log(db: Path, flow: str) -> list[tuple[str, str, str | None]]:
    """(source_key, action, reason) of every sync_log row of the flow, in order."""
    return query(db, "SELECT source_key, action, reason FROM sync.sync_log WHERE flow = ? ORDER BY id", [flow])


def failed(db: Path, flow: str) -> dict[str, str]:
    return dict(query(db, "SELECT source_key, reason FROM sync.failed_records WHERE flow = ?", [flow]))
