"""Reading both sides fresh, through the connectors, in as few calls as the vendors allow.

Why fresh and not staging: staging is what the flows last *read*; a hand edit, a lost webhook or a
flow switched off is exactly what staging may not know yet. So each night both systems are read
as they are now:

- 24SO: the extraction's own reads (E1 products: one GetProducts for the whole register; E3
  companies: GetCompanySyncList, then GetCompanies per 1000 ids), written into a scratch DuckDB
  file that lives for one reconciliation, so the 24SO side is mapped by the very spec the flow
  uses, while the flows' staging, marks and id maps are left untouched (a reconciliation never
  moves a flow's cursor, so it cannot make a flow miss a change).
- Rackbeat: the product, customer and supplier lists at 1000 per page (the API's largest page)
  with the hub's custom field values, so linking costs no call per record.
- Ongoing: the article list (with `inventoryInfo`) paged by articleSystemId.

`RequestCount` counts the HTTP requests each side really sent (retries included), which the
asset reports and the benchmark sets against the vendors' hourly limits.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.http import RestClient
from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.connectors.so24.session import current_identity
from so24_pipelines.flows.so24.entities import ENTITIES
from so24_pipelines.flows.so24.extract import extract, prepare
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync import ensure_sync_schema

RACKBEAT_PAGE = 1000
WMS_PAGE = 1000


@dataclass
class RequestCount:
    """HTTP requests sent to one system during a reconciliation."""

    n: int = 0


@contextmanager
def counted(client: RestClient, count: RequestCount) -> Iterator[None]:
    """Add the requests `client` sends while inside (its own counter, retries included) to `count`."""
    before = client.calls
    try:
        yield
    finally:
        count.n += client.calls - before


@contextmanager
def so24_now(
    client: So24Client, identity: str, entities: tuple[str, ...], count: RequestCount
) -> Iterator[Path]:
    """24SO's `entities` of company `identity` as they are now, in a scratch staging file."""
    before = client.calls
    with tempfile.TemporaryDirectory(prefix="so24_reconcile_") as scratch:
        path = Path(scratch) / "so24_now.duckdb"
        prepare(path)
        with transaction(path) as con:
            ensure_sync_schema(con)
        current_identity(client, identity)
        for name in entities:
            extract(client, path, ENTITIES[name], identity, full=True)
        count.n += client.calls - before
        yield path


def rackbeat_now(client: RackbeatClient, entity: str) -> list[dict[str, Any]]:
    """Every Rackbeat product, customer or supplier now, with its custom field values."""
    if entity == "products":
        return list(client.iter_products(with_field_values=True, page_size=RACKBEAT_PAGE))
    if entity == "customers":
        return list(client.iter_customers(with_field_values=True, page_size=RACKBEAT_PAGE))
    if entity == "suppliers":
        return list(client.iter_suppliers(with_field_values=True, page_size=RACKBEAT_PAGE))
    raise ValueError(f"no Rackbeat register {entity!r}")


def wms_now(client: OngoingClient) -> list[dict[str, Any]]:
    """Every article of the goods owner now, with its stock (`inventoryInfo`)."""
    return list(client.iter_articles(page_size=WMS_PAGE))
