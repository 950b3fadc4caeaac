"""R3 opening stock: after the initial sync, Rackbeat's new products get 24SO's stock, once.

When Rackbeat is 24SO's stock master (R8 on), the initial sync makes every 24SO product in
Rackbeat, and a new Rackbeat product has no stock. Left so, the first stock event about it (the
changes poll sees the create, Rackbeat may fire inventory.changed) would make R8 write 0 over
24SO's figure; R8 holds that 0 (stock_facts.py), and this flow gives Rackbeat the figure that
exists: 24SO's, from the extraction the initial sync ran.

- **Which products.** Those R1/R3 created (or adopted) in Rackbeat (their id map), read from
  Rackbeat now and staged with their stock facts in staging.rackbeat_event_products. A product
  is opened only while it is *unopened*: Rackbeat has never adjusted it, it is at 0, and 24SO has
  another figure. What Rackbeat counted or moved stands (skip with the reason).
- **Every tick, cheaply.** The flow runs on the entities cadence, not only after the initial sync:
  a product R1 makes later needs its opening stock too, and an adjustment that failed (a 500, a
  lost answer) is tried again. It looks only at what is new: products R1 confirmed or wrote since
  its mark (sync.state, moved after each real run), minus those it opened, plus its own failed
  records; with none, it reads nothing from Rackbeat. A few are read one by one, many by listing.
- **How.** Rackbeat sets stock through inventory adjustments, not through the product
  (reference/rackbeat/API.md section 10): one `POST inventory-adjustments` per product with the
  change from 0 to 24SO's figure, reason "24SO opening stock" and a description naming the hub
  and the 24SO product. It fires Rackbeat's `inventory.changed`; R8 reads 24SO's own figure back
  and recognises it (skip "24SO already has N"): nothing is written to 24SO.
- **Once, never twice.** Loaded under flow key `R3.stock.to_rackbeat` (source key = 24SO product
  id, business key = Rackbeat number). An adjustment is a change, not a figure, so the target
  sends it only while Rackbeat is still at 0, and after a crash finds the hub's own adjustment by
  its description before sending again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat import entities_pairs as pairs
from so24_pipelines.flows.rackbeat.event_staging import stage_records
from so24_pipelines.flows.rackbeat.stock_facts import HUB_PRODUCTS, add_facts, decimal_or_none
from so24_pipelines.flows.rackbeat.tables import EVENT_PRODUCTS
from so24_pipelines.flows.result import FlowRun, StagedRead
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import MappedRecord, failed_record_keys, flow_key, sync_schema_exists
from so24_pipelines.sync.id_map import confirmed_pairs, confirmed_since
from so24_pipelines.sync.state import get_state, set_state

FLOW = flow_key("R3", "stock", "to_rackbeat")
SPEC = "rackbeat_opening_stock"
REASON = "24SO opening stock"
MARK = "so24-pipelines: opening stock from 24SO product"
GONE = "the product is no longer one the hub made in Rackbeat, or no longer unopened; not sent"
MARK_KEY = "rackbeat/opening_stock/considered_until"
# Up to this many products are read one by one; more are found by listing Rackbeat's products.
READ_ONE_BY_ONE = 100


class OpeningStockTarget:
    """One inventory adjustment per product, from Rackbeat's 0 to 24SO's figure; key = product number."""

    system = "rackbeat"
    entity = "opening_stock"

    def __init__(self, client: RackbeatClient) -> None:
        self.client = client
        # 24SO product id -> the product's updated_at after the hub's adjustment (pair echoes)
        self.touched: dict[str, datetime | None] = {}

    def create(self, record: MappedRecord) -> str:
        number = str(record.payload["number"])
        quantity = Decimal(record.payload["quantity"])
        stock = self.client.get_stock(number)
        if stock is None:
            raise RecordRejected(f"Rackbeat product {number!r} no longer exists")
        now = Decimal(str(stock["stock_quantity"]))
        if now != 0:
            raise RecordRejected(
                f"Rackbeat's stock of {number!r} moved to {format(now.normalize(), 'f')} before the opening stock was sent; "
                "Rackbeat's figure stands"
            )
        self.client.adjust_stock(
            number, float(quantity), reason=REASON, description=f"{MARK} {record.source_key}"
        )  # fmt: skip
        after = self.client.get_product(number) or {}
        self.touched[record.source_key] = pairs.parse_stamp(after.get("updated_at"))
        return number

    def update(self, target_key: str, record: MappedRecord) -> None:
        """Opened before: nothing is sent again while the hub's adjustment is there (once)."""
        if self.find_by_business_key(target_key) is None:
            self.create(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        """The product, if it holds the hub's opening adjustment (a create whose answer was lost)."""
        found = self.client.inventory_adjustments(business_key) or []
        ours = any(str(a.get("description") or "").startswith(MARK) for a in found)
        return str(business_key) if ours else None


class Due(NamedTuple):
    """What one run looks at: products new since the mark and not opened, or failed."""

    products: dict[str, int]  # Rackbeat number -> 24SO product id
    any_made: bool  # whether the hub made any product in Rackbeat at all
    mark: datetime | None  # the mark to keep after this run
    failed: set[str]  # 24SO ids whose opening failed


def _due_products(db_path: Path) -> Due:
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return Due({}, False, None, set())
        raw = get_state(con, MARK_KEY)
        mark = datetime.fromisoformat(raw) if raw else None
        fresh, latest = confirmed_since(con, HUB_PRODUCTS, mark)
        made = fresh if mark is None else confirmed_pairs(con, HUB_PRODUCTS)
        opened = {so24_id for so24_id, _ in confirmed_pairs(con, FLOW)}
    failed = set(failed_record_keys(db_path, FLOW))
    new = {so24_id for so24_id, _ in fresh} - opened
    due = {number: int(so24_id) for so24_id, number in made if so24_id.isdigit() and (so24_id in new or so24_id in failed)}
    return Due(due, bool(made), latest or mark, failed)


def _own_lost_answers(
    target: OpeningStockTarget, mapped: list[MappedRecord], failed: set[str], facts: dict[str, dict[str, Any]]
) -> list[MappedRecord]:
    """A failed adjustment whose answer was lost did open the product: Rackbeat is no longer at 0,
    so its record now maps as a skip. Such a record (failed, and the product holds the hub's own
    adjustment) goes to the loader whole instead, which finds the adjustment by its description and
    confirms it (`resolved`): the sync log names the hub's write, and nothing is sent twice."""
    out = []
    for record in mapped:
        fact = facts.get(record.source_key) or {}
        number, figure = fact.get("number"), fact.get("so24_stock")
        if (
            record.skip_reason and record.source_key in failed and number and figure is not None
            and target.find_by_business_key(str(number)) is not None
        ):  # fmt: skip
            record = MappedRecord(
                record.source_key, {"number": str(number), "quantity": str(figure)},
                business_key=str(number), source_version=record.source_version,
            )  # fmt: skip
        out.append(record)
    return out


def _keep_mark(db_path: Path, mark: datetime | None) -> None:
    if mark is not None:
        with transaction(db_path) as con:
            set_state(con, MARK_KEY, mark.isoformat())


def _read_products(client: RackbeatClient, numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = set(numbers)
    found: dict[str, dict[str, Any]] = {}
    if len(wanted) <= READ_ONE_BY_ONE:
        for number in sorted(wanted):
            product = client.get_product(number)
            if product is not None:
                found[number] = product
        return found
    for product in client.iter_products(fields="number,stock_quantity,updated_at"):
        number = str(product.get("number"))
        if number in wanted:
            found[number] = product
    return found


def _so24_stock(db_path: Path, identity: str, product_ids: Iterable[int]) -> dict[tuple[str, int], Decimal | None]:
    """24SO's figures as the initial sync's extraction staged them."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    with connect(db_path) as con:
        rows = con.execute(
            "SELECT id, stock FROM staging.so24_products WHERE identity = ? AND list_contains(?::BIGINT[], id)",
            [identity, ids],
        ).fetchall()
    return {(identity, int(pid)): decimal_or_none(stock) for pid, stock in rows}


def open_stock(run: RunContext, client: RackbeatClient, identity: str) -> FlowRun:
    """Give every unopened product the hub made in Rackbeat 24SO's stock figure (once each)."""
    made, any_made, mark, failed = _due_products(run.db_path)
    if not any_made:
        return run.idle(FLOW, "the hub has made no products in Rackbeat yet (run the initial sync first)")
    if not made:
        if not run.dry_run:
            _keep_mark(run.db_path, mark)
        return run.idle(FLOW, "no product made in Rackbeat since the last look, and no opening stock failed")
    found = _read_products(client, made)
    records = [
        (identity, {**found[n], "number": n, "so24_product_id": made[n]}) for n in sorted(found)
    ]
    records = add_facts(run.db_path, client, records, so24_stock=_so24_stock(run.db_path, identity, made.values()))
    with transaction(run.db_path) as con:
        staged = stage_records(con, EVENT_PRODUCTS, records)
    gone = [
        MappedRecord(str(made[n]), skip_reason=f"24SO product {made[n]}: Rackbeat product {n} no longer exists")
        for n in sorted(set(made) - set(found))
    ]
    read = StagedRead(
        "hub products' stock", None, None, received=len(made), inserted=staged.inserted, updated=staged.updated,
        rejected=[*[(r.source_key, r.skip_reason or "") for r in gone], *staged.rejected],
    )  # fmt: skip
    keys = [str(made[n]) for n in sorted(found)]
    mapped = map_records(run.db_path, load_spec(SPEC), identity, {}, keys=keys) if keys else []
    facts = {str(r["so24_product_id"]): r for _, r in records}
    target = OpeningStockTarget(client)
    mapped = _own_lost_answers(target, mapped, failed, facts)
    due = run.retire_failures(FLOW, [*gone, *mapped], GONE)
    result = run.load(FLOW, due, target, source_system="so24", reads=[read])
    if not run.dry_run:
        pairs.note_own_touches(run.db_path, "products", target.touched)
        _keep_mark(run.db_path, mark)
    return result
