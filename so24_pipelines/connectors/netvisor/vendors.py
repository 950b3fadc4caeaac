"""Vendor (supplier) calls: `getvendor.nv` and `vendor.nv`, the only two vendor resources (§5.3).

- The key parameter is `netvisorkey` / `netvisorkeylist`, not `id` as for customers and products.
- `changedsince` reads pages of 500: the client follows `X-Netvisor-Pagination-Next-Page` until it
  is empty (`changedsince=1970-01-01` is the full register). A date or an aware datetime is taken.
- Every key of a `netvisorkeylist` must exist or the whole call fails (NetvisorInvalidData).
- The answer's element names below `Country` are a gap in the reference (§8.3); records keep
  whatever names Netvisor sends.
- `vendor.nv?method=add` needs `name` and `organizationid` (the business ID). Netvisor's English
  page says the new key cannot be read back later: keep the returned NetvisorKey.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.netvisor import messages
from so24_pipelines.connectors.netvisor.base import Listing, NetvisorBase
from so24_pipelines.connectors.netvisor.customers import chunks
from so24_pipelines.connectors.netvisor.times import format_changed_since

MAX_KEYS = 500
NEXT_PAGE = "X-Netvisor-Pagination-Next-Page"


class VendorCalls(NetvisorBase):
    def get_vendor(self, key: int) -> dict[str, Any]:
        call = self.call_name("GET", "getvendor.nv")
        return self.one(self.call("GET", "getvendor.nv", {"netvisorkey": str(int(key))}), "Vendor", call)

    def get_vendors(self, keys: Sequence[int]) -> list[dict[str, Any]]:
        call = self.call_name("GET", "getvendor.nv")
        vendors: list[dict[str, Any]] = []
        for part in chunks([int(k) for k in keys], MAX_KEYS):
            reply = self.call("GET", "getvendor.nv", {"netvisorkeylist": ",".join(str(k) for k in part)})
            vendors.extend(self.listing(reply, "Vendors", "Vendor", call))
        return vendors

    def vendors_changed_since(self, since: datetime | date) -> Listing:
        """Every vendor changed at or after `since`, all pages; `as_of` is the first page's TimeStamp."""
        call = self.call_name("GET", "getvendor.nv")
        stamp = format_changed_since(since, self.timezone)
        records: list[dict[str, Any]] = []
        as_of = None
        page = 1
        while True:
            reply = self.call("GET", "getvendor.nv", {"changedsince": stamp, "page": str(page)})
            listing = self.listing(reply, "Vendors", "Vendor", call)
            as_of = as_of or listing.as_of
            records.extend(listing)
            following = reply.headers.get(NEXT_PAGE, "").strip()
            if not following:
                return Listing(records, as_of)
            if not following.isdigit() or int(following) <= page:
                raise ConnectorError(
                    f"paging did not advance past page {page} ({NEXT_PAGE}: {following!r})", call=call
                )
            page = int(following)

    def add_vendor(self, vendor: Mapping[str, Any]) -> int:
        call = self.call_name("POST", "vendor.nv")
        reply = self.call("POST", "vendor.nv", {"method": "add"}, message=messages.build("vendor", vendor))
        return self.inserted_key(reply, call)

    def edit_vendor(self, key: int, changes: Mapping[str, Any]) -> None:
        message = messages.build("vendor", changes)
        params = {"method": "edit", "netvisorkey": str(int(key))}
        self.call("POST", "vendor.nv", params, message=message, repeatable=True)
