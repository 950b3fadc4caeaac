"""Customer invoices: made in Rackbeat, sent to 24SO "immediately" (R7).

Read them by webhook key (`customer_invoice.created` / `.booked`) or poll with
`updated_since`. When the hub books an invoice itself, pass `suppress_webhooks=True` so
Rackbeat does not echo the hub's own change back as an event.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.rackbeat.base import RackbeatBase
from so24_pipelines.connectors.rackbeat.filters import list_params


class InvoiceCalls(RackbeatBase):
    def iter_customer_invoices(
        self,
        *,
        updated_since: datetime | None = None,
        is_booked: bool | None = None,
        customer_id: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        params = list_params(updated_since=updated_since, is_booked=is_booked, customer_id=customer_id)
        return self.iter_list("customer-invoices", "customer_invoices", params, page_size=page_size)

    def list_customer_invoices(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.iter_customer_invoices(**filters))

    def get_customer_invoice(self, number: int) -> dict[str, Any] | None:
        return self.show(f"customer-invoices/{int(number)}", "customer_invoice")

    def book_customer_invoice(self, number: int, *, suppress_webhooks: bool = True) -> dict[str, Any]:
        return self.write(
            "POST",
            f"customer-invoices/{int(number)}/book",
            "customer_invoice",
            {"suppress_webhooks": suppress_webhooks, "mail": {"send": False}},
        )
