"""Every job runs its steps in process unless a run asks otherwise; every load takes `dry_run` as run config."""

from __future__ import annotations

import dagster as dg
import pytest

from so24_pipelines.definitions import EXECUTOR, build_definitions
from so24_pipelines.defs.flow_asset import CHECK, FlowAsset, FlowConfig, flow_asset
from so24_pipelines.settings import Settings
from so24_pipelines_tests.unit.connected import ALL_CONNECTED


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions(Settings.model_validate(ALL_CONNECTED))


def _config_fields(node: dg.NodeDefinition) -> set[str]:
    schema = node.config_schema
    return set(getattr(schema.config_type, "fields", {})) if schema is not None else set()


def test_every_job_runs_in_process_by_default_and_multiprocess_on_request(defs: dg.Definitions) -> None:
    jobs = defs.get_repository_def().get_all_jobs()
    assert {job.executor_def for job in jobs} == {EXECUTOR}  # incl. __ASSET_JOB, the UI's ad-hoc runs
    field = EXECUTOR.config_schema.as_field()
    assert field.default_value == {"in_process": {}}
    assert set(field.config_type.fields) == {"in_process", "multiprocess"}
    assert EXECUTOR.get_requirements({"in_process": {}}) == []
    assert EXECUTOR.get_requirements({"multiprocess": {}})  # reconstructable job, persistent instance


def test_every_load_asset_and_loading_op_takes_dry_run(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    loads = {key for key in graph.get_all_asset_keys() if dg.AssetCheckKey(key, CHECK) in graph.asset_check_keys}
    assert len(loads) >= 18  # O1-O5, R1/R2/R7 both ways, R4, R5/R6/R8, R3 opening stock
    switchable = {
        key for key in graph.get_all_asset_keys() if "dry_run" in _config_fields(graph.assets_def_for_key(key).node_def)
    }
    # S4 (Smartdok readiness) is a flow built on the flow template that only reports: its dry run is
    # its normal run, so the switch is there (one template) and harmless.
    reports = {dg.AssetKey("s4_smartdok_readiness")}
    assert switchable - reports == loads  # every load, and nothing that does not load (extraction, staging reads)
    ops = {
        job: {n.name: _config_fields(n.definition) for n in defs.resolve_job_def(job).graph.node_dict.values()}
        for job in ("rackbeat_fetch_order", "rackbeat_order_events_retry")
    }
    assert "dry_run" in ops["rackbeat_fetch_order"]["fetch_so24_order_into_rackbeat"]
    assert "dry_run" in ops["rackbeat_order_events_retry"]["rackbeat_order_events_sweep"]


def test_a_flow_config_must_carry_dry_run() -> None:
    spec = FlowAsset(name="toy", flow="T1", system="toy", group="toy", kinds=frozenset(), description="toy")

    class Bare(dg.Config):
        event_ids: list[str] = []

    with pytest.raises(TypeError, match="extends FlowConfig"):
        flow_asset(spec, lambda context, run, config: [], config=Bare)  # type: ignore[arg-type]
    assert FlowConfig().dry_run is False
