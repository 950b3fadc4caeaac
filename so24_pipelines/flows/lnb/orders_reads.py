"""L2's read of LNB: the orders changed since the mark, plus the orders L2 is holding back.

- Changed orders: `GET /orders?update_time_from=<mark - overlap>`, every status. Every status,
  not only the exported ones (`flows.L2.statuses`): an exported order moves on in LNB (to the
  acknowledgement status, then on as the brand works), and an edit made to it afterwards must
  still be seen to be reported ("after export, changes stay in 24SO"). The mark is the latest
  `update_time` seen (LNB's clock, so our clock's skew does not matter), never past the moment
  the read began (sync/watermarks.py): an order that changes while the pages are read gets a
  later update_time and is read next tick, even if the paging skipped it. The overlap re-reads a
  few minutes, which the keyed upsert makes a no-op. The first read has no mark and reads all.
- Held-back orders: a retailer's reference changed in LNB does not move its orders' update_time
  (connector docstring), so an order blocked for its customer reference would never come back
  in the incremental read. Every staged order in an exported status that L2 has not exported
  (none of its id map rows) is read again by reference (`GET /orders/{reference}`), one call
  each; a fixed reference then lets it through on the next mapping.

Both are staged with their lines in one step, the mark in the same transaction. The read reports
as the StagedRead "lnb orders" (metadata `lnb_orders_received`, `_changed`, `_cursor`, `_rejected`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.lnb import LnbClient, parse_time
from so24_pipelines.flows.lnb.orders_staging import Mark, ensure_tables, stage_orders
from so24_pipelines.flows.lnb.tables import ORDERS
from so24_pipelines.flows.result import StagedRead
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.id_map import known_source_keys
from so24_pipelines.sync.schema import sync_schema_exists
from so24_pipelines.sync.watermarks import mark_for_read, read_watermark, watermark_key, with_overlap

OVERLAP_MINUTES = 5
READ_NAME = "lnb orders"


def mark_key(identity: str) -> str:
    """sync.state key of the orders' mark, per paired 24SO company (a new pairing reads all again)."""
    return watermark_key("lnb", identity, "orders")


def held_back(db_path: str | Path, identity: str, flow: str, statuses: Sequence[str]) -> list[str]:
    """Staged orders in an exported status that `flow` has no id map row for (never exported), by reference."""
    with connect(db_path) as con:
        staged = [
            row[0]
            for row in con.execute(
                f"SELECT order_reference FROM {ORDERS.qualified} WHERE identity = ? "  # noqa: S608 - declared name
                "AND list_contains(?::VARCHAR[], status) ORDER BY order_reference",
                [identity, list(statuses)],
            ).fetchall()
        ]
        known = known_source_keys(con, flow, staged) if staged and sync_schema_exists(con) else set()
    return [reference for reference in staged if reference not in known]


def read_orders(
    client: LnbClient, db_path: str | Path, identity: str, *, flow: str, statuses: Sequence[str]
) -> StagedRead:
    """Stage the orders changed since the mark and re-read the held-back ones (module docstring)."""
    ensure_tables(db_path)
    key = mark_key(identity)
    started = datetime.now(UTC)
    with connect(db_path) as con:
        mark = read_watermark(con, key)
    since = with_overlap(mark_for_read(mark, started), OVERLAP_MINUTES)
    orders: list[dict[str, Any]] = list(client.iter_orders(update_time_from=since))
    seen = {order["reference"] for order in orders}
    for reference in held_back(db_path, identity, flow, statuses):
        if reference not in seen and (order := client.get_order(reference)) is not None:
            orders.append(order)
    times = [moment for order in orders if (moment := _update_time(order)) is not None]
    latest = max(times, default=None)
    result = stage_orders(db_path, identity, orders, mark=Mark(key, latest, started) if latest else None)
    moved = None if latest is None else min(latest, started).replace(tzinfo=None)
    now_at = max((m for m in (mark, moved) if m is not None), default=None)
    return StagedRead(
        name=READ_NAME,
        cursor_from=None if since is None else since.isoformat(),
        cursor_to=None if now_at is None else now_at.isoformat(),
        received=result.received,
        inserted=result.inserted,
        updated=result.updated,
        rejected=list(result.rejected),
    )


def _update_time(order: dict[str, Any]) -> datetime | None:
    """The order's update_time (aware UTC); None when it has none or it is unreadable (the staging
    converter rejects such an order with the reason)."""
    try:
        return parse_time(order.get("update_time"))
    except ValueError:
        return None
