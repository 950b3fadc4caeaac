"""Products: the register the 24SO product flow (R1) writes and reads.

- Keyed by the `number` string (percent-encoded once in paths; "/" and "#" are allowed).
  Create needs `number`, `name`, `group` (a product-group *number*) and `sales_price`.
- Numbers over 25 characters are refused with 422 on `number`: Rackbeat's 24SO guide says only
  25 are supported; the sandbox refuses them at the API so the hub's guard meets a refusal.
- Stock cannot be written through a product (`stock_quantity` on create or PUT is ignored, as
  the API says to use inventory adjustments); the stock figures are derived (stock.py).
- `metadata` lists the custom-field values ({slug, name, value}); `urlfriendly_number` is the
  number ready for a path.
- A product on a booked order cannot be deleted.
- A new product has no stock. Whether Rackbeat also fires `inventory.changed` for it is not
  documented: `product.created` always fires, `inventory.changed` (figures 0) only with the
  behaviour switch `inventory_changed_on_create` (store.py), so the hub can be tested both ways.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from so24_sandbox.rackbeat import stock
from so24_sandbox.rackbeat.registers import Register
from so24_sandbox.rackbeat.validation import Errors, rejected

PRODUCT_NUMBER_MAX = 25


class Products(Register):
    table_name, singular, plural, label = "products", "product", "products", "Product"
    event, field_target = "product", "item"
    numeric = False

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        creating = current is None
        values: dict[str, Any] = {}
        number = errors.text("number", required=creating, max_len=PRODUCT_NUMBER_MAX)
        if number is not None:
            if not number.strip():
                errors.add("number", "The number field is required.")
            else:
                values["number"] = number
        name = errors.text("name", required=creating)
        if name is not None:
            values["name"] = name
        group = errors.integer("group", required=creating)
        if group is not None:
            errors.exists("group", group in self.store.table("product-groups"))
            values["group_number"] = group
        for money in ("sales_price", "recommended_cost_price", "extra_cost"):
            amount = errors.number(money, required=creating and money == "sales_price", minimum=0)
            if amount is not None:
                values[money] = amount
        for qty in ("min_inventory_quantity", "min_sales_quantity", "min_purchase_quantity"):
            amount = errors.number(qty, minimum=0)
            if amount is not None:
                values[qty] = amount
        values.update(self._texts(errors, ("barcode", "supplier_product_number", "unit_id")))
        values.update(self._texts(errors, ("description",), max_len=65535))
        supplier = errors.integer("default_supplier_id")
        if supplier is not None:
            errors.exists("default_supplier_id", supplier in self.store.table("suppliers"))
            values["default_supplier_id"] = supplier
        barred = errors.boolean("is_barred")
        if barred is not None:
            values["is_barred"] = barred
        physical = errors.mapping("physical")
        if physical is not None:
            sizes = Errors(physical, "physical.")
            kept = {
                k: sizes.number(k, minimum=0)
                for k in ("weight", "height", "width", "depth")
                if sizes.given(k)
            }
            kept.update(
                {k: sizes.text(k, max_len=10) for k in ("weight_unit", "size_unit") if sizes.given(k)}
            )
            errors.merge(sizes)
            values["physical"] = {**(current or {}).get("physical", {}), **kept}
        return values

    def defaults(self) -> dict[str, Any]:
        return {
            "type": "product",
            "description": None,
            "barcode": None,
            "recommended_cost_price": 0.0,
            "extra_cost": 0.0,
            "min_inventory_quantity": 0.0,
            "min_sales_quantity": 0.0,
            "min_purchase_quantity": 0.0,
            "supplier_product_number": None,
            "unit_id": None,
            "default_supplier_id": None,
            "default_location_id": 1,
            "is_barred": False,
            "physical": {},
            "stock_quantity": 0.0,
        }

    def create(self, body: Any, *, at: Any = None) -> dict[str, Any]:
        with self.store.lock:
            record = super().create(body, at=at)
            if self.store.behaviour.get("inventory_changed_on_create"):
                number = record["number"]
                self.store.emit(
                    "inventory.changed", number, "number",
                    {"number": number, "change": 0.0, **stock.figures(self.store, record)},
                )  # fmt: skip
            return record

    def render(self, record: dict[str, Any], reserved: dict[str, float] | None = None) -> dict[str, Any]:
        out = super().render(record)
        number = record["number"]
        group_number = out.pop("group_number")
        group = self.store.table("product-groups").get(group_number) or {}
        out["urlfriendly_number"] = quote(number, safe="")
        out["group_id"] = group_number
        out["group"] = {
            "number": group_number,
            "name": group.get("name"),
            **{k: group.get(k) for k in ("vat_domestic", "vat_eu", "vat_abroad", "vat_domestic_exempt")},
            "self": self.store.url("product-groups", group_number),
        }
        out["cost_price"] = record.get("recommended_cost_price", 0.0)
        out["recommended_sales_price"] = record.get("sales_price")
        out.update(stock.figures(self.store, record, reserved))
        out["is_sellable"] = bool(group.get("is_sellable", True))
        out["inventory_enabled"] = bool(group.get("has_inventory", True))
        out["metadata"] = self.fields.metadata_of(record)
        out["deleted_at"] = None
        return out

    def check_delete(self, record: dict[str, Any]) -> None:
        for order in self.store.table("orders").values():
            if not order["is_booked"]:
                continue
            if any(line.get("item_number") == record["number"] for line in order["lines"]):
                raise rejected("number", "The product is used on a booked order and cannot be deleted.")
