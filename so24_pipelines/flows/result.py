"""What one flow's run did, in the one shape every flow reports and the Dagster layer shows.

A run may hold several loads (O3 writes two statuses; a 24SO load is split per company because a
24SO session works in one company at a time), several staged reads (the WMS reads before O3/O5)
and notes (a readiness report, why nothing was sent). `FlowRun.merge` adds runs of one flow up,
so the metadata sums them and never picks one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from so24_pipelines.sync import LoadReport, Plan


@dataclass(frozen=True)
class StagedRead:
    """What one read of a source system staged: counts, the cursor it moved, rejects with reasons."""

    name: str
    cursor_from: str | None
    cursor_to: str | None
    received: int
    inserted: int
    updated: int
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class FlowRun:
    """One flow's tick: the plans (also the dry-run preview), what was done, what was read."""

    flow: str
    dry_run: bool
    plans: tuple[Plan, ...] = ()
    reports: tuple[LoadReport, ...] = ()
    reads: tuple[StagedRead, ...] = ()
    notes: Mapping[str, str | int] = field(default_factory=dict)

    @property
    def plan_items(self) -> int:
        return sum(len(plan.items) for plan in self.plans)

    def counts(self) -> dict[str, int]:
        """What was done (created, updated, ...), summed over the loads."""
        return _sum(report.counts() for report in self.reports)

    def planned(self) -> dict[str, int]:
        """What was planned per action (skip, create, ...), summed over the loads."""
        return _sum(plan.counts for plan in self.plans)

    def failures(self) -> list[tuple[str, str]]:
        return [failure for report in self.reports for failure in report.failures]

    def preview(self, limit: int = 50) -> str:
        return "\n\n".join(plan.to_markdown(limit) for plan in self.plans) or "nothing planned"

    def merge(self, other: FlowRun) -> FlowRun:
        """Both runs' loads, reads and notes as one (same flow, e.g. one load per 24SO company)."""
        return FlowRun(
            flow=self.flow,
            dry_run=self.dry_run or other.dry_run,
            plans=self.plans + other.plans,
            reports=self.reports + other.reports,
            reads=self.reads + other.reads,
            notes={**self.notes, **other.notes},
        )

    def noting(self, **notes: str | int) -> FlowRun:
        return FlowRun(self.flow, self.dry_run, self.plans, self.reports, self.reads, {**self.notes, **notes})


def _sum(tallies: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for tally in tallies:
        for name, value in tally.items():
            total[name] = total.get(name, 0) + value
    return total
