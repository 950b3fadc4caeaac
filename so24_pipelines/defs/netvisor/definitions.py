"""Netvisor's Definitions: the N2/N1 assets and checks, the jobs that start the initial sync from
the UI, and the "netvisor" resource.

- `netvisor_initial_sync` (N1): N2 first, then N1 for each register in flows.N1.registers. No
  schedule and no sensor: an initial sync is started by a user, who reruns it to resume (the
  loader's id map makes a rerun send only what is not yet confirmed, so a second run writes 0).
- N3 going live (defs/netvisor/live.py): asset `n3_live_to_netvisor`, job `netvisor_live`, its
  schedule `netvisor_live_schedule` and the webhook sensor `netvisor_live_events`.
- `netvisor_initial_sync_preview`: the same assets with `dry_run: true` in every asset's config,
  so one click shows N2's links and N1's plan and writes nothing to Netvisor, Rackbeat or the
  loader's tables (N2's reads and its report are staged: the preview is made of them).
Merge with the main Definitions, which provide "staging" and "rackbeat" (the Rackbeat account
Netvisor is paired with).
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from so24_pipelines.defs.company_scope import asset_selection, op_name
from so24_pipelines.defs.flow_asset import flow_checks, flow_tags
from so24_pipelines.defs.netvisor.assets import MATCHES, build_netvisor_assets, n1_asset_name, specs
from so24_pipelines.defs.netvisor.live import build_live_definitions
from so24_pipelines.defs.netvisor.resources import netvisor_resource
from so24_pipelines.settings import Settings

JOB = "netvisor_initial_sync"
PREVIEW_JOB = "netvisor_initial_sync_preview"


def _jobs(settings: Settings) -> list[Any]:
    flows = settings.flows
    if not flows.N2.enabled:
        return []
    selected = [MATCHES]
    if flows.N1.enabled:
        selected += [n1_asset_name(register) for register in flows.N1.registers]
    selection = asset_selection(*selected)
    what = f"N2 matching, then N1 for the {', '.join(flows.N1.registers)} ({flows.N1.direction})"
    preview = {"ops": {op_name(name): {"config": {"dry_run": True}} for name in selected}}
    return [
        dg.define_asset_job(
            JOB, selection=selection, tags=flow_tags("N1"), description=f"{what}. Rerun to resume."
        ),
        dg.define_asset_job(
            PREVIEW_JOB,
            selection=selection,
            tags=flow_tags("N1"),
            config=preview,
            description=f"Preview of {JOB}: {what}, as a dry run; nothing is written to either system.",
        ),  # fmt: skip
    ]


def build_netvisor_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions.merge(
        dg.Definitions(
            assets=build_netvisor_assets(settings),
            asset_checks=flow_checks(specs(settings).values()),
            jobs=_jobs(settings),
            resources={"netvisor": netvisor_resource(settings)},
        ),
        build_live_definitions(settings),
    )
