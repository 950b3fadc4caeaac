"""L1's Dagster definitions follow the settings: the asset in group "lnb", its check, the manual job
and a schedule on flows.L1.cadence_minutes that runs by default only when lnb and L1 are on."""

from __future__ import annotations

from typing import Any

import dagster as dg

from so24_pipelines.definitions import build_definitions
from so24_pipelines.defs.lnb.stock import ASSET, JOB, SCHEDULE
from so24_pipelines.settings import Settings


def merged(settings: Settings) -> dg.Definitions:
    """The project's definitions: every resource the asset needs must resolve."""
    defs = build_definitions(settings)
    dg.Definitions.validate_loadable(defs)
    return defs


def settings(lnb: bool = True, **l1: Any) -> Settings:
    return Settings.model_validate({"lnb": {"enabled": lnb}, "flows": {"L1": l1} if l1 else {}})


def test_with_lnb_connected_l1_runs_every_15_minutes_and_on_demand() -> None:
    defs = merged(settings())
    job = defs.resolve_job_def(JOB)
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {ASSET}
    assert (
        dg.AssetCheckKey(dg.AssetKey(ASSET), "no_failed_records")
        in job.asset_layer.asset_graph.asset_check_keys
    )
    schedule = defs.resolve_schedule_def(SCHEDULE)
    assert (schedule.job_name, schedule.cron_schedule) == (JOB, "*/15 * * * *")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(ASSET))
    assert spec.group_name == "lnb" and spec.tags["so24/flow"] == "L1"
    assert {d.asset_key.to_user_string() for d in spec.deps} == {"so24_products"}
    assert "code" in spec.metadata["mapping"].value and "Switched off" not in (spec.description or "")


def test_the_schedule_stays_stopped_unless_lnb_and_l1_are_on_and_follows_the_cadence() -> None:
    for off in (settings(lnb=False), settings(enabled=False)):
        defs = merged(off)
        assert defs.resolve_schedule_def(SCHEDULE).default_status == dg.DefaultScheduleStatus.STOPPED
        spec = next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(ASSET))
        assert "Switched off (flows.L1.enabled: false)" in (spec.description or "")
    assert merged(settings(cadence_minutes=5)).resolve_schedule_def(SCHEDULE).cron_schedule == "*/5 * * * *"


def test_deducting_open_orders_puts_the_24so_orders_in_the_lineage() -> None:
    defs = merged(settings(available="stock_minus_open_orders"))
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(ASSET))
    assert {d.asset_key.to_user_string() for d in spec.deps} == {
        "so24_products",
        "so24_orders",
        "so24_order_rows",
    }
    assert "minus open 24SO order quantities" in (spec.description or "")
