"""Sales orders, lines and shipments: the order flows R4 (24SO -> Rackbeat), R5 (shipped) and R6
(edited in Rackbeat).

- Create a draft with `POST orders/drafts`, or a booked order at once with `POST orders`.
  `customer_id` is the customer **number**; each line's `item_id` is the product **number**.
  A line without `item_id` but with a `name` is a text line. A barred product or unknown
  customer comes back as RecordRejected with the field path (`lines.0.item_id`).
- Book with `POST orders/{n}/book` (`{"mail": {"send": false}}` so Rackbeat mails nobody).
  Booking twice is refused (422): after a TransientError check `is_booked` before repeating.
- Lines change only while the order is not booked: `reopen_order`, edit, `book_order` again.
  That sequence is what Rackbeat's 24SO guide means by "edited in Rackbeat" (R6).
- Shipping: `create_shipment` (order must be booked) then `mark_shipment_shipped(pick=True)`;
  the order reads `is_shipped` when shipments cover every line, `is_partly_shipped` before.
  There is no per-line delivered quantity: sum the shipment lines.
- No status string exists; read the flags (`is_booked`, `is_ready_for_shipping`, `is_shipped`, ...).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.rackbeat.base import RackbeatBase
from so24_pipelines.connectors.rackbeat.filters import list_params


class OrderCalls(RackbeatBase):
    def iter_orders(
        self,
        *,
        is_booked: bool | None = None,
        is_shipped: bool | None = None,
        updated_since: datetime | None = None,
        field_eq: Mapping[int, str] | None = None,
        with_field_values: bool = False,
        fields: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        params = list_params(
            is_booked=is_booked,
            is_shipped=is_shipped,
            updated_since=updated_since,
            field_eq=field_eq,
            with_field_values=with_field_values,
            fields=fields,
        )
        return self.iter_list("orders", "orders", params, page_size=page_size)

    def get_order(self, number: int, *, with_field_values: bool = False) -> dict[str, Any] | None:
        return self.show(f"orders/{int(number)}", "order", list_params(with_field_values=with_field_values))

    def create_draft_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Not idempotent: after a TransientError, find the order by its 24SO-id field first."""
        return self.write("POST", "orders/drafts", "order", dict(payload))

    def create_booked_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("POST", "orders", "order", dict(payload))

    def update_order(self, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Partial header update; sending `lines` replaces them all (only while not booked)."""
        return self.write("PUT", f"orders/{int(number)}", "order", dict(changes))

    def book_order(self, number: int, *, send_mail: bool = False) -> dict[str, Any]:
        return self.write("POST", f"orders/{int(number)}/book", "order", {"mail": {"send": send_mail}})

    def reopen_order(self, number: int) -> dict[str, Any]:
        return self.write("POST", f"orders/{int(number)}/reopen", "order")

    # ---- lines -------------------------------------------------------------------------------

    def list_order_lines(self, number: int) -> list[dict[str, Any]]:
        return list(self.iter_list(f"orders/{int(number)}/lines", "order_lines"))

    def add_order_line(self, number: int, line: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("POST", f"orders/{int(number)}/lines", "order_line", dict(line))

    def update_order_line(self, number: int, line_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("PUT", f"orders/{int(number)}/lines/{int(line_id)}", "order_line", dict(changes))

    def delete_order_line(self, number: int, line_id: int) -> None:
        self.delete(f"orders/{int(number)}/lines/{int(line_id)}")

    # ---- shipments ---------------------------------------------------------------------------

    def create_shipment(self, number: int) -> dict[str, Any]:
        """A shipment of everything not yet in one; the order must be booked ("ready for shipment")."""
        return self.write("POST", f"orders/{int(number)}/create-shipment", "order_shipment")

    def list_order_shipments(self, number: int) -> list[dict[str, Any]]:
        return list(self.iter_list(f"orders/{int(number)}/shipments", "order_shipments"))

    def get_shipment(self, shipment_id: int) -> dict[str, Any] | None:
        return self.show(f"order-shipments/{int(shipment_id)}", "order_shipment")

    def mark_shipment_shipped(self, shipment_id: int, *, pick: bool = True) -> dict[str, Any]:
        """`pick=True` marks every line picked first; without it unpicked lines are refused."""
        return self.write(
            "POST", f"orders/shipments/{int(shipment_id)}/mark-shipped", "order_shipment", {"pick": pick}
        )

    def convert_order_to_invoice(self, number: int, *, book: bool = False) -> int:
        """Invoice an order (keeps the order <-> invoice link); returns the invoice number."""
        path = f"orders/{int(number)}/convert-to-invoice"
        body = self.post(path, params={"book": "true" if book else "false"})
        if not isinstance(body, dict) or "invoice_id" not in body:
            raise ConnectorError("answer has no 'invoice_id'", call=self.call_name("POST", path))
        return int(body["invoice_id"])
