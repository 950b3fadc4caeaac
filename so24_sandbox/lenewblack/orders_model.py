"""An LNB B2B order and its rendering, field for field as the PHP SDK's Order model reads it.

An order points at its retailer and SKUs rather than copying them, so `retailer_reference`,
`ean13` and `sku` always show what LNB holds *now*: when the brand fixes a retailer's reference,
the order shows the new one. Changing a retailer does not touch the order's `update_time`
(assumption: LNB's docs say nothing; the hub must therefore re-read orders it blocked, not wait
for them to change). Amounts are computed from the lines: tax at `TAX_RATE`, no shipping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from so24_sandbox.lenewblack import times
from so24_sandbox.lenewblack.catalog import Product, Sku
from so24_sandbox.lenewblack.retailers import Retailer, address_json

TAX_RATE = 0.25
CURRENCY = "NOK"


@dataclass
class OrderItem:
    sku_id: int
    quantity: int
    unit_price: float
    discount_rate: float
    create_time: datetime
    update_time: datetime
    confirmation_time: datetime | None = None


@dataclass
class Order:
    seq: int
    reference: str
    retailer_id: int
    status: str
    create_time: datetime
    update_time: datetime
    items: list[OrderItem] = field(default_factory=list)
    confirmation_time: datetime | None = None
    cancellation_time: datetime | None = None
    purchase_order_reference: str | None = None
    comment: str | None = None
    delivery_start_on: date | None = None
    delivery_end_on: date | None = None
    buyer: tuple[str, str, str] = ("", "", "")  # first name, last name, e-mail
    sales_person: tuple[str, str, str] = ("", "", "")
    order_type: str = "pre_order"
    collection_name: str = ""


@dataclass(frozen=True)
class Lookups:
    """What rendering needs from the store (passed in, so rendering never takes the lock twice)."""

    retailers: dict[int, Retailer]
    skus: dict[int, Sku]
    products: dict[str, Product]


def _money(value: float) -> float:
    return round(value + 0.0, 2)


def item_json(order: Order, item: OrderItem, look: Lookups, fmt: str) -> dict[str, Any]:
    sku = look.skus[item.sku_id]
    product = look.products[sku.model]
    variant = next(v for v in product.variants if v.fabric_code == sku.fabric_code)
    gross = item.quantity * item.unit_price
    return {
        "create_time": times.write(item.create_time, fmt),
        "update_time": times.write(item.update_time, fmt),
        "confirmation_time": times.write(item.confirmation_time, fmt),
        "collection_name": product.collection_name,
        "name": product.name,
        "reference": variant.reference,
        "color": variant.fabric_color_name,
        "size": sku.size_name,
        "quantity": item.quantity,
        "unit_price": _money(item.unit_price),
        "discount_amount": _money(gross * item.discount_rate),
        "discount_rate": item.discount_rate,
        "promotion_amount": 0.0,
        "promotion_rate": 0.0,
        "recommended_retail_price": _money(sku.recommended_retail_price),
        "ean13": sku.ean13,
        "sku": sku.sku,
        "sku_extra_1": sku.extra_1,
    }


def amounts(order: Order) -> dict[str, float]:
    gross = sum(i.quantity * i.unit_price for i in order.items)
    discount = sum(i.quantity * i.unit_price * i.discount_rate for i in order.items)
    net = gross - discount
    tax = net * TAX_RATE
    return {
        "amount_order": _money(net),
        "amount_shipping": 0.0,
        "amount_promotion": 0.0,
        "amount_discount": _money(discount),
        "amount_tax": _money(tax),
        "amount_total": _money(net),
        "amount_total_tax_inclusive": _money(net + tax),
        "price_total": _money(net),
        "price_total_prediscount": _money(gross),
    }


def order_json(order: Order, look: Lookups, fmt: str) -> dict[str, Any]:
    """The full order (`GET /orders/{reference}`, and list rows unless they are slim)."""
    retailer = look.retailers[order.retailer_id]
    w = times.write
    body: dict[str, Any] = {
        "reference": order.reference,
        "create_time": w(order.create_time, fmt),
        "update_time": w(order.update_time, fmt),
        "confirmation_time": w(order.confirmation_time, fmt),
        "cancellation_time": w(order.cancellation_time, fmt),
        "auto_cancel_on": None,
        "delivery_start_on": times.write_day(order.delivery_start_on),
        "delivery_end_on": times.write_day(order.delivery_end_on),
        "delivery_incoterm_ref": None,
        "price_list_code": f"WHOLESALE-{CURRENCY}",
        "sales_catalog_code": None,
        "purchase_order_reference": order.purchase_order_reference,
        "retailer_reference": retailer.reference,
        "retailer_name": retailer.name,
        "buyer_name": order.buyer[1],
        "buyer_first_name": order.buyer[0],
        "buyer_email": order.buyer[2],
        "sales_person_name": order.sales_person[1],
        "sales_person_first_name": order.sales_person[0],
        "sales_person_email": order.sales_person[2],
        "selection_id": None,
        **amounts(order),
        "currency": CURRENCY,
        "discount_rate": 0.0,
        "inventory_tracking": False,
        "inventory_type": None,
        "order_mode": "wholesale",
        "order_type": order.order_type,
        "order_picking": None,
        "status": order.status,
        "comment": order.comment,
        "terms_of_delivery": None,
        "terms_of_payment": "30 days net",
        **{f"retailer_extra_{n}": None for n in range(1, 6)},
        "billing_address": address_json(retailer),
        "delivery_address": address_json(retailer),
        "items": [item_json(order, item, look, fmt) for item in order.items],
    }
    return body


def order_row_json(order: Order, look: Lookups, fmt: str) -> dict[str, Any]:
    """A "slim" list row (the Python SDK's OrderListItem): no items, no addresses."""
    retailer = look.retailers[order.retailer_id]
    return {
        "reference": order.reference,
        "status": order.status,
        "retailer_reference": retailer.reference,
        "retailer_name": retailer.name,
        "create_time": times.write(order.create_time, fmt),
        "update_time": times.write(order.update_time, fmt),
        "confirmation_time": times.write(order.confirmation_time, fmt),
        "amount_total": amounts(order)["amount_total"],
        "currency": CURRENCY,
    }
