"""The one vocabulary every flow asset reports in the Dagster UI.

- `flows`, `dry_run`; what was done: `created`, `updated`, `unchanged`, `skipped`, `failed`,
  `resolved` (always there, 0 when nothing was loaded, also on a switched-off flow's
  materialization); what was planned: `planned_<action>` for
  every plan action; `dagster/row_count` (records planned);
- `preview`: the plan as markdown, on every run and not only on dry runs: it is the plan the
  loader executed, skips first with their reasons, then the writes, unchanged records only as a
  count, so "why was order 123 not sent?" is answered on the asset's page. On a dry run (so24.yaml,
  or `dry_run: true` in the run config) the counts of writes stay zero and the preview is the answer;
- `failures`: records whose write failed in this run, with the target's own reasons (they retry
  on later ticks; the asset's `no_failed_records` check fails while any waits);
- per staged read `<read>_received`, `<read>_changed`, `<read>_cursor` and `<read>_rejected`;
- notes a flow adds under their own names: `idle` (why nothing was loaded: a direction, a
  switch), `in_sync_pairs`, a readiness report.
A flow's static field mapping is asset definition metadata under `mapping` (see `mapping_metadata`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg

from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec, spec_markdown
from so24_pipelines.sync import LoadReport
from so24_pipelines.sync.planner import PLAN_ACTIONS

LIMIT = 50
COUNTERS: tuple[str, ...] = tuple(LoadReport(run_id="").counts())


def reasons_markdown(rows: Sequence[tuple[str, str]], header: tuple[str, str] = ("record", "reason")) -> str:
    """Up to LIMIT (key, reason) rows as a markdown table; the rest are in sync.failed_records."""
    if not rows:
        return "none"
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {k} | {' '.join(v.split()).replace('|', '/')} |" for k, v in rows[:LIMIT]]
    if len(rows) > LIMIT:
        lines.append(f"| … | {len(rows) - LIMIT} more in the failed records |")
    return "\n".join(lines)


def flow_metadata(runs: Sequence[FlowRun]) -> dict[str, Any]:
    """One asset's metadata from the runs of its flows (summed, never one picked)."""
    meta: dict[str, Any] = {"flows": ", ".join(r.flow for r in runs), "dry_run": any(r.dry_run for r in runs)}
    totals: dict[str, int] = dict.fromkeys(COUNTERS, 0)
    for run in runs:
        for name, value in run.counts().items():
            totals[name] = totals.get(name, 0) + value
    meta.update(totals)
    for action in PLAN_ACTIONS:
        meta[f"planned_{action}"] = sum(r.planned().get(action, 0) for r in runs)
    meta["dagster/row_count"] = sum(r.plan_items for r in runs)
    meta["preview"] = dg.MetadataValue.md("\n\n".join(r.preview() for r in runs if r.plans) or "nothing planned")
    meta["failures"] = dg.MetadataValue.md(reasons_markdown([f for r in runs for f in r.failures()]))
    for run in runs:
        for read in run.reads:
            prefix = read.name.replace(" ", "_")
            meta[f"{prefix}_received"] = read.received
            meta[f"{prefix}_changed"] = read.inserted + read.updated
            meta[f"{prefix}_cursor"] = read.cursor_to or "none"
            if read.rejected:
                meta[f"{prefix}_rejected"] = dg.MetadataValue.md(reasons_markdown(read.rejected))
        for name, note in run.notes.items():
            meta[name] = dg.MetadataValue.md(note) if isinstance(note, str) and "\n" in note else note
    return meta


def mapping_metadata(*specs: str) -> dict[str, Any]:
    """Definition metadata of a flow asset: its field pairs, as the spec files state them."""
    return {"mapping": dg.MetadataValue.md("\n\n".join(spec_markdown(load_spec(name)) for name in specs))}


def switched_off(flow: str) -> dg.MaterializeResult:
    """A materialization of a flow that is off does nothing, and says so."""
    return dg.MaterializeResult(
        metadata={
            "switched_off": True,
            "note": f"{flow} is switched off (flows.{flow}.enabled: false in so24.yaml); nothing was read or written",
            **flow_metadata([FlowRun(flow=flow, dry_run=False)]),
        }
    )
