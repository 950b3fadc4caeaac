"""The staging tables of the Netvisor ⇄ Rackbeat flows: both sides' registers, and N2's match report.

N2 reads every register of both systems in full (matching needs the whole register: a name is
only unique against all the others) and stages it, so the cascade is computed from one snapshot,
the specs map from it, and the user can query what the hub saw. Each read replaces its register:
a record the system no longer returns is deleted from staging (reads.py).

`identity` is the Netvisor company's business ID (its Organisation ID): Netvisor is paired with a
Rackbeat account, not with a 24SO company, so the pair is named by the Netvisor side. The Rackbeat
registers are staged again here (not shared with staging.rackbeat_*, which are keyed by the 24SO
company the account is paired with in the R-flows).

Paths walk the records as the connectors return them (Netvisor's element names kept, nested
blocks as objects; Rackbeat's JSON). `hub.business_id` is the one derived value: the record's
business ID read as a Finnish business ID (`business_ids.business_id`, FI12345678 and 1234567-8
both -> 1234567-8, NULL when it is none), put into the record by the read because the path
grammar has no functions. `code_number` is the customer/vendor code only when it is digits
(DIGITS_ONLY): the code decides, and must be digits (seed 003). Money is DECIMAL(30,12), the
precision Netvisor answers with, so no price is rounded on the way.
"""

from __future__ import annotations

from so24_pipelines.staging.tables import Column, StagingTable

_MONEY = "DECIMAL(30,12)"
_TS = "TIMESTAMP"

NETVISOR_CUSTOMERS = StagingTable(
    name="netvisor_customers",
    record_tag="Customer",
    key=("netvisor_key",),
    columns=(
        Column("netvisor_key", "CustomerBaseInformation.NetvisorKey", "BIGINT", required=True),
        Column("code", "CustomerBaseInformation.InternalIdentifier", "VARCHAR"),
        Column("code_number", "CustomerBaseInformation.InternalIdentifier", "BIGINT"),
        Column("business_id_text", "CustomerBaseInformation.ExternalIdentifier", "VARCHAR"),
        Column("business_id", "hub.business_id", "VARCHAR"),
        Column("name", "CustomerBaseInformation.Name", "VARCHAR", required=True),
        Column("street", "CustomerBaseInformation.StreetAddress", "VARCHAR"),
        Column("post_number", "CustomerBaseInformation.PostNumber", "VARCHAR"),
        Column("city", "CustomerBaseInformation.City", "VARCHAR"),
        Column("country", "CustomerBaseInformation.Country", "VARCHAR"),
        Column("phone", "CustomerBaseInformation.PhoneNumber", "VARCHAR"),
        Column("email", "CustomerBaseInformation.Email", "VARCHAR"),
        Column("customer_group", "CustomerBaseInformation.CustomerGroupName", "VARCHAR"),
        Column("is_active", "CustomerBaseInformation.IsActive", "BOOLEAN"),
    ),
)

NETVISOR_VENDORS = StagingTable(
    name="netvisor_vendors",
    record_tag="Vendor",
    key=("netvisor_key",),
    columns=(
        Column("netvisor_key", "NetvisorKey", "BIGINT", required=True),
        Column("code", "VendorBaseInformation.Code", "VARCHAR"),
        Column("code_number", "VendorBaseInformation.Code", "BIGINT"),
        Column("business_id_text", "VendorBaseInformation.OrganizationId", "VARCHAR"),
        Column("business_id", "hub.business_id", "VARCHAR"),
        Column("name", "VendorBaseInformation.Name", "VARCHAR", required=True),
        Column("address", "VendorBaseInformation.Address", "VARCHAR"),
        Column("post_code", "VendorBaseInformation.PostCode", "VARCHAR"),
        Column("city", "VendorBaseInformation.City", "VARCHAR"),
        Column("country", "VendorBaseInformation.Country", "VARCHAR"),
        Column("group_name", "VendorBaseInformation.GroupName", "VARCHAR"),
    ),
)

NETVISOR_PRODUCTS = StagingTable(
    name="netvisor_products",
    record_tag="Product",
    key=("netvisor_key",),
    columns=(
        Column("netvisor_key", "ProductBaseInformation.NetvisorKey", "BIGINT", required=True),
        Column("product_code", "ProductBaseInformation.ProductCode", "VARCHAR"),
        Column("name", "ProductBaseInformation.Name", "VARCHAR", required=True),
        Column("description", "ProductBaseInformation.Description", "VARCHAR"),
        Column("product_group", "ProductBaseInformation.ProductGroup", "VARCHAR"),
        Column("unit", "ProductBaseInformation.Unit", "VARCHAR"),
        Column("unit_price", "ProductBaseInformation.UnitPrice", _MONEY),
        Column("purchase_price", "ProductBaseInformation.PurchasePrice", _MONEY),
        Column("vat_percent", "ProductBookkeepingDetails.DefaultVatPercent", _MONEY),
        Column("is_active", "ProductBaseInformation.IsActive", "BOOLEAN"),
    ),
)

_PARTY = (
    Column("number", "number", "BIGINT", required=True),
    Column("name", "name | company_name", "VARCHAR", required=True),
    Column("company_vat", "company_vat", "VARCHAR"),
    Column("business_id", "hub.business_id", "VARCHAR"),
    Column("contact_email", "contact_email", "VARCHAR"),
    Column("contact_phone", "contact_phone", "VARCHAR"),
    Column("address_street", "address_street", "VARCHAR"),
    Column("address_zipcode", "address_zipcode", "VARCHAR"),
    Column("address_city", "address_city", "VARCHAR"),
    Column("address_country", "address_country", "VARCHAR"),
    Column("is_barred", "is_barred", "BOOLEAN"),
    Column("updated_at", "updated_at", _TS),
)

RACKBEAT_CUSTOMERS = StagingTable(
    name="netvisor_rackbeat_customers", record_tag="customer", key=("number",), columns=_PARTY
)
RACKBEAT_SUPPLIERS = StagingTable(
    name="netvisor_rackbeat_suppliers", record_tag="supplier", key=("number",), columns=_PARTY
)
RACKBEAT_PRODUCTS = StagingTable(
    name="netvisor_rackbeat_products",
    record_tag="product",
    key=("number",),
    columns=(
        Column("number", "number", "VARCHAR", required=True),
        Column("name", "name", "VARCHAR", required=True),
        Column("description", "description", "VARCHAR"),
        Column("sales_price", "sales_price", _MONEY),
        Column("cost_price", "recommended_cost_price", _MONEY),
        Column("barcode", "barcode", "VARCHAR"),
        Column("group_number", "group.number | group_id", "BIGINT"),
        Column("is_barred", "is_barred", "BOOLEAN"),
        Column("updated_at", "updated_at", _TS),
    ),
)

MATCHES = StagingTable(
    name="netvisor_matches",
    record_tag="match",
    key=("register", "side", "record_key"),
    columns=(
        Column("register", "register", "VARCHAR", required=True),
        Column("side", "side", "VARCHAR", required=True),
        Column("record_key", "record_key", "VARCHAR", required=True),
        Column("record_code", "record_code", "VARCHAR"),
        Column("record_name", "record_name", "VARCHAR"),
        Column("record_business_id", "record_business_id", "VARCHAR"),
        Column("outcome", "outcome", "VARCHAR", required=True),
        Column("rule", "rule", "VARCHAR"),
        Column("counterpart_keys", "counterpart_keys", "VARCHAR"),
        Column("counterpart_code", "counterpart_code", "VARCHAR"),
        Column("counterpart_name", "counterpart_name", "VARCHAR"),
        Column("reason", "reason", "VARCHAR"),
        Column("overwrites", "overwrites", "VARCHAR"),
        Column("run_id", "run_id", "VARCHAR"),
    ),
)
"""One row per record of both sides of each register matched: `outcome` linked (`rule` code,
business_id or name; `counterpart_keys` the other record's key), held (`rule` the kind: ambiguous,
non_numeric_code, conflict; `reason` in words; `counterpart_keys` every candidate, comma-separated)
or unmatched (no counterpart: N1 creates it on the other side when its direction goes that way).
`overwrites` says, for a business-ID link, which Netvisor card fields Rackbeat's data replaces."""

DIGITS_ONLY = frozenset({"code_number"})
REGISTER_TABLES: dict[str, tuple[StagingTable, StagingTable]] = {
    "customers": (NETVISOR_CUSTOMERS, RACKBEAT_CUSTOMERS),
    "suppliers": (NETVISOR_VENDORS, RACKBEAT_SUPPLIERS),
    "products": (NETVISOR_PRODUCTS, RACKBEAT_PRODUCTS),
}
"""register -> (the Netvisor table, the Rackbeat table)."""

TABLES = (
    NETVISOR_CUSTOMERS, NETVISOR_VENDORS, NETVISOR_PRODUCTS,
    RACKBEAT_CUSTOMERS, RACKBEAT_SUPPLIERS, RACKBEAT_PRODUCTS, MATCHES,
)  # fmt: skip
