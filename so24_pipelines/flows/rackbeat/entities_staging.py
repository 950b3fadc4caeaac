"""Read Rackbeat product groups, products, customers, suppliers and invoices into staging.

Why it works this way:
- Incremental by `updated_at` (filter `updated_at_from`), moved back by an overlap because the
  filter has second granularity and list paging over a changing table can skip a record; the
  upsert is idempotent, so re-reading a few minutes costs nothing. The mark is Rackbeat's own
  clock (the newest `updated_at` seen) and is written in the same transaction as the rows.
- `expand=field_values` brings the hub's custom field ("24so product id", ...) with each record,
  so the link to 24SO is staged with the record and no extra call per record is needed.
- Product groups have no change filter and are few: they are read in full every time.
- Invoice lines are replaced per invoice (the upsert's parent diff), as an invoice's lines are.
- Records become rows through the one JSON converter (`staging/rows.py`): each column's path in
  `flows/rackbeat/tables.py` fills it. A record with a value that does not convert (a time that
  is no time) is skipped with its reason in sync.failed_records, like one whose value does not cast.
- No connection is held while Rackbeat is called: rows are fetched first, then written in one
  short transaction per entity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.rackbeat import tables as t
from so24_pipelines.flows.rackbeat.readiness import HUB_FIELDS
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.rows import Converted, convert, upsert_converted
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import UpsertResult, upsert
from so24_pipelines.sync.failures import record_rejects
from so24_pipelines.sync.schema import ensure_sync_schema
from so24_pipelines.sync.watermarks import read_watermark, watermark_key, with_overlap, write_watermark

OVERLAP_MINUTES = 2
STAGING_FLOW = {"product_groups": "R1", "products": "R1", "customers": "R2", "suppliers": "R2", "invoices": "R7"}


@dataclass
class StageReport:
    entity: str
    mode: str
    rows: UpsertResult = field(default_factory=UpsertResult)
    child_rows: UpsertResult = field(default_factory=UpsertResult)


def ensure_tables(db_path: str | Path) -> None:
    """Create the staging.rackbeat_* tables (IF NOT EXISTS); safe on every step."""
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        ensure_sync_schema(con)
        for table in t.TABLES:
            con.execute(table_ddl(table))


@dataclass(frozen=True)
class _Source:
    table: StagingTable
    read: Callable[[RackbeatClient, datetime | None], Iterator[dict[str, Any]]]
    incremental: bool
    field_resource: str | None = None
    """The HUB_FIELDS resource whose custom field a column's path names (`field_values[NAME]`)."""
    child: StagingTable | None = None


def _custom_fields(client: RackbeatClient, resource: str | None) -> dict[str, int | None]:
    """{field name: its id in this account (None when missing)} for the converter."""
    if resource is None:
        return {}
    name, target = HUB_FIELDS[resource]
    found = client.find_field(name, available_for=target)
    return {name: int(found["id"]) if found else None}


def _read_products(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    yield from client.iter_products(updated_since=since, with_field_values=True, order_by="updated_at")


def _read_customers(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    yield from client.iter_customers(updated_since=since, with_field_values=True)


def _read_suppliers(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    yield from client.iter_suppliers(updated_since=since, with_field_values=True)


def _read_groups(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    yield from client.iter_product_groups()


def _read_invoices(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    yield from client.iter_customer_invoices(updated_since=since)


SOURCES: dict[str, _Source] = {
    "product_groups": _Source(t.PRODUCT_GROUPS, _read_groups, incremental=False),
    "products": _Source(t.PRODUCTS, _read_products, incremental=True, field_resource="products"),
    "customers": _Source(t.CUSTOMERS, _read_customers, incremental=True, field_resource="customers"),
    "suppliers": _Source(t.SUPPLIERS, _read_suppliers, incremental=True, field_resource="suppliers"),
    "invoices": _Source(t.INVOICES, _read_invoices, incremental=True, child=t.INVOICE_LINES),
}


def stage(client: RackbeatClient, db_path: str | Path, entity: str, identity: str) -> StageReport:
    """Fetch what changed in Rackbeat since the mark (all on the first run) and upsert it."""
    source = SOURCES[entity]
    mark_key = watermark_key("rackbeat", identity, entity)
    since = None
    if source.incremental:
        with transaction(db_path) as con:
            since = with_overlap(read_watermark(con, mark_key), OVERLAP_MINUTES)
    report = StageReport(entity, "incremental" if since is not None else "full")
    fields = _custom_fields(client, source.field_resource)
    fetched = list(source.read(client, since))
    converted = convert(source.table, fetched, child=source.child, custom_fields=fields)
    _store(db_path, source, converted, identity, mark_key if source.incremental else None, report)
    return report


def _store(
    db_path: str | Path,
    source: _Source,
    converted: Converted,
    identity: str,
    mark_key: str | None,
    report: StageReport,
) -> None:
    flow = STAGING_FLOW[report.entity]
    table = source.table
    keys = converted.columns[table.key[-1]]
    newest = max((v for v in converted.columns.get("updated_at", []) if v), default=None)
    with transaction(db_path) as con:
        result = upsert_converted(con, table, converted, identity)
        report.rows.add(result)
        rejected = list(result.rejected)
        if source.child is not None and converted.children is not None:
            child = upsert(con, source.child, converted.children, identity, parent=table, parent_keys=keys)
            report.child_rows.add(child)
            rejected += child.rejected
        bad = {k for k, _ in rejected}
        stored = [str(k) for k in keys if k and k not in bad]
        record_rejects(con, f"{flow}.rackbeat_{report.entity}", identity, rejected, stored, run_id="stage")
        if mark_key is not None and newest is not None:
            write_watermark(con, mark_key, newest)
