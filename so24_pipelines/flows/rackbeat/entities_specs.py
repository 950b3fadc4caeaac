"""The R1/R2/R7 entity flows as data: which spec, which staging tables, which loader flow name.

Each entity has up to two loads, one per direction, each under its own loader flow name (the id
map is per flow): "R1.products.to_rackbeat" maps 24SO ids to Rackbeat numbers, and
"R1.products.to_so24" maps Rackbeat numbers to 24SO ids. R3's initial sync loads under the
to_rackbeat names, so a record it created is "unchanged" for R1/R2 afterwards, never created twice.

`so24_stamp` / `rb_stamp` are each side's change time (24SO DateChanged, Rackbeat updated_at),
which the `both` mode compares only with earlier values of the same clock (see entities_pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

from so24_pipelines.flows.rackbeat import tables as rb
from so24_pipelines.sync import flow_key

FLOW_IDS = ("R1", "R2", "R3", "R7")


@dataclass(frozen=True)
class EntitySpec:
    """One entity kept in step between 24SO and Rackbeat."""

    name: str  # product_groups | products | customers | suppliers
    flow_id: str  # R1 | R2: where its direction is configured
    to_rackbeat_spec: str
    to_so24_spec: str | None
    so24_table: str
    rb_table: str | None
    rb_resource: str | None  # products | customers | suppliers (custom-field resource)

    @property
    def to_rackbeat_flow(self) -> str:
        return flow_key(self.flow_id, self.name, "to_rackbeat")

    @property
    def to_so24_flow(self) -> str:
        return flow_key(self.flow_id, self.name, "to_so24")


PRODUCT_GROUPS = EntitySpec(
    "product_groups", "R1", "rackbeat_product_groups", None, "staging.so24_categories", None, None
)
PRODUCTS = EntitySpec(
    "products",
    "R1",
    "rackbeat_products_to_rackbeat",
    "rackbeat_products_to_so24",
    "staging.so24_products",
    rb.PRODUCTS.qualified,
    "products",
)
CUSTOMERS = EntitySpec(
    "customers",
    "R2",
    "rackbeat_customers_to_rackbeat",
    "rackbeat_customers_to_so24",
    "staging.so24_companies",
    rb.CUSTOMERS.qualified,
    "customers",
)
SUPPLIERS = EntitySpec(
    "suppliers",
    "R2",
    "rackbeat_suppliers_to_rackbeat",
    "rackbeat_suppliers_to_so24",
    "staging.so24_companies",
    rb.SUPPLIERS.qualified,
    "suppliers",
)
ENTITIES: dict[str, EntitySpec] = {e.name: e for e in (PRODUCT_GROUPS, PRODUCTS, CUSTOMERS, SUPPLIERS)}

INVOICES_SPEC = "rackbeat_invoices_to_so24"
INVOICES_FLOW = flow_key("R7", "invoices", "to_so24")
# The status a Rackbeat invoice gets in 24SO. Rackbeat's guide makes it a setting; until
# settings.py has one (flows.R7.invoice_status), booked invoices arrive as invoiced.
DEFAULT_INVOICE_STATUS = "Invoiced"

PRODUCT_NUMBER_MAX = 25
