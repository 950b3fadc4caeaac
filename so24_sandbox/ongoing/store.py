"""The emulated warehouse's state and rules: articles, stock, customer orders, customers.

Rules the hub depends on (sources in reference/ongoing/API.md):
- PUT is create-or-update keyed by (goodsOwnerId, articleNumber) / (goodsOwnerId, orderNumber);
  ids (`articleSystemId`, `orderId`) are assigned increasing and never change.
- An update leaves out fields it does not send; a null also means "not sent". Nested objects
  (supplierInfo, barCodeInfo, ...) merge one level deep. (Assumption: the vendor does not say.)
- Order lines are replaced as a set keyed by `rowNumber` when `orderLines` is sent, and must
  reference articles that exist for the goods owner: articles first, then orders.
- Once an order reaches `locked_from` (default Released, 300) every PUT is refused: the warehouse
  has started work on it.
- Stock: `numberOfItems` is physical stock; ordered-but-unpicked items are booked and leave
  `sellableNumberOfItems` at once; picked items stay physical until the order is sent, when they
  leave `numberOfItems`. `sellableNumberOfItems` may go negative (oversold), as in the real WMS.
- `inventoryInfo.lastInDate` is the last goods-in: set when the control API's count raises the
  physical stock (the floor received goods), never by a count down or an order; null until the
  article first had stock, which is how a hub tells a new article's 0 from a count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from so24_sandbox.ongoing import statuses
from so24_sandbox.ongoing.times import format_time, parse_time, utc_now
from so24_sandbox.ongoing.validation import ARTICLE_FIELDS, ORDER_FIELDS

GOODS_OWNERS: dict[int, str] = {1: "Sandbox Goods Owner AB", 2: "Sandbox Second Brand AB"}
WAREHOUSE = {"id": 1, "code": "MAIN", "name": "Sandbox warehouse"}
FIRST_ARTICLE_ID = 1001
FIRST_ORDER_ID = 50001
FIRST_CUSTOMER_ID = 301
FIRST_LINE_ID = 900001


class WmsRefusal(Exception):
    """The warehouse refuses a request; rendered as an error answer with `status`."""

    def __init__(self, message: str, *, status: int = 400, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field_errors = field_errors or {}


@dataclass
class Article:
    system_id: int
    goods_owner_id: int
    number: str
    data: dict[str, Any]
    data_updated: datetime
    stock_changed: datetime
    physical: float = 0
    locked: float = 0
    last_in: datetime | None = None


@dataclass
class OrderLine:
    line_id: int
    row_number: int
    article_number: str
    ordered: float
    data: dict[str, Any]
    picked: float = 0
    picked_time: datetime | None = None


@dataclass
class Order:
    order_id: int
    goods_owner_id: int
    number: str
    data: dict[str, Any]
    consignee: dict[str, Any]
    customer_id: int
    lines: list[OrderLine]
    created: datetime
    updated: datetime
    status: int = statuses.OPEN
    status_changed: datetime | None = None
    shipped_time: datetime | None = None
    way_bill: str | None = None
    tracking: list[dict[str, Any]] = field(default_factory=list)


def _merge(current: dict[str, Any], incoming: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    merged = dict(current)
    for name in allowed:
        value = incoming.get(name)
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            inner = dict(merged[name])
            inner.update({k: v for k, v in value.items() if v is not None})
            merged[name] = inner
        else:
            merged[name] = value
    return merged


class OngoingStore:
    """Thread-safe in-memory warehouse. Empty after construction and after `reset()`."""

    def __init__(
        self, *, locked_from: int = statuses.DEFAULT_LOCKED_FROM, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.locked_from = locked_from
        self._clock = clock
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._articles: dict[tuple[int, str], Article] = {}
            self._orders: dict[tuple[int, str], Order] = {}
            self._customers: dict[tuple[int, str], int] = {}
            self._next = {
                "article": FIRST_ARTICLE_ID, "order": FIRST_ORDER_ID,
                "customer": FIRST_CUSTOMER_ID, "line": FIRST_LINE_ID,
            }

    def _new_id(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    # ---- articles ----------------------------------------------------------------------------

    def put_article(self, body: dict[str, Any]) -> tuple[Article, bool]:
        """Create or update by article number; returns (article, created). Body already validated."""
        owner, number = body["goodsOwnerId"], body["articleNumber"].strip()
        with self._lock:
            now = self._clock()
            article = self._articles.get((owner, number))
            if article is None:
                article = Article(
                    system_id=self._new_id("article"), goods_owner_id=owner, number=number,
                    data=_merge({}, body, ARTICLE_FIELDS), data_updated=now, stock_changed=now,
                )
                article.data["articleNumber"] = number
                self._articles[(owner, number)] = article
                return article, True
            merged = _merge(article.data, body, ARTICLE_FIELDS)
            merged["articleNumber"] = number
            if merged != article.data:
                article.data = merged
                article.data_updated = now
            return article, False

    def find_articles(
        self,
        goods_owner_id: int,
        *,
        article_numbers: list[str] | None = None,
        product_codes: list[str] | None = None,
        id_from: int | None = None,
        max_count: int | None = None,
        stock_changed_from: datetime | None = None,
        data_updated_from: datetime | None = None,
        only_in_stock: bool = False,
    ) -> list[dict[str, Any]]:
        """GET /articles: filters AND-ed, sorted by articleSystemId, `id_from` inclusive."""
        with self._lock:
            stock = self._stock_usage()
            found = []
            for a in sorted(self._articles.values(), key=lambda x: x.system_id):
                if a.goods_owner_id != goods_owner_id:
                    continue
                if article_numbers and a.number not in article_numbers:
                    continue
                if product_codes and a.data.get("productCode") not in product_codes:
                    continue
                if id_from is not None and a.system_id < id_from:
                    continue
                if stock_changed_from is not None and a.stock_changed < stock_changed_from:
                    continue
                if data_updated_from is not None and a.data_updated < data_updated_from:
                    continue
                if only_in_stock and a.physical <= 0:
                    continue
                found.append(self._article_json(a, stock))
                if max_count is not None and len(found) >= max_count:
                    break
            return found

    def get_article(self, goods_owner_id: int, system_id: int) -> dict[str, Any] | None:
        with self._lock:
            for a in self._articles.values():
                if a.system_id == system_id and a.goods_owner_id == goods_owner_id:
                    return self._article_json(a, self._stock_usage())
            return None

    def set_stock(self, goods_owner_id: int, article_number: str, physical: float, sellable: float | None) -> dict:
        """Control API: the warehouse counted `physical`; `sellable` (optional) locks the rest."""
        with self._lock:
            article = self._articles.get((goods_owner_id, article_number))
            if article is None:
                raise WmsRefusal(f"Article '{article_number}' does not exist.", status=404)
            booked, picked = self._stock_usage().get((goods_owner_id, article_number), (0, 0))
            locked = 0 if sellable is None else physical - booked - picked - sellable
            if locked < 0:
                raise WmsRefusal(
                    f"Sellable {sellable} exceeds physical {physical} minus booked {booked} and picked {picked}."
                )
            now = self._clock()
            if physical > article.physical:
                article.last_in = now
            article.physical, article.locked = physical, locked
            article.stock_changed = now
            return self._article_json(article, self._stock_usage())

    def _stock_usage(self) -> dict[tuple[int, str], tuple[float, float]]:
        """(booked, picked-but-not-sent) per article, from the live orders."""
        usage: dict[tuple[int, str], tuple[float, float]] = {}
        for order in self._orders.values():
            if order.status >= statuses.SENT or order.status == statuses.ERROR:
                continue
            for line in order.lines:
                key = (order.goods_owner_id, line.article_number)
                booked, picked = usage.get(key, (0, 0))
                if order.status < statuses.PICKED:
                    booked += line.ordered
                else:
                    picked += line.picked
                usage[key] = (booked, picked)
        return usage

    def _touch_stock(self, goods_owner_id: int, article_numbers: Iterable[str]) -> None:
        now = self._clock()
        for number in set(article_numbers):
            article = self._articles.get((goods_owner_id, number))
            if article is not None:
                article.stock_changed = now

    def _article_json(self, a: Article, usage: dict[tuple[int, str], tuple[float, float]]) -> dict[str, Any]:
        booked, picked = usage.get((a.goods_owner_id, a.number), (0, 0))
        body: dict[str, Any] = {name: a.data.get(name) for name in ARTICLE_FIELDS}
        body.update(
            goodsOwner={"id": a.goods_owner_id, "name": GOODS_OWNERS.get(a.goods_owner_id)},
            articleSystemId=a.system_id,
            articleNumber=a.number,
            articleKind="Standard",
            articleDataLastUpdated=format_time(a.data_updated),
            inventoryInfo={
                "numberOfItems": a.physical,
                "sellableNumberOfItems": a.physical - booked - picked - a.locked,
                "numberOfBookedItems": booked,
                "allocatedNumberOfItems": 0,
                "numberOfLockedItems": a.locked,
                "lockedForSaleNumberOfItems": a.locked,
                "toReceiveNumberOfItems": 0,
                "pickedToBeCollectedNumberOfItems": picked,
                "receivedToBeFinishedNumberOfItems": 0,
                "lastInDate": format_time(a.last_in) if a.last_in else None,
                "totalStockValue": a.physical * (a.data.get("stockValuationPrice") or 0),
            },
        )
        return body

    # ---- orders ------------------------------------------------------------------------------

    def put_order(self, body: dict[str, Any]) -> tuple[Order, bool, bool]:
        """Create or update by order number; returns (order, created, customer_created)."""
        owner, number = body["goodsOwnerId"], body["orderNumber"].strip()
        with self._lock:
            order = self._orders.get((owner, number))
            if order is not None and order.status >= self.locked_from:
                text = statuses.ORDER_STATUSES.get(order.status, str(order.status))
                raise WmsRefusal(
                    f"Order '{number}' cannot be updated: it has status {order.status} ({text}) and the "
                    "warehouse has started working on it."
                )
            lines_body = body.get("orderLines")
            missing = {
                f"orderLines[{i}].articleNumber": [f"Article '{line['articleNumber']}' does not exist."]
                for i, line in enumerate(lines_body or [])
                if (owner, str(line["articleNumber"]).strip()) not in self._articles
            }
            if missing:
                raise WmsRefusal("One or more order lines refer to unknown articles.", field_errors=missing)
            now = self._clock()
            consignee = dict(body["consignee"])
            customer_id, customer_created = self._customer_for(owner, consignee, order)
            touched = [line.article_number for line in order.lines] if order else []
            if order is None:
                order = Order(
                    order_id=self._new_id("order"), goods_owner_id=owner, number=number,
                    data=_merge({}, body, ORDER_FIELDS), consignee=consignee, customer_id=customer_id,
                    lines=[], created=now, updated=now, status_changed=now,
                )
                self._orders[(owner, number)] = order
                created = True
            else:
                order.data = _merge(order.data, body, ORDER_FIELDS)
                order.consignee = _merge(order.consignee, consignee, consignee.keys())
                order.customer_id = customer_id
                order.updated = now
                created = False
            order.data.pop("orderLines", None)
            if lines_body is not None:
                order.lines = self._merge_lines(order.lines, lines_body)
            self._touch_stock(owner, touched + [line.article_number for line in order.lines])
            return order, created, customer_created

    def _customer_for(self, owner: int, consignee: dict[str, Any], order: Order | None) -> tuple[int, bool]:
        """Ongoing creates the customer on the fly from the consignee's customerNumber."""
        key = consignee.get("customerNumber")
        if not key:
            return (order.customer_id if order else self._new_id("customer")), False
        if (owner, key) in self._customers:
            return self._customers[(owner, key)], False
        self._customers[(owner, key)] = self._new_id("customer")
        return self._customers[(owner, key)], True

    def _merge_lines(self, current: list[OrderLine], incoming: list[dict[str, Any]]) -> list[OrderLine]:
        by_row = {line.row_number: line for line in current}
        lines = []
        for item in incoming:
            row = item["rowNumber"]
            kept = by_row.get(row)
            data = {k: v for k, v in item.items() if k not in ("rowNumber", "articleNumber", "numberOfItems")}
            lines.append(
                OrderLine(
                    line_id=kept.line_id if kept else self._new_id("line"),
                    row_number=row,
                    article_number=str(item["articleNumber"]).strip(),
                    ordered=item.get("numberOfItems") or 0,
                    data=data,
                )
            )
        return sorted(lines, key=lambda line: line.row_number)

    def find_orders(
        self,
        goods_owner_id: int,
        *,
        order_numbers: list[str] | None = None,
        id_from: int | None = None,
        max_count: int | None = None,
        status_from: int | None = None,
        status_to: int | None = None,
        shipped_from: datetime | None = None,
        shipped_to: datetime | None = None,
        status_changed_from: datetime | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        updated_from: datetime | None = None,
        article_numbers: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """GET /orders: filters AND-ed, sorted by orderId, bounds inclusive, time filters `>=`/`<=`.

        A time filter on shipped time excludes orders that have not shipped.
        """

        def keep(o: Order) -> bool:
            checks = (
                o.goods_owner_id == goods_owner_id,
                not order_numbers or o.number in order_numbers,
                id_from is None or o.order_id >= id_from,
                status_from is None or o.status >= status_from,
                status_to is None or o.status <= status_to,
                shipped_from is None or (o.shipped_time is not None and o.shipped_time >= shipped_from),
                shipped_to is None or (o.shipped_time is not None and o.shipped_time <= shipped_to),
                status_changed_from is None or (o.status_changed or o.created) >= status_changed_from,
                created_from is None or o.created >= created_from,
                created_to is None or o.created <= created_to,
                updated_from is None or o.updated >= updated_from,
                not article_numbers or any(line.article_number in article_numbers for line in o.lines),
            )
            return all(checks)

        with self._lock:
            found = [o for o in sorted(self._orders.values(), key=lambda x: x.order_id) if keep(o)]
            if max_count is not None:
                found = found[:max_count]
            return [self._order_json(o) for o in found]

    def get_order(self, goods_owner_id: int, order_id: int) -> dict[str, Any] | None:
        with self._lock:
            for o in self._orders.values():
                if o.order_id == order_id and o.goods_owner_id == goods_owner_id:
                    return self._order_json(o)
            return None

    # ---- warehouse work (control API) --------------------------------------------------------

    def _order(self, goods_owner_id: int, number: str) -> Order:
        order = self._orders.get((goods_owner_id, number))
        if order is None:
            raise WmsRefusal(f"Order '{number}' does not exist.", status=404)
        return order

    def _set_status(self, order: Order, status: int) -> None:
        order.status = status
        order.status_changed = order.updated = self._clock()

    def release(self, goods_owner_id: int, number: str) -> dict[str, Any]:
        with self._lock:
            order = self._order(goods_owner_id, number)
            if order.status >= statuses.RELEASED:
                raise WmsRefusal(f"Order '{number}' is already released (status {order.status}).", status=409)
            self._set_status(order, statuses.RELEASED)
            return self._order_json(order)

    def pick(self, goods_owner_id: int, number: str) -> dict[str, Any]:
        """Pick every line in full: booked items become picked-to-be-collected."""
        with self._lock:
            order = self._order(goods_owner_id, number)
            if order.status >= statuses.PICKED:
                raise WmsRefusal(f"Order '{number}' is already picked (status {order.status}).", status=409)
            now = self._clock()
            for line in order.lines:
                line.picked, line.picked_time = line.ordered, now
            self._set_status(order, statuses.PICKED)
            self._touch_stock(goods_owner_id, [line.article_number for line in order.lines])
            return self._order_json(order)

    def ship(
        self, goods_owner_id: int, number: str, *, shipped_time: datetime | None = None, way_bill: str | None = None
    ) -> dict[str, Any]:
        """Send the order (picking it first if needed): stock leaves the warehouse, status Sent."""
        with self._lock:
            order = self._order(goods_owner_id, number)
            if order.status >= statuses.SENT:
                raise WmsRefusal(f"Order '{number}' is already sent (status {order.status}).", status=409)
            if order.status < statuses.PICKED:
                self.pick(goods_owner_id, number)
            for line in order.lines:
                article = self._articles.get((goods_owner_id, line.article_number))
                if article is not None:
                    article.physical -= line.picked
            order.shipped_time = shipped_time or self._clock()
            order.way_bill = way_bill or f"SBX{order.order_id:08d}"
            order.tracking = [{
                "trackingUrl": f"https://tracking.sandbox.invalid/{order.way_bill}",
                "waybill": order.way_bill,
                "created": format_time(order.shipped_time),
            }]
            self._set_status(order, statuses.SENT)
            self._touch_stock(goods_owner_id, [line.article_number for line in order.lines])
            return self._order_json(order)

    def dump(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every article and order of every goods owner, as the API renders them."""
        with self._lock:
            usage = self._stock_usage()
            articles = [self._article_json(a, usage) for a in sorted(self._articles.values(), key=lambda x: x.system_id)]
            orders = [self._order_json(o) for o in sorted(self._orders.values(), key=lambda x: x.order_id)]
            return articles, orders

    # ---- rendering ---------------------------------------------------------------------------

    def _order_json(self, o: Order) -> dict[str, Any]:
        d = o.data
        ordered = sum(line.ordered for line in o.lines)
        picked = sum(line.picked for line in o.lines)
        info = {
            name: d.get(name)
            for name in (
                "goodsOwnerOrderId", "referenceNumber", "salesCode", "orderRemark", "deliveryInstruction",
                "servicePointCode", "freeText1", "freeText2", "freeText3", "orderType", "wayOfDelivery",
                "termsOfDeliveryType", "customerPrice", "consigneeOrderNumber", "warehouseInstruction",
                "marketPlace", "pickingPriority", "customsInfo",
            )
        }
        info.update(
            orderId=o.order_id,
            orderNumber=o.number,
            deliveryDate=format_time(parse_time(d["deliveryDate"])) if d.get("deliveryDate") else None,
            createdDate=format_time(o.created),
            shippedTime=format_time(o.shipped_time),
            wayBill=o.way_bill,
            returnWayBill=None,
            orderStatus=statuses.status_json(o.status),
            orderedNumberOfItems=ordered,
            allocatedNumberOfItems=picked,
            pickedNumberOfItems=picked,
            warehouse=dict(WAREHOUSE),
            emailNotification=d.get("emailNotification"),
            smsNotification=d.get("smsNotification"),
            telephoneNotification=d.get("telephoneNotification"),
        )
        return {
            "goodsOwner": {"id": o.goods_owner_id, "name": GOODS_OWNERS.get(o.goods_owner_id)},
            "orderInfo": info,
            "consignee": {**o.consignee, "id": o.customer_id},
            "orderLines": [self._line_json(o, line) for line in o.lines],
            "parcels": [
                {"id": o.order_id, "parcelNumber": t["waybill"], "isReturnParcel": False,
                 "tracking": {"trackingUrl": t["trackingUrl"]}}
                for t in o.tracking
            ],
            "transporter": d.get("transporter"),
            "tracking": [dict(t) for t in o.tracking],
            "classes": d.get("classes") or [],
            "shipmentInfo": None,
        }

    def _line_json(self, o: Order, line: OrderLine) -> dict[str, Any]:
        article = self._articles.get((o.goods_owner_id, line.article_number))
        sent = o.status >= statuses.SENT
        return {
            "id": line.line_id,
            "rowNumber": line.row_number,
            "article": {
                "articleSystemId": article.system_id if article else None,
                "articleNumber": line.article_number,
                "articleName": article.data.get("articleName") if article else None,
                "productCode": article.data.get("productCode") if article else None,
            },
            "orderedNumberOfItems": line.ordered,
            "allocatedNumberOfItems": line.picked,
            "pickedNumberOfItems": line.picked,
            "packedNumberOfItems": line.picked if sent else 0,
            "reportedNumberOfItems": 0,
            "returnedNumberOfItems": 0,
            "externalId": line.data.get("externalId"),
            "comment": line.data.get("comment"),
            "customerArticleNumber": line.data.get("customerArticleNumber"),
            "prices": line.data.get("prices"),
            "pickedArticleItems": (
                [{"numberOfItems": line.picked, "batchNumber": None, "serial": None,
                  "pickedTime": format_time(line.picked_time), "location": "A-01-01"}]
                if line.picked else []
            ),
        }
