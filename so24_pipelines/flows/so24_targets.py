"""24SO as a loader target for the reverse flows: order status (O3, R5) and stock (O5, R8).

Both writes set an absolute value (a status, a quantity), so repeating one is harmless: the
targets upsert by key (the 24SO id is in the payload) and the calls may be retried. The calls and
24SO's in-answer refusals live in connectors/so24/writes.py: a refused item raises So24Refused
(a RecordRejected) with 24SO's words, so the record fails with a reason and the batch goes on.
"""

from __future__ import annotations

from decimal import Decimal

from so24_pipelines.connectors.so24 import writes
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.sync.records import MappedRecord


class OrderStatusTarget:
    """InvoiceService.SaveInvoices with OrderId and OrderStatus; key = OrderId (O3, R5)."""

    system = "so24"
    entity = "order_status"
    upserts_by_key = True

    def __init__(self, client: So24Client) -> None:
        self.client = client

    def _save(self, record: MappedRecord) -> str:
        order_id = int(record.payload["OrderId"])
        writes.set_order_status(self.client, order_id, record.payload["OrderStatus"])
        return str(order_id)

    def create(self, record: MappedRecord) -> str:
        return self._save(record)

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._save(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        return None


class StockTarget:
    """ProductService.SetStockQuantity; key = product id (O5, R8). Quantities travel as Decimal."""

    system = "so24"
    entity = "stock"
    upserts_by_key = True

    def __init__(self, client: So24Client) -> None:
        self.client = client

    def _set(self, record: MappedRecord) -> str:
        product_id = int(record.payload["productId"])
        writes.set_stock_quantity(self.client, product_id, Decimal(record.payload["stockQuantity"]))
        return str(product_id)

    def create(self, record: MappedRecord) -> str:
        return self._set(record)

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._set(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        return None
