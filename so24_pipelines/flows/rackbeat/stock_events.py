"""R8: Rackbeat's `inventory.changed` events set 24SO stock, after a debounce.

Rackbeat's 24SO guide applies stock changes one minute late "to avoid double regulation of
shipments": shipping an order moves stock in several steps (one event per product per shipment,
plus whatever the warehouse counts), and writing each step would make 24SO regulate more than once.
So the sensor waits until a product has been quiet for `debounce_seconds` (Inbox.latest_per_key)
and then this flow writes once per product. It has the shape of every flow: the products are read
from Rackbeat and staged (staging.rackbeat_event_products, orders_events.py), mapped with
mapping/specs/rackbeat_stock.yaml and loaded into 24SO with StockTarget (SetStockQuantity), the
target O5 uses for the same write.

- **The latest figure, read now.** Events can arrive out of order, so the figure is not taken
  from the newest event's body but from Rackbeat at the moment of writing (`stock_quantity`, the
  stock on hand, which is what 24SO's `Stock` holds). Several events in the window -> one write.
- **Which 24SO product.** The product's "24so product id" field (read in the same call), else the
  24SO product with the same number (orders_products). A product that is neither is skipped with
  that reason (the spec's rule): its stock stays in Rackbeat.
- **Nothing twice.** The loader keeps the last figure sent per product: a product whose stock came
  back to the figure 24SO already has is "unchanged" and not written.
- A failed write is retried by the next run (the product is read again, so the retry writes the
  figure of that moment); one whose product is no longer a 24SO product is closed with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.event_staging import product_numbers_of
from so24_pipelines.flows.rackbeat.orders_events import map_staged, read_products
from so24_pipelines.flows.rackbeat.orders_products import So24Products
from so24_pipelines.flows.rackbeat.orders_so24 import load_per_identity
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.so24_targets import StockTarget
from so24_pipelines.mapping import load_spec
from so24_pipelines.sync import failed_keys, flow_key

FLOW = flow_key("R8")
EVENT = "inventory.changed"
SPEC = "rackbeat_stock"
GONE = "its Rackbeat product can no longer be read as this 24SO product (deleted, or unlinked?); not retried"


def run_stock(
    run: RunContext,
    rackbeat: RackbeatClient,
    so24: So24Client,
    product_numbers: Iterable[str],
    *,
    product_field_id: int | None,
) -> FlowRun:
    """Write the current Rackbeat stock of the named products (and earlier failures) to 24SO."""
    products = So24Products(run.db_path, rackbeat, product_field_id)
    failed = failed_keys(run.db_path, FLOW)
    read = read_products(
        run, rackbeat, [*product_numbers, *_retry_numbers(run, failed)], products=products,
        product_field_id=product_field_id,
    )  # fmt: skip
    records = map_staged(run, load_spec(SPEC), read, {})
    if failed:
        records = run.retire_failures(FLOW, records, GONE)
    return load_per_identity(run, FLOW, records, so24, StockTarget, reads=[read.read])


def _retry_numbers(run: RunContext, failed: list[str]) -> list[str]:
    """Product numbers of R8 records that failed (their key is "<identity>:<24SO product id>")."""
    pairs = []
    for key in failed:
        identity, _, product_id = key.rpartition(":")
        if product_id.isdigit():
            pairs.append((identity, int(product_id)))
    return product_numbers_of(run.db_path, pairs)
