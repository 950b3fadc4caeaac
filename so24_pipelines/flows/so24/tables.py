"""The 24SO staging tables: each column, its SQL type and the 24SO element it is read from.

This is the one place a 24SO field is named for extraction: the DDL, the returnProperties sent to
24SO and the XML walk (`StagingTable.shape()`) are all derived from these lists. Every table also
carries `identity` (the 24SO company the row belongs to: one deployment may serve several, X9),
`_row_hash` (so a rerun that brings identical data updates nothing) and `_extracted_at`.
"""

from __future__ import annotations

import duckdb

from so24_pipelines.staging.schema import create_tables
from so24_pipelines.staging.tables import Column, StagingTable


def _address(prefix: str, path: str) -> tuple[Column, ...]:
    return (
        Column(f"{prefix}_name", f"{path}/Name", "VARCHAR"),
        Column(f"{prefix}_street", f"{path}/Street", "VARCHAR"),
        Column(f"{prefix}_postal_code", f"{path}/PostalCode", "VARCHAR"),
        Column(f"{prefix}_postal_area", f"{path}/PostalArea", "VARCHAR"),
        Column(f"{prefix}_city", f"{path}/City", "VARCHAR"),
        Column(f"{prefix}_country", f"{path}/Country", "VARCHAR"),
    )


PRODUCTS = StagingTable(
    name="so24_products",
    record_tag="Product",
    key=("id",),
    columns=(
        Column("id", "Id", "INTEGER", required=True),
        Column("no", "No", "VARCHAR"),
        Column("name", "Name", "VARCHAR", required=True),
        Column("description", "Description", "VARCHAR"),
        Column("ean1", "EAN1", "VARCHAR"),
        Column("weight", "Weight", "DECIMAL(18,4)"),
        Column("stock", "Stock", "DECIMAL(18,4)"),
        Column("price", "Price", "DECIMAL(18,4)"),
        Column("in_price", "InPrice", "DECIMAL(18,4)"),
        Column("cost", "Cost", "DECIMAL(18,4)"),
        Column("tax_rate", "TaxRate", "DECIMAL(18,4)"),
        Column("category_id", "CategoryId", "INTEGER"),
        Column("status_id", "StatusId", "INTEGER"),
        Column("supplier_id", "SupplierId", "INTEGER"),
        Column("stock_location", "StockLocation", "VARCHAR"),
        Column("date_changed", "DateChanged", "TIMESTAMP"),
    ),
)

CATEGORIES = StagingTable(
    name="so24_categories",
    record_tag="Category",
    key=("id",),
    columns=(
        Column("id", "Id", "INTEGER", required=True),
        Column("name", "Name", "VARCHAR", required=True),
        Column("no", "No", "VARCHAR"),
        Column("parent_id", "ParentId", "INTEGER"),
    ),
)

COMPANIES = StagingTable(
    name="so24_companies",
    record_tag="Company",
    key=("id",),
    columns=(
        Column("id", "Id", "INTEGER", required=True),
        Column("external_id", "ExternalId", "VARCHAR"),
        Column("organization_number", "OrganizationNumber", "VARCHAR"),
        Column("name", "Name", "VARCHAR", required=True),
        Column("first_name", "FirstName", "VARCHAR"),
        Column("type", "Type", "VARCHAR"),
        *_address("post", "Addresses/Post"),
        *_address("delivery", "Addresses/Delivery"),
        *_address("invoice", "Addresses/Invoice"),
        Column("phone_primary", "PhoneNumbers/Primary/Value", "VARCHAR"),
        Column("phone_work", "PhoneNumbers/Work/Value", "VARCHAR"),
        Column("phone_mobile", "PhoneNumbers/Mobile/Value", "VARCHAR"),
        Column("email_primary", "EmailAddresses/Primary/Value", "VARCHAR"),
        Column("email_invoice", "EmailAddresses/Invoice/Value", "VARCHAR"),
        Column("email_work", "EmailAddresses/Work/Value", "VARCHAR"),
        Column("country", "Country", "VARCHAR"),
        Column("invoice_language", "InvoiceLanguage", "VARCHAR"),
        Column("currency_id", "CurrencyId", "VARCHAR"),
        Column("status", "Status", "INTEGER"),
        Column("date_changed", "DateChanged", "TIMESTAMP"),
    ),
)

ORDER_ROWS = StagingTable(
    name="so24_order_rows",
    record_tag="InvoiceRow",
    key=("order_id", "row_id"),
    parent_columns=(Column("order_id", "OrderId", "INTEGER", required=True),),
    columns=(
        Column("row_id", "RowId", "INTEGER", required=True),
        Column("product_id", "ProductId", "INTEGER"),
        Column("product_no", "ProductNo", "VARCHAR"),
        Column("name", "Name", "VARCHAR"),
        Column("quantity", "Quantity", "DECIMAL(18,4)"),
        Column("price", "Price", "DECIMAL(18,4)"),
        Column("discount_rate", "DiscountRate", "DECIMAL(18,4)"),
        Column("vat_rate", "VatRate", "DECIMAL(18,4)"),
        Column("type", "Type", "VARCHAR"),
        Column("sequence_number", "SequenceNumber", "INTEGER"),
    ),
)

ORDERS = StagingTable(
    name="so24_orders",
    record_tag="InvoiceOrder",
    key=("order_id",),
    columns=(
        Column("order_id", "OrderId", "INTEGER", required=True),
        Column("customer_id", "CustomerId", "INTEGER", required=True),
        Column("customer_name", "CustomerName", "VARCHAR"),
        Column("customer_delivery_name", "CustomerDeliveryName", "VARCHAR"),
        Column("customer_delivery_phone", "CustomerDeliveryPhone", "VARCHAR"),
        *_address("delivery", "Addresses/Delivery"),
        *_address("invoice", "Addresses/Invoice"),
        Column("order_status", "OrderStatus", "VARCHAR", required=True),
        Column("invoice_id", "InvoiceId", "INTEGER"),
        Column("date_ordered", "DateOrdered", "TIMESTAMP"),
        Column("date_invoiced", "DateInvoiced", "TIMESTAMP"),
        Column("date_changed", "DateChanged", "TIMESTAMP"),
        Column("customer_reference_no", "CustomerReferenceNo", "VARCHAR"),
        Column("project_id", "ProjectId", "INTEGER"),
        Column("your_reference", "YourReference", "VARCHAR"),
        Column("order_total_inc_vat", "OrderTotalIncVat", "DECIMAL(18,4)"),
        Column("order_total_vat", "OrderTotalVat", "DECIMAL(18,4)"),
        Column("invoice_title", "InvoiceTitle", "VARCHAR"),
        Column("invoice_text", "InvoiceText", "VARCHAR"),
        Column("currency_symbol", "Currency/Symbol", "VARCHAR"),
        Column("invoice_email_address", "InvoiceEmailAddress", "VARCHAR"),
        Column("delivery_date", "DeliveryDate", "TIMESTAMP"),
        Column("reference_number", "ReferenceNumber", "VARCHAR"),
        Column("delivery_method_id", "DeliveryMethod/Id", "INTEGER"),
        Column("delivery_method_description", "DeliveryMethod/Description", "VARCHAR"),
    ),
)

PROJECTS = StagingTable(
    name="so24_projects",
    record_tag="Project",
    key=("id",),
    columns=(
        Column("id", "Id", "INTEGER", required=True),
        Column("name", "Name", "VARCHAR", required=True),
        Column("customer_id", "CustomerId", "INTEGER"),
        Column("customer_name", "CustomerName", "VARCHAR"),
        Column("date_start", "DateStart", "TIMESTAMP"),
        Column("date_stop", "DateStop", "TIMESTAMP"),
        Column("date_changed", "DateChanged", "TIMESTAMP"),
        Column("type_name", "TypeName", "VARCHAR"),
        Column("status_id", "StatusId", "INTEGER"),
        Column("status_name", "StatusName", "VARCHAR"),
        Column("work_type_id", "WorkTypeId", "INTEGER"),
        Column("description", "Description", "VARCHAR"),
    ),
)

WORK_TYPES = StagingTable(
    name="so24_work_types",
    record_tag="WorkType",
    key=("id",),
    columns=(
        Column("id", "Id", "INTEGER", required=True),
        Column("name", "Name", "VARCHAR", required=True),
        Column("description", "Description", "VARCHAR"),
        Column("invoiceable", "Invoiceable", "BOOLEAN"),
        Column("price", "Price", "DECIMAL(18,4)"),
        Column("product_id", "ProductId", "INTEGER"),
    ),
)

SALARY_TYPES = StagingTable(
    name="so24_salary_types",
    record_tag="SalaryType",
    key=("id",),
    columns=(
        Column("id", "Id", "INTEGER", required=True),
        Column("name", "Name", "VARCHAR", required=True),
    ),
)

PERSONS = StagingTable(
    name="so24_persons",
    record_tag="PersonItem",
    key=("id",),
    columns=(
        Column("id", "Id", "BIGINT", required=True),
        Column("first_name", "FirstName", "VARCHAR"),
        Column("last_name", "LastName", "VARCHAR"),
        Column("employee_number", "EmployeeNumber", "INTEGER"),
        Column("customer_id", "CustomerId", "INTEGER"),
        Column("date_changed", "DateChanged", "TIMESTAMP"),
    ),
)

TABLES: tuple[StagingTable, ...] = (
    PRODUCTS, CATEGORIES, COMPANIES, ORDERS, ORDER_ROWS, PROJECTS, WORK_TYPES, SALARY_TYPES, PERSONS,
)
ORDER_SHAPE = ORDERS.shape({"rows": ("InvoiceRows/InvoiceRow", ORDER_ROWS)})


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The `staging` and `mapping` schemas and the 24SO staging tables (IF NOT EXISTS)."""
    create_tables(con, TABLES)
