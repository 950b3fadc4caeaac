"""Every asset spec, job, schedule and sensor as one JSON snapshot, so a graph change is a visible diff.

The definitions are built with every built system connected (the widest graph a deployment can
have). A change in a key, group, dependency, kind, tag, check or pool fails this test until the
snapshot is written again on purpose: `SO24_UPDATE_SNAPSHOTS=1 pytest -k snapshot`, and the diff of
`snapshots/asset_graph.json` goes into review with the code that caused it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg

from so24_pipelines.definitions import build_definitions
from so24_pipelines.settings import Settings
from so24_pipelines_tests.unit.connected import ALL_CONNECTED

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "asset_graph.json"


def _asset_entries(defs: dg.Definitions) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    entries: dict[str, Any] = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        entries[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "kinds": sorted(node.kinds),
            "tags": dict(sorted(node.tags.items())),
            "pool": node.pools and sorted(node.pools) or None,
            "partitioned": node.partitions_def is not None,
            "checks": sorted(check.name for check in node.check_keys),
        }
    return entries


def graph_snapshot(settings: Settings) -> dict[str, Any]:
    defs = build_definitions(settings)
    repo = defs.get_repository_def()
    return {
        "assets": _asset_entries(defs),
        "jobs": sorted(job.name for job in repo.get_all_jobs() if not job.name.startswith("__")),
        "schedules": sorted(s.name for s in repo.schedule_defs),
        "sensors": sorted(s.name for s in repo.sensor_defs),
    }


def test_the_asset_graph_matches_its_snapshot() -> None:
    current = graph_snapshot(Settings.model_validate(ALL_CONNECTED))
    text = json.dumps(current, indent=1, sort_keys=True) + "\n"
    if os.environ.get("SO24_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), f"no snapshot at {SNAPSHOT}; write it with SO24_UPDATE_SNAPSHOTS=1"
    assert json.loads(SNAPSHOT.read_text()) == current, (
        "the asset graph changed; if on purpose, rerun with SO24_UPDATE_SNAPSHOTS=1 and commit the diff"
    )
