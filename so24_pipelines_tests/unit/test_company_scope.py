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
from so24_pipelines.settings import Settings
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
        "job_tags": {job.name: dict(sorted(job.tags.items())) for job in repo.get_all_jobs() if job.name[:2] != "__"},
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


def test_a_company_location_keeps_every_name_apart_and_changes_nothing_else() -> None:
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

    # Nothing but the names: the same assets, deps, checks, pools per system, jobs and selections.
    assert _without_company(company) == plain
    asset_jobs = {job: keys for job, keys in plain["selections"].items() if job not in OP_JOBS}
    assert asset_jobs and all(asset_jobs.values()), "an asset job of the demo selects nothing"
    assert "so24/company" not in json.dumps(plain)
