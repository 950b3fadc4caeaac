"""Shared setup of the X7 reconciliation tests (no tests in this module).

The hub's own jobs bring both systems in step first (the initial sync, R3's opening stock, O1), as
Dagster would run them in process against the one sandbox; then the reconciliation job runs, and
the tests read what it kept in sync.reconcile_differences and reported in its metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from so24_pipelines.defs.reconcile.definitions import ASSETS, JOB
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.differences import DifferenceRow, read_differences
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h


def reconcile(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    result = h.run_job(defs, JOB, instance)
    assert result.success, h.step_failures(result)
    return result


def report(result: dg.ExecuteInProcessResult, pair: str) -> dict[str, Any]:
    return h.metadata(result)[ASSETS[pair]]


def check_result(result: dg.ExecuteInProcessResult, pair: str) -> dg.AssetCheckEvaluation:
    evaluations = [
        e.event_specific_data for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.asset_key.to_user_string() == ASSETS[pair]
    ]  # fmt: skip
    assert len(evaluations) == 1
    return evaluations[0]


def open_differences(db: Path, pair: str) -> list[DifferenceRow]:
    with connect(db) as con:
        return read_differences(con, pair)


def named(rows: list[DifferenceRow]) -> set[tuple[str, str, str, str]]:
    """(entity, key, field, kind) of each difference."""
    return {(r.entity, r.key, r.field, r.kind) for r in rows}
