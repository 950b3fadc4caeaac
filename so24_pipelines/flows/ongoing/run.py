"""What every O-flow does after mapping: retire stale failures, load, and report.

A failed record is retried on every tick (X5) as long as the mapping still selects it. When it
no longer does (the 24SO order left the configured status, the stock already agrees, ...), the
failure would otherwise sit in sync.failed_records forever with a reason that is no longer true,
so it is closed with a skip that says why. The loader clears a failure on a mapping skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from so24_pipelines.flows.ongoing.wms_reads import ReadReport
from so24_pipelines.sync import LoadReport, MappedRecord, Plan, Target, load
from so24_pipelines.sync.failures import failed_record_keys


@dataclass(frozen=True)
class FlowRun:
    """One flow's tick: the plan (also the dry-run preview), what was done, what was read."""

    flow: str
    plan: Plan
    report: LoadReport
    dry_run: bool
    reads: tuple[ReadReport, ...] = field(default_factory=tuple)


def retire_failures(db_path: str | Path, flow: str, records: list[MappedRecord], why: str) -> list[MappedRecord]:
    """`records` plus a skip (reason `why`) for each failed key the mapping no longer selects."""
    present = {record.source_key for record in records}
    stale = [key for key in failed_record_keys(db_path, flow) if key not in present]
    return records + [MappedRecord(source_key=key, skip_reason=why) for key in stale]


def run_load(
    db_path: str | Path,
    flow: str,
    records: Sequence[MappedRecord],
    target: Target,
    *,
    run_id: str,
    dry_run: bool,
    source_system: str,
    reads: Sequence[ReadReport] = (),
    max_workers: int = 4,
) -> FlowRun:
    """Load through the one loader and wrap the result for the Dagster layer."""
    plan, report = load(
        db_path, flow, records, target,
        run_id=run_id, dry_run=dry_run, max_workers=max_workers, source_system=source_system,
    )
    return FlowRun(flow=flow, plan=plan, report=report, dry_run=dry_run, reads=tuple(reads))
