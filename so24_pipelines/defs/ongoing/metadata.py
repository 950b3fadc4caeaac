"""What an Ongoing flow reports in the Dagster UI: counts, the plan preview, failures, WMS reads.

The preview (Plan.to_markdown) is attached on every run, not only on dry runs: it is the same
plan the loader executed, with the reason for every skip, so "why was order 123 not sent?" is
answered on the asset's page (X4). On a dry run the counts of writes stay zero and the preview
is the whole answer.
"""


from collections.abc import Sequence
from typing import Any

import dagster as dg

from so24_pipelines.flows.ongoing.run import FlowRun
from so24_pipelines.sync.planner import PLAN_ACTIONS


def _table(rows: Sequence[tuple[str, str]], header: tuple[str, str], limit: int = 50) -> str:
    if not rows:
        return "none"
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {k} | {' '.join(v.split()).replace('|', '/')} |" for k, v in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"| … | {len(rows) - limit} more in sync.failed_records |")
    return "\n".join(lines)


def flow_metadata(runs: Sequence[FlowRun]) -> dict[str, Any]:
    """One asset's metadata from its loads (O3 may run two: import status and sent)."""
    meta: dict[str, Any] = {"flows": ", ".join(r.flow for r in runs), "dry_run": any(r.dry_run for r in runs)}
    totals: dict[str, int] = {}
    for run in runs:
        for name, value in run.report.counts().items():
            totals[name] = totals.get(name, 0) + value
    meta.update(totals)
    for action in PLAN_ACTIONS:
        meta[f"planned_{action}"] = sum(r.plan.counts[action] for r in runs)
    meta["dagster/row_count"] = sum(len(r.plan.items) for r in runs)
    meta["preview"] = dg.MetadataValue.md("\n\n".join(r.plan.to_markdown() for r in runs) or "nothing planned")
    failures = [(key, reason) for r in runs for key, reason in r.report.failures]
    meta["failures"] = dg.MetadataValue.md(_table(failures, ("record", "reason")))
    for run in runs:
        for read in run.reads:
            prefix = "wms_" + read.name.replace(" ", "_")
            meta[f"{prefix}_received"] = read.received
            meta[f"{prefix}_changed"] = read.inserted + read.updated
            meta[f"{prefix}_cursor"] = read.cursor_to or "none"
            if read.rejected:
                meta[f"{prefix}_rejected"] = dg.MetadataValue.md(_table(read.rejected, ("record", "reason")))
    return meta


def switched_off(flow: str) -> dg.MaterializeResult:
    """A materialization of a flow that is off does nothing, and says so."""
    return dg.MaterializeResult(
        metadata={
            "switched_off": True,
            "note": f"{flow} is switched off (flows.{flow}.enabled: false in so24.yaml); nothing was read or written",
        }
    )
