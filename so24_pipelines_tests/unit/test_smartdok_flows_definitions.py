"""S1/S2's Dagster definitions follow the settings: two assets in group "smartdok" with their checks,
the job `smartdok_sync` and a schedule on the flows' cadence that runs by default only when
smartdok is connected and a flow is on; and the specs own exactly the fields the docs promise."""

from __future__ import annotations

from typing import Any

import dagster as dg

from so24_pipelines.definitions import build_definitions
from so24_pipelines.defs.smartdok.assets import S1_ASSET, S2_ASSET
from so24_pipelines.defs.smartdok.definitions import JOB, SCHEDULE
from so24_pipelines.mapping import load_spec
from so24_pipelines.settings import Settings


def merged(settings: Settings) -> dg.Definitions:
    """As the lead's definitions.py will merge them: every resource the assets need must resolve."""
    defs = build_definitions(settings)
    dg.Definitions.validate_loadable(defs)
    return defs


def settings(smartdok: bool = True, **flows: dict[str, Any]) -> Settings:
    return Settings.model_validate({"smartdok": {"enabled": smartdok}, "flows": flows})


def spec_of(defs: dg.Definitions, asset: str) -> dg.AssetSpec:
    return next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(asset))


def test_with_smartdok_connected_s1_and_s2_run_every_15_minutes_with_their_checks() -> None:
    defs = merged(settings())
    job = defs.resolve_job_def(JOB)
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {S1_ASSET, S2_ASSET}
    for asset, flow, upstream in ((S1_ASSET, "S1", "so24_persons"), (S2_ASSET, "S2", "so24_projects")):
        assert (
            dg.AssetCheckKey(dg.AssetKey(asset), "no_failed_records")
            in job.asset_layer.asset_graph.asset_check_keys
        )
        spec = spec_of(defs, asset)
        assert spec.group_name == "smartdok" and spec.tags["so24/flow"] == flow
        assert {d.asset_key.to_user_string() for d in spec.deps} == {upstream}
        assert "Switched off" not in (spec.description or "")
    assert "EmployeeNo" in spec_of(defs, S1_ASSET).metadata["mapping"].value
    assert "ProjectNumber" in spec_of(defs, S2_ASSET).metadata["mapping"].value
    schedule = defs.resolve_schedule_def(SCHEDULE)
    assert (schedule.job_name, schedule.cron_schedule) == (JOB, "*/15 * * * *")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_schedule_stays_stopped_unless_smartdok_and_a_flow_are_on() -> None:
    for off in (settings(smartdok=False), settings(S1={"enabled": False}, S2={"enabled": False})):
        defs = merged(off)
        assert defs.resolve_schedule_def(SCHEDULE).default_status == dg.DefaultScheduleStatus.STOPPED
        assert "Switched off (flows.S1.enabled: false)" in (spec_of(defs, S1_ASSET).description or "")
        assert {k.to_user_string() for k in defs.resolve_job_def(JOB).asset_layer.executable_asset_keys} == {
            S1_ASSET, S2_ASSET,
        }  # fmt: skip


def test_the_job_holds_the_flows_that_are_on_and_ticks_at_the_shortest_of_their_cadences() -> None:
    defs = merged(settings(S1={"enabled": False}, S2={"cadence_minutes": 30}))
    assert {k.to_user_string() for k in defs.resolve_job_def(JOB).asset_layer.executable_asset_keys} == {
        S2_ASSET
    }
    schedule = defs.resolve_schedule_def(SCHEDULE)
    assert (
        schedule.cron_schedule == "*/30 * * * *"
        and schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    )
    both = merged(settings(S1={"cadence_minutes": 60}, S2={"cadence_minutes": 20}))
    assert both.resolve_schedule_def(SCHEDULE).cron_schedule == "*/20 * * * *"


def test_the_specs_own_only_the_fields_the_docs_name_and_no_task_or_sub_project() -> None:
    employees, projects = load_spec("smartdok_employees"), load_spec("smartdok_projects")
    assert (
        employees.owned_fields == ("EmployeeNo", "FirstName", "LastName")
        and employees.create_only_fields == ()
    )
    assert projects.owned_fields == (
        "ProjectNumber", "ProjectName", "StartDate", "EndDate", "IsActive", "DescriptionText", "ClientCompanyName",
    )  # fmt: skip
    assert projects.create_only_fields == ("IsActive", "DescriptionText", "ClientCompanyName")
    assert not [f for f in projects.owned_fields if "Task" in f or "SubProject" in f]
    assert (employees.table, projects.table) == ("staging.so24_persons", "staging.so24_projects")
