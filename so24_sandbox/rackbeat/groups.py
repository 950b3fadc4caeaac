"""Product groups, customer and supplier groups, payment terms and locations.

- Product groups are keyed by the integer `number` the caller chooses (required); every product
  belongs to one, so the hub creates groups (from 24SO categories) before products. A group
  with products cannot be deleted.
- Customer and supplier groups: Rackbeat's 24SO guide requires customer group 1 "Customers" and
  supplier group 1 "Suppliers" before installation. Group numbers double as their ids
  (assumption: `customer_group_id` / `supplier_group_id` are documented without saying which).
- Payment terms need `name`, `type` (any string; the allowed values are not documented) and
  `maturity_days` (0..32767); one in use cannot be deleted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from so24_sandbox.rackbeat.registers import Register
from so24_sandbox.rackbeat.validation import Errors, rejected


class ProductGroups(Register):
    table_name, singular, plural, label = "product-groups", "product_group", "product_groups", "Product group"
    event = "product_group"
    first_number = 1001

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        values = self._int_number(errors, required=current is None)
        name = errors.text("name", required=current is None)
        if name is not None:
            values["name"] = name
        for flag in ("has_inventory", "is_sellable", "should_spread_cost"):
            value = errors.boolean(flag)
            if value is not None:
                values[flag] = value
        for vat in ("vat_domestic", "vat_eu", "vat_abroad", "vat_domestic_exempt"):
            rate = errors.number(vat, minimum=0, maximum=100)
            if rate is not None:
                values[vat] = rate
        return values

    def defaults(self) -> dict[str, Any]:
        return {
            "has_inventory": True,
            "is_sellable": True,
            "should_spread_cost": False,
            "vat_domestic": 25.0,
            "vat_eu": 0.0,
            "vat_abroad": 0.0,
            "vat_domestic_exempt": 0.0,
            "is_draft": False,
        }

    def extra_render(self, record: dict[str, Any], out: dict[str, Any]) -> None:
        out["num_products"] = sum(
            1 for p in self.store.table("products").values() if p["group_number"] == record["number"]
        )

    def check_delete(self, record: dict[str, Any]) -> None:
        if any(p["group_number"] == record["number"] for p in self.store.table("products").values()):
            raise rejected("number", "The product group has products and cannot be deleted.")


class _PartyGroups(Register):
    members: ClassVar[str]
    member_field: ClassVar[str]

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        values = self._int_number(errors)
        name = errors.text("name", required=current is None)
        if name is not None:
            values["name"] = name
        return values

    def defaults(self) -> dict[str, Any]:
        return {"is_draft": False}

    def check_delete(self, record: dict[str, Any]) -> None:
        if any(m.get(self.member_field) == record["number"] for m in self.store.table(self.members).values()):
            raise rejected("number", f"The {self.label.lower()} is in use and cannot be deleted.")


class CustomerGroups(_PartyGroups):
    table_name, singular, plural, label = (
        "customer-groups",
        "customer_group",
        "customer_groups",
        "Customer group",
    )
    members, member_field = "customers", "customer_group_id"


class SupplierGroups(_PartyGroups):
    table_name, singular, plural, label = (
        "supplier-groups",
        "supplier_group",
        "supplier_groups",
        "Supplier group",
    )
    members, member_field = "suppliers", "supplier_group_id"


class PaymentTerms(Register):
    table_name, singular, plural, label = "payment-terms", "payment_term", "payment_terms", "Payment term"
    event = "payment_terms"

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        creating = current is None
        values = self._int_number(errors)
        for name in ("name", "type"):
            text = errors.text(name, required=creating)
            if text is not None:
                values[name] = text
        days = errors.integer("maturity_days", required=creating, minimum=0, maximum=32767)
        if days is not None:
            values["maturity_days"] = days
        values.update(self._texts(errors, ("description",), max_len=1000))
        return values

    def defaults(self) -> dict[str, Any]:
        return {"description": None}

    def extra_render(self, record: dict[str, Any], out: dict[str, Any]) -> None:
        out["type_translated"] = record["type"]

    def check_delete(self, record: dict[str, Any]) -> None:
        for table in ("customers", "suppliers"):
            if any(r.get("payment_terms_id") == record["number"] for r in self.store.table(table).values()):
                raise rejected("number", "The payment term is in use and cannot be deleted.")


class Locations(Register):
    table_name, singular, plural, label = "locations", "location", "locations", "Location"

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        values = self._int_number(errors)
        name = errors.text("name", required=current is None)
        if name is not None:
            values["name"] = name
        return values

    def defaults(self) -> dict[str, Any]:
        return {"barcode": None, "is_default": False, "parent_id": None, "is_draft": False}
