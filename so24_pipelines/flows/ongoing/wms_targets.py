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

import threading
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.connectors.ongoing.client import POST_ARTICLE_FIELDS
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

    REST v1 has no supplier register (see OngoingClient.put_suppliers): a supplier exists only as
    supplierInfo {supplierNumber, supplierName} on articles, so only those two are sent. The
    payload's `articles` (the numbers of the supplier's products) is not sent: it is what makes a
    supplier "changed" for the loader when a product joins it.

    Why not `put_supplier` per record: it scans every article for each supplier, O(suppliers x
    articles) reads. The loader hands records one at a time, so the target reads the articles
    once, on the first write of a run, indexes them by supplier number, and rewrites only the
    articles whose name differs, each PUT whole (as put_suppliers does), since Ongoing does not
    document whether an update keeps fields left out.
    """

    system = "ongoing"
    entity = "supplier"
    upserts_by_key = True

    def __init__(self, client: OngoingClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._by_supplier: dict[str, list[dict[str, Any]]] | None = None

    def _articles_of(self, number: str) -> list[dict[str, Any]]:
        with self._lock:
            if self._by_supplier is None:
                index: dict[str, list[dict[str, Any]]] = {}
                for article in self.client.iter_articles():
                    carried = (article.get("supplierInfo") or {}).get("supplierNumber")
                    if carried:
                        index.setdefault(str(carried), []).append(article)
                self._by_supplier = index
            return list(self._by_supplier.get(number, []))

    def _send(self, record: MappedRecord) -> str:
        number, name = record.payload["supplierNumber"], record.payload["supplierName"]
        for article in self._articles_of(number):
            info = dict(article.get("supplierInfo") or {})
            if info.get("supplierName") == name:
                continue
            body = {k: article[k] for k in POST_ARTICLE_FIELDS if article.get(k) is not None}
            body["supplierInfo"] = {**info, "supplierName": name}
            self.client.put_article(article["articleNumber"], body)
        return number

    def create(self, record: MappedRecord) -> str:
        return self._send(record)

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._send(record)

    def find_by_business_key(self, business_key: str) -> str | None:
        return None
