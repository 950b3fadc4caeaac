"""The Ongoing WMS staging tables: the articles' stock (O5) and the hub's orders' state (O3).

The tables follow the staging conventions: `identity` is the paired 24SO company, upserts are
keyed and hashed, so a re-read changes nothing. Column paths are paths into Ongoing's
GetArticleModel / GetOrderModel JSON, walked by the one JSON converter (`staging/rows.py`: dots
into nested objects) with the Ongoing rules: every value is trimmed (`TRIM_TEXT`), times become
naive UTC, and the `DIGITS_ONLY` columns `so24_product_id` / `so24_order_id` hold productCode /
orderNumber only when those are digits, i.e. when the record can be one the hub made from a 24SO
product / order (O1: productCode = Product.Id; O2: orderNumber = OrderId); anything else stays
NULL and never matches.
"""

from __future__ import annotations

from so24_pipelines.staging.tables import Column, StagingTable

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
        Column("number_of_items", "inventoryInfo.numberOfItems", "DECIMAL(18,4)"),
        Column("sellable_number_of_items", "inventoryInfo.sellableNumberOfItems", "DECIMAL(18,4)"),
        Column("booked_number_of_items", "inventoryInfo.numberOfBookedItems", "DECIMAL(18,4)"),
        Column("article_data_last_updated", "articleDataLastUpdated", "TIMESTAMP"),
    ),
)

ORDERS = StagingTable(
    name="ongoing_orders",
    record_tag="Order",
    key=("order_number",),
    columns=(
        Column("order_number", "orderInfo.orderNumber", "VARCHAR", required=True),
        Column("so24_order_id", "orderInfo.orderNumber", "BIGINT"),
        Column("order_id", "orderInfo.orderId", "BIGINT", required=True),
        Column("status_number", "orderInfo.orderStatus.number", "INTEGER"),
        Column("status_text", "orderInfo.orderStatus.text", "VARCHAR"),
        Column("created_time", "orderInfo.createdDate", "TIMESTAMP"),
        Column("shipped_time", "orderInfo.shippedTime", "TIMESTAMP"),
        Column("way_bill", "orderInfo.wayBill", "VARCHAR"),
    ),
)

TABLES: tuple[StagingTable, ...] = (ARTICLES, ORDERS)
TRIM_TEXT = True
DIGITS_ONLY = frozenset({"so24_product_id", "so24_order_id"})
