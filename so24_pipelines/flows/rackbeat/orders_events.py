"""The staged read of the Rackbeat event flows R5, R6, R8, and how their mapped records are keyed.

The event flows have the shape of every flow: staged read -> mapping spec -> loader -> 24SO.
Their staged read is the records the events name (plus the flow's earlier failures), read from
Rackbeat *now* and staged in order_tables.py; the inbox only says which. Reading now is what
makes thin, late, repeated or reordered events harmless: whatever an event says, the run acts on
the record as Rackbeat has it at that moment, and the loader writes nothing that is already so.

- **The link to 24SO is resolved while reading**, since it needs the hub's own state and, for
  some records, one more Rackbeat call: an order's 24SO order is R4's id map row (else the
  "24so order id" field, for a create the id map has not confirmed); a product's or line's 24SO
  product is its "24so product id" field or the 24SO product with the same number (orders_products).
- **What cannot be staged is a skip with its reason** (an order deleted since the event, a value
  Rackbeat sent that does not fit its column): the loader logs it like any skip (sync_log), and
  the run's metadata lists it under the read's rejects.
- **Keys.** The spec keys a record by the Rackbeat number within one company; the loader's key is
  the one the rest of the hub uses for the same record: "<identity>:<24SO OrderId>" for an order
  (R4's key, so R5 and R6 name the order as R4 does), "<identity>:<24SO product id>" for a
  product, and "rackbeat:<number>" for a record linked to no 24SO record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.event_staging import RACKBEAT_ONLY, stage_records
from so24_pipelines.flows.rackbeat.orders_links import OrderLink, link_of
from so24_pipelines.flows.rackbeat.orders_products import So24Products
from so24_pipelines.flows.rackbeat.orders_target import field_value
from so24_pipelines.flows.rackbeat.stock_facts import add_facts, so24_figures
from so24_pipelines.flows.rackbeat.tables import EVENT_ORDER_LINES, EVENT_ORDERS, EVENT_PRODUCTS
from so24_pipelines.flows.result import StagedRead
from so24_pipelines.mapping import Spec, map_records
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import UpsertResult
from so24_pipelines.sync import MappedRecord


@dataclass(frozen=True)
class EventRead:
    """One staged read: what it reports, the numbers it staged now (per company), what it could not stage."""

    read: StagedRead
    table: StagingTable
    staged: Mapping[str, tuple[str, ...]]
    skips: tuple[MappedRecord, ...] = ()

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(n for numbers in self.staged.values() for n in numbers)


def _shipping(order: Mapping[str, Any]) -> str:
    if order.get("is_shipped"):
        return "shipped"
    return "partly shipped" if order.get("is_partly_shipped") else "not shipped"


def _linked_order(
    number: int, order: Mapping[str, Any], link: OrderLink | None, products: So24Products | None
) -> dict[str, Any]:
    """The order as Rackbeat sent it, plus the read's own attributes (order_tables.py)."""
    record: dict[str, Any] = {
        **order, "number": number, "shipping": _shipping(order),
        "so24_order_id": None if link is None else link.so24_order_id,
    }  # fmt: skip
    if products is not None:
        record["lines"] = [_linked_line(line, link, products) for line in order.get("lines") or []]
    return record


def _linked_line(line: Any, link: OrderLink | None, products: So24Products) -> Any:
    if not isinstance(line, Mapping):
        return line
    item = line.get("item")
    number = item.get("number") if isinstance(item, Mapping) else None
    product_id = products.product_id(link.identity, str(number)) if link is not None and number else None
    return {**line, "so24_product_id": product_id}


def _company(link: OrderLink | None) -> str:
    return link.identity if link is not None else RACKBEAT_ONLY


def _gone(kind: str, number: object) -> MappedRecord:
    return MappedRecord(f"rackbeat:{number}", skip_reason=f"Rackbeat {kind} {number} no longer exists")


def _finish(
    name: str, table: StagingTable, wanted: int, records: list[tuple[str, dict[str, Any]]],
    skips: list[MappedRecord], staged: UpsertResult, kind: str,
) -> EventRead:  # fmt: skip
    bad = dict(staged.rejected)
    skips = skips + [
        MappedRecord(f"rackbeat:{key}", skip_reason=f"Rackbeat {kind} {key} could not be staged: {reason}")
        for key, reason in bad.items()
    ]
    read = StagedRead(
        name, None, None, received=wanted, inserted=staged.inserted, updated=staged.updated,
        rejected=[(s.source_key, s.skip_reason or "") for s in skips],
    )  # fmt: skip
    groups: dict[str, list[str]] = {}
    for identity, record in records:
        if str(record["number"]) not in bad:
            groups.setdefault(identity, []).append(str(record["number"]))
    return EventRead(read, table, {i: tuple(n) for i, n in groups.items()}, tuple(skips))


def read_orders(
    run: RunContext,
    client: RackbeatClient,
    numbers: Iterable[int],
    *,
    order_field_id: int,
    products: So24Products | None = None,
) -> EventRead:
    """Read the named Rackbeat orders now and stage them (with their lines when `products` is given).

    The lines (R6) carry the 24SO product each stands for; R5 needs none, so it stages no lines and
    spends no call on them. An order with a line that does not stage is not staged at all: half
    its lines would look like deletions.
    """
    wanted = list(dict.fromkeys(int(n) for n in numbers))
    fetched: list[tuple[int, dict[str, Any]]] = []
    skips: list[MappedRecord] = []
    for number in wanted:
        order = client.get_order(number, with_field_values=True)
        if order is None:
            skips.append(_gone("order", number))
        else:
            fetched.append((number, order))
    records: list[tuple[str, dict[str, Any]]] = []
    if products is None:
        # R5: the links are resolved in the staging transaction, one short connection for the read.
        with transaction(run.db_path) as con:
            for number, order in fetched:
                link = link_of(con, order, order_field_id)
                records.append((_company(link), _linked_order(number, order, link, None)))
            staged = stage_records(con, EVENT_ORDERS, records)
    else:
        # R6: the lines' 24SO products need the order's company first and may cost a Rackbeat call
        # each, so no connection is held while they are looked up.
        with connect(run.db_path) as con:
            links = [(number, order, link_of(con, order, order_field_id)) for number, order in fetched]
        records = [(_company(link), _linked_order(number, order, link, products)) for number, order, link in links]
        with transaction(run.db_path) as con:
            staged = stage_records(con, EVENT_ORDERS, records, lines=EVENT_ORDER_LINES)
    return _finish("event orders", EVENT_ORDERS, len(wanted), records, skips, staged, "order")


def read_products(
    run: RunContext,
    client: RackbeatClient,
    numbers: Iterable[str],
    *,
    products: So24Products,
    product_field_id: int | None,
    so24: So24Client | None = None,
) -> EventRead:
    """Read the named Rackbeat products now (their stock on hand) and stage them with their 24SO product.

    Each is staged with its stock facts (stock_facts.py); 24SO's figures are read from `so24` now,
    one call per company (without it, 24SO's figure is unknown and nothing matches it).
    """
    wanted = list(dict.fromkeys(str(n) for n in numbers))
    records: list[tuple[str, dict[str, Any]]] = []
    skips: list[MappedRecord] = []
    for number in wanted:
        product = client.get_product(number, with_field_values=True)
        if product is None:
            skips.append(_gone("product", number))
            continue
        held = field_value(product, product_field_id) if product_field_id is not None else None
        found = products.lookup(number, so24_id=held)
        identity = found.identity if found is not None else RACKBEAT_ONLY
        records.append((identity, {**product, "number": number, "so24_product_id": None if found is None else found.product_id}))
    figures = None
    if so24 is not None:
        linked: dict[str, list[int]] = {}
        for identity, record in records:
            if identity != RACKBEAT_ONLY and record["so24_product_id"] is not None:
                linked.setdefault(identity, []).append(int(record["so24_product_id"]))
        figures = so24_figures(so24, linked)
    records = add_facts(run.db_path, client, records, so24_stock=figures)
    with transaction(run.db_path) as con:
        staged = stage_records(con, EVENT_PRODUCTS, records)
    return _finish("event products", EVENT_PRODUCTS, len(wanted), records, skips, staged, "product")


def loader_record(identity: str, record: MappedRecord) -> MappedRecord:
    """The spec's record (keyed by Rackbeat number) under the loader's key, its company in the payload.

    `identity` in the payload is where the write goes: a 24SO session works in one company at a
    time, and load_per_identity switches between them (orders_so24.py).
    """
    linked = identity != RACKBEAT_ONLY and record.business_key
    key = f"{identity}:{record.business_key}" if linked else f"rackbeat:{record.source_key}"
    payload = {**record.payload, "identity": identity} if record.payload else {}
    return replace(record, source_key=key, payload=payload)


def map_staged(run: RunContext, spec: Spec, read: EventRead, params: Mapping[str, Any]) -> list[MappedRecord]:
    """The read's skips, then every record it staged mapped with `spec`, one company at a time."""
    records = list(read.skips)
    for identity, keys in read.staged.items():
        mapped = map_records(run.db_path, spec, identity, dict(params), keys=list(keys))
        records += [loader_record(identity, record) for record in mapped]
    return records
