"""Ongoing WMS data in staging: the articles' stock (O5) and the hub's orders' state (O3).

Why stage what the WMS says instead of comparing in memory: the reverse flows then map from
staging like every other flow (the pairs live in mapping specs), a record whose write failed is
still there on the next tick even though the incremental read will not return it again, and the
user can query what was compared (X7). The tables follow the staging conventions: `identity` is
the paired 24SO company, upserts are keyed and hashed, so a re-read changes nothing.

Column paths are JSON paths into Ongoing's GetArticleModel / GetOrderModel ("/" between levels).
`so24_product_id` / `so24_order_id` hold productCode / orderNumber when those are digits, i.e.
when the record can be one the hub made from a 24SO product / order (O1: productCode =
Product.Id; O2: orderNumber = OrderId); anything else stays NULL and never matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.ongoing import parse_time
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.so24_tables import Column, StagingTable
from so24_pipelines.staging.upsert import UpsertResult, upsert
from so24_pipelines.sync.state import set_state

ARTICLES = StagingTable(
    name="ongoing_articles",
    record_tag="Article",
    key=("article_number",),
    columns=(
        Column("article_number", "articleNumber", "VARCHAR", required=True),
        Column("article_system_id", "articleSystemId", "BIGINT", required=True),
        Column("product_code", "productCode", "VARCHAR"),
        Column("so24_product_id", "productCode", "BIGINT"),
        Column("article_name", "articleName", "VARCHAR"),
        Column("number_of_items", "inventoryInfo/numberOfItems", "DECIMAL(18,4)"),
        Column("sellable_number_of_items", "inventoryInfo/sellableNumberOfItems", "DECIMAL(18,4)"),
        Column("booked_number_of_items", "inventoryInfo/numberOfBookedItems", "DECIMAL(18,4)"),
        Column("article_data_last_updated", "articleDataLastUpdated", "TIMESTAMP"),
    ),
)

ORDERS = StagingTable(
    name="ongoing_orders",
    record_tag="Order",
    key=("order_number",),
    columns=(
        Column("order_number", "orderInfo/orderNumber", "VARCHAR", required=True),
        Column("so24_order_id", "orderInfo/orderNumber", "BIGINT"),
        Column("order_id", "orderInfo/orderId", "BIGINT", required=True),
        Column("status_number", "orderInfo/orderStatus/number", "INTEGER"),
        Column("status_text", "orderInfo/orderStatus/text", "VARCHAR"),
        Column("created_time", "orderInfo/createdDate", "TIMESTAMP"),
        Column("shipped_time", "orderInfo/shippedTime", "TIMESTAMP"),
        Column("way_bill", "orderInfo/wayBill", "VARCHAR"),
    ),
)

WMS_TABLES = (ARTICLES, ORDERS)
_DIGITS_ONLY = frozenset({"so24_product_id", "so24_order_id"})
_MAX_ID = 2**53


def _walk(item: Mapping[str, Any], path: str) -> Any:
    node: Any = item
    for part in path.split("/"):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _text(column: Column, value: Any) -> str | None:
    """Staging takes text and casts it in SQL; times become naive UTC, ids only when digits."""
    if value is None:
        return None
    if column.sql_type == "TIMESTAMP":
        moment = parse_time(str(value))
        return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    text = str(value).strip()
    if column.name in _DIGITS_ONLY and not (text.isdigit() and int(text) < _MAX_ID):
        return None
    return text


def columns_of(table: StagingTable, items: Iterable[Mapping[str, Any]]) -> dict[str, list[str | None]]:
    """Ongoing JSON records as the text columns `staging.upsert` takes."""
    rows = list(items)
    return {c.name: [_text(c, _walk(item, c.path)) for item in rows] for c in table.columns}


def stage(
    db_path: str | Path,
    table: StagingTable,
    identity: str,
    items: Iterable[Mapping[str, Any]],
    *,
    cursor: tuple[str, str] | None = None,
) -> UpsertResult:
    """Upsert WMS records and, in the same transaction, move the read's cursor (key, value).

    One transaction for both: a crash can never leave a cursor past rows that were not stored.
    """
    columns = columns_of(table, items)
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        con.execute(table_ddl(table))
        result = upsert(con, table, columns, identity) if any(columns.values()) else UpsertResult()
        if cursor is not None:
            set_state(con, cursor[0], cursor[1])
    return result


def ensure_tables(db_path: str | Path) -> None:
    """Create the WMS staging tables (empty) so specs over them can run before the first read."""
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        for table in WMS_TABLES:
            con.execute(table_ddl(table))
