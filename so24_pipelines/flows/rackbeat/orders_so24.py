"""The 24SO side of the Rackbeat order flows: read one order's rows, load per 24SO company.

Every 24SO write of R5, R6 and R8 goes through `load_per_identity`, which returns the one result
shape every flow reports (FlowRun), summed over the companies it wrote to.

The writes themselves (status and row changes through SaveInvoices) and 24SO's in-answer
refusals live in connectors/so24/writes.py: a refused order raises So24Refused (a RecordRejected)
with 24SO's words, so the loader skips that one record. Row saves are not idempotent (a row Add
sent twice adds the row twice), so R6 compares with the order as it is in 24SO before any send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.connectors.so24.session import current_identity
from so24_pipelines.connectors.so24.writes import save_order_rows as save_rows  # noqa: F401 (R6 imports it)
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.result import FlowRun, StagedRead
from so24_pipelines.sync import DEFAULT_CLAIM_TTL, MappedRecord, Target

SENT_STATUS = "OrderState_Sent"
CONFIRMED_STATUS = "Confirmed"
_ROW_PROPERTIES = ("RowId", "ProductId", "ProductNo", "Quantity", "Type", "Name", "SequenceNumber")


@dataclass(frozen=True)
class So24Row:
    row_id: int
    product_id: int | None
    product_no: str | None
    quantity: Decimal
    type: str


def rows_of(saved: Mapping[str, Any]) -> list[So24Row]:
    """The rows of an InvoiceOrder as zeep returned it."""
    raw = (saved.get("InvoiceRows") or {}).get("InvoiceRow") or []
    return [
        So24Row(
            row_id=int(r["RowId"]),
            product_id=int(r["ProductId"]) if r.get("ProductId") else None,
            product_no=r.get("ProductNo"),
            quantity=Decimal(str(r.get("Quantity") or 0)),
            type=str(r.get("Type") or "Normal"),
        )
        for r in raw
        if r.get("RowId") is not None
    ]


def read_order(client: So24Client, order_id: int) -> dict[str, Any] | None:
    """One order with its status and rows, as 24SO has it now (None if it does not exist)."""
    result = client.call(
        "InvoiceService",
        "GetInvoices",
        searchParams={"OrderIds": {"int": [int(order_id)]}},
        invoiceReturnProperties={"string": ["OrderId", "OrderStatus", "InvoiceRows"]},
        rowReturnProperties={"string": list(_ROW_PROPERTIES)},
    )
    return dict(result[0]) if result else None


def load_per_identity(
    run: RunContext,
    flow: str,
    records: Sequence[MappedRecord],
    client: So24Client,
    make_target: Callable[[So24Client], Target],
    *,
    reads: Sequence[StagedRead] = (),
    max_workers: int = 4,
    claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
) -> FlowRun:
    """Load records into 24SO one company at a time; one FlowRun over all of them.

    A 24SO session works in one identity (company) at a time and the loader sends from several
    threads, so the records are grouped by the `identity` in their payload and the session is
    switched between groups, never during one. Records without a payload (skips) go with the
    first. The staged reads are reported once, with the first load.
    """
    groups: dict[str | None, list[MappedRecord]] = {}
    for record in records:
        groups.setdefault(record.payload.get("identity"), []).append(record)
    skips = groups.pop(None, [])
    if skips:
        first = next(iter(groups), None)
        groups.setdefault(first, []).extend(skips)
    result = FlowRun(flow=flow, dry_run=run.dry_run, reads=tuple(reads))
    for identity, batch in groups.items():
        if identity is not None and not run.dry_run:
            current_identity(client, identity)
        result = result.merge(
            run.load(flow, batch, make_target(client), source_system="rackbeat",
                     max_workers=max_workers, claim_ttl=claim_ttl)
        )  # fmt: skip
    return result
