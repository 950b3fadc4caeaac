"""The Le New Black staging tables: the B2B orders L2 reads and their lines.

LNB orders are staged before they are mapped, like every source (ARCHITECTURE: every flow maps
from staging): the mapping is SQL over one snapshot, an order that is blocked (no valid customer
reference, an unknown product) is still there on the next tick although the incremental read
will not return it again, and the user can query what the hub saw.

`identity` is the 24SO company LNB is paired with (flows/pairing.py), as in every staging table:
the spec joins the orders to that company's customers and products. Column paths are paths into
LNB's Order JSON (reference/lenewblack §4.2, the PHP SDK's model), walked by the one converter
(`staging/rows.py`); times are naive UTC. Two rules of our own:

- `so24_customer_id` holds `retailer_reference` only when it is digits (DIGITS_ONLY, the rule the
  Ongoing tables use): a retailer's reference is the 24SO customer id by convention (seed 002: "a
  valid customer reference"), and text such as "NY-KUNDE" must never match a company by accident.
- a line is keyed by its position in the order (`items[#]`): LNB order items carry no id. An edit
  that reorders the lines restages them; the upsert replaces an order's lines as LNB sends them.
"""

from __future__ import annotations

from so24_pipelines.staging.tables import Column, StagingTable

_TS = "TIMESTAMP"
_MONEY = "DECIMAL(18,4)"

ORDERS = StagingTable(
    name="lnb_orders",
    record_tag="Order",
    key=("order_reference",),
    columns=(
        Column("order_reference", "reference", "VARCHAR", required=True),
        Column("status", "status", "VARCHAR", required=True),
        Column("retailer_reference", "retailer_reference", "VARCHAR"),
        Column("so24_customer_id", "retailer_reference", "BIGINT"),
        Column("retailer_name", "retailer_name", "VARCHAR"),
        Column("purchase_order_reference", "purchase_order_reference", "VARCHAR"),
        Column("comment", "comment", "VARCHAR"),
        Column("currency", "currency", "VARCHAR"),
        Column("order_type", "order_type", "VARCHAR"),
        Column("buyer_email", "buyer_email", "VARCHAR"),
        Column("sales_person_email", "sales_person_email", "VARCHAR"),
        Column("amount_total", "amount_total", _MONEY),
        Column("delivery_company", "delivery_address.company", "VARCHAR"),
        Column("delivery_street", "delivery_address.address_1", "VARCHAR"),
        Column("delivery_zipcode", "delivery_address.zipcode", "VARCHAR"),
        Column("delivery_city", "delivery_address.city", "VARCHAR"),
        Column("delivery_country", "delivery_address.country", "VARCHAR"),
        Column("delivery_start_on", "delivery_start_on", _TS),
        Column("delivery_end_on", "delivery_end_on", _TS),
        Column("create_time", "create_time", _TS),
        Column("confirmation_time", "confirmation_time", _TS),
        Column("cancellation_time", "cancellation_time", _TS),
        Column("update_time", "update_time", _TS),
    ),
)

ORDER_LINES = StagingTable(
    name="lnb_order_lines",
    record_tag="OrderItem",
    key=("order_reference", "position"),
    parent_columns=(Column("order_reference", "reference", "VARCHAR", required=True),),
    columns=(
        Column("position", "items[#]", "INTEGER", required=True),
        Column("ean13", "items[].ean13", "VARCHAR"),
        Column("sku", "items[].sku", "VARCHAR"),
        Column("variant_reference", "items[].reference", "VARCHAR"),
        Column("name", "items[].name", "VARCHAR"),
        Column("color", "items[].color", "VARCHAR"),
        Column("size", "items[].size", "VARCHAR"),
        Column("quantity", "items[].quantity", _MONEY),
        Column("unit_price", "items[].unit_price", _MONEY),
        Column("discount_rate", "items[].discount_rate", "DECIMAL(18,8)"),
        Column("discount_amount", "items[].discount_amount", _MONEY),
        Column("update_time", "items[].update_time", _TS),
    ),
)

TABLES: tuple[StagingTable, ...] = (ORDERS, ORDER_LINES)
DIGITS_ONLY = frozenset({"so24_customer_id"})
