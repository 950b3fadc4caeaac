"""R6: an order born in 24SO, reopened, edited and booked again in Rackbeat -> the 24SO rows match.

Triggered by Rackbeat's `order.booked` webhook (one run per event). The flow has the shape of
every flow: the orders the events name (and the orders of earlier failures) are read from Rackbeat
with their lines and staged (staging.rackbeat_event_orders / _lines, orders_events.py), mapped with
mapping/specs/rackbeat_order_edits.yaml (the field pairs: OrderId, and per product line its
item number, 24SO product and quantity; the rules "only orders born in 24SO" and "booked now" as
skip reasons) and loaded into 24SO with So24OrderRowsTarget below. What stays in Python is what
is not a field pair: one check on the hub's own state (the lines were paired with 24SO rows when
R4 created the order) and the target, which must compare with 24SO's order as it is at the moment
of writing to know which row to add, edit or delete.

The record is the order's *whole* desired state, not the event's diff: the Rackbeat order's
product lines as they are now (the target finds the 24SO row each mirrors in
sync.rackbeat_order_lines; a line a user added has none). The payload holds Rackbeat's state
only, so it hashes the same until Rackbeat changes:

- a duplicate or late `order.booked` plans "unchanged" in the loader and writes nothing;
- an order that is no longer booked when the run reads it (reopened again) is skipped: its next
  `order.booked` brings the edits;
- the first booking (R4 itself booked the order, or a user booked the draft) finds nothing to
  change and writes nothing, so a 24SO status of Production or Pack is not pushed back to
  Confirmed; the status returns to Confirmed only together with a row change, as the guide says.

The target compares with the 24SO order *as it is now* (GetInvoices) before it sends anything,
which is what makes a retry safe: an Edit repeats harmlessly, a Delete of a row already gone is
not sent again, and a row an earlier attempt added (answer lost, crash before the pairs were
stored) is recognised by product and quantity and adopted instead of added a second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_events import map_staged, read_orders
from so24_pipelines.flows.rackbeat.orders_lines import (
    DB_LOCK,
    LinePair,
    read_order_lines,
    replace_order_lines,
)
from so24_pipelines.flows.rackbeat.orders_links import rackbeat_numbers_of
from so24_pipelines.flows.rackbeat.orders_products import So24Products
from so24_pipelines.flows.rackbeat.orders_so24 import (
    CONFIRMED_STATUS,
    load_per_identity,
    read_order,
    rows_of,
    save_rows,
)
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import failed_keys, flow_key
from so24_pipelines.sync.records import MappedRecord

FLOW = flow_key("R6")
EVENT = "order.booked"
SPEC = "rackbeat_order_edits"
GONE = "its Rackbeat order can no longer be read as one made from this 24SO order (deleted?); not retried"


def _unpaired(run: RunContext, records: list[MappedRecord]) -> list[MappedRecord]:
    """A mapped order whose lines R4 never paired with 24SO rows has nothing to compare with: a skip."""
    out = []
    for record in records:
        number = record.payload.get("rackbeat_order")
        if number is not None:
            with connect(run.db_path) as con:
                known = read_order_lines(con, int(number))
            if known is None:
                record = replace(
                    record, payload={},
                    skip_reason=f"the lines of Rackbeat order {number} were never paired with 24SO rows (R4 records "
                    "them when it creates the order); nothing to compare with",
                )  # fmt: skip
        out.append(record)
    return out


def _row_change(line: Mapping[str, Any], row_id: int | None, state: str) -> dict[str, Any]:
    change: dict[str, Any] = {
        "ChangeState": state,
        "ProductId": int(line["product_id"]),
        "Quantity": line["quantity"],
    }
    if row_id is not None:
        change["RowId"] = int(row_id)
    return change


class So24OrderRowsTarget:
    """24SO order rows as a loader target: the order is made to match the payload's lines."""

    system = "so24"
    entity = "order_rows"
    upserts_by_key = True

    def __init__(self, client: So24Client, db_path: str | Path) -> None:
        self.client = client
        self.db_path = Path(db_path)

    def create(self, record: MappedRecord) -> str:
        self._apply(record)
        return str(record.payload["OrderId"])

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._apply(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        return business_key

    def _apply(self, record: MappedRecord) -> None:
        payload = record.payload
        order_id = int(payload["OrderId"])
        number = int(payload["rackbeat_order"])
        current = read_order(self.client, order_id)
        if current is None:
            raise RecordRejected(f"24SO order {order_id} does not exist (deleted in 24SO?)")
        with DB_LOCK, connect(self.db_path) as con:
            known = read_order_lines(con, number)
        paired = known.by_line() if known else {}
        rows = {r.row_id: r for r in rows_of(current) if r.type == "Normal"}
        wanted = [
            {**ln, "so24_row_id": paired[ln["line_id"]].so24_row_id if ln["line_id"] in paired else None}
            for ln in payload["lines"]
        ]
        claimed = {ln["so24_row_id"] for ln in wanted if ln["so24_row_id"] in rows}
        changes: list[dict[str, Any]] = []
        pairs: dict[int, int] = {}
        adds: list[Mapping[str, Any]] = []
        for line in wanted:
            row = rows.get(line["so24_row_id"]) if line["so24_row_id"] is not None else None
            if row is None:
                orphan = next(
                    (
                        r
                        for r in rows.values()
                        if r.row_id not in claimed
                        and r.product_id == line["product_id"]
                        and r.quantity == line["quantity"]
                    ),
                    None,
                )
                if orphan is not None:
                    claimed.add(orphan.row_id)
                    pairs[line["line_id"]] = orphan.row_id
                else:
                    adds.append(line)
                continue
            pairs[line["line_id"]] = row.row_id
            if row.product_id != line["product_id"] or row.quantity != line["quantity"]:
                changes.append(_row_change(line, row.row_id, "Edit"))
        for row_id in rows:
            if row_id not in claimed and row_id not in pairs.values():
                changes.append({"RowId": row_id, "ChangeState": "Delete"})
        changes += [_row_change(line, None, "Add") for line in adds]
        if changes:
            saved = save_rows(self.client, order_id, changes, status=CONFIRMED_STATUS)
            fresh = [r for r in rows_of(saved) if r.type == "Normal" and r.row_id not in rows]
            for line in adds:
                match = next((r for r in fresh if r.product_id == line["product_id"]), None)
                if match is not None:
                    fresh.remove(match)
                    pairs[line["line_id"]] = match.row_id
        by_id = {ln["line_id"]: ln for ln in wanted}
        new_pairs = [
            LinePair(line_id, row_id, by_id[line_id]["product_no"], by_id[line_id]["quantity"])
            for line_id, row_id in sorted(pairs.items())
        ]
        texts = [p for p in (known.pairs if known else ()) if p.product_no is None]
        with DB_LOCK, transaction(self.db_path) as con:
            replace_order_lines(con, number, payload["identity"], order_id, [*new_pairs, *texts])


def run_edits(
    run: RunContext,
    rackbeat: RackbeatClient,
    so24: So24Client,
    order_numbers: Iterable[int],
    *,
    order_field_id: int,
    product_field_id: int | None,
) -> FlowRun:
    """Bring the Rackbeat edits of the booked orders (and earlier failures) into 24SO."""
    failed = failed_keys(run.db_path, FLOW)
    retry = rackbeat_numbers_of(run.db_path, failed)
    products = So24Products(run.db_path, rackbeat, product_field_id)
    read = read_orders(run, rackbeat, [*order_numbers, *retry], order_field_id=order_field_id, products=products)
    records = _unpaired(run, map_staged(run, load_spec(SPEC), read, {}))
    if failed:
        records = run.retire_failures(FLOW, records, GONE)
    return load_per_identity(
        run, FLOW, records, so24, lambda client: So24OrderRowsTarget(client, run.db_path), reads=[read.read]
    )
