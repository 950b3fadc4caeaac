"""The one object a flow function receives from its run, instead of threading four arguments.

Every flow needs the staging file, the run id (the loader's claims and sync log name it) and
whether the run only previews. These used to travel as `db_path, run_id, dry_run` through every
function of every flow; a `RunContext` carries them, and `load` is the one way a flow hands its
mapped records to the loader, so every flow's result has the same shape (FlowRun).

Clients stay explicit parameters: which systems a flow talks to is part of its signature.

`retire_failures` belongs here too, since every flow needs it: a failed record is retried on every
tick as long as the mapping still selects it. When it no longer does (the 24SO order left the
configured status, the stock already agrees, ...), the failure would otherwise sit in
sync.failed_records forever with a reason that is no longer true, so it is closed with a skip that
says why (the loader clears a failure on a mapping skip).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from so24_pipelines.flows.result import FlowRun, StagedRead
from so24_pipelines.sync import DEFAULT_CLAIM_TTL, MappedRecord, Target, failed_record_keys, load
from so24_pipelines.sync.executor import RunAlive


@dataclass(frozen=True)
class RunContext:
    """One step's run: the staging file, the Dagster run id, and dry run (plan and preview only).

    `alive(run_id)` says whether another run may still be writing (the Dagster layer asks its
    instance): the loader takes over a claim of a run that is over at once, so the records of a
    crashed run resume on the next tick. Without it (tests, scripts) only the claim TTL frees them.
    """

    db_path: Path
    run_id: str
    dry_run: bool = False
    alive: RunAlive | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, db_path: str | Path, run_id: str, dry_run: bool = False, *, alive: RunAlive | None = None) -> RunContext:
        return cls(Path(db_path), run_id, dry_run, alive)

    def previewing(self, dry_run: bool) -> RunContext:
        """The same run with the dry-run switch of one flow (each flow has its own in so24.yaml)."""
        return replace(self, dry_run=dry_run)

    def retire_failures(self, flow: str, records: Sequence[MappedRecord], why: str) -> list[MappedRecord]:
        """`records` plus a skip (reason `why`) for each failed key of `flow` the mapping no longer selects."""
        present = {record.source_key for record in records}
        stale = [key for key in failed_record_keys(self.db_path, flow) if key not in present]
        return [*records, *(MappedRecord(source_key=key, skip_reason=why) for key in stale)]

    def idle(self, flow: str, why: str) -> FlowRun:
        """A run of `flow` that loaded nothing, and why (note `idle`): a direction, a switch, a setting."""
        return FlowRun(flow=flow, dry_run=self.dry_run, notes={"idle": why})

    def load(
        self,
        flow: str,
        records: Iterable[MappedRecord],
        target: Target,
        *,
        source_system: str,
        reads: Sequence[StagedRead] = (),
        max_workers: int = 4,
        batch_size: int = 100,
        claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
    ) -> FlowRun:
        """Plan and write `records` through the one loader; the result as every flow reports it.
        `batch_size`: records per claim-send-record round (per call, for a target that writes in bulk)."""
        plan, report = load(
            self.db_path, flow, records, target,
            run_id=self.run_id, dry_run=self.dry_run, max_workers=max_workers, batch_size=batch_size,
            claim_ttl=claim_ttl, source_system=source_system, run_alive=self.alive,
        )  # fmt: skip
        return FlowRun(flow=flow, dry_run=self.dry_run, plans=(plan,), reports=(report,), reads=tuple(reads))
