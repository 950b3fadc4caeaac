"""The Ongoing WMS as loader targets: articles (O1), customer orders (O2), suppliers (O4).

Ongoing's PUT is an upsert keyed by the business key in the body (articleNumber, orderNumber), so
a create sent twice (a retry after a dropped answer, a crash before the id map was written) still
makes one record: the targets say `upserts_by_key = True`, and `find_by_business_key` looks the
record up by number for the loader's crash resolution. The target key kept in the id map is
Ongoing's own id (articleSystemId, orderId), the one the WMS shows its users.

Thread safety: the client serialises its calls (Ongoing throttles concurrent requests per goods
owner), so the loader's worker threads simply queue on it.
"""

from __future__ import annotations

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.sync.records import MappedRecord


class ArticleTarget:
    """O1: PUT /articles by articleNumber; key = articleSystemId."""

    system = "ongoing"
    entity = "article"
    upserts_by_key = True

    def __init__(self, client: OngoingClient) -> None:
        self.client = client

    def create(self, record: MappedRecord) -> str:
        answer = self.client.put_article(record.payload["articleNumber"], record.payload)
        return str(answer["articleSystemId"])

    def update(self, target_key: str, record: MappedRecord) -> None:
        self.client.put_article(record.payload["articleNumber"], record.payload)

    def find_by_business_key(self, business_key: str) -> str | None:
        article = self.client.get_article(business_key)
        return None if article is None else str(article["articleSystemId"])


class OrderTarget:
    """O2: PUT /orders by orderNumber; key = orderId.

    An update the WMS refuses (it has started on the order: released, picked, sent) is not forced
    and not retried as if it were transient: the record fails with the WMS's own words and what
    that means, so the difference between 24SO and the WMS is reported, not hidden.
    """

    system = "ongoing"
    entity = "order"
    upserts_by_key = True

    def __init__(self, client: OngoingClient) -> None:
        self.client = client

    def create(self, record: MappedRecord) -> str:
        answer = self.client.put_order(record.payload["orderNumber"], record.payload)
        return str(answer["orderId"])

    def update(self, target_key: str, record: MappedRecord) -> None:
        number = record.payload["orderNumber"]
        try:
            self.client.put_order(number, record.payload)
        except RecordRejected as exc:
            raise RecordRejected(
                f"order {number} changed in 24SO after it went to the WMS, and the WMS refused the update "
                f"({exc}); the WMS keeps its version: change the order in the WMS, or undo the change in 24SO",
                call=exc.call,
                field_errors=exc.field_errors,
            ) from None

    def find_by_business_key(self, business_key: str) -> str | None:
        order = self.client.get_order(business_key)
        return None if order is None else str(order["orderInfo"]["orderId"])


class SupplierTarget:
    """O4: the supplier's name on every article that carries its number; key = supplier number.

    REST v1 has no supplier register (see OngoingClient.put_suppliers), so only supplierNumber and
    supplierName are sent. The payload's `articles` (the numbers of the supplier's products) is not
    sent: it is what makes a supplier "changed" for the loader when a product joins it.
    """

    system = "ongoing"
    entity = "supplier"
    upserts_by_key = True

    def __init__(self, client: OngoingClient) -> None:
        self.client = client

    def _send(self, record: MappedRecord) -> str:
        number = record.payload["supplierNumber"]
        self.client.put_supplier(number, {"supplierName": record.payload["supplierName"]})
        return number

    def create(self, record: MappedRecord) -> str:
        return self._send(record)

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._send(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        return None
