"""R6: an order born in 24SO, reopened, edited and booked again in Rackbeat -> the 24SO rows match.

Triggered by Rackbeat's `order.booked` webhook (one run per event). The record is the order's
*whole* desired state, not the event's diff: the Rackbeat order's product lines as they are now
(the target finds the 24SO row each mirrors in sync.rackbeat_order_lines; a line a user added
has none). The payload holds Rackbeat's state only, so it hashes the same until Rackbeat changes:

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
from decimal import Decimal
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.rackbeat.orders_lines import (
    DB_LOCK,
    LinePair,
    read_order_lines,
    replace_order_lines,
)
from so24_pipelines.flows.rackbeat.orders_links import R4_FLOW, so24_order_of
from so24_pipelines.flows.rackbeat.orders_products import So24Products
from so24_pipelines.flows.rackbeat.orders_so24 import (
    CONFIRMED_STATUS,
    Loaded,
    load_per_identity,
    read_order,
    rows_of,
    save_rows,
)
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import failed_keys
from so24_pipelines.sync.id_map import target_keys_of
from so24_pipelines.sync.records import MappedRecord

FLOW = "R6"
EVENT = "order.booked"


def _skip(number: int, reason: str, key: str | None = None) -> MappedRecord:
    return MappedRecord(key or f"rackbeat:{number}", skip_reason=reason)


def edit_records(
    db_path: str | Path,
    client: RackbeatClient,
    order_numbers: Iterable[int],
    *,
    order_field_id: int,
    products: So24Products,
) -> list[MappedRecord]:
    """One record per booked Rackbeat order born in 24SO: its product lines, as 24SO should have them."""
    records = []
    for number in dict.fromkeys(int(n) for n in order_numbers):
        order = client.get_order(number, with_field_values=True)
        if order is None:
            records.append(_skip(number, f"Rackbeat order {number} no longer exists"))
            continue
        link = so24_order_of(db_path, order, order_field_id)
        if link is None:
            records.append(
                _skip(
                    number,
                    f"Rackbeat order {number} was not created from 24SO; R6 follows only orders born in 24SO",
                )
            )
            continue
        if not order.get("is_booked"):
            records.append(
                _skip(
                    number,
                    f"Rackbeat order {number} is not booked now (reopened again?); its next booking brings the edits",
                    link.source_key,
                )
            )
            continue
        with connect(db_path) as con:
            known = read_order_lines(con, number)
        if known is None:
            records.append(
                _skip(
                    number,
                    f"the lines of Rackbeat order {number} were never paired with 24SO rows (R4 records them when "
                    "it creates the order); nothing to compare with",
                    link.source_key,
                )
            )
            continue
        lines: list[dict[str, Any]] = []
        problem = None
        for line in order.get("lines") or []:
            item = (line.get("item") or {}).get("number")
            if not item:
                continue
            product_id = products.product_id(link.identity, item)
            if product_id is None:
                problem = f"Rackbeat product {item!r} on order {number} is not a 24SO product (no '24so product id', no 24SO product number {item!r})"
                break
            lines.append(
                {
                    "line_id": int(line["id"]),
                    "product_no": item,
                    "product_id": product_id,
                    "quantity": Decimal(str(line.get("quantity") or 0)),
                }
            )
        if problem:
            records.append(_skip(number, problem, link.source_key))
            continue
        payload = {
            "identity": link.identity,
            "OrderId": link.so24_order_id,
            "rackbeat_order": number,
            "lines": sorted(lines, key=lambda ln: ln["line_id"]),
        }
        records.append(
            MappedRecord(
                link.source_key,
                payload,
                business_key=str(link.so24_order_id),
                source_version=str(order.get("booked_at") or order.get("updated_at") or ""),
            )
        )
    return records


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
    db_path: str | Path,
    rackbeat: RackbeatClient,
    so24: So24Client,
    order_numbers: Iterable[int],
    *,
    order_field_id: int,
    product_field_id: int | None,
    run_id: str,
    dry_run: bool = False,
) -> Loaded:
    """Bring the Rackbeat edits of the booked orders (and earlier failures) into 24SO."""
    numbers = list(order_numbers) + _retry_orders(db_path)
    products = So24Products(db_path, rackbeat, product_field_id)
    records = edit_records(db_path, rackbeat, numbers, order_field_id=order_field_id, products=products)
    return load_per_identity(
        db_path,
        FLOW,
        records,
        so24,
        lambda client: So24OrderRowsTarget(client, db_path),
        run_id=run_id,
        dry_run=dry_run,
    )


def _retry_orders(db_path: str | Path) -> list[int]:
    """Rackbeat orders of R6 records that failed: their failed key is the 24SO order's R4 key."""
    keys = failed_keys(db_path, FLOW)
    if not keys:
        return []
    with connect(db_path) as con:
        found = target_keys_of(con, R4_FLOW, keys)
    return [int(key) for key in found]
