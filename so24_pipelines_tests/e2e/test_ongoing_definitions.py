"""O6: the Ongoing definitions follow the settings (switches, interval) and load with the main ones."""

from __future__ import annotations

import dagster as dg

from so24_pipelines.definitions import build_definitions
from so24_pipelines_tests.e2e.ongoing_harness import o_settings

ALL = {"ongoing_articles", "ongoing_orders", "ongoing_order_status", "ongoing_suppliers", "ongoing_stock"}


def job_assets(defs: dg.Definitions) -> set[str]:
    job = defs.resolve_job_def("ongoing_sync")
    return {key.to_user_string() for key in job.asset_layer.executable_asset_keys}


def merged(settings) -> dg.Definitions:
    """Merged as the lead's definitions.py will: every resource an Ongoing asset needs must resolve."""
    defs = build_definitions(settings)
    dg.Definitions.validate_loadable(defs)
    return defs


def test_seed_defaults_every_15_minutes_without_the_supplier_registry(monkeypatch):
    defs = merged(o_settings(monkeypatch))
    assert job_assets(defs) == ALL - {"ongoing_suppliers"}  # O4 is off by default (seed 001)
    schedule = defs.resolve_schedule_def("ongoing_sync_schedule")
    assert schedule.cron_schedule == "*/15 * * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    assert all(specs[key].group_name == "ongoing" for key in ALL)
    assert "productCode" in specs["ongoing_articles"].metadata["mapping"].value
    assert "Switched off" in specs["ongoing_suppliers"].description
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys if key.asset_key.to_user_string() in ALL}
    assert checks == {"no_failed_records"}


def test_each_process_has_its_own_switch_and_o6_sets_the_interval(monkeypatch):
    settings = o_settings(monkeypatch, {"O2": {"enabled": False}, "O4": {"enabled": True},
                                        "O6": {"enabled": False, "interval_minutes": 30}})
    defs = merged(settings)
    assert job_assets(defs) == ALL - {"ongoing_orders"}
    schedule = defs.resolve_schedule_def("ongoing_sync_schedule")
    assert schedule.cron_schedule == "*/30 * * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_with_every_ongoing_flow_off_there_is_no_job_to_schedule(monkeypatch):
    off = {flow: {"enabled": False} for flow in ("O1", "O2", "O3", "O4", "O5", "O6")}
    defs = merged(o_settings(monkeypatch, off))
    assert not [s for s in defs.schedules or [] if s.name.startswith("ongoing")]
    assert not [j for j in defs.jobs or [] if getattr(j, "name", "").startswith("ongoing")]
    assert ALL <= {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
