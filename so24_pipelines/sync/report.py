"""Outcomes of a load, one per record, and the counts a Dagster asset reports.

An `Outcome` is the unit the loader records: each becomes one sync_log row (X8) and drives the
id_map / failed_records bookkeeping in store.py. The `LoadReport` is only a summary of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

LogAction = Literal["create", "update", "unchanged", "skip", "fail", "resolved"]

_COUNTER_FOR: dict[str, str] = {
    "create": "created",
    "update": "updated",
    "unchanged": "unchanged",
    "skip": "skipped",
    "fail": "failed",
    "resolved": "resolved",
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one record in one run.

    payload_hash: for create/update/resolved, the hash of the payload the target confirmed.
    payload_json: for failures, the canonical payload, kept in failed_records for inspection.
    keeps_failure: a skip decided at execution time (another run holds the record) says nothing
        about the record itself, so it must not clear an earlier failure.
    never_sent: the load stopped before this record's send started; a pending_create row made
        for it in this run can be dropped because nothing can have reached the target.
    refused: the target answered the create with a refusal (RecordRejected, 429, another 4xx):
        it made nothing, so the pending_create row goes and the failure keeps the target's words;
        the retry is a create again, not the resolve of a create whose answer was lost.
    """

    source_key: str
    action: LogAction
    business_key: str | None = None
    target_key: str | None = None
    reason: str | None = None
    payload_hash: str | None = None
    payload_json: str | None = None
    source_version: str | None = None
    keeps_failure: bool = False
    never_sent: bool = False
    refused: bool = False


@dataclass(frozen=True)
class LoadReport:
    """Counts of one execution. A dry run writes nothing, so its counts are all zero."""

    run_id: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    resolved: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The counters by name, ready for Dagster metadata."""
        return {name: getattr(self, name) for name in _COUNTER_FOR.values()}


class ReportBuilder:
    """Accumulates outcomes batch by batch; `build` freezes them into a LoadReport."""

    def __init__(self, run_id: str) -> None:
        self._run_id = run_id
        self._counts = dict.fromkeys(_COUNTER_FOR.values(), 0)
        self._failures: list[tuple[str, str]] = []

    def add(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            self._counts[_COUNTER_FOR[outcome.action]] += 1
            if outcome.action == "fail":
                self._failures.append((outcome.source_key, outcome.reason or ""))

    def summary(self) -> str:
        """One line of counts, safe to attach to an exception (no payloads, no secrets)."""
        return ", ".join(f"{name}={count}" for name, count in self._counts.items())

    def build(self) -> LoadReport:
        return LoadReport(run_id=self._run_id, failures=list(self._failures), **self._counts)
