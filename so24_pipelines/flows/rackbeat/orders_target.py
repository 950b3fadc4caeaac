"""R4's loader target: a 24SO order as a Rackbeat sales order, created once and then converged.

The payload (built from rackbeat_orders.yaml by orders_mapping.py) is:

    {"identity", "number", "customer_so24_id", "header": {...Rackbeat header fields...},
     "lines": [{"so24_row_id", "item_id" | None, "name", "quantity", "line_price",
                "discount_percentage"}]}

Why the order is written the way it is:

- **Never twice.** The Rackbeat order gets the 24SO OrderId twice over: as its `number` (given on
  create, so the create itself is the reservation: a second create of the same order is refused
  with "number has already been taken" instead of making a twin, even when the first answer was
  lost or the process died before it could be recorded) and in the custom field "24so order id"
  (the business key the loader looks up before any retry, and what R5/R6 read to know an order
  was born in 24SO). An existing order under that number is only adopted when it carries this
  field value, or no value and the same customer; anything else is refused with the reason.
- **Create then converge.** A create is several calls (draft with lines, field, book, shipment).
  Whatever step a crash or a fault interrupts, `update` (which the loader also uses to finish a
  create it resolved by business key) brings the order to the same end state, and only forward:
  an order is never un-booked.
- **24SO masters drafts, Rackbeat masters booked orders.** While the order is a draft created by
  the hub, a change in 24SO replaces its lines. Once booked (by the hub or a user), R4 changes
  only the header: line edits then come *from* Rackbeat (R6), and an order a user reopened to
  edit is left alone.
- **Row ids per line** are written to sync.rackbeat_order_lines after the network calls, under a
  process lock (the loader sends from several threads; DuckDB allows one attachment per process).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.rackbeat.orders_customers import CustomerNumbers
from so24_pipelines.flows.rackbeat.orders_lines import (
    DB_LOCK,
    LinePair,
    read_order_lines,
    replace_order_lines,
)
from so24_pipelines.settings import RackbeatOrderStatus
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync.records import MappedRecord

ORDER_FIELD_NAME = "24so order id"
BOOKED_STATUSES = frozenset({"booked", "booked_ready_for_shipment"})


def field_value(order: Mapping[str, Any], field_id: int) -> str | None:
    """The order's value of one custom field (from `field_values`), or None."""
    for value in order.get("field_values") or []:
        if int(value.get("field_id", -1)) == int(field_id):
            text = value.get("value")
            return None if text in (None, "") else str(text)
    return None


def lines_body(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rackbeat line bodies: a product line by number, a text line by name only."""
    body = []
    for line in lines:
        if line.get("item_id"):
            out = {"item_id": line["item_id"], "quantity": line["quantity"]}
            for key in ("name", "line_price", "discount_percentage"):
                if line.get(key) is not None:
                    out[key] = line[key]
            body.append(out)
        else:
            body.append({"name": line.get("name") or "-", "quantity": line.get("quantity") or Decimal(0)})
    return body


def _same_number(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except ArithmeticError:
        return False


def pair_by_position(
    rb_lines: Sequence[Mapping[str, Any]], lines: Sequence[Mapping[str, Any]]
) -> list[LinePair] | None:
    """Pairs when Rackbeat's lines are the payload's lines in order (item and quantity), else None.

    A line created from payload line k is line k of Rackbeat's answer, so right after a create
    (or after a crash that lost the pairs of a fresh order) position is a safe key.
    """
    if len(rb_lines) != len(lines):
        return None
    pairs = []
    for rb, line in zip(rb_lines, lines, strict=True):
        number = (rb.get("item") or {}).get("number")
        if (number or None) != (line.get("item_id") or None) or not _same_number(
            rb.get("quantity"), line.get("quantity") or 0
        ):
            return None
        pairs.append(
            LinePair(int(rb["id"]), int(line["so24_row_id"]), number, Decimal(str(rb.get("quantity"))))
        )
    return pairs


class RackbeatOrderTarget:
    """Loader target for R4 (and R9, which loads under the same flow and id map)."""

    system = "rackbeat"
    entity = "orders"

    def __init__(
        self,
        client: RackbeatClient,
        db_path: str | Path,
        *,
        order_field_id: int,
        customer_field_id: int,
        status: RackbeatOrderStatus,
    ) -> None:
        self.client = client
        self.db_path = Path(db_path)
        self.order_field_id = int(order_field_id)
        self.status = status
        self.customers = CustomerNumbers(client, customer_field_id)

    # ---- Target protocol -----------------------------------------------------------------------

    def create(self, record: MappedRecord) -> str:
        payload = record.payload
        customer = self.customers.number_for(payload["customer_so24_id"])
        body = {
            **payload["header"],
            "number": int(payload["number"]),
            "customer_id": customer,
            "lines": lines_body(payload["lines"]),
        }
        try:
            order = self.client.create_draft_order(body)
        except RecordRejected as exc:
            if "number" not in exc.field_errors:
                raise
            # Our own earlier create whose answer never arrived, or someone else's order.
            existing = self.client.get_order(int(payload["number"]), with_field_values=True)
            if existing is None:
                raise
            self._check_adoptable(existing, record, customer)
            return self._converge(existing, record, customer)
        return self._converge(order, record, customer, fresh=True)

    def update(self, target_key: str, record: MappedRecord) -> None:
        order = self.client.get_order(int(target_key), with_field_values=True)
        if order is None:
            raise RecordRejected(
                f"Rackbeat order {target_key} no longer exists (deleted in Rackbeat?); delete its row in "
                "sync.id_map (flow R4) to create the order again"
            )
        customer = self.customers.number_for(record.payload["customer_so24_id"])
        self._check_adoptable(order, record, customer)
        changed = {k: v for k, v in record.payload["header"].items() if not self._same_header(order, k, v)}
        if changed:
            order = {**order, **self.client.update_order(int(target_key), changed)}
        self._converge(order, record, customer)

    def find_by_business_key(self, business_key: str) -> str | None:
        found = self.client.find_one_by_field_value("orders", self.order_field_id, business_key)
        if found is not None:
            return str(found["number"])
        # The field is set right after the create: an order under our number without it is a
        # create interrupted in between. `update` checks it really is ours before using it.
        if str(business_key).isdigit() and self.client.get_order(int(business_key)) is not None:
            return str(int(business_key))
        return None

    # ---- steps ---------------------------------------------------------------------------------

    def _check_adoptable(self, order: Mapping[str, Any], record: MappedRecord, customer: int) -> None:
        held = field_value(order, self.order_field_id)
        bk = str(record.business_key)
        if held == bk:
            return
        if (
            held is None
            and int(order.get("customer_id") or (order.get("customer") or {}).get("number") or -1) == customer
        ):
            return
        owner = f"24SO order {held}" if held else f"customer {order.get('customer_id')}"
        raise RecordRejected(
            f"Rackbeat order {order.get('number')} exists and belongs to {owner}, not 24SO order {bk}; "
            "renumber or delete that Rackbeat order, then the next tick creates this one"
        )

    @staticmethod
    def _same_header(order: Mapping[str, Any], key: str, value: Any) -> bool:
        current = order.get(key)
        if isinstance(value, Mapping):
            current = current or {}
            return all((current.get(k) or None) == (v or None) for k, v in value.items())
        return (current or None) == (value or None)

    def _converge(
        self, order: dict[str, Any], record: MappedRecord, customer: int, *, fresh: bool = False
    ) -> str:
        """Field, lines, status, pairs: each step only if not already done (see module doc).

        The pairs are written last: an order with pairs is one the hub finished creating, which
        is how a booked-status order found unbooked is told apart (a user reopened it: leave it).
        """
        payload = record.payload
        number = int(order["number"])
        if fresh or field_value(order, self.order_field_id) != str(record.business_key):
            self.client.set_field_value("orders", number, self.order_field_id, str(record.business_key))
        known = None
        if not fresh:  # an order Rackbeat just created has no pairs yet: skip the read (30 ms of DuckDB)
            with DB_LOCK, connect(self.db_path) as con:
                known = read_order_lines(con, number)
        lines = payload["lines"]
        pairs = pair_by_position(order.get("lines") or [], lines)
        write: list[LinePair] | None = None
        if not order.get("is_booked") and (known is None or self.status == "draft"):
            if pairs is None:
                order = {**order, **self.client.update_order(number, {"lines": lines_body(lines)})}
                pairs = pair_by_position(order.get("lines") or [], lines)
            if self.status in BOOKED_STATUSES:
                order = {**order, **self.client.book_order(number)}
            write = pairs
        elif known is None:
            write = pairs
        if (
            self.status == "booked_ready_for_shipment"
            and known is None
            and order.get("is_booked")
            and not any(
                order.get(flag) for flag in ("is_ready_for_shipping", "is_partly_shipped", "is_shipped")
            )
        ):
            self.client.create_shipment(number)
        if write is not None:
            with DB_LOCK, transaction(self.db_path) as con:
                replace_order_lines(con, number, payload["identity"], int(payload["number"]), write)
        return str(number)
