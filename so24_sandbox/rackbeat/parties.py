"""Customers and suppliers.

- Keyed by an integer `number` (given, or highest + 1 from 10001 / 20001).
- `payment_terms_id` is required (it is in the API schema: the reason Rackbeat wants a payment
  term before the 24SO integration is installed). A customer without `customer_group_id` goes
  to the lowest customer group, a supplier to the lowest supplier group; with no group at all
  the write is refused.
- `name` and `company_name` are synonyms (the 2018 schema says company_name, newer tools name);
  both are accepted and both are returned. New records default to NOK and locale "nb".
- A customer with orders cannot be deleted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from so24_sandbox.rackbeat.registers import Register
from so24_sandbox.rackbeat.validation import Errors, rejected

ADDRESS_FIELDS = ("address_street", "address_street2", "address_city", "address_zipcode", "address_country")


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
        values.update(
            self._link(errors, "payment_terms_id", "payment-terms", default_first=False, creating=creating)
        )
        if creating and "payment_terms_id" not in values and not errors.given("payment_terms_id"):
            errors.add("payment_terms_id", "The payment terms id field is required.")
        values.update(
            self._link(errors, self.group_field, self.group_table, default_first=True, creating=creating)
        )
        texts = (
            "company_vat",
            "contact_email",
            "contact_phone",
            "locale",
            "vat_zone",
            *ADDRESS_FIELDS,
            *self.extra_texts,
        )
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
        base = {
            n: None
            for n in ("company_vat", "contact_email", "contact_phone", *ADDRESS_FIELDS, *self.extra_texts)
        }
        return {
            **base,
            "locale": "nb",
            "currency": "NOK",
            "vat_zone": "domestic",
            "is_barred": False,
            "is_deleted": False,
        }

    def extra_render(self, record: dict[str, Any], out: dict[str, Any]) -> None:
        terms = self.store.table("payment-terms").get(record.get("payment_terms_id"))
        out["payment_terms"] = (
            None
            if terms is None
            else {
                "number": terms["number"],
                "name": terms["name"],
                "type": terms["type"],
                "maturity_days": terms["maturity_days"],
            }
        )
        group = self.store.table(self.group_table).get(record.get(self.group_field))
        out[self.group_field.removesuffix("_id")] = (
            None
            if group is None
            else {
                "number": group["number"],
                "name": group["name"],
            }
        )


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
