"""Customers, suppliers, their groups, and payment terms.

- Keyed by an integer `number`, given on create or assigned by Rackbeat (highest + 1).
- Create needs a name (`name`; older schemas call it `company_name`, both are accepted) and
  `payment_terms_id`: Rackbeat wants a payment term, customer group 1 "Customers" and supplier
  group 1 "Suppliers" before the 24SO integration may be installed. Check them in preflight
  (`list_payment_terms`, `get_customer_group(1)`, `get_supplier_group(1)`).
- Group links: `customer_group_id` / `supplier_group_id` take the group number.
- PUT is partial; a new `number` renumbers the record.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.rackbeat.base import RackbeatBase
from so24_pipelines.connectors.rackbeat.filters import list_params


class PartyCalls(RackbeatBase):
    # ---- customers ---------------------------------------------------------------------------

    def iter_customers(
        self,
        *,
        search: str | None = None,
        updated_since: datetime | None = None,
        field_eq: Mapping[int, str] | None = None,
        with_field_values: bool = False,
        is_barred: bool | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        params = list_params(
            search=search,
            updated_since=updated_since,
            field_eq=field_eq,
            with_field_values=with_field_values,
            is_barred=is_barred,
        )
        return self.iter_list("customers", "customers", params, page_size=page_size)

    def get_customer(self, number: int, *, with_field_values: bool = False) -> dict[str, Any] | None:
        return self.show(
            f"customers/{int(number)}", "customer", list_params(with_field_values=with_field_values)
        )

    def create_customer(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("POST", "customers", "customer", dict(payload))

    def update_customer(self, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("PUT", f"customers/{int(number)}", "customer", dict(changes))

    def list_customer_groups(self) -> list[dict[str, Any]]:
        return list(self.iter_list("customer-groups", "customer_groups"))

    def get_customer_group(self, number: int) -> dict[str, Any] | None:
        return self.show(f"customer-groups/{int(number)}", "customer_group")

    def create_customer_group(self, number: int, name: str) -> dict[str, Any]:
        return self.write("POST", "customer-groups", "customer_group", {"number": number, "name": name})

    # ---- suppliers ---------------------------------------------------------------------------

    def iter_suppliers(
        self,
        *,
        search: str | None = None,
        updated_since: datetime | None = None,
        field_eq: Mapping[int, str] | None = None,
        with_field_values: bool = False,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        params = list_params(
            search=search, updated_since=updated_since, field_eq=field_eq, with_field_values=with_field_values
        )
        return self.iter_list("suppliers", "suppliers", params, page_size=page_size)

    def get_supplier(self, number: int, *, with_field_values: bool = False) -> dict[str, Any] | None:
        return self.show(
            f"suppliers/{int(number)}", "supplier", list_params(with_field_values=with_field_values)
        )

    def create_supplier(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("POST", "suppliers", "supplier", dict(payload))

    def update_supplier(self, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self.write("PUT", f"suppliers/{int(number)}", "supplier", dict(changes))

    def list_supplier_groups(self) -> list[dict[str, Any]]:
        return list(self.iter_list("supplier-groups", "supplier_groups"))

    def get_supplier_group(self, number: int) -> dict[str, Any] | None:
        return self.show(f"supplier-groups/{int(number)}", "supplier_group")

    def create_supplier_group(self, number: int, name: str) -> dict[str, Any]:
        return self.write("POST", "supplier-groups", "supplier_group", {"number": number, "name": name})

    # ---- payment terms -----------------------------------------------------------------------

    def list_payment_terms(self) -> list[dict[str, Any]]:
        return list(self.iter_list("payment-terms", "payment_terms"))

    def get_payment_term(self, number: int) -> dict[str, Any] | None:
        return self.show(f"payment-terms/{int(number)}", "payment_term")

    def create_payment_term(
        self, name: str, maturity_days: int, type_: str = "net", number: int | None = None
    ) -> dict[str, Any]:
        """`type` values are not documented (net, current month, ...); Rackbeat takes any string."""
        body: dict[str, Any] = {"name": name, "maturity_days": maturity_days, "type": type_}
        if number is not None:
            body["number"] = number
        return self.write("POST", "payment-terms", "payment_term", body)
