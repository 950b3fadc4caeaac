"""A company's code location names its assets, checks, pools, partition sets and runs apart
(defs/company_scope.py), so several companies share one Dagster instance without mixing.

The whole graph is built twice, with every system connected: once as the demo builds it (no
SO24_COMPANY) and once in a subprocess as company `acme`'s location loads it (the company is read
when the definitions modules import). Taking the company out of every name of the second must give
the first exactly: every asset key, dependency and check carries the prefix (a dependency left
unprefixed would point at an asset no location defines), every job selects the same assets, and
nothing else changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg

from so24_pipelines.definitions import build_definitions
from so24_pipelines.defs.company_scope import op_name
from so24_pipelines.defs.flow_asset import failed_records_evaluation
from so24_pipelines.defs.rackbeat.events import FLOWS, _order_request, stock_request
from so24_pipelines.settings import Settings
from so24_pipelines.settings.company import credential_env_vars
from so24_pipelines.webhooks.inbox import Event
from so24_pipelines_tests.unit.connected import ALL_CONNECTED
from so24_pipelines_tests.unit.test_asset_graph_snapshot import graph_snapshot

COMPANY = "acme"
OP_JOBS = {"rackbeat_fetch_order", "rackbeat_order_events_retry", "rackbeat_register_order_webhooks"}


def scoped_graph() -> dict[str, Any]:
    """The snapshot of the graph, with what each job selects and the dynamic partition sets."""
    settings = Settings.model_validate(ALL_CONNECTED)
    defs = build_definitions(settings)
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    partition_sets = {
        node.partitions_def.name
        for key in graph.get_all_asset_keys()
        if isinstance((node := graph.get(key)).partitions_def, dg.DynamicPartitionsDefinition)
    }
    return {
        **graph_snapshot(settings),
        "selections": {
            job.name: sorted(key.to_user_string() for key in job.asset_layer.selected_asset_keys)
            for job in repo.get_all_jobs()
            if not job.name.startswith("__")
        },
        "inbox": Path(defs.resources["inbox"].path).name,
        "check_keys": sorted(key.to_user_string() for key in graph.asset_check_keys),
        "partition_sets": sorted(partition_sets),
        # A sensor's run config names an asset's op by company_scope.op_name.
        "ops": {
            key.to_user_string(): [graph.get(key).assets_def.node_def.name, op_name(key.path[-1])]
            for key in graph.get_all_asset_keys()
        },
        "run_time": run_time_names(repo),
        "job_tags": {job.name: dict(sorted(job.tags.items())) for job in repo.get_all_jobs() if job.name[:2] != "__"},
    }


def _event(event: str, key: str) -> Event:
    return Event(
        seq=1, event_id=f"{event}-{key}", source="rackbeat", event=event, entity_key=key, occurred_at=None,
        received_at="2026-12-01T00:00:00+00:00", payload={"key": key}, processed_at=None,
    )  # fmt: skip


def run_time_names(repo: dg.RepositoryDefinition) -> dict[str, Any]:
    """What the definitions name while they run: the event sensors' run config (does the job take
    it?), the check verdict a step reports itself (is its key in the graph?), and R3's look-ups of
    "has the initial sync run?", given a successful initial sync of another company only."""
    requests = [
        _order_request(_event("order.shipped", "7"), 7, FLOWS["R5"]),
        _order_request(_event("order.booked", "7"), 7, FLOWS["R6"]),
        stock_request([_event("inventory.changed", "P-1")]),
    ]
    refused = []
    for request in requests:
        try:
            dg.validate_run_config(repo.get_job(request.job_name), request.run_config)
        except dg.DagsterInvalidConfigError as exc:
            refused.append(f"{request.job_name}: {exc}")
    verdict = failed_records_evaluation(":memory:", "rackbeat_orders", ("R4",))
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_run(
            dg.DagsterRun(
                job_name="rackbeat_initial_sync", run_id="0" * 36, status=dg.DagsterRunStatus.SUCCESS,
                tags={"so24/company": "globex"},
            )
        )  # fmt: skip
        after_another_company = {
            name: type(repo.get_sensor_def(name)(dg.build_sensor_context(instance=instance))).__name__
            for name in ("rackbeat_initial_sync_on_activation", "rackbeat_opening_stock_after_initial_sync")
        }
    return {
        "refused_run_config": refused,
        "check_verdict_key_in_graph": verdict.asset_key in repo.asset_graph.get_all_asset_keys(),
        "after_another_company": after_another_company,
    }


def _as_company() -> dict[str, Any]:
    env = {**os.environ, "SO24_COMPANY": COMPANY}
    code = "import json; from so24_pipelines_tests.unit.test_company_scope import scoped_graph; print(json.dumps(scoped_graph()))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _without_company(value: Any) -> Any:
    """The same structure with the company taken out of every name it was put into."""
    if isinstance(value, dict):
        tags = {k: v for k, v in value.items() if k != "so24/company"}
        return {_without_company(k): _without_company(v) for k, v in tags.items()}
    if isinstance(value, list):
        return [_without_company(v) for v in value]
    if isinstance(value, str):
        return value.removeprefix(f"{COMPANY}/").removeprefix(f"{COMPANY}__").removesuffix(f":{COMPANY}").removesuffix(f"_{COMPANY}")
    return value


def test_a_company_location_keeps_every_name_apart_and_changes_nothing_else(monkeypatch) -> None:
    for var in credential_env_vars():  # the resources' env vars, for validating run config
        monkeypatch.setenv(var, "set-for-config-validation")
    plain = scoped_graph()
    company = _as_company()

    assets = list(company["assets"])
    assert assets and all(key.startswith(f"{COMPANY}/") for key in assets)
    assert all(dep.startswith(f"{COMPANY}/") for entry in company["assets"].values() for dep in entry["deps"])
    assert all(key.startswith(f"{COMPANY}/") for key in company["check_keys"])
    assert {p for e in company["assets"].values() for p in e["pool"] or []} == {
        f"{system}_api:{COMPANY}" for system in ("so24", "rackbeat", "ongoing", "lnb", "smartdok", "netvisor")
    }
    named_after_asset = [key for key, (op, by_name) in plain["ops"].items() if op == by_name]
    assert len(named_after_asset) > 30
    assert all(len(set(company["ops"][f"{COMPANY}/{key}"])) == 1 for key in named_after_asset)
    assert company["partition_sets"] == ["so24_company_batches_acme", "so24_order_batches_acme"]
    assert all(tags.get("so24/company") == COMPANY for tags in company["job_tags"].values())

    # One inbox per company: the locations share DAGSTER_HOME, and one inbox would hand every
    # company's sensors the Rackbeat events of all.
    assert (plain.pop("inbox"), company.pop("inbox")) == ("so24_inbox.sqlite", "so24_inbox_acme.sqlite")

    # While running: sensors' run config fits, a step's own verdict lands on its asset, and another
    # company's initial sync is not this company's (the demo, one company, takes any run of the job).
    for graph in (plain, company):
        assert graph["run_time"]["refused_run_config"] == []
        assert graph["run_time"]["check_verdict_key_in_graph"] is True
    assert company.pop("run_time")["after_another_company"] == {
        "rackbeat_initial_sync_on_activation": "RunRequest", "rackbeat_opening_stock_after_initial_sync": "SkipReason",
    }
    assert plain.pop("run_time")["after_another_company"] == {
        "rackbeat_initial_sync_on_activation": "SkipReason", "rackbeat_opening_stock_after_initial_sync": "list",
    }

    # Nothing but the names: the same assets, deps, checks, pools per system, jobs and selections.
    assert _without_company(company) == plain
    asset_jobs = {job: keys for job, keys in plain["selections"].items() if job not in OP_JOBS}
    assert asset_jobs and all(asset_jobs.values()), "an asset job of the demo selects nothing"
    assert "so24/company" not in json.dumps(plain)
