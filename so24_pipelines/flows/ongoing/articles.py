"""O1 article registry: every staged 24SO product -> an Ongoing article, upserted by number.

The pairs are in mapping/specs/ongoing_articles.yaml. A product without a number cannot become an
article (Ongoing keys articles by number) and is skipped with that reason; everything else goes.
"""

from __future__ import annotations

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing.wms_targets import ArticleTarget
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.sync import flow_key

FLOW = flow_key("O1")
SPEC = "ongoing_articles"


def sync_articles(run: RunContext, client: OngoingClient, identity: str) -> FlowRun:
    records = map_records(run.db_path, load_spec(SPEC), identity)
    records = run.retire_failures(FLOW, records, "the product is no longer in staging; not sent")
    return run.load(FLOW, records, ArticleTarget(client), source_system="so24")
