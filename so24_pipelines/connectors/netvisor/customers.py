"""Customer calls: `customerlist.nv`, `getcustomer.nv`, `customer.nv` (reference §4, §5.1).

- The list answers `Customerlist/Customer` with `Netvisorkey` (lower-case k), `Code` (the customer
  code) and `OrganisationIdentifier` (the business ID); the card (`getcustomer.nv`) answers the same
  as `CustomerBaseInformation/NetvisorKey`, `InternalIdentifier`, `ExternalIdentifier`.
- `keyword` matches name, code, business ID and name extension *by containment*, and Netvisor then
  ignores `changedsince`; asking for both raises here instead of silently dropping the watermark.
  Finding a business ID therefore filters the keyword answer for an exact `OrganisationIdentifier`.
- `customercodelist` takes at most 100 codes and `idlist` at most 500 ids per call; longer lists are
  split into several calls (each its own TimeStamp; a merged list carries the earliest).
- There is no upsert by code (§5.1): look the code up (`customers_by_codes`) and then `add_customer`
  or `edit_customer`. `add_customer` is never repeated by the client (see base.py).
- Unknown ids fail the whole `getcustomer.nv` call with INVALID_DATA (NetvisorInvalidData).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.netvisor import messages
from so24_pipelines.connectors.netvisor.base import Listing, NetvisorBase
from so24_pipelines.connectors.netvisor.times import format_changed_since

MAX_CODES = 100
MAX_IDS = 500


def chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def merged(listings: list[Listing]) -> Listing:
    stamps = [page.as_of for page in listings if page.as_of is not None]
    return Listing([r for page in listings for r in page], min(stamps) if stamps else None)


class CustomerCalls(NetvisorBase):
    def list_customers(
        self,
        *,
        keyword: str | None = None,
        changed_since: datetime | None = None,
        codes: Sequence[str] | None = None,
        email_keyword: str | None = None,
    ) -> Listing:
        """`customerlist.nv` with the filters given (all of them AND-ed); no filter lists everyone."""
        if keyword is not None and changed_since is not None:
            raise ValueError("Netvisor ignores changedsince when a keyword is given; ask for one of them")
        params: dict[str, str] = {}
        if keyword is not None:
            params["keyword"] = keyword
        if changed_since is not None:
            params["changedsince"] = format_changed_since(changed_since, self.timezone)
        if email_keyword is not None:
            params["emailkeyword"] = email_keyword
        if codes is None:
            return self._customer_list(params)
        wanted = [str(c).strip() for c in codes if str(c).strip()]
        if not wanted:
            return Listing([], None)
        return merged([self._customer_list({**params, "customercodelist": ",".join(part)})
                       for part in chunks(wanted, MAX_CODES)])  # fmt: skip

    def _customer_list(self, params: Mapping[str, str]) -> Listing:
        call = self.call_name("GET", "customerlist.nv")
        return self.listing(self.call("GET", "customerlist.nv", params), "Customerlist", "Customer", call)

    def customers_by_codes(self, codes: Sequence[str]) -> Listing:
        """List rows whose customer code is exactly one of `codes`."""
        return self.list_customers(codes=codes)

    def customers_by_business_id(self, business_id: str) -> Listing:
        """List rows whose business ID (Y-tunnus) is exactly `business_id` (keyword search, then exact)."""
        wanted = business_id.strip().upper()
        found = self.list_customers(keyword=wanted)
        exact = [r for r in found if str(r.get("OrganisationIdentifier", "")).strip().upper() == wanted]
        return Listing(exact, found.as_of)

    def customers_changed_since(self, since: datetime) -> Listing:
        return self.list_customers(changed_since=since)

    def get_customer(self, key: int) -> dict[str, Any]:
        """The customer card (`Customer` with its blocks)."""
        call = self.call_name("GET", "getcustomer.nv")
        return self.one(self.call("GET", "getcustomer.nv", {"id": str(int(key))}), "Customer", call)

    def get_customers(self, keys: Sequence[int]) -> list[dict[str, Any]]:
        """Several cards through `idlist` (500 per call), in the order Netvisor answers."""
        call = self.call_name("GET", "getcustomer.nv")
        cards: list[dict[str, Any]] = []
        for part in chunks([int(k) for k in keys], MAX_IDS):
            reply = self.call("GET", "getcustomer.nv", {"idlist": ",".join(str(k) for k in part)})
            cards.extend(self.listing(reply, "Customers", "Customer", call))
        return cards

    def add_customer(self, customer: Mapping[str, Any]) -> int:
        """`customer.nv?method=add`; `customer` maps block names to their elements (messages.py)."""
        call = self.call_name("POST", "customer.nv")
        reply = self.call(
            "POST", "customer.nv", {"method": "add"}, message=messages.build("customer", customer)
        )
        return self.inserted_key(reply, call)

    def edit_customer(self, key: int, changes: Mapping[str, Any]) -> None:
        """`customer.nv?method=edit&id=`: only the elements given change; None blanks a field."""
        message = messages.build("customer", changes)
        self.call(
            "POST", "customer.nv", {"method": "edit", "id": str(int(key))}, message=message, repeatable=True
        )
