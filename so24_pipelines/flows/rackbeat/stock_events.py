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
- **Only a figure 24SO does not have.** 24SO's stock of the named products is read in the same
  run (one call per company) and staged beside Rackbeat's (stock_facts.py); a figure 24SO already
  has is skipped with "24SO already has N": this is how the hub's own writes coming back (R3's
  opening stock, an earlier R8 write, a product renamed by R1 and polled) are recognised as its
  own echo. The payload keeps 24SO's figure it was compared with, so 24SO drifting away from the
  last figure written is a change again.
- **An empty new product is not a count.** A new Rackbeat product (every product the initial sync
  makes) starts with no stock. While Rackbeat has 0 and has never counted it (no inventory
  adjustment, never written by R8) and 24SO has stock, the 0 is held with the reason (skip
  "held: ..."; the run's note `held` counts them) and 24SO keeps its figure. Rackbeat's first
  count (to 0 too) or any movement ends the hold; R3's opening stock (initial_stock.py) gives
  the products the hub made 24SO's figure, whose event then is an echo.
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
HELD = ": held: "
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
        product_field_id=product_field_id, so24=so24,
    )  # fmt: skip
    records = map_staged(run, load_spec(SPEC), read, {})
    if failed:
        records = run.retire_failures(FLOW, records, GONE)
    held = sum(1 for r in records if HELD in (r.skip_reason or ""))
    done = load_per_identity(run, FLOW, records, so24, StockTarget, reads=[read.read])
    return done.noting(held=held) if held else done


def _retry_numbers(run: RunContext, failed: list[str]) -> list[str]:
    """Product numbers of R8 records that failed (their key is "<identity>:<24SO product id>")."""
    pairs = []
    for key in failed:
        identity, _, product_id = key.rpartition(":")
        if product_id.isdigit():
            pairs.append((identity, int(product_id)))
    return product_numbers_of(run.db_path, pairs)
