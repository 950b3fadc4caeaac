"""The 24SO side of the Rackbeat order flows: read one order's rows, load per 24SO company.

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
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.connectors.so24.session import current_identity
from so24_pipelines.connectors.so24.writes import save_order_rows as save_rows  # noqa: F401 (R6 imports it)
from so24_pipelines.sync import DEFAULT_CLAIM_TTL, LoadReport, MappedRecord, Plan, Target, load

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


@dataclass(frozen=True)
class Loaded:
    """The plans and reports of one flow's loads (one per 24SO company), summed for metadata."""

    plans: tuple[Plan, ...]
    reports: tuple[LoadReport, ...]

    def counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for report in self.reports:
            for name, value in report.counts().items():
                total[name] = total.get(name, 0) + value
        return total

    def planned(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for plan in self.plans:
            for name, value in plan.counts.items():
                total[name] = total.get(name, 0) + value
        return total

    def failures(self) -> list[tuple[str, str]]:
        return [f for report in self.reports for f in report.failures]

    def preview(self, limit: int = 50) -> str:
        return "\n\n".join(plan.to_markdown(limit) for plan in self.plans) or "(nothing to plan)"


def load_per_identity(
    db_path: str | Path,
    flow: str,
    records: Sequence[MappedRecord],
    client: So24Client,
    make_target: Callable[[So24Client], Target],
    *,
    run_id: str,
    dry_run: bool = False,
    max_workers: int = 4,
    claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
) -> Loaded:
    """Load records into 24SO one company at a time.

    A 24SO session works in one identity (company) at a time and the loader sends from several
    threads, so the records are grouped by the `identity` in their payload and the session is
    switched between groups, never during one. Records without a payload (skips) go with the first.
    """
    groups: dict[str | None, list[MappedRecord]] = {}
    for record in records:
        groups.setdefault(record.payload.get("identity"), []).append(record)
    skips = groups.pop(None, [])
    if skips:
        first = next(iter(groups), None)
        groups.setdefault(first, []).extend(skips)
    plans: list[Plan] = []
    reports: list[LoadReport] = []
    for identity, batch in groups.items():
        if identity is not None and not dry_run:
            current_identity(client, identity)
        plan, report = load(
            db_path, flow, batch, make_target(client),
            run_id=run_id, dry_run=dry_run, max_workers=max_workers, claim_ttl=claim_ttl,
            source_system="rackbeat",
        )  # fmt: skip
        plans.append(plan)
        reports.append(report)
    return Loaded(tuple(plans), tuple(reports))
