"""Incremental reads of the WMS into staging, each with its cursor in sync.state.

- shipped orders (O3): `shippedTimeFrom` = the latest shippedTime seen minus an overlap. The
  WMS's own clock stamps shippedTime, so the cursor never depends on ours; the overlap re-reads a
  few minutes (an order committed late with an earlier time is still found) and the keyed upsert
  makes the re-read a no-op.
- orders whose status changed (O3 "set status on import"): `orderStatusChangedTimeFrom`, same rule,
  with the time the read started (a new order has no other time to go by).
- article stock (O5): `stockInfoChangedFrom` = the time the previous read started minus the
  overlap (the client's advice: the newest time seen could miss a change made during the read).

The first read of each has no cursor and reads everything. Only orders whose number can be a 24SO
OrderId are staged (the hub made them; other channels' orders are none of O3's business). Each
read reports as a StagedRead named "wms <what>", so its metadata reads `wms_<what>_received`, ...
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from so24_pipelines.connectors.ongoing import OngoingClient, parse_time
from so24_pipelines.flows.ongoing.tables import ARTICLES, ORDERS
from so24_pipelines.flows.ongoing.wms_staging import stage
from so24_pipelines.flows.result import StagedRead
from so24_pipelines.staging.db import connect
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import UpsertResult
from so24_pipelines.sync.state import get_state

DEFAULT_OVERLAP = timedelta(minutes=5)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def cursor_key(client: OngoingClient, name: str) -> str:
    """sync.state key: one cursor per goods owner and read, so two goods owners never share one."""
    return f"ongoing/{client.goods_owner_id}/{name}"


def _read_cursor(db_path: str | Path, key: str) -> datetime | None:
    with connect(db_path) as con:
        value = get_state(con, key)
    return None if value is None else datetime.fromisoformat(value)


def _ours(order: dict) -> bool:
    number = str((order.get("orderInfo") or {}).get("orderNumber") or "")
    return number.isdigit()


def read_shipped_orders(
    client: OngoingClient, db_path: str | Path, identity: str, *, overlap: timedelta = DEFAULT_OVERLAP
) -> StagedRead:
    """Stage the orders shipped since the cursor; move it to the latest shippedTime seen - overlap."""
    key = cursor_key(client, "orders/shipped_time_from")
    since = _read_cursor(db_path, key)
    orders = [o for o in client.iter_orders(shipped_time_from=since or EPOCH) if _ours(o)]
    shipped = [t for o in orders if (t := parse_time((o.get("orderInfo") or {}).get("shippedTime")))]
    latest = max(shipped, default=None)
    new = since if latest is None else max(since or EPOCH, latest - overlap)
    result = stage(db_path, ORDERS, identity, orders, cursor=(key, new.isoformat()) if new else None)
    return _report("wms shipped orders", since, new, result)


def read_changed_orders(
    client: OngoingClient, db_path: str | Path, identity: str, *, overlap: timedelta = DEFAULT_OVERLAP
) -> StagedRead:
    """Stage the orders whose WMS status changed since the cursor (new orders included)."""

    def fetch(since: datetime | None) -> list[dict]:
        return [o for o in client.iter_orders(status_changed_from=since or EPOCH) if _ours(o)]

    return _read_since_start(client, db_path, identity, "orders/status_changed_from", fetch, ORDERS,
                             "wms orders with a new status", overlap)


def read_stock(
    client: OngoingClient, db_path: str | Path, identity: str, *, overlap: timedelta = DEFAULT_OVERLAP
) -> StagedRead:
    """Stage the articles whose stock changed since the cursor (all of them on the first read)."""

    def fetch(since: datetime | None) -> list[dict]:
        return list(client.iter_articles(stock_info_changed_from=since))

    return _read_since_start(client, db_path, identity, "articles/stock_info_changed_from", fetch, ARTICLES,
                             "wms article stock", overlap)


def _read_since_start(
    client: OngoingClient, db_path: str | Path, identity: str, cursor: str,
    fetch: Callable[[datetime | None], list[dict]], table: StagingTable, name: str, overlap: timedelta,
) -> StagedRead:  # fmt: skip
    """Stage what `fetch` reads since the cursor; the new cursor is the time the read started - overlap."""
    key = cursor_key(client, cursor)
    since = _read_cursor(db_path, key)
    started = datetime.now(UTC)
    rows = fetch(since)
    new = started - overlap
    result = stage(db_path, table, identity, rows, cursor=(key, new.isoformat()))
    return _report(name, since, new, result)


def _report(name: str, since: datetime | None, new: datetime | None, result: UpsertResult) -> StagedRead:
    return StagedRead(
        name=name,
        cursor_from=None if since is None else since.isoformat(),
        cursor_to=None if new is None else new.isoformat(),
        received=result.received,
        inserted=result.inserted,
        updated=result.updated,
        rejected=list(result.rejected),
    )
