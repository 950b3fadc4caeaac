"""The one entry point flows call: plan, then execute, against one target entity.

Kept separate from planner/executor so a flow's asset can also call them apart: plan alone for a
readiness or dry-run preview, execute with a plan it has shown the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from so24_pipelines.sync.executor import DEFAULT_CLAIM_TTL, RunAlive, execute
from so24_pipelines.sync.planner import Plan, plan
from so24_pipelines.sync.records import MappedRecord, Target, upserts_by_key
from so24_pipelines.sync.report import LoadReport


def load(
    db_path: str | Path,
    flow: str,
    records: Iterable[MappedRecord],
    target: Target,
    *,
    run_id: str,
    dry_run: bool = False,
    max_workers: int = 4,
    batch_size: int = 100,
    claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
    source_system: str | None = None,
    run_alive: RunAlive | None = None,
) -> tuple[Plan, LoadReport]:
    """Diff `records` against what `target` last confirmed and write the difference.

    Idempotent: a rerun with the same records yields only 'unchanged'. Crash-safe: creates are
    announced in sync.id_map before they are sent and resolved by business key afterwards. With
    dry_run the plan is returned and nothing is written anywhere (neither target nor sync.*).
    AuthError/ConfigError/UnreachableError from the target stop the load after recording what was done, and are
    re-raised with a note of the counts. `run_alive(run_id)` says whether a run holding a claim
    may still be writing; a claim of a run that is over is taken at once, else after `claim_ttl`.
    """
    the_plan = plan(
        db_path,
        flow,
        records,
        target_system=target.system,
        target_entity=target.entity,
        upserts_by_key=upserts_by_key(target),
        source_system=source_system,
    )
    report = execute(
        db_path,
        the_plan,
        target,
        run_id=run_id,
        dry_run=dry_run,
        max_workers=max_workers,
        batch_size=batch_size,
        claim_ttl=claim_ttl,
        run_alive=run_alive,
    )
    return the_plan, report
