"""R9: fetch one 24SO order into Rackbeat by hand, whatever its status, and never twice.

Rackbeat's own integration has a manual "GET order" button and warns that pressing it twice
duplicates the order. Here it cannot: the order is read from 24SO into staging (the same upsert
as the extraction, so staging stays one truth) and then loaded under R4's flow and id map, with
R4's target. A second fetch, a fetch after R4 already sent the order, or R4 after a fetch, all
find the same id map row (or, after a crash, the same Rackbeat order by its number and
"24so order id") and update instead of creating.
"""

from __future__ import annotations

from pathlib import Path

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24 import session
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.extraction import so24_run
from so24_pipelines.extraction.so24_entities import ENTITIES
from so24_pipelines.flows.rackbeat.orders_flow import OrdersRun, run_orders


def stage_order(so24: So24Client, db_path: str | Path, order_id: int, identity: str | None) -> str:
    """Read one order with its rows from 24SO into staging; returns the identity it belongs to."""
    identity = session.current_identity(so24, identity)
    entity = ENTITIES["orders"]
    columns, rows = entity.fetch(so24, None, [int(order_id)])
    if not columns.get("order_id"):
        raise ConfigError(f"24SO has no order {order_id} in company {identity}; check the order id")
    report = so24_run.ExtractReport(entity.name, identity, "manual")
    so24_run.store_batch(db_path, entity, identity, columns, rows, report, advance_to=None)
    return identity


def fetch_order(
    db_path: str | Path,
    so24: So24Client,
    rackbeat: RackbeatClient,
    order_id: int,
    *,
    identity: str | None = None,
    so24_status: str,
    rackbeat_status: str,
    run_id: str,
    dry_run: bool = False,
) -> OrdersRun:
    """Stage order `order_id` and send it to Rackbeat under R4's id map (status filter ignored)."""
    so24_run.prepare(db_path)
    identity = stage_order(so24, db_path, order_id, identity)
    return run_orders(
        db_path,
        rackbeat,
        so24_status=so24_status,
        rackbeat_status=rackbeat_status,
        run_id=run_id,
        dry_run=dry_run,
        only=[f"{identity}:{int(order_id)}"],
    )
