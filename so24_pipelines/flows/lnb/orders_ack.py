"""L2's acknowledgement: an order 24SO has is moved on in LNB (`flows.L2.acknowledge_status`).

LNB's own ERP connectors move an exported order to another status (reference §5), so the brand
sees in LNB which orders the ERP has. The hub does the same, after 24SO accepted the order
(created or found by its reference: L2's id map), through the loader as a flow of its own
(`L2.ack`, target LNB `POST /orders/status`):

- idempotent: setting a status is absolute, so the target upserts by key; a status set whose
  answer was lost is simply set again, and LNB changes nothing when it is already set;
- once: an order the ack flow has confirmed is not selected again, so changing the setting later
  never moves orders acknowledged before;
- retried: a status set that failed stays in sync.failed_records (the asset's check shows it)
  and is tried again on the next tick, for as long as the order is still in an exported status
  in LNB. An order the brand has meanwhile moved on (or canceled) is left as the brand set it;
  a failure kept for it is closed with that reason.

Only orders whose staged LNB status is still an exported one are selected: an order already in
the acknowledgement status, or anywhere else, has nothing to be moved from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.tables import ORDERS
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.id_map import confirmed_pairs
from so24_pipelines.sync.schema import sync_schema_exists


class LnbOrderStatusTarget:
    """LNB `POST /orders/status {reference, status}`; key = the order reference (an absolute write)."""

    system = "lnb"
    entity = "order_status"
    upserts_by_key = True

    def __init__(self, client: LnbClient) -> None:
        self.client = client

    def _set(self, record: MappedRecord) -> str:
        self.client.set_order_status(record.payload["reference"], record.payload["status"])
        return record.payload["reference"]

    def create(self, record: MappedRecord) -> str:
        return self._set(record)

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._set(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        return None


def ack_records(
    db_path: str | Path, identity: str, *, flow: str, ack_flow: str, status: str, statuses: Sequence[str]
) -> list[MappedRecord]:
    """One record per order `flow` exported that `ack_flow` has not acknowledged and LNB still shows in an exported status."""
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return []
        exported = dict(confirmed_pairs(con, flow))
        done = {source for source, _ in confirmed_pairs(con, ack_flow)}
        waiting = sorted(set(exported) - done)
        if not waiting:
            return []
        rows = con.execute(
            f"SELECT order_reference, CAST(update_time AS VARCHAR) FROM {ORDERS.qualified} "  # noqa: S608 - declared name
            "WHERE identity = ? AND list_contains(?::VARCHAR[], order_reference) AND list_contains(?::VARCHAR[], status) "
            "ORDER BY order_reference",
            [identity, waiting, list(statuses)],
        ).fetchall()
    return [
        MappedRecord(
            source_key=reference, payload={"reference": reference, "status": status}, source_version=version
        )
        for reference, version in rows
    ]


def acknowledge(
    run: RunContext, client: LnbClient, identity: str, *, flow: str, ack_flow: str, status: str | None,
    statuses: Sequence[str],
) -> FlowRun:  # fmt: skip
    """Move the orders 24SO accepted to `status` in LNB (module docstring); idle when it is empty."""
    if status is None:
        return run.idle(
            ack_flow, "flows.L2.acknowledge_status is empty: exported orders stay as they are in LNB"
        )
    records = ack_records(
        run.db_path, identity, flow=flow, ack_flow=ack_flow, status=status, statuses=statuses
    )
    records = run.retire_failures(
        ack_flow,
        records,
        f"the LNB order is no longer in an exported status ({', '.join(statuses)}); left as it is",
    )
    return run.load(ack_flow, records, LnbOrderStatusTarget(client), source_system="so24")
