"""O1 article registry: every staged 24SO product -> an Ongoing article, upserted by number.

The pairs are in mapping/specs/ongoing_articles.yaml. A product without a number cannot become an
article (Ongoing keys articles by number) and is skipped with that reason; everything else goes.
A product whose staged values did not change since the last tick is not mapped again (the
engine's `map_changed`): the loader counts it unchanged from the hash it sent last.
"""

from __future__ import annotations

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing.wms_targets import ArticleTarget
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec
from so24_pipelines.mapping.engine import map_changed, source_digest
from so24_pipelines.sync import flow_key
from so24_pipelines.sync.planner import remember_inputs

FLOW = flow_key("O1")
SPEC = "ongoing_articles"


def sync_articles(run: RunContext, client: OngoingClient, identity: str) -> FlowRun:
    batch = map_changed(run.db_path, load_spec(SPEC), identity, flow=FLOW, context=source_digest(__name__))
    records = run.retire_failures(FLOW, batch.records, "the product is no longer in staging; not sent")
    result = run.load(FLOW, records, ArticleTarget(client), source_system="so24")
    if not run.dry_run:
        remember_inputs(run.db_path, FLOW, batch.inputs, result.plans)
    return result
