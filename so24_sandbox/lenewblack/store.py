"""The emulated brand account's state: catalogue, retailers and orders behind one lock.

Indexes by EAN13 and by SKU code serve the stock writes; orders are kept in creation order,
which is the order lists page in (assumption: the vendor does not say; a stable order is what
makes page-by-page reads safe). Domain rules live in `inventory.py` and `orders.py`; this module
only stores and finds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from so24_sandbox.lenewblack.catalog import Product, Sku
from so24_sandbox.lenewblack.orders_model import Order
from so24_sandbox.lenewblack.retailers import Retailer


@dataclass
class WriteStats:
    """What the hub has sent, for tests and benchmarks that count writes (GET /_sandbox/lnb/stats)."""

    stock_requests: int = 0
    stock_items_written: int = 0
    stock_items_changed: int = 0
    stock_items_refused: int = 0
    status_changes: int = 0
    by_route: dict[str, int] = field(default_factory=dict)


class LnbStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.products: dict[str, Product] = {}
            self.skus: dict[int, Sku] = {}
            self.by_ean13: dict[str, Sku] = {}
            self.by_sku: dict[str, Sku] = {}
            self.retailers: dict[int, Retailer] = {}
            self.orders: dict[str, Order] = {}
            self.counters: dict[str, int] = {}
            self.stats = WriteStats()

    def next_id(self, name: str) -> int:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1
            return self.counters[name]

    def add_product(self, product: Product) -> None:
        with self.lock:
            self.products[product.model] = product
            for variant in product.variants:
                for sku in variant.skus:
                    self.skus[sku.id] = sku
                    if sku.ean13:
                        self.by_ean13[sku.ean13] = sku
                    if sku.sku:
                        self.by_sku[sku.sku] = sku

    def recode(self, sku: Sku, key: str, value: str | None) -> None:
        """Give `sku` a new EAN13 or SKU code (None: none), keeping the index by that code in step."""
        with self.lock:
            index = self.by_ean13 if key == "ean13" else self.by_sku
            old = getattr(sku, key)
            if old and index.get(old) is sku:
                del index[old]
            setattr(sku, key, value)
            if value:
                index[value] = sku

    def find_sku(self, key: str, value: str) -> Sku | None:
        """The SKU whose `key` ("ean13" or "sku") is `value`, else None."""
        index = self.by_ean13 if key == "ean13" else self.by_sku
        return index.get(value)

    def find_retailer(self, reference: str) -> Retailer | None:
        with self.lock:
            return next((r for r in self.retailers.values() if r.reference == reference), None)

    def count(self, route: str) -> None:
        with self.lock:
            self.stats.by_route[route] = self.stats.by_route.get(route, 0) + 1
