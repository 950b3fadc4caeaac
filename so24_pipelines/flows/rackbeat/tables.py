"""The Rackbeat staging tables: what the Rackbeat -> 24SO flows read, and the `both` mode compares.

Rackbeat records are staged before they are mapped (ARCHITECTURE: every flow maps from staging),
so the mapping is SQL over one snapshot and the `both` mode can compare both sides' rows.
`identity` is the 24SO company the Rackbeat account is paired with (so24.identities[0], else
the login's), as in every staging table: mappings join Rackbeat rows to 24SO rows on it.
`so24_id` is the value of the hub's custom field ("24so product id", ...): the link to the
24SO record, whoever made it. Times are naive UTC, like every staging timestamp.

`path` names the Rackbeat JSON attribute and is what fills the column: `staging/rows.py` (the
one converter for JSON records) walks it; its docstring has the grammar (dots into objects,
`a | b` alternatives, `lines[]` / `lines[#]` for the invoice lines, `field_values[NAME]` for a
custom field) and the value rules.
"""

from __future__ import annotations

from so24_pipelines.staging.tables import Column, StagingTable

_DEC = "DECIMAL(18,4)"
_TS = "TIMESTAMP"

PRODUCT_GROUPS = StagingTable(
    name="rackbeat_product_groups",
    record_tag="product_group",
    key=("number",),
    columns=(
        Column("number", "number", "INTEGER", required=True),
        Column("name", "name", "VARCHAR", required=True),
        Column("has_inventory", "has_inventory", "BOOLEAN"),
        Column("updated_at", "updated_at", _TS),
    ),
)

PRODUCTS = StagingTable(
    name="rackbeat_products",
    record_tag="product",
    key=("number",),
    columns=(
        Column("number", "number", "VARCHAR", required=True),
        Column("name", "name", "VARCHAR", required=True),
        Column("group_number", "group.number | group_id", "INTEGER"),
        Column("sales_price", "sales_price", _DEC),
        Column("cost_price", "recommended_cost_price", _DEC),
        Column("barcode", "barcode", "VARCHAR"),
        Column("description", "description", "VARCHAR"),
        Column("weight", "physical.weight", _DEC),
        Column("stock_quantity", "stock_quantity", _DEC),
        Column("is_barred", "is_barred", "BOOLEAN"),
        Column("so24_id", "field_values[24so product id]", "VARCHAR"),
        Column("created_at", "created_at", _TS),
        Column("updated_at", "updated_at", _TS),
    ),
)

PARTY_COLUMNS = (
    Column("number", "number", "INTEGER", required=True),
    Column("name", "name | company_name", "VARCHAR", required=True),
    Column("company_vat", "company_vat", "VARCHAR"),
    Column("contact_email", "contact_email", "VARCHAR"),
    Column("contact_phone", "contact_phone", "VARCHAR"),
    Column("address_street", "address_street", "VARCHAR"),
    Column("address_zipcode", "address_zipcode", "VARCHAR"),
    Column("address_city", "address_city", "VARCHAR"),
    Column("address_country", "address_country", "VARCHAR"),
    Column("currency", "currency", "VARCHAR"),
    Column("locale", "locale", "VARCHAR"),
    Column("payment_terms_id", "payment_terms_id", "INTEGER"),
    Column("is_barred", "is_barred", "BOOLEAN"),
)

CUSTOMERS = StagingTable(
    name="rackbeat_customers",
    record_tag="customer",
    key=("number",),
    columns=(
        *PARTY_COLUMNS,
        Column("group_number", "customer_group_id", "INTEGER"),
        Column("so24_id", "field_values[24so customer id]", "VARCHAR"),
        Column("created_at", "created_at", _TS),
        Column("updated_at", "updated_at", _TS),
    ),
)

SUPPLIERS = StagingTable(
    name="rackbeat_suppliers",
    record_tag="supplier",
    key=("number",),
    columns=(
        *PARTY_COLUMNS,
        Column("group_number", "supplier_group_id", "INTEGER"),
        Column("so24_id", "field_values[24so supplier id]", "VARCHAR"),
        Column("created_at", "created_at", _TS),
        Column("updated_at", "updated_at", _TS),
    ),
)

INVOICES = StagingTable(
    name="rackbeat_invoices",
    record_tag="customer_invoice",
    key=("invoice_number",),
    columns=(
        Column("invoice_number", "number", "INTEGER", required=True),
        Column("customer_number", "customer.number | customer_id", "INTEGER", required=True),
        Column("order_number", "order.number", "INTEGER"),
        Column("heading", "heading", "VARCHAR"),
        Column("currency", "currency", "VARCHAR"),
        Column("invoice_date", "invoice_date", _TS),
        Column("due_date", "due_date", _TS),
        Column("is_booked", "is_booked", "BOOLEAN"),
        Column("total_total", "total_total", _DEC),
        Column("created_at", "created_at", _TS),
        Column("updated_at", "updated_at", _TS),
    ),
)

INVOICE_LINES = StagingTable(
    name="rackbeat_invoice_lines",
    record_tag="line",
    key=("invoice_number", "line_id"),
    parent_columns=(Column("invoice_number", "number", "INTEGER", required=True),),
    columns=(
        Column("line_id", "lines[].id", "INTEGER", required=True),
        Column("position", "lines[#]", "INTEGER", required=True),
        Column("item_number", "lines[].item.number", "VARCHAR"),
        Column("name", "lines[].name", "VARCHAR"),
        Column("quantity", "lines[].quantity", _DEC),
        Column("line_price", "lines[].line_price", _DEC),
        Column("discount_percentage", "lines[].discount_percentage", _DEC),
    ),
)

# R5, R6, R8: the records their events name, read when the run starts (event_staging.py).
EVENT_ORDERS = StagingTable(
    name="rackbeat_event_orders",
    record_tag="order",
    key=("number",),
    columns=(
        Column("number", "number", "BIGINT", required=True),
        Column("so24_order_id", "so24_order_id", "BIGINT"),
        Column("customer_number", "customer.number | customer_id", "BIGINT"),
        Column("is_booked", "is_booked", "BOOLEAN"),
        Column("is_shipped", "is_shipped", "BOOLEAN"),
        Column("is_partly_shipped", "is_partly_shipped", "BOOLEAN"),
        Column("shipping", "shipping", "VARCHAR", required=True),
        Column("booked_at", "booked_at", _TS),
        Column("shipped_at", "shipped_at", _TS),
        Column("updated_at", "updated_at", _TS),
    ),
)

EVENT_ORDER_LINES = StagingTable(
    name="rackbeat_event_order_lines",
    record_tag="line",
    key=("number", "line_id"),
    parent_columns=(Column("number", "number", "BIGINT", required=True),),
    columns=(
        Column("line_id", "lines[].id", "BIGINT", required=True),
        Column("position", "lines[#]", "INTEGER", required=True),
        Column("item_number", "lines[].item.number", "VARCHAR"),
        Column("name", "lines[].name", "VARCHAR"),
        Column("quantity", "lines[].quantity", _DEC),
        Column("so24_product_id", "lines[].so24_product_id", "BIGINT"),
    ),
)

# R8 and R3's opening stock: a product's stock as Rackbeat has it, with what the hub knows beside it
# (stock_facts.py): 24SO's figure, who made the product, whether Rackbeat ever counted it.
EVENT_PRODUCTS = StagingTable(
    name="rackbeat_event_products",
    record_tag="product",
    key=("number",),
    columns=(
        Column("number", "number", "VARCHAR", required=True),
        Column("so24_product_id", "so24_product_id", "BIGINT"),
        Column("stock_quantity", "stock_quantity", _DEC),
        Column("updated_at", "updated_at", _TS),
        Column("so24_stock", "so24_stock", _DEC),
        Column("made_by_hub", "made_by_hub", "BOOLEAN"),
        Column("counted", "counted", "BOOLEAN"),
        Column("matches_so24", "matches_so24", "BOOLEAN"),
        Column("unopened", "unopened", "BOOLEAN"),
    ),
)

EVENT_TABLES: tuple[StagingTable, ...] = (EVENT_ORDERS, EVENT_ORDER_LINES, EVENT_PRODUCTS)

TABLES: tuple[StagingTable, ...] = (
    PRODUCT_GROUPS,
    PRODUCTS,
    CUSTOMERS,
    SUPPLIERS,
    INVOICES,
    INVOICE_LINES,
    *EVENT_TABLES,
)
