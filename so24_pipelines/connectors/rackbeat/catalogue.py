"""Products, product groups, stock and locations.

- Products are keyed by `number` (a string, max 25 characters for the 24SO integration: longer
  ones are refused, RecordRejected with `field_errors["number"]`). Create needs `number`, `name`,
  `group` (the product-group **number**) and `sales_price`; groups must exist first.
- PUT is partial: send only what changed. Sending a new `number` renumbers the product.
- Stock is not written through the product (Rackbeat ignores `stock_quantity` there): use
  `adjust_stock`, an inventory adjustment by a *change* in quantity. Read stock from the product:
  `stock_quantity` on hand, `in_order_quantity` reserved by booked orders, `available_quantity`
  the difference (may be negative).
- A new product has no stock until something moves it. Whether Rackbeat has ever recorded a stock
  change for a product (a count, a receipt, a write-off) is what `inventory_adjustments` answers:
  `GET inventory-adjustments?item_number=` lists the adjustments of one item. The reference
  documents `POST inventory-adjustments`; the list is an inference from kg-rb's
  InventoryAdjustmentBuilder (builders there list as well as create), so an account that answers
  404 gives None ("cannot tell"), never an error. Shipments move stock without an adjustment.
- A create that fails with TransientError may still have happened (the answer was lost): look
  the product up by number before trying again; a blind retry meets "has already been taken".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.http import NotFound
from so24_pipelines.connectors.rackbeat.base import RackbeatBase, path_key
from so24_pipelines.connectors.rackbeat.filters import list_params

PRODUCT_NUMBER_MAX = 25
STOCK_FIGURES = ("stock_quantity", "in_order_quantity", "available_quantity", "purchased_quantity")


class CatalogueCalls(RackbeatBase):
    # ---- products ----------------------------------------------------------------------------

    def iter_products(
        self,
        *,
        search: str | None = None,
        updated_since: datetime | None = None,
        field_eq: Mapping[int, str] | None = None,
        with_field_values: bool = False,
        fields: str | None = None,
        is_barred: bool | None = None,
        order_by: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        params = list_params(
            search=search,
            updated_since=updated_since,
            field_eq=field_eq,
            with_field_values=with_field_values,
            fields=fields,
            order_by=order_by,
            is_barred=is_barred,
        )
        return self.iter_list("products", "products", params, page_size=page_size)

    def list_products(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.iter_products(**filters))

    def get_product(self, number: str, *, with_field_values: bool = False) -> dict[str, Any] | None:
        params = list_params(with_field_values=with_field_values)
        return self.show(f"products/{path_key(number)}", "product", params)

    def create_product(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("POST", "products", "product", dict(payload))

    def update_product(self, number: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("PUT", f"products/{path_key(number)}", "product", dict(changes))

    def delete_product(self, number: str) -> None:
        self.delete(f"products/{path_key(number)}")

    # ---- product groups ----------------------------------------------------------------------

    def iter_product_groups(self, *, page_size: int | None = None) -> Iterator[dict[str, Any]]:
        return self.iter_list("product-groups", "product_groups", page_size=page_size)

    def list_product_groups(self) -> list[dict[str, Any]]:
        return list(self.iter_product_groups())

    def get_product_group(self, number: int) -> dict[str, Any] | None:
        return self.show(f"product-groups/{int(number)}", "product_group")

    def create_product_group(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Group numbers are integers the caller chooses (`number`); `name` is required."""
        return self.write("POST", "product-groups", "product_group", dict(payload))

    def update_product_group(self, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("PUT", f"product-groups/{int(number)}", "product_group", dict(changes))

    # ---- stock -------------------------------------------------------------------------------

    def get_stock(self, number: str) -> dict[str, float] | None:
        """On hand, reserved, available and incoming quantity of one product, or None."""
        product = self.show(f"products/{path_key(number)}", "product", {"fields": ",".join(STOCK_FIGURES)})
        if product is None:
            return None
        return {k: float(product.get(k) or 0.0) for k in STOCK_FIGURES}

    def get_product_locations(self, number: str) -> list[dict[str, Any]]:
        """Stock per location (`product_locations`)."""
        return list(self.iter_list(f"products/{path_key(number)}/locations", "product_locations"))

    def adjust_stock(
        self,
        number: str,
        change: float,
        *,
        location_number: int | None = None,
        reason: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Regulate stock by `change` (+ receives, - writes off). Fires Rackbeat's inventory.changed.

        Not idempotent: a call that fails with TransientError may have been applied; compare
        `get_stock` before repeating it.
        """
        body: dict[str, Any] = {"item_type": "product", "item_number": number, "quantity": change}
        if location_number is not None:
            body["location_number"] = location_number
        if reason:
            body["reason"] = reason
        if description:
            body["description"] = description
        return self.write("POST", "inventory-adjustments", "inventory_adjustment", body)

    def inventory_adjustments(self, number: str, *, limit: int | None = None) -> list[dict[str, Any]] | None:
        """The inventory adjustments of one product (the first `limit`), or None when Rackbeat cannot tell.

        Each has `id`, `item_number`, `quantity` (the change), `reason`, `description`,
        `regulated_at`. `limit=1` asks "has this product's stock ever been adjusted" in one call.
        None: the account has no such list (404), or it ignored the `item_number` filter (an
        answer about another item), so no answer about this one can be read from it.
        """
        found: list[dict[str, Any]] = []
        rows = self.iter_list("inventory-adjustments", "inventory_adjustments", list_params(item_number=number),
                              page_size=limit)  # fmt: skip
        try:
            for adjustment in rows:
                if str(adjustment.get("item_number")) != str(number):
                    return None
                found.append(adjustment)
                if limit is not None and len(found) >= limit:
                    break
        except NotFound:
            return None
        return found

    def list_locations(self) -> list[dict[str, Any]]:
        return list(self.iter_list("locations", "locations"))
