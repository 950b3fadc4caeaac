"""OngoingClient: the Goods Owner REST API v1 calls the hub's O-flows need.

Quirks this client absorbs (reference/ongoing/API.md):

- Base URL is per warehouse instance: `https://api.ongoingsystems.se/<warehouse>`; paths start
  with /api/v1. Auth is HTTP Basic with an API user the warehouse administrator issues; one user
  may reach several goods owners, so `goodsOwnerId` travels on every list query and in every body.
- PUT /articles and PUT /orders are create-or-update keyed by articleNumber / orderNumber. That
  makes a retried or repeated write harmless, which is why this client may retry PUTs after a
  dropped connection. Re-PUT an order only while the warehouse has not started on it: after that
  Ongoing refuses (RecordRejected with the WMS's message); the hub must report, not retry.
- Lists return everything by default and time out on big results: page with max...ToGet plus the
  inclusive ...IdFrom cursor (next page from greatest id + 1) until an empty page. No total count.
- Array filters are repeated keys (articleNumbers=A&articleNumbers=B); a comma list matches
  nothing. Long lists are sent in chunks so the query string stays within IIS's default limit.
- Status numbers are configurable per warehouse (200 Open, 300 Released, 400 Picked, 450 Sent,
  ... in the vendor's example); read them with `get_order_statuses`, do not hard-code them.
- There is no supplier register in REST v1: supplier number and name live on each article's
  `supplierInfo`. `put_supplier(s)` therefore rewrites the articles that carry the supplier.
- Ongoing throttles concurrent calls and advises serialising per goods owner: by default one
  request at a time per client, at most `rate_per_second`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import requests

from so24_pipelines.connectors.errors import ConfigError, ConnectorError
from so24_pipelines.connectors.http import RestClient, RetryPolicy
from so24_pipelines.connectors.ongoing.times import format_query_time
from so24_pipelines.connectors.ratelimit import TokenBucket

ARTICLES = "api/v1/articles"
ORDERS = "api/v1/orders"
ORDER_STATUSES = "api/v1/orders/statuses"

# Fields of PostArticleModel, i.e. what a GET article may be PUT back with.
POST_ARTICLE_FIELDS = (
    "articleName", "productCode", "unitCode", "description", "isStockArticle", "isActive", "barCodeInfo",
    "supplierInfo", "weight", "netWeight", "length", "width", "height", "volume", "quantityPerPackage",
    "quantityPerPallet", "purchasePrice", "stockValuationPrice", "customerPrice", "purcaseCurrencyCode",
    "countryOfOriginCode", "statisticsNumber", "customsDescription", "stockLimit", "minimumReorderQuantity",
    "linkToPicture", "articleGroup", "articleCategory", "articleColor", "articleSize",
    "articleNameTranslations", "freeValues", "taricNumbersInfo", "storageProperties", "structureDefinition",
)
SUPPLIER_FIELDS = frozenset({"supplierName"})
NUMBERS_PER_QUERY = 50
ENV_KEYS = ("ONGOING_BASE_URL", "ONGOING_USERNAME", "ONGOING_PASSWORD", "ONGOING_GOODS_OWNER_ID")


def _chunks(values: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


class OngoingClient(RestClient):
    """One goods owner in one Ongoing warehouse. Thread-safe; share one per step."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        goods_owner_id: int,
        *,
        page_size: int = 500,
        rate_per_second: float = 5.0,
        burst: int = 5,
        max_concurrent: int = 1,
        timeout: float | tuple[float, float] = (5.0, 120.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not username or not password:
            raise ConfigError("Ongoing username and password are required")
        if isinstance(goods_owner_id, bool) or not isinstance(goods_owner_id, int) or goods_owner_id <= 0:
            raise ConfigError("Ongoing goods owner id must be a positive integer")
        if page_size < 1:
            raise ConfigError("Ongoing page size must be at least 1")
        super().__init__(
            base_url,
            name="ongoing",
            auth=requests.auth.HTTPBasicAuth(username, password),
            timeout=timeout,
            retry=retry,
            rate_limiter=TokenBucket(rate_per_second, burst, sleep=sleep),
            max_concurrent=max_concurrent,
            session=session,
            sleep=sleep,
        )
        self.goods_owner_id = goods_owner_id
        self.page_size = page_size

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> OngoingClient:
        """Build from ONGOING_BASE_URL, ONGOING_USERNAME, ONGOING_PASSWORD, ONGOING_GOODS_OWNER_ID."""
        env = os.environ if environ is None else environ
        missing = [key for key in ENV_KEYS if not env.get(key)]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        try:
            owner = int(env["ONGOING_GOODS_OWNER_ID"])
        except ValueError:
            raise ConfigError("ONGOING_GOODS_OWNER_ID must be an integer") from None
        return cls(env["ONGOING_BASE_URL"], env["ONGOING_USERNAME"], env["ONGOING_PASSWORD"], owner, **kwargs)

    def __repr__(self) -> str:
        return f"OngoingClient(base_url={self.base_url!r}, goods_owner_id={self.goods_owner_id})"

    # ---- paging ------------------------------------------------------------------------------

    def _id_pages(
        self, path: str, params: dict[str, Any], *, id_param: str, max_param: str, id_key: Callable[[dict], int],
        page_size: int | None,
    ) -> Iterator[dict[str, Any]]:
        size = page_size or self.page_size

        def fetch(cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
            query = {**params, "goodsOwnerId": self.goods_owner_id, max_param: size}
            if cursor is not None:
                query[id_param] = cursor
            page = self.get(path, params=query)
            if page is None:
                return [], None
            if not isinstance(page, list):
                raise ConnectorError("expected a JSON array", call=self.call_name("GET", path))
            if not page:
                return [], None
            return page, max(id_key(item) for item in page) + 1

        return self.paginate(fetch)

    # ---- articles ----------------------------------------------------------------------------

    def put_article(self, article_number: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create or update an article by number; returns {"articleSystemId", "message"}.

        `payload` is a PostArticleModel without the keys (goodsOwnerId and articleNumber are set
        here). Send the whole article every time: whether Ongoing keeps or clears fields left out
        of an update is not documented.
        """
        body = self._keyed(payload, "articleNumber", article_number)
        return self.put(ARTICLES, json_body=body)

    def iter_articles(
        self,
        *,
        article_numbers: Sequence[str] | None = None,
        stock_info_changed_from: datetime | None = None,
        article_data_last_updated_from: datetime | None = None,
        only_in_stock: bool = False,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """GetArticleModel dicts (with `inventoryInfo`), paged by articleSystemId.

        `stock_info_changed_from` gives the stock delta for O5 (inclusive bound): keep the time
        the previous read *started* as the next watermark, not the newest time seen.
        """
        params: dict[str, Any] = {}
        if stock_info_changed_from is not None:
            params["stockInfoChangedFrom"] = format_query_time(stock_info_changed_from)
        if article_data_last_updated_from is not None:
            params["articleDataLastUpdatedFrom"] = format_query_time(article_data_last_updated_from)
        if only_in_stock:
            params["onlyArticlesInStock"] = "true"
        groups = [None] if article_numbers is None else list(_chunks(list(article_numbers), NUMBERS_PER_QUERY))
        for group in groups:
            query = dict(params) if group is None else {**params, "articleNumbers": group}
            yield from self._id_pages(
                ARTICLES, query, id_param="articleSystemIdFrom", max_param="maxArticlesToGet",
                id_key=lambda a: int(a["articleSystemId"]), page_size=page_size,
            )

    def get_articles(self, **filters: Any) -> list[dict[str, Any]]:
        """All pages of `iter_articles(**filters)` as a list."""
        return list(self.iter_articles(**filters))

    def get_article(self, article_number: str) -> dict[str, Any] | None:
        """One article by number, or None. Matches exactly: Ongoing's own filter decides case."""
        for article in self.iter_articles(article_numbers=[article_number]):
            if article.get("articleNumber") == article_number:
                return article
        return None

    def get_article_inventory(self, article_number: str) -> dict[str, Any] | None:
        """`inventoryInfo` of one article, or None if the article does not exist.

        `numberOfItems` is physical stock; `sellableNumberOfItems` is what can still be sold
        (booked items already deducted) and may be negative. Ongoing's advice: sell from
        sellableNumberOfItems, count from numberOfItems.
        """
        article = self.get_article(article_number)
        return None if article is None else dict(article.get("inventoryInfo") or {})

    # ---- orders ------------------------------------------------------------------------------

    def put_order(self, order_number: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create or update a customer order by number; returns {"orderId", "message"}.

        Required in `payload`: deliveryDate, consignee (Ongoing creates the customer from
        consignee.customerNumber on the fly) and orderLines with a unique rowNumber each and an
        articleNumber that already exists in the WMS (push articles first). Once the warehouse
        has started on the order the update is refused: RecordRejected carrying Ongoing's reason.
        """
        body = self._keyed(payload, "orderNumber", order_number)
        return self.put(ORDERS, json_body=body)

    def get_order(self, order_number: str) -> dict[str, Any] | None:
        """One GetOrderModel by order number, or None."""
        for order in self.iter_orders(order_numbers=[order_number]):
            if (order.get("orderInfo") or {}).get("orderNumber") == order_number:
                return order
        return None

    def iter_orders(
        self,
        *,
        status: int | None = None,
        status_from: int | None = None,
        status_to: int | None = None,
        shipped_time_from: datetime | None = None,
        shipped_time_to: datetime | None = None,
        status_changed_from: datetime | None = None,
        order_numbers: Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """GetOrderModel dicts, paged by orderId. `status` is shorthand for from = to = status.

        Shipped detection (O3): `shipped_time_from=T` returns orders whose orderInfo.shippedTime
        is at or after T (inclusive: expect to see the last one again and de-duplicate by
        orderId). Orders not yet shipped never match a shipped-time filter.
        """
        if status is not None and (status_from is not None or status_to is not None):
            raise ValueError("give either status or status_from/status_to")
        params: dict[str, Any] = {}
        if status is not None:
            params["orderStatusFrom"] = params["orderStatusTo"] = status
        if status_from is not None:
            params["orderStatusFrom"] = status_from
        if status_to is not None:
            params["orderStatusTo"] = status_to
        for key, moment in (
            ("shippedTimeFrom", shipped_time_from),
            ("shippedTimeTo", shipped_time_to),
            ("orderStatusChangedTimeFrom", status_changed_from),
        ):
            if moment is not None:
                params[key] = format_query_time(moment)
        groups = [None] if order_numbers is None else list(_chunks(list(order_numbers), NUMBERS_PER_QUERY))
        for group in groups:
            query = dict(params) if group is None else {**params, "orderNumbers": group}
            yield from self._id_pages(
                ORDERS, query, id_param="orderIdFrom", max_param="maxOrdersToGet",
                id_key=lambda o: int(o["orderInfo"]["orderId"]), page_size=page_size,
            )

    def get_orders(self, **filters: Any) -> list[dict[str, Any]]:
        """All pages of `iter_orders(**filters)` as a list."""
        return list(self.iter_orders(**filters))

    def get_order_statuses(self) -> dict[int, str]:
        """The warehouse's own status numbers and (possibly localised) texts."""
        body = self.get(ORDER_STATUSES) or {}
        return {int(s["number"]): str(s.get("text", "")) for s in body.get("orderStatuses", [])}

    def check_goods_owner(self) -> None:
        """One cheap GET (at most one article) for `so24 check`: AuthError (403) when the API user
        may not act for `goods_owner_id`. `get_order_statuses` is the cheap check of the user itself.
        """
        self.get(ARTICLES, params={"goodsOwnerId": self.goods_owner_id, "maxArticlesToGet": 1})

    # ---- suppliers ---------------------------------------------------------------------------

    def put_supplier(self, supplier_number: str, payload: Mapping[str, Any]) -> list[str]:
        """Set a supplier's name on every article that carries its number; see `put_suppliers`."""
        return self.put_suppliers({supplier_number: payload})[supplier_number]

    def put_suppliers(self, suppliers: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
        """Write supplier data where REST v1 keeps it: `supplierInfo` on the supplier's articles.

        REST v1 has no supplier register, so a supplier exists in the WMS only through its
        articles (`supplierInfo.supplierNumber`); only `supplierName` can be stored (addresses
        live on purchase orders). One pass over all articles serves any number of suppliers.
        Articles already right are not written. Each changed article is PUT back whole, so the
        call is safe whether Ongoing merges or replaces omitted fields. Returns, per supplier
        number, the article numbers written.
        """
        for number, payload in suppliers.items():
            extra = set(payload) - SUPPLIER_FIELDS - {"supplierNumber"}
            if extra:
                raise ValueError(f"supplier {number}: Ongoing articles cannot hold {sorted(extra)}")
            if payload.get("supplierNumber", number) != number:
                raise ValueError(f"supplier {number}: payload names supplier {payload['supplierNumber']}")
        written: dict[str, list[str]] = {number: [] for number in suppliers}
        for article in self.iter_articles():
            info = dict(article.get("supplierInfo") or {})
            number = info.get("supplierNumber")
            if number not in suppliers:
                continue
            wanted = {k: v for k, v in suppliers[number].items() if k in SUPPLIER_FIELDS}
            if all(info.get(k) == v for k, v in wanted.items()):
                continue
            body = {k: article[k] for k in POST_ARTICLE_FIELDS if article.get(k) is not None}
            body["supplierInfo"] = {**info, **wanted}
            self.put_article(article["articleNumber"], body)
            written[number].append(article["articleNumber"])
        return written

    # ---- helpers -----------------------------------------------------------------------------

    def _keyed(self, payload: Mapping[str, Any], key: str, value: str) -> dict[str, Any]:
        """The body with goodsOwnerId and the business key set; refuses a payload naming others."""
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{key} must be a non-empty string")
        if payload.get(key) not in (None, value):
            raise ValueError(f"payload {key} {payload[key]!r} differs from {value!r}")
        if payload.get("goodsOwnerId") not in (None, self.goods_owner_id):
            raise ValueError(f"payload goodsOwnerId {payload['goodsOwnerId']!r} is not this client's")
        return {**payload, "goodsOwnerId": self.goods_owner_id, key: value}
