"""O1 article registry: every staged 24SO product -> an Ongoing article, upserted by number.

The pairs are in mapping/specs/ongoing_articles.yaml. A product without a number cannot become an
article (Ongoing keys articles by number) and is skipped with that reason; everything else goes.
"""

from __future__ import annotations

from pathlib import Path

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.flows.ongoing.run import FlowRun, retire_failures, run_load
from so24_pipelines.flows.ongoing.wms_targets import ArticleTarget
from so24_pipelines.mapping import load_spec, map_records

FLOW = "O1"
SPEC = "ongoing_articles"


def sync_articles(
    db_path: str | Path, client: OngoingClient, identity: str, *, run_id: str, dry_run: bool = False
) -> FlowRun:
    records = map_records(db_path, load_spec(SPEC), identity)
    records = retire_failures(db_path, FLOW, records, "the product is no longer in staging; not sent")
    return run_load(db_path, FLOW, records, ArticleTarget(client), run_id=run_id, dry_run=dry_run, source_system="so24")
