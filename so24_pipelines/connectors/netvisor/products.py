"""Product calls: `productlist.nv`, `getproduct.nv`, `product.nv` (reference §5.2).

- The list is `ProductList/Product` (capital L, unlike `Customerlist`) with `NetvisorKey`,
  `ProductCode`, `Name`, and `UnitPrice` / `UnitGrossPrice` as decimal-comma amounts (Decimal here).
- `keyword` matches name or product code by containment, so `product_by_code` filters for the
  exact code; the product code is what N2 matches on (letters or digits, seed 003).
- `getproduct.nv` takes at most 400 ids or codes per call; longer lists are split.
- `deleted`: Netvisor includes deleted products unless told `deleted=0`.
- Editing is refused by companies on "extended product management" (NetvisorInvalidData).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.netvisor import messages
from so24_pipelines.connectors.netvisor.base import Listing, NetvisorBase
from so24_pipelines.connectors.netvisor.customers import chunks
from so24_pipelines.connectors.netvisor.times import format_changed_since

MAX_IDS = 400


class ProductCalls(NetvisorBase):
    def list_products(
        self,
        *,
        keyword: str | None = None,
        changed_since: datetime | None = None,
        include_deleted: bool = True,
    ) -> Listing:
        params: dict[str, str] = {}
        if keyword is not None:
            params["keyword"] = keyword
        if changed_since is not None:
            params["changedsince"] = format_changed_since(changed_since, self.timezone)
        if not include_deleted:
            params["deleted"] = "0"
        call = self.call_name("GET", "productlist.nv")
        return self.listing(self.call("GET", "productlist.nv", params), "ProductList", "Product", call)

    def product_by_code(self, code: str) -> dict[str, Any] | None:
        """The list row whose product code is exactly `code`, or None. Two such rows raise."""
        rows = [r for r in self.list_products(keyword=code) if r.get("ProductCode") == code]
        if len(rows) > 1:
            raise ConnectorError(
                f"two Netvisor products have code {code!r}", call=self.call_name("GET", "productlist.nv")
            )
        return rows[0] if rows else None

    def get_product(self, key: int) -> dict[str, Any]:
        call = self.call_name("GET", "getproduct.nv")
        return self.one(self.call("GET", "getproduct.nv", {"id": str(int(key))}), "Product", call)

    def get_products(self, keys: Sequence[int]) -> list[dict[str, Any]]:
        return self._many("idlist", [str(int(k)) for k in keys])

    def get_products_by_codes(self, codes: Sequence[str]) -> list[dict[str, Any]]:
        """Cards by product code; every code must exist or Netvisor fails the call (INVALID_DATA)."""
        return self._many("codelist", [str(c) for c in codes])

    def _many(self, param: str, values: list[str]) -> list[dict[str, Any]]:
        call = self.call_name("GET", "getproduct.nv")
        cards: list[dict[str, Any]] = []
        for part in chunks(values, MAX_IDS):
            reply = self.call("GET", "getproduct.nv", {param: ",".join(part)})
            if len(part) == 1 and reply.root.find("Products") is None:
                cards.append(self.one(reply, "Product", call))
            else:
                cards.extend(self.listing(reply, "Products", "Product", call))
        return cards

    def add_product(self, product: Mapping[str, Any]) -> int:
        call = self.call_name("POST", "product.nv")
        reply = self.call("POST", "product.nv", {"method": "add"}, message=messages.build("product", product))
        return self.inserted_key(reply, call)

    def edit_product(self, key: int, changes: Mapping[str, Any]) -> None:
        message = messages.build("product", changes)
        self.call(
            "POST", "product.nv", {"method": "edit", "id": str(int(key))}, message=message, repeatable=True
        )
