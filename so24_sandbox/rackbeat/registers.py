"""The registers: products, product groups, customers and customer groups, suppliers and supplier
groups, payment terms, locations. One generic create / show / update / delete with one
validation per kind.

Rules the hub depends on (reference/rackbeat/API.md, sections 5 to 9):
- Products are keyed by their `number` string (percent-encoded once in paths). Create needs
  `number`, `name`, `group` (a product-group *number*) and `sales_price`. Numbers over 25
  characters are refused with 422: Rackbeat's 24SO guide says the integration supports 25 at
  most, and the sandbox enforces it at the API so the hub's guard is tested against a refusal.
- Stock cannot be written through a product (`stock_quantity` on create or PUT is ignored: the
  API says to use inventory adjustments); the stock figures are read-only and derived.
- Groups, customers, suppliers and payment terms are keyed by an integer `number`, given or
  assigned (highest + 1). Group numbers double as their ids (assumption: `customer_group_id`
  and `supplier_group_id` are documented without saying which they take).
- Customers and suppliers need `payment_terms_id` (required in the API schema: why Rackbeat
  wants a payment term before the 24SO integration is installed). A customer without
  `customer_group_id` goes to the lowest customer group, a supplier to the lowest supplier
  group; with no group at all the write is refused. `name` and `company_name` are accepted as
  synonyms and both are returned.
- PUT is a partial update; changing `number` renumbers the record (the `updated` webhook
  carries `old_key`, `new_key` and the `changed` attribute names).
- Every create, update and delete fires `<entity>.created|updated|deleted` for registered hooks,
  also when the hub itself made the change through the API: loop prevention is the hub's job.
"""

from __future__ import annotations

from typing import Any, ClassVar

from so24_sandbox.rackbeat import stock, times
from so24_sandbox.rackbeat.custom_fields import CustomFields
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, Refused, not_found, rejected

PRODUCT_NUMBER_MAX = 25
ADDRESS_FIELDS = ("address_street", "address_street2", "address_city", "address_zipcode", "address_country")


class Register:
    table_name: ClassVar[str]
    singular: ClassVar[str]
    plural: ClassVar[str]
    label: ClassVar[str]
    event: ClassVar[str | None] = None
    field_target: ClassVar[str | None] = None
    numeric: ClassVar[bool] = True
    first_number: ClassVar[int] = 1

    def __init__(self, store: RackbeatStore, fields: CustomFields) -> None:
        self.store = store
        self.fields = fields

    @property
    def table(self) -> dict[Any, dict[str, Any]]:
        return self.store.table(self.table_name)

    def parse_key(self, text: str) -> Any:
        if not self.numeric:
            return text
        try:
            return int(text)
        except ValueError:
            raise not_found(self.label) from None

    def get(self, key: Any) -> dict[str, Any]:
        record = self.table.get(key)
        if record is None:
            raise not_found(self.label)
        return record

    def first_key(self) -> Any:
        return min(self.table) if self.table else None

    # ---- hooks per kind ------------------------------------------------------------------------

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        raise Refused(405, "Not supported.")

    def defaults(self) -> dict[str, Any]:
        return {}

    def extra_render(self, record: dict[str, Any], out: dict[str, Any]) -> None:
        return None

    def check_delete(self, record: dict[str, Any]) -> None:
        return None

    # ---- generic operations --------------------------------------------------------------------

    def render(self, record: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if not k.startswith("_")}
        out["created_at"] = times.stamp(record["created_at"])
        out["updated_at"] = times.stamp(record["updated_at"])
        out["self"] = self.store.url(self.table_name, record["number"])
        self.extra_render(record, out)
        return out

    def create(self, body: Any, *, at: Any = None) -> dict[str, Any]:
        with self.store.lock:
            errors = Errors(body)
            values = self.validate(errors, None)
            number = values.pop("number", None)
            if number is None and not errors.by_field:
                number = max([self.first_number - 1, *self.table]) + 1 if self.numeric else None
            if number is not None and number in self.table:
                errors.add("number", "The number has already been taken.")
            errors.check()
            moment = at or times.now()
            record = {"id": self.store.next_id(self.table_name), "number": number, **self.defaults(), **values,
                      "created_at": moment, "updated_at": moment, "_fields": {}}
            self.table[number] = record
            if self.event:
                self.store.emit(f"{self.event}.created", number, "number", {"number": number})
            return record

    def update(self, key: Any, body: Any) -> dict[str, Any]:
        with self.store.lock:
            record = self.get(key)
            errors = Errors(body)
            values = self.validate(errors, record)
            new_key = values.get("number", key)
            if new_key != key and new_key in self.table:
                errors.add("number", "The number has already been taken.")
            errors.check()
            changed = sorted(k for k, v in values.items() if record.get(k) != v)
            record.update(values)
            if not changed:
                return record
            record["updated_at"] = times.now()
            if new_key != key:
                del self.table[key]
                self.table[new_key] = record
            if self.event:
                self.store.emit(f"{self.event}.updated", new_key, "number", {"number": new_key},
                                old_key=key, new_key=new_key, changed=changed)
            return record

    def delete(self, key: Any) -> dict[str, Any]:
        with self.store.lock:
            record = self.get(key)
            self.check_delete(record)
            del self.table[key]
            if self.event:
                self.store.emit(f"{self.event}.deleted", key, "number", {"number": key})
            return record

    def set_field_values(self, key: Any, body: Any) -> dict[str, Any]:
        if self.field_target is None:
            raise not_found(self.label)
        with self.store.lock:
            record = self.get(key)
            changed = self.fields.set_values(self.field_target, record, body)
            if changed:
                record["updated_at"] = times.now()
                if self.event:
                    self.store.emit(f"{self.event}.updated", key, "number", {"number": key},
                                    old_key=key, new_key=key, changed=["field_values"])
            return record

    # ---- shared validation pieces --------------------------------------------------------------

    def _int_number(self, errors: Errors, required: bool = False) -> dict[str, Any]:
        number = errors.integer("number", required=required, minimum=1)
        return {} if number is None else {"number": number}

    def _texts(self, errors: Errors, names: tuple[str, ...], max_len: int = 255) -> dict[str, Any]:
        return {n: errors.text(n, max_len=max_len) for n in names if errors.given(n)}

    def _link(self, errors: Errors, field: str, table: str, *, default_first: bool, creating: bool) -> dict:
        """An integer reference to another register; on create optionally the lowest key there."""
        value = errors.integer(field)
        if value is not None:
            errors.exists(field, value in self.store.table(table))
            return {field: value}
        if creating and default_first:
            rows = self.store.table(table)
            if not rows:
                errors.add(field, f"The {field.replace('_', ' ')} field is required.")
                return {}
            return {field: min(rows)}
        return {}


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
        return {"has_inventory": True, "is_sellable": True, "should_spread_cost": False, "vat_domestic": 25.0,
                "vat_eu": 0.0, "vat_abroad": 0.0, "vat_domestic_exempt": 0.0, "is_draft": False}

    def extra_render(self, record: dict[str, Any], out: dict[str, Any]) -> None:
        out["num_products"] = sum(1 for p in self.store.table("products").values()
                                  if p["group_number"] == record["number"])

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
    table_name, singular, plural, label = "customer-groups", "customer_group", "customer_groups", "Customer group"
    members, member_field = "customers", "customer_group_id"


class SupplierGroups(_PartyGroups):
    table_name, singular, plural, label = "supplier-groups", "supplier_group", "supplier_groups", "Supplier group"
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


class _Parties(Register):
    group_table: ClassVar[str]
    group_field: ClassVar[str]
    extra_texts: ClassVar[tuple[str, ...]] = ()

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        creating = current is None
        values = self._int_number(errors)
        name = errors.text("name") if errors.given("name") else errors.text("company_name")
        if name is not None:
            values["name"] = values["company_name"] = name
        elif creating and not errors.by_field.get("name") and not errors.by_field.get("company_name"):
            errors.add("company_name", "The company name field is required.")
        values.update(self._link(errors, "payment_terms_id", "payment-terms", default_first=False, creating=creating))
        if creating and "payment_terms_id" not in values and not errors.given("payment_terms_id"):
            errors.add("payment_terms_id", "The payment terms id field is required.")
        values.update(self._link(errors, self.group_field, self.group_table, default_first=True, creating=creating))
        texts = ("company_vat", "contact_email", "contact_phone", "locale", "vat_zone", *ADDRESS_FIELDS,
                 *self.extra_texts)
        values.update(self._texts(errors, texts))
        email = values.get("contact_email")
        if email and "@" not in email:
            errors.add("contact_email", "The contact email must be a valid email address.")
        currency = errors.text("currency", max_len=3)
        if currency is not None:
            if len(currency) != 3 or not currency.isalpha():
                errors.add("currency", "The selected currency is invalid.")
            values["currency"] = currency.upper()
        barred = errors.boolean("is_barred")
        if barred is not None:
            values["is_barred"] = barred
        return values

    def defaults(self) -> dict[str, Any]:
        base = {n: None for n in ("company_vat", "contact_email", "contact_phone", *ADDRESS_FIELDS, *self.extra_texts)}
        return {**base, "locale": "nb", "currency": "NOK", "vat_zone": "domestic", "is_barred": False,
                "is_deleted": False}

    def extra_render(self, record: dict[str, Any], out: dict[str, Any]) -> None:
        terms = self.store.table("payment-terms").get(record.get("payment_terms_id"))
        out["payment_terms"] = None if terms is None else {
            "number": terms["number"], "name": terms["name"], "type": terms["type"],
            "maturity_days": terms["maturity_days"],
        }
        group = self.store.table(self.group_table).get(record.get(self.group_field))
        out[self.group_field.removesuffix("_id")] = None if group is None else {
            "number": group["number"], "name": group["name"],
        }


class Customers(_Parties):
    table_name, singular, plural, label = "customers", "customer", "customers", "Customer"
    event, field_target = "customer", "customer"
    group_table, group_field = "customer-groups", "customer_group_id"
    extra_texts = ("ean", "their_reference", "attention")
    first_number = 10001

    def check_delete(self, record: dict[str, Any]) -> None:
        if any(o["customer_id"] == record["number"] for o in self.store.table("orders").values()):
            raise rejected("number", "The customer has orders and cannot be deleted.")


class Suppliers(_Parties):
    table_name, singular, plural, label = "suppliers", "supplier", "suppliers", "Supplier"
    event, field_target = "supplier", "supplier"
    group_table, group_field = "supplier-groups", "supplier_group_id"
    first_number = 20001


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
            kept = {k: sizes.number(k, minimum=0) for k in ("weight", "height", "width", "depth") if sizes.given(k)}
            kept.update({k: sizes.text(k, max_len=10) for k in ("weight_unit", "size_unit") if sizes.given(k)})
            errors.merge(sizes)
            values["physical"] = {**(current or {}).get("physical", {}), **kept}
        return values

    def defaults(self) -> dict[str, Any]:
        return {"type": "product", "description": None, "barcode": None, "recommended_cost_price": 0.0,
                "extra_cost": 0.0, "min_inventory_quantity": 0.0, "min_sales_quantity": 0.0,
                "min_purchase_quantity": 0.0, "supplier_product_number": None, "unit_id": None,
                "default_supplier_id": None, "default_location_id": 1, "is_barred": False, "physical": {},
                "stock_quantity": 0.0}

    def render(self, record: dict[str, Any], reserved: dict[str, float] | None = None) -> dict[str, Any]:
        out = super().render(record)
        number = record["number"]
        group_number = out.pop("group_number")
        group = self.store.table("product-groups").get(group_number) or {}
        out["urlfriendly_number"] = self.store.url(number).rsplit("/", 1)[1]
        out["group_id"] = group_number
        out["group"] = {"number": group_number, "name": group.get("name"),
                        **{k: group.get(k) for k in ("vat_domestic", "vat_eu", "vat_abroad", "vat_domestic_exempt")},
                        "self": self.store.url("product-groups", group_number)}
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
