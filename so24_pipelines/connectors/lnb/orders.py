"""Orders out of LNB: list with filters, read one, and set the status that acknowledges export.

Quirks (reference §4.2, §5):

- `GET /orders` filters: `order_time_from/_to`, `confirmation_time_from/_to`,
  `update_time_from/_to` (inclusive; format per `lnb.filter_time_format`, see times.py) and
  `status`. Whether `status` takes several values is unknown, so several statuses are read one
  query each and merged, each order once (by reference; an order that changes status between
  the queries is not read twice).
- Whether list rows are whole orders (PHP) or slim rows without `items` (Python) is unknown: a
  row without `items` is completed with `GET /orders/{reference}`. Pass `full=False` to skip that.
- Status values are assumed to be the UI's lifecycle in lower case (`draft` ... `canceled`);
  the hub's settings list them (`flows.L2.statuses`).
- `POST /orders/status {reference, status}` sets a status; repeating it is harmless (setting
  what is already set), so it is retried like a PUT after a dropped answer.
- Paging over a filter on `update_time` while orders change can skip or repeat a row between
  pages: keep the watermark at the start time of the read and de-duplicate by reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.lnb.base import LnbBase
from so24_pipelines.connectors.lnb.times import format_filter_time

ORDERS = "orders"
WINDOWS = ("order_time", "confirmation_time", "update_time")


class OrderCalls(LnbBase):
    def iter_orders(
        self,
        *,
        status: str | Sequence[str] | None = None,
        order_time_from: datetime | None = None,
        order_time_to: datetime | None = None,
        confirmation_time_from: datetime | None = None,
        confirmation_time_to: datetime | None = None,
        update_time_from: datetime | None = None,
        update_time_to: datetime | None = None,
        full: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Orders matching every filter given, page by page, in LNB's order."""
        bounds = {
            "order_time_from": order_time_from, "order_time_to": order_time_to,
            "confirmation_time_from": confirmation_time_from, "confirmation_time_to": confirmation_time_to,
            "update_time_from": update_time_from, "update_time_to": update_time_to,
        }  # fmt: skip
        params: dict[str, Any] = {
            name: format_filter_time(moment, self.filter_time_format)
            for name, moment in bounds.items()
            if moment is not None
        }
        wanted: list[str | None] = [status] if status is None or isinstance(status, str) else list(dict.fromkeys(status))
        if not wanted:
            return
        seen: set[str] = set()
        for one in wanted:
            query = dict(params) if one is None else {**params, "status": one}
            for row in self.iter_pages(ORDERS, query):
                reference = row.get("reference")
                if not isinstance(reference, str) or not reference:
                    raise ConnectorError("an order row has no reference", call=self.call_name("GET", ORDERS))
                if reference in seen:
                    continue
                seen.add(reference)
                if full and "items" not in row:
                    detail = self.get_order(reference)
                    if detail is None:  # gone between the list and the read
                        continue
                    row = detail
                yield row

    def get_orders(self, **filters: Any) -> list[dict[str, Any]]:
        """All pages of `iter_orders(**filters)` as a list."""
        return list(self.iter_orders(**filters))

    def get_order(self, reference: str) -> dict[str, Any] | None:
        """One whole order by its LNB reference, or None."""
        return self.get(f"{ORDERS}/{quote(reference, safe='')}", not_found_ok=True)

    def set_order_status(self, reference: str, status: str) -> dict[str, Any]:
        """Move an order to `status` (e.g. acknowledge export); LNB's answer `{reference, status, update_time}`.

        An unknown reference is NotFound, an unknown status RecordRejected (422) with LNB's reason.
        """
        if not reference or not status:
            raise ValueError("reference and status are required")
        return self.post(f"{ORDERS}/status", json_body={"reference": reference, "status": status}, idempotent=True)
