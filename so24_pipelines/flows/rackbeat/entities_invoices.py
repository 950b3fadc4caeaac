"""R7 invoices: booked Rackbeat customer invoices become 24SO invoice orders, once each.

Only booked invoices go (a draft can still change; a booked one cannot, so "created once, never
edited" is safe). An invoice of a Rackbeat order that came from 24SO (R4's id map) is skipped
with the reason: that order already exists in 24SO, and creating a second one would invoice the
customer twice; R5 moves the original order on instead.

The business key is "<Rackbeat invoice number>@<24SO customer id>", the pair the 24SO target
looks up (ReferenceNumber among that customer's orders) before it creates, and after a crash: an
order 24SO already has for the invoice is linked, never made twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat import entities_flow as ef
from so24_pipelines.flows.rackbeat.entities_specs import DEFAULT_INVOICE_STATUS, INVOICES_FLOW, INVOICES_SPEC
from so24_pipelines.flows.rackbeat.entities_targets_so24 import So24Invoices
from so24_pipelines.flows.rackbeat.tables import INVOICES
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord, flow_key
from so24_pipelines.sync.id_map import mapped_target_keys
from so24_pipelines.sync.schema import sync_schema_exists

R4_FLOW = flow_key("R4")


def _orders_from_so24(db_path: str | Path, identity: str) -> dict[str, str]:
    """Rackbeat invoice number -> Rackbeat order number, for invoices of orders R4 created."""
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return {}
        rows = con.execute(
            f"SELECT CAST(invoice_number AS VARCHAR), CAST(order_number AS VARCHAR) FROM {INVOICES.qualified} "  # noqa: S608
            "WHERE identity = ? AND order_number IS NOT NULL",
            [identity],
        ).fetchall()
        from_r4 = mapped_target_keys(con, R4_FLOW, [order for _, order in rows])
    return {number: order for number, order in rows if order in from_r4}


def invoice_records(db_path: str | Path, identity: str, status: str = DEFAULT_INVOICE_STATUS) -> list[MappedRecord]:
    records = ef.map_side(db_path, INVOICES_SPEC, identity, {"invoice_status": status})
    from_so24 = _orders_from_so24(db_path, identity)
    out = []
    for record in records:
        order = from_so24.get(record.source_key)
        if order is not None and not record.skip_reason:
            record = replace(
                record,
                payload={},
                skip_reason=(
                    f"invoice {record.source_key}: Rackbeat order {order} came from 24SO (R4), where the "
                    "order already exists; it is not created a second time"
                ),
            )
        elif not record.skip_reason:
            customer = record.payload["CustomerId"]
            record = replace(record, business_key=f"{record.payload['ReferenceNumber']}@{customer}")
        out.append(record)
    return out


def load_invoices(so24: So24Client, run: RunContext, identity: str, *, claim_ttl: timedelta) -> FlowRun:
    records = invoice_records(run.db_path, identity)
    target = So24Invoices(so24)
    result = run.load(INVOICES_FLOW, records, target, source_system="rackbeat", max_workers=1, claim_ttl=claim_ttl)
    # An invoice 24SO already had (same customer, ReferenceNumber = the Rackbeat number) was linked.
    return result if run.dry_run else ef.note_links(result, target)
