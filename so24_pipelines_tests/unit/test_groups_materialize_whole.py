""" "Materialize all" on a group works whole, and the 24SO initial sync is one job, then one backfill.

The UI's Materialize all on a group launches one run, or one backfill whose partitions are fixed
at launch. A group that mixes unpartitioned assets with partitioned ones (or two partitionings)
gives some of its assets partitions the user did not choose, or none at all: before this test,
the so24 group's backfill gave `so24_companies_initial` no partition, because its partitions are
made by the plan asset in that same backfill. The definitions are built with every system
connected, the widest graph: a group can only lose assets when a system is off, never mix more.
"""

from __future__ import annotations

from collections import defaultdict

import dagster as dg
import pytest

from so24_pipelines.definitions import build_definitions
from so24_pipelines.settings import Settings
from so24_pipelines_tests.unit.connected import ALL_CONNECTED

# Dagster's own automation tester selects with a beta parameter; that warning is not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning")


INITIAL_SYNC_JOB = "so24_initial_sync"
INITIAL_SYNC_SENSOR = "so24_initial_sync_backfill"


def _defs() -> dg.Definitions:
    return build_definitions(Settings.model_validate(ALL_CONNECTED))


def _partitioning(partitions_def: dg.PartitionsDefinition | None) -> str:
    return "unpartitioned" if partitions_def is None else repr(partitions_def)


def test_every_group_holds_assets_of_one_partitioning() -> None:
    graph = _defs().resolve_asset_graph()
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        groups[node.group_name][_partitioning(node.partitions_def)].append(key.to_user_string())
    assert "so24" in groups, "the 24SO extraction group is gone; this test would check nothing of it"
    mixed = {
        group: {p: sorted(keys) for p, keys in by.items()} for group, by in groups.items() if len(by) > 1
    }
    assert not mixed, f"groups whose Materialize all would mix partitionings: {mixed}"


def _partitioned_keys(graph) -> list[dg.AssetKey]:
    return sorted(
        (k for k in graph.materializable_asset_keys if graph.get(k).partitions_def is not None),
        key=lambda k: k.to_user_string(),
    )


def test_the_initial_sync_is_one_job_then_one_backfill_of_every_planned_batch() -> None:
    defs = _defs()
    graph = defs.resolve_asset_graph()
    repo = defs.get_repository_def()
    partitioned = _partitioned_keys(graph)
    assert partitioned, "no partitioned asset: nothing for the initial sync to backfill"

    job = repo.get_job(INITIAL_SYNC_JOB)
    plan = {node.key for node in job.asset_layer.asset_graph.asset_nodes if node.is_executable}
    planned_by = {parent for key in partitioned for parent in graph.get(key).parent_keys}
    assert plan == planned_by, "the initial-sync job must run exactly the plans of the partitioned assets"

    sensor = repo.get_sensor_def(INITIAL_SYNC_SENSOR)
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition) and sensor.emit_backfills
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert set(sensor.asset_selection.resolve(graph)) == set(partitioned)

    instance = dg.DagsterInstance.ephemeral()
    before = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert before.total_requested == 0, "the initial sync must not start before anyone planned it"

    # What the job's run leaves behind: the plan assets materialized, one partition per batch.
    batches = {key: [f"ident{n}-{i:05d}" for i in range(3)] for n, key in enumerate(partitioned)}
    for key, keys in batches.items():
        partitions_def = graph.get(key).partitions_def
        assert isinstance(partitions_def, dg.DynamicPartitionsDefinition)
        instance.add_dynamic_partitions(partitions_def.name, keys)
    for parent in planned_by:
        instance.report_runless_asset_event(dg.AssetMaterialization(parent))
    after_plan = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=before.cursor)
    requested = {key: sorted(after_plan.get_requested_partitions(key)) for key in partitioned}
    assert requested == {key: sorted(keys) for key, keys in batches.items()}

    # Once every batch is in, the sensor has nothing more to ask for until the next plan...
    for key, keys in batches.items():
        for partition in keys:
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))
    settled = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=after_plan.cursor)
    assert settled.total_requested == 0

    # ...and launching the job again (a plan that keeps the same batch keys) syncs every batch again.
    for parent in planned_by:
        instance.report_runless_asset_event(dg.AssetMaterialization(parent))
    again = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
    assert {key: sorted(again.get_requested_partitions(key)) for key in partitioned} == requested
