"""24SO as L2's target: an LNB order becomes a 24SO invoice order once, and is never written again.

- Create = `writes.save_invoice` without OrderId (idempotent=False: the client never repeats a
  create blindly). 24SO refusing the order (an APIException in its answer) is So24Refused with
  24SO's words: the order fails with that reason and is tried again next tick.
- Match before create. The business key is "<LNB reference>@<24SO customer id>": the order's
  ReferenceNumber holds the LNB reference, and 24SO cannot search orders by it, so the look-up
  reads that customer's orders (OrderId, ReferenceNumber) and picks the one with the reference.
  `create` looks first: an order 24SO already has (made by a run that died before recording it,
  or typed by hand with the reference) is linked, not made again, and the loader logs it as
  `resolved` (a `Found`). The loader's own look-up after an unconfirmed create calls
  `find_by_business_key` and then `update`: that update only links (nothing is sent).
- Never an update. Once 24SO has the order it is 24SO's (seed 002: "after the order has been
  exported from Le New Black, any further changes must be done directly into 24SevenOffice"): the
  flow turns a changed LNB order into a skip before the loader sees it (orders_exported.py), and
  should an update still reach this target, it is refused with that reason and nothing is sent.

Two orders of one customer carrying the same reference: the lowest OrderId is linked and the
other is left alone; both exist already, so linking one creates nothing.

Cost: 24SO allows about 2 requests a second (7,200 an hour), so a look-up per order would halve
what L2 can create. The target reads a customer's orders once per run (the first order of that
customer it sees) and keeps their references, adding each order it creates; the next orders of
that customer in the run are looked up there. That is as safe as asking again: an order made
before the run started (by a crashed run, or by hand) is in what was read, one made by this run
was added, and no other run creates the same LNB order meanwhile (the loader's claims).
"""

from __future__ import annotations

import threading
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.so24 import writes
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.sync.records import Found, MappedRecord

NOT_APPLIED = "LNB edits are not applied (changes after the export are made in 24SO)"


def business_key(reference: str, customer_id: int | str) -> str:
    """The look-up key of an order: its LNB reference among the 24SO customer's orders."""
    return f"{reference}@{customer_id}"


class So24OrderTarget:
    """InvoiceService.SaveInvoices for new orders; look-up by ReferenceNumber among the customer's orders."""

    system = "so24"
    entity = "orders"

    def __init__(self, so24: So24Client) -> None:
        self.so24 = so24
        self._found: set[str] = set()
        self._orders: dict[int, dict[str, list[int]]] = {}  # customer -> reference -> OrderIds (this run)
        self._lock = threading.Lock()

    def create(self, record: MappedRecord) -> str | Found:
        found = self.find_by_business_key(record.business_key) if record.business_key else None
        if found is not None:
            reference, _, customer = (record.business_key or "").rpartition("@")
            return Found(
                found,
                f"24SO order {found} of customer {customer} already carries LNB reference {reference} "
                "(ReferenceNumber): linked, not created again; nothing written",
            )
        saved = writes.save_invoice(self.so24, record.payload, idempotent=False)
        order_id = int(saved["OrderId"])
        with self._lock:
            known = self._orders.setdefault(int(record.payload["CustomerId"]), {})
            known.setdefault(str(record.payload.get("ReferenceNumber")), []).append(order_id)
        return str(order_id)

    def update(self, target_key: str, record: MappedRecord) -> None:
        with self._lock:
            linked = target_key in self._found
        if not linked:
            raise RecordRejected(f"exported to 24SO as order {target_key} already; {NOT_APPLIED}")

    def find_by_business_key(self, business_key: str) -> str | None:
        reference, _, customer = business_key.rpartition("@")
        if not reference or not customer.isdigit():
            return None
        ids = sorted(self._customer_orders(int(customer)).get(reference, []))
        if not ids:
            return None
        with self._lock:
            self._found.add(str(ids[0]))
        return str(ids[0])

    def _customer_orders(self, customer: int) -> dict[str, list[int]]:
        """reference -> OrderIds of the customer's 24SO orders: read once per run (module docstring)."""
        with self._lock:
            known = self._orders.get(customer)
            if known is not None:
                return {reference: list(ids) for reference, ids in known.items()}
            result: Any = self.so24.call(
                "InvoiceService",
                "GetInvoices",
                searchParams={"CustomerIds": {"int": [customer]}},
                invoiceReturnProperties={"string": ["OrderId", "ReferenceNumber"]},
                rowReturnProperties={"string": []},
            )
            known = {}
            for item in result or []:
                if item.get("ReferenceNumber") and item.get("OrderId") is not None:
                    known.setdefault(str(item["ReferenceNumber"]), []).append(int(item["OrderId"]))
            self._orders[customer] = known
            return {reference: list(ids) for reference, ids in known.items()}
