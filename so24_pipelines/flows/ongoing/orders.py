"""O2 sales orders: 24SO orders in the configured status -> Ongoing customer orders.

The pairs are in mapping/specs/ongoing_orders.yaml (seed 001's table). Beyond the mapping, one
rule needs the WMS itself: every line must name an article the WMS has, or Ongoing refuses the
whole order. So the articles of the orders about to be written are looked up (one paged query per
50 numbers, only for planned writes, so an unchanged tick asks nothing) and an order with an
unknown article is skipped, naming the line and the article, instead of failing at the WMS.

An order changed in 24SO after the import is sent again (PUT by number updates it) while the WMS
allows it; once the warehouse has started on it Ongoing refuses, and the record fails with that
reason (OrderTarget) rather than being forced. Each tick retries it, so undoing the change in
24SO, or the order leaving the status, settles it.

An order whose staged values (its row, its company's, its lines' and their products') did not
change since the last tick is not mapped again (the engine's `map_changed`): the loader counts it
unchanged from the hash it sent last, and it needs no article look-up.
"""

from __future__ import annotations

from dataclasses import replace

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing.wms_targets import OrderTarget
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec
from so24_pipelines.mapping.engine import map_changed, source_digest
from so24_pipelines.sync import MappedRecord, flow_key, plan
from so24_pipelines.sync.planner import remember_inputs

FLOW = flow_key("O2")
SPEC = "ongoing_orders"


def _article_numbers(record: MappedRecord) -> list[str]:
    return [line["articleNumber"] for line in record.payload.get("orderLines", [])]


def _unknown_lines(record: MappedRecord, known: set[str]) -> MappedRecord:
    """The record, or a skip naming each line whose article the WMS does not have."""
    missing = [
        f"line {line.get('externalId', line.get('rowNumber'))}: article {line['articleNumber']!r} is not in the WMS "
        "(O1 sends products as articles first; see O1's skipped products)"
        for line in record.payload.get("orderLines", [])
        if line["articleNumber"] not in known
    ]
    if not missing:
        return record
    return replace(record, payload={}, skip_reason=f"order {record.source_key}: " + "; ".join(missing))


def sync_orders(run: RunContext, client: OngoingClient, identity: str, *, so24_status: str) -> FlowRun:
    target = OrderTarget(client)
    batch = map_changed(run.db_path, load_spec(SPEC), identity, {"so24_status": so24_status},
                        flow=FLOW, context=source_digest(__name__))  # fmt: skip
    records = run.retire_failures(
        FLOW, batch.records, f"the 24SO order is no longer in status {so24_status}; not sent to the WMS"
    )
    preview = plan(run.db_path, FLOW, records, target_system=target.system, target_entity=target.entity,
                   upserts_by_key=True, source_system="so24")
    writing = {item.record.source_key for item in preview.writes}
    numbers = sorted({n for r in records if r.source_key in writing for n in _article_numbers(r)})
    known = {a["articleNumber"] for a in client.iter_articles(article_numbers=numbers)} if numbers else set()
    records = [_unknown_lines(r, known) if r.source_key in writing else r for r in records]
    result = run.load(FLOW, records, target, source_system="so24")
    if not run.dry_run:
        remember_inputs(run.db_path, FLOW, batch.inputs, result.plans)
    return result
