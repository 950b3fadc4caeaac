"""ProductService handlers: GetProducts, GetCategories, SaveProducts, SetStockQuantity.

Quirks kept from 24SO: ProductSearchParameters.DateChanged means "changed after" (minute
granularity); with no search field at all every product comes back (slow on a real account);
Stock is read as `Stock` but written with SetStockQuantity; a new product needs Name and an
existing CategoryId; an unknown Id on save is refused rather than silently creating a product.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.operations.common import (
    Answer,
    Call,
    ItemError,
    by_ids,
    check_length,
    echo_failure,
    merged,
    selection,
)
from so24_sandbox.so24.serialize import Select
from so24_sandbox.so24.values import changed_since

_LIMITS = {"Name": 125, "Description": 500, "EAN1": 50, "No": 100}
_READ_ONLY = ("Id", "DateChanged")


def get_products(call: Call, args: dict) -> Answer:
    ds = call.dataset
    search = args.get("searchParams") or {}
    fields = selection(call.schema, "Product", args.get("returnProperties"), "returnProperties")
    candidates = by_ids(ds.products, search.get("ProductIds"), search.get("Id"))
    fresh = changed_since(search.get("DateChanged"))
    name = search.get("Name", "").lower()
    exact = {k: search[k] for k in ("CategoryId", "No", "EAN1", "Price") if k in search}
    out = [
        p
        for p in candidates
        if fresh(p.get("DateChanged"))
        and (not name or name in p.get("Name", "").lower())
        and all(p.get(k) == v for k, v in exact.items())
    ]
    return Answer(out, Select(fields))


def get_categories(call: Call, args: dict) -> Answer:
    fields = selection(call.schema, "Category", args.get("returnProperties"), "returnProperties")
    return Answer(list(call.dataset.categories.values()), Select(fields))


def save_product(ds: DataSet, item: dict, now: datetime) -> dict:
    """Create (no Id) or update (known Id) one product; ItemError says which field is wrong."""
    check_length(item, _LIMITS)
    if "CategoryId" in item and item["CategoryId"] not in ds.categories:
        raise ItemError(f"CategoryId {item['CategoryId']} does not exist.")
    if "Id" in item:
        current = ds.products.get(item["Id"])
        if current is None:
            raise ItemError(f"Product with Id {item['Id']} does not exist.")
        record = merged(current, item, _READ_ONLY)
    else:
        missing = [k for k in ("Name", "CategoryId") if not item.get(k)]
        if missing:
            raise ItemError(f"A new product needs {' and '.join(missing)}.")
        record = merged({"StatusId": 1}, item, _READ_ONLY)
        record["Id"] = ds.next_id("products")
    record["DateChanged"] = now
    ds.products[record["Id"]] = record
    return record


def save_products(call: Call, args: dict) -> Answer:
    ds = call.dataset
    out = []
    for item in args.get("products") or []:
        try:
            out.append(save_product(ds, item, call.now))
        except ItemError as exc:
            out.append(echo_failure(item, exc))
    return Answer(out)


def set_stock(ds: DataSet, product_id: int, quantity: Decimal, now: datetime) -> bool:
    product = ds.products.get(product_id)
    if product is None:
        return False
    ds.products[product_id] = {**product, "Stock": quantity, "DateChanged": now}
    return True


def set_stock_quantity(call: Call, args: dict) -> Answer:
    product_id = args.get("productId")
    quantity = args.get("stockQuantity")
    if product_id is None or quantity is None:
        return Answer(False)
    return Answer(set_stock(call.dataset, product_id, quantity, call.now))


HANDLERS = {
    "GetProducts": get_products,
    "GetCategories": get_categories,
    "SaveProducts": save_products,
    "SetStockQuantity": set_stock_quantity,
}
