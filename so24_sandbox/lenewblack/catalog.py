"""The brand's catalogue as LNB holds it: model -> variant (fabric_code) -> SKU (size, ean13, sku).

Stock lives on the SKU (reference §4.1, §4.3). A SKU may lack an EAN13, a SKU code, or both (a
sample the brand never coded): such a SKU is in the catalogue and in `GET /inventory`, but no
`/inventory/ean` or `/inventory/sku` write can reach it, which is why the hub does not export
products without the chosen key. Rendering follows the PHP SDK's snake_case models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from so24_sandbox.lenewblack import times


@dataclass
class Sku:
    id: int
    model: str
    fabric_code: str
    size_name: str
    ean13: str | None
    sku: str | None
    unit_price: float
    recommended_retail_price: float
    extra_1: str | None = None
    is_blocked: bool = False
    in_stock: int = 0
    in_stock_update_time: datetime | None = None
    incoming_stock: int = 0
    incoming_stock_date: date | None = None


@dataclass
class Variant:
    fabric_code: str
    fabric_name: str
    fabric_color_name: str
    reference: str
    skus: list[Sku] = field(default_factory=list)


@dataclass
class Product:
    model: str
    name: str
    collection_code: str
    collection_name: str
    category_name: str
    sizing_name: str
    variants: list[Variant] = field(default_factory=list)


def inventory_json(sku: Sku, time_format: str) -> dict[str, Any]:
    """An inventory item exactly as `GET /inventory` lists it (PHP InventoryItem)."""
    return {
        "ean13": sku.ean13,
        "sku": sku.sku,
        "extra_1": sku.extra_1,
        "is_blocked": sku.is_blocked,
        "in_stock": sku.in_stock,
        "in_stock_update_time": times.write(sku.in_stock_update_time, time_format),
        "incoming_stock": sku.incoming_stock,
        "incoming_stock_date": times.write_day(sku.incoming_stock_date),
    }


def product_json(product: Product) -> dict[str, Any]:
    sizes: list[str] = []
    for variant in product.variants:
        for sku in variant.skus:
            if sku.size_name not in sizes:
                sizes.append(sku.size_name)
    return {
        "model": product.model,
        "name": product.name,
        "collection_code": product.collection_code,
        "collection_name": product.collection_name,
        "category_name": product.category_name,
        "sizing_name": product.sizing_name,
        "sizing_sizes": sizes,
        "variants": [
            {
                "fabric_code": v.fabric_code,
                "fabric_name": v.fabric_name,
                "fabric_color_name": v.fabric_color_name,
                "reference": v.reference,
                "skus": [
                    {"size_name": s.size_name, "ean13": s.ean13, "sku": s.sku, "extra_1": s.extra_1,
                     "is_blocked": s.is_blocked}
                    for s in v.skus
                ],
            }
            for v in product.variants
        ],
    }
