"""24SO as a loader target for the reverse flows: order status (O3, R5) and stock (O5, R8).

Both writes set an absolute value (a status, a quantity), so repeating one is harmless: the
targets upsert by key (the 24SO id is in the payload) and the client may retry them
(`idempotent=True`). 24SO reports a refused item inside the answer, not as a fault: SaveInvoices
returns the item with `APIException`, SetStockQuantity returns false. Both become RecordRejected
with 24SO's words, so the record fails with a reason and the batch goes on.
"""

from __future__ import annotations

from decimal import Decimal

from so24_pipelines.connectors.errors import ConnectorError, RecordRejected
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.sync.records import MappedRecord

SAVE_INVOICES = "InvoiceService.SaveInvoices"
SET_STOCK = "ProductService.SetStockQuantity"


class OrderStatusTarget:
    """InvoiceService.SaveInvoices with OrderId and OrderStatus; key = OrderId (O3, R5)."""

    system = "so24"
    entity = "order_status"
    upserts_by_key = True

    def __init__(self, client: So24Client) -> None:
        self.client = client

    def _save(self, record: MappedRecord) -> str:
        order_id = int(record.payload["OrderId"])
        item = {"OrderId": order_id, "OrderStatus": record.payload["OrderStatus"], "IncludeVAT": None}
        answer = self.client.call("InvoiceService", "SaveInvoices", idempotent=True, invoices={"InvoiceOrder": [item]})
        if not answer:
            raise ConnectorError(f"24SO returned no item for order {order_id}", call=SAVE_INVOICES)
        problem = answer[0].get("APIException")
        if problem:
            message = problem.get("Message") if isinstance(problem, dict) else str(problem)
            raise RecordRejected(f"24SO refused status {item['OrderStatus']} for order {order_id}: {message}",
                                 call=SAVE_INVOICES)
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
        quantity = Decimal(record.payload["stockQuantity"])
        ok = self.client.call("ProductService", "SetStockQuantity", idempotent=True,
                              productId=product_id, stockQuantity=quantity)
        if not ok:
            raise RecordRejected(f"24SO refused stock {quantity} for product {product_id} (does it still exist?)",
                                 call=SET_STOCK)
        return str(product_id)

    def create(self, record: MappedRecord) -> str:
        return self._set(record)

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._set(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        return None
