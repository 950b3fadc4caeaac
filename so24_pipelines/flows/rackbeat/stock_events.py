"""R8: Rackbeat's `inventory.changed` events set 24SO stock, after a debounce.

Rackbeat's 24SO guide applies stock changes one minute late "to avoid double regulation of
shipments": shipping an order moves stock in several steps (one event per product per shipment,
plus whatever the warehouse counts), and writing each step would make 24SO regulate more than once.
So the sensor waits until a product has been quiet for `debounce_seconds` (Inbox.latest_per_key)
and then this flow writes once per product:

- **The latest figure, read now.** Events can arrive out of order, so the figure is not taken
  from the newest event's body but from Rackbeat at the moment of writing (`stock_quantity`, the
  stock on hand, which is what 24SO's `Stock` holds). Several events in the window -> one write.
- **Which 24SO product.** The product's "24so product id" field (read in the same call), else the
  24SO product with the same number (orders_products).
- **Nothing twice.** The loader keeps the last figure sent per product: a product whose stock came
  back to the figure 24SO already has is "unchanged" and not written.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.rackbeat.orders_products import So24Products
from so24_pipelines.flows.rackbeat.orders_so24 import Loaded, load_per_identity
from so24_pipelines.flows.rackbeat.orders_target import field_value
from so24_pipelines.flows.so24_targets import StockTarget
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import failed_keys
from so24_pipelines.sync.records import MappedRecord

FLOW = "R8"
EVENT = "inventory.changed"


def stock_records(
    client: RackbeatClient,
    product_numbers: Iterable[str],
    *,
    products: So24Products,
    product_field_id: int | None,
) -> list[MappedRecord]:
    """One record per Rackbeat product named by the events: its stock on hand for 24SO."""
    records = []
    for number in dict.fromkeys(str(n) for n in product_numbers):
        product = client.get_product(number, with_field_values=True)
        if product is None:
            records.append(
                MappedRecord(
                    f"rackbeat:{number}", skip_reason=f"Rackbeat product {number!r} no longer exists"
                )
            )
            continue
        held = field_value(product, product_field_id) if product_field_id is not None else None
        found = products.lookup(number, so24_id=held)
        if found is None:
            records.append(
                MappedRecord(
                    f"rackbeat:{number}",
                    skip_reason=f"Rackbeat product {number!r} is not a 24SO product (no '24so product id', "
                    "no 24SO product with that number); its stock stays in Rackbeat",
                )
            )
            continue
        quantity = Decimal(str(product.get("stock_quantity") or 0))
        records.append(
            MappedRecord(
                f"{found.identity}:{found.product_id}",
                {"identity": found.identity, "productId": found.product_id, "stockQuantity": quantity},
                business_key=str(found.product_id),
                source_version=str(product.get("updated_at") or ""),
            )
        )
    return records


def run_stock(
    db_path: str | Path,
    rackbeat: RackbeatClient,
    so24: So24Client,
    product_numbers: Iterable[str],
    *,
    product_field_id: int | None,
    run_id: str,
    dry_run: bool = False,
) -> Loaded:
    """Write the current Rackbeat stock of the named products (and earlier failures) to 24SO."""
    products = So24Products(db_path, rackbeat, product_field_id)
    numbers = list(product_numbers) + _retry_numbers(db_path)
    records = stock_records(rackbeat, numbers, products=products, product_field_id=product_field_id)
    return load_per_identity(db_path, FLOW, records, so24, StockTarget, run_id=run_id, dry_run=dry_run)


def _retry_numbers(db_path: str | Path) -> list[str]:
    """Product numbers of R8 records that failed (their key is "<identity>:<24SO product id>")."""
    keys = failed_keys(db_path, FLOW)
    if not keys:
        return []
    ids = [int(k.rpartition(":")[2]) for k in keys if k.rpartition(":")[2].isdigit()]
    with connect(db_path) as con:
        found = con.execute(
            "SELECT DISTINCT no FROM staging.so24_products WHERE list_contains(?::BIGINT[], CAST(id AS BIGINT)) "
            "AND no IS NOT NULL",
            [ids],
        ).fetchall()
    return [r[0] for r in found]
