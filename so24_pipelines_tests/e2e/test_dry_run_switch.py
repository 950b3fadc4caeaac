"""Dry run from the launchpad: run config `dry_run: true` previews one run of a flow asset.

The so24.yaml setting stays the default and the floor: the run config can turn a preview on for
one run, never off for a flow configured dry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.defs.flow_asset import FlowAsset, flow_asset
from so24_pipelines.defs.ongoing.assets import build_ongoing_assets
from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.result import FlowRun
from so24_pipelines_tests.e2e.ongoing_harness import (
    extract,
    meta,
    o_resources,
    o_settings,
    query,
    run,
    so24_list,
    so24_patch,
    wms_articles,
)

pytestmark = pytest.mark.e2e
O1 = "ongoing_articles"


def _dry(dry_run: bool) -> dict[str, Any]:
    return {"ops": {O1: {"config": {"dry_run": dry_run}}}}


def _materialize(settings: Any, res: dict[str, Any], run_config: dict[str, Any]) -> dg.ExecuteInProcessResult:
    result = dg.materialize(build_ongoing_assets(settings), selection=[O1], resources=res, run_config=run_config)
    assert result.success
    return result


def test_run_config_dry_run_previews_one_run_and_writes_nothing(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch)
    db = tmp_path / "staging.duckdb"
    res = o_resources(sandbox, db)
    extract(res)
    count = len(so24_list(sandbox, "products"))

    preview = meta(_materialize(settings, res, _dry(True)), O1)
    assert (preview["dry_run"], preview["created"], preview["planned_create"]) == (True, 0, count)
    assert f"create {count}" in preview["preview"] and "| create |" in preview["preview"]
    assert wms_articles(sandbox) == {}
    assert query(db, "SELECT count(*) FROM sync.id_map WHERE flow = 'O1'", []) == [(0,)]

    # The next run without the switch is live again: the preview was for that run only.
    live = meta(run(settings, res, O1), O1)
    assert (live["dry_run"], live["created"]) == (False, count)

    # A preview after one change lists the change and only counts the rest.
    product = so24_list(sandbox, "products")[0]
    so24_patch(sandbox, "products", product["Id"], {"Name": "Renamed for the preview"})
    extract(res)
    changed = meta(_materialize(settings, res, _dry(True)), O1)
    assert (changed["planned_update"], changed["updated"]) == (1, 0)
    assert f"| update | {product['Id']} |" in changed["preview"]
    assert f"{count - 1} unchanged (same as last sent; not listed)" in changed["preview"]
    assert "| unchanged |" not in changed["preview"]
    assert wms_articles(sandbox)[product["No"]]["articleName"] == product["Name"]


def test_a_flow_set_dry_in_so24_yaml_stays_dry_whatever_the_run_config_says(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch, {"O1": {"dry_run": True}})
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    extract(res)
    m = meta(_materialize(settings, res, _dry(False)), O1)
    assert (m["dry_run"], m["created"]) == (True, 0)
    assert wms_articles(sandbox) == {}


@pytest.mark.parametrize(
    ("setting", "asked", "previews"),
    [(False, None, False), (False, True, True), (True, None, True), (True, False, True)],
)
def test_the_switch_for_any_flow_asset(tmp_path: Path, setting: bool, asked: bool | None, previews: bool) -> None:
    """Without a sandbox: what the body's RunContext says, for every combination."""
    seen: list[bool] = []
    spec = FlowAsset(name="toy_flow", flow="T1", system="toy", group="toy", kinds=frozenset(), description="toy")

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        seen.append(run.dry_run)
        return [FlowRun(flow="T1", dry_run=run.dry_run)]

    asset = flow_asset(spec, body, dry_run=setting)
    config = None if asked is None else {"ops": {"toy_flow": {"config": {"dry_run": asked}}}}
    result = dg.materialize(
        [asset], resources={"staging": StagingResource(path=str(tmp_path / "s.duckdb"))}, run_config=config
    )
    assert result.success and seen == [previews]
