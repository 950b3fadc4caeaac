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
- No connection is held while Rackbeat is called: rows are fetched first, then written in one
  short transaction per entity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.rackbeat import RackbeatClient, parse_time
from so24_pipelines.flows.rackbeat import staging_tables as t
from so24_pipelines.flows.rackbeat.readiness import HUB_FIELDS
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.so24_tables import StagingTable
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
        for table in t.RACKBEAT_TABLES:
            con.execute(table_ddl(table))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _time(value: Any) -> str | None:
    """Rackbeat times as naive UTC ISO text (the staging convention)."""
    if not value:
        return None
    return parse_time(str(value)).replace(tzinfo=None).isoformat()


def _field_value(record: dict[str, Any], field_id: int | None) -> str | None:
    if field_id is None:
        return None
    for value in record.get("field_values") or []:
        if isinstance(value, dict) and value.get("field_id") == field_id:
            text = _text(value.get("value"))
            return text.strip() or None if text else None
    return None


def _columns(table: StagingTable, rows: list[dict[str, Any]]) -> dict[str, list[str | None]]:
    return {c.name: [r.get(c.name) for r in rows] for c in table.all_columns}


def _product_row(p: dict[str, Any], field_id: int | None) -> dict[str, Any]:
    group = p.get("group") if isinstance(p.get("group"), dict) else {}
    physical = p.get("physical") if isinstance(p.get("physical"), dict) else {}
    return {
        "number": _text(p.get("number")),
        "name": _text(p.get("name")),
        "group_number": _text(group.get("number", p.get("group_id"))),
        "sales_price": _text(p.get("sales_price")),
        "cost_price": _text(p.get("recommended_cost_price")),
        "barcode": _text(p.get("barcode")),
        "description": _text(p.get("description")),
        "weight": _text(physical.get("weight")),
        "stock_quantity": _text(p.get("stock_quantity")),
        "is_barred": _text(p.get("is_barred")),
        "so24_id": _field_value(p, field_id),
        "created_at": _time(p.get("created_at")),
        "updated_at": _time(p.get("updated_at")),
    }


def _party_row(r: dict[str, Any], field_id: int | None, group_field: str) -> dict[str, Any]:
    row = {c.name: _text(r.get(c.path)) for c in t.PARTY_COLUMNS}
    row["name"] = _text(r.get("name") or r.get("company_name"))
    row["group_number"] = _text(r.get(group_field))
    row["so24_id"] = _field_value(r, field_id)
    row["created_at"] = _time(r.get("created_at"))
    row["updated_at"] = _time(r.get("updated_at"))
    return row


def _group_row(g: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": _text(g.get("number")),
        "name": _text(g.get("name")),
        "has_inventory": _text(g.get("has_inventory")),
        "updated_at": _time(g.get("updated_at")),
    }


def _invoice_rows(i: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    customer = i.get("customer") if isinstance(i.get("customer"), dict) else {}
    order = i.get("order") if isinstance(i.get("order"), dict) else {}
    head = {
        "invoice_number": _text(i.get("number")),
        "customer_number": _text(customer.get("number", i.get("customer_id"))),
        "order_number": _text(order.get("number")),
        "heading": _text(i.get("heading")),
        "currency": _text(i.get("currency")),
        "invoice_date": _time(i.get("invoice_date")),
        "due_date": _time(i.get("due_date")),
        "is_booked": _text(i.get("is_booked")),
        "total_total": _text(i.get("total_total")),
        "created_at": _time(i.get("created_at")),
        "updated_at": _time(i.get("updated_at")),
    }
    lines = []
    for position, line in enumerate(i.get("lines") or [], start=1):
        item = line.get("item") if isinstance(line.get("item"), dict) else {}
        lines.append(
            {
                "invoice_number": head["invoice_number"],
                "line_id": _text(line.get("id")),
                "position": str(position),
                "item_number": _text(item.get("number")),
                "name": _text(line.get("name")),
                "quantity": _text(line.get("quantity")),
                "line_price": _text(line.get("line_price")),
                "discount_percentage": _text(line.get("discount_percentage")),
            }
        )
    return head, lines


@dataclass(frozen=True)
class _Source:
    table: StagingTable
    read: Callable[[RackbeatClient, datetime | None], Iterator[dict[str, Any]]]
    incremental: bool


def _field_id(client: RackbeatClient, resource: str) -> int | None:
    name, target = HUB_FIELDS[resource]
    found = client.find_field(name, available_for=target)
    return int(found["id"]) if found else None


def _read_products(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    field_id = _field_id(client, "products")
    for p in client.iter_products(updated_since=since, with_field_values=True, order_by="updated_at"):
        yield _product_row(p, field_id)


def _read_customers(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    field_id = _field_id(client, "customers")
    for c in client.iter_customers(updated_since=since, with_field_values=True):
        yield _party_row(c, field_id, "customer_group_id")


def _read_suppliers(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    field_id = _field_id(client, "suppliers")
    for s in client.iter_suppliers(updated_since=since, with_field_values=True):
        yield _party_row(s, field_id, "supplier_group_id")


def _read_groups(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    for g in client.iter_product_groups():
        yield _group_row(g)


def _read_invoices(client: RackbeatClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    yield from client.iter_customer_invoices(updated_since=since)


SOURCES: dict[str, _Source] = {
    "product_groups": _Source(t.PRODUCT_GROUPS, _read_groups, incremental=False),
    "products": _Source(t.PRODUCTS, _read_products, incremental=True),
    "customers": _Source(t.CUSTOMERS, _read_customers, incremental=True),
    "suppliers": _Source(t.SUPPLIERS, _read_suppliers, incremental=True),
    "invoices": _Source(t.INVOICES, _read_invoices, incremental=True),
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
    fetched = list(source.read(client, since))
    if entity == "invoices":
        heads, lines = _split_invoices(fetched)
        _store(db_path, source.table, heads, identity, mark_key, report, children=lines)
    else:
        _store(db_path, source.table, fetched, identity, mark_key if source.incremental else None, report)
    return report


def _split_invoices(raw: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    heads: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for invoice in raw:
        head, rows = _invoice_rows(invoice)
        heads.append(head)
        lines.extend(rows)
    return heads, lines


def _store(
    db_path: str | Path,
    table: StagingTable,
    rows: list[dict[str, Any]],
    identity: str,
    mark_key: str | None,
    report: StageReport,
    *,
    children: list[dict[str, Any]] | None = None,
) -> None:
    flow = STAGING_FLOW[report.entity]
    newest = max((r["updated_at"] for r in rows if r.get("updated_at")), default=None)
    with transaction(db_path) as con:
        result = upsert(con, table, _columns(table, rows), identity)
        report.rows.add(result)
        rejected = list(result.rejected)
        if children is not None:
            keys = [r["invoice_number"] for r in rows]
            child = upsert(
                con, t.INVOICE_LINES, _columns(t.INVOICE_LINES, children), identity, parent=table, parent_keys=keys
            )
            report.child_rows.add(child)
            rejected += child.rejected
        bad = {k for k, _ in rejected}
        stored = [str(r[table.key[-1]]) for r in rows if r.get(table.key[-1]) and r[table.key[-1]] not in bad]
        record_rejects(con, f"{flow}.rackbeat_{report.entity}", identity, rejected, stored, run_id="stage")
        if mark_key is not None and newest is not None:
            write_watermark(con, mark_key, newest)
