"""L2 orders: B2B orders from Le New Black become 24SO invoice orders, once each, then are acknowledged.

One tick, on the one flow template:

1. Staged read (orders_reads.py): the LNB orders changed since the mark (every status), plus the
   orders L2 holds back, read again by reference; staged with their lines.
2. Mapping (orders_mapping.py, mapping/specs/lnb_orders_to_so24.yaml): the orders in an exported
   status and those exported before. A retailer without a valid 24SO customer reference, or a
   line whose product 24SO does not have by the configured key, blocks the whole order with the
   reason; rows are checked (orders_rows.py).
3. Once exported, never again (orders_exported.py): an exported order the loader would write
   again is a skip, "exported on ... as 24SO order N; LNB edits are not applied".
4. Loader, target 24SO (orders_target.py): creates with SaveInvoices after looking the LNB
   reference up among the customer's orders, so a create a crash left unconfirmed is found, never
   sent twice. Then the new exports are dated, and acknowledged in LNB (orders_ack.py, flow L2.ack).

The run's notes list what the user must act on: `blocked` / `blocked_orders` (never exported,
with the reasons) and `not_applied` / `not_applied_orders` (exported, changed in LNB since).
"""

from __future__ import annotations

from dataclasses import dataclass

from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.orders_ack import acknowledge
from so24_pipelines.flows.lnb.orders_exported import Export, exports, not_applied, stamp_new_exports
from so24_pipelines.flows.lnb.orders_mapping import OrderOptions, order_records
from so24_pipelines.flows.lnb.orders_reads import read_orders
from so24_pipelines.flows.lnb.orders_target import So24OrderTarget
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.sync import MappedRecord, flow_key, plan

FLOW = flow_key("L2")
ACK_FLOW = flow_key("L2", "ack")
LISTED = 50  # orders listed in each metadata table


@dataclass(frozen=True)
class L2Options(OrderOptions):
    """flows.L2 as the flow reads it: the mapping's options and the acknowledgement status."""

    acknowledge_status: str | None = None


def sync_orders(
    run: RunContext, lnb: LnbClient, so24: So24Client, identity: str, options: L2Options
) -> list[FlowRun]:
    """One L2 tick (module docstring): the orders' load, then the acknowledgements' load."""
    read = read_orders(lnb, run.db_path, identity, flow=FLOW, statuses=options.statuses)
    records = run.retire_failures(
        FLOW,
        order_records(run.db_path, identity, FLOW, options),
        f"the LNB order is no longer in an exported status ({', '.join(options.statuses)})",
    )
    target = So24OrderTarget(so24)
    exported = exports(run.db_path, FLOW)
    preview = plan(run.db_path, FLOW, records, target_system=target.system, target_entity=target.entity,
                   source_system="lnb")  # fmt: skip
    records = not_applied(records, preview, exported)
    result = run.load(FLOW, records, target, source_system="lnb", reads=(read,))
    if not run.dry_run:
        stamp_new_exports(run.db_path, FLOW)
    result = result.noting(**_notes(records, exported))
    ack = acknowledge(run, lnb, identity, flow=FLOW, ack_flow=ACK_FLOW, status=options.acknowledge_status,
                      statuses=options.statuses)  # fmt: skip
    return [result, ack]


def _notes(records: list[MappedRecord], exported: dict[str, Export]) -> dict[str, str | int]:
    """What the user must act on: orders held back (never exported) and exported orders LNB changed since."""
    skipped = [(r.source_key, r.skip_reason or "") for r in records if r.skip_reason]
    blocked = [row for row in skipped if row[0] not in exported]
    changed = [row for row in skipped if row[0] in exported]
    return {
        "blocked": len(blocked),
        "blocked_orders": reasons_table(blocked),
        "not_applied": len(changed),
        "not_applied_orders": reasons_table(changed),
    }


def reasons_table(rows: list[tuple[str, str]]) -> str:
    """Up to LISTED (order, reason) rows as a markdown table ("none" when there are none)."""
    if not rows:
        return "none"
    lines = ["| order | reason |", "|---|---|"]
    lines += [f"| {key} | {' '.join(reason.split()).replace('|', '/')} |" for key, reason in rows[:LISTED]]
    if len(rows) > LISTED:
        lines.append(f"| … | {len(rows) - LISTED} more in this run's preview and sync.sync_log |")
    return "\n".join(lines)
