"""Which Rackbeat customer a 24SO order goes to: found by the "24so customer id" custom field.

A 24SO order names its customer by the 24SO company id; a Rackbeat order needs the Rackbeat
customer *number*. R2 creates customers in Rackbeat with the 24SO id in the custom field
"24so customer id" (readiness.HUB_FIELDS), so that field is the one link both flows agree on,
whatever numbering R2 chose.

Resolution happens when an order is sent, not when it is mapped: a tick with no changed orders
then makes no Rackbeat call at all. The first lookup of a load reads every customer once with its
field values (a thousand per call) instead of one search per order; a customer R2 created after
that read is found by an exact `field_eq` search. Thread-safe: the loader sends from a pool.
"""

from __future__ import annotations

import threading

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.rackbeat import RackbeatClient

PREFETCH_PAGE = 1000


class CustomerNumbers:
    """24SO company id -> Rackbeat customer number, cached for one load."""

    def __init__(self, client: RackbeatClient, field_id: int) -> None:
        self._client = client
        self._field_id = int(field_id)
        self._lock = threading.Lock()
        self._known: dict[str, int] | None = None

    def _prefetch(self) -> dict[str, int]:
        known: dict[str, int] = {}
        for customer in self._client.iter_customers(with_field_values=True, page_size=PREFETCH_PAGE):
            for value in customer.get("field_values") or []:
                if int(value.get("field_id", -1)) == self._field_id and value.get("value"):
                    known.setdefault(str(value["value"]).strip(), int(customer["number"]))
        return known

    def number_for(self, so24_customer_id: int | str) -> int:
        """The Rackbeat customer number; RecordRejected (retried next tick) when there is none yet."""
        wanted = str(so24_customer_id).strip()
        with self._lock:
            if self._known is None:
                self._known = self._prefetch()
            found = self._known.get(wanted)
        if found is not None:
            return found
        customer = self._client.find_one_by_field_value("customers", self._field_id, wanted)
        if customer is None:
            raise RecordRejected(
                f"24SO customer {wanted} is not in Rackbeat yet: R2 creates it (custom field "
                f"'24so customer id' = {wanted}); the order is retried on the next tick"
            )
        number = int(customer["number"])
        with self._lock:
            if self._known is not None:
                self._known[wanted] = number
        return number
