"""Loader target for N1 towards Netvisor: customers, vendors, products, looked up before added.

Netvisor has no upsert, and its client never repeats a `method=add` (a lost answer may hide a
created record), so `create` never adds what Netvisor already has:
1. a record N2 linked is returned as `Found` (the counterpart, nothing written);
2. else its code (the Rackbeat number it is given as customer code, vendor code or product code)
   is looked up in the register as Netvisor holds it now (KeyIndex: one `customerlist.nv`,
   `getvendor.nv?changedsince=1970-01-01` or `productlist.nv?deleted=0` per load, read at the
   load's first create or look-up, so a load after a crash sees what the crashed one added): one
   record under it is found and linked; two are held with their keys, never guessed;
3. else it is added, and the new NetvisorKey is the target key.
`find_by_business_key`, the loader's look-up after a crash or a failed attempt, is step 2: a
customer whose `add` reached Netvisor before the process died is found by its code and never
added twice. For a record N2 linked it answers "not found", so the loader calls `create`, which
links without writing: a hit would make the loader write the Rackbeat fields into the linked
card, which only a business-ID link does, and only in N2 (a code-linked customer whose code is
the Rackbeat number would otherwise be overwritten after a crash).
N3 (`adopt=True`) is the exception: it loads only records changed in Rackbeat after going live,
so a record it finds linked or under its code gets the owned fields written after the link (the
change would otherwise never reach Netvisor: the id map then remembers it as sent). A vendor needs a business ID (`organizationid`) to be added: without one it is
refused with the reason. `update` edits only the owned fields, without the create-only code.
Netvisor takes one call at a time; the connector's company lock serialises them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, Literal

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.flows.netvisor.key_index import KeyIndex
from so24_pipelines.flows.netvisor.link_log import LinkLog
from so24_pipelines.flows.netvisor.links import Link
from so24_pipelines.flows.netvisor.payloads import leaf, without
from so24_pipelines.flows.netvisor.reads import EVERYTHING
from so24_pipelines.sync.records import Found, MappedRecord

NetvisorEntity = Literal["customers", "vendors", "products"]
CODE_PATH = {
    "customers": "customerbaseinformation.internalidentifier",
    "vendors": "vendorbaseinformation.code",
    "products": "productbaseinformation.productcode",
}
NOUN = {"customers": "customer", "vendors": "vendor", "products": "product"}


class NetvisorRegister:
    """One Netvisor register as N1's target (see the module doc)."""

    system = "netvisor"

    def __init__(
        self, client: NetvisorClient, entity: NetvisorEntity, links: Mapping[str, Link], *,
        create_only: Iterable[str] = (), linked_business_keys: Collection[str] = (), adopt: bool = False,
    ) -> None:  # fmt: skip
        self.client = client
        self.entity = entity
        self.links = dict(links)
        self.linked_business_keys = frozenset(linked_business_keys)
        self.create_only = tuple(create_only)
        self.adopt = adopt
        self.log = LinkLog()
        self.index = KeyIndex(self._codes)

    def create(self, record: MappedRecord) -> str | Found:
        link = self.links.get(record.source_key)
        if link is not None:
            return self._written(self.log.link(link.key, link.rule, link.what), record)
        code = str(leaf(record.payload, CODE_PATH[self.entity]) or "").strip()
        if not code:
            raise RecordRejected(f"no code to add the Netvisor {NOUN[self.entity]} under")
        existing = self._one(code)
        if existing is not None:
            return self._written(self.log.found_before(existing, f"Netvisor {NOUN[self.entity]} {existing}", code), record)
        if self.entity == "vendors" and not leaf(record.payload, "vendorbaseinformation.organizationid"):
            raise RecordRejected(
                "Netvisor needs a business ID (organizationid) to add a vendor, and the Rackbeat supplier has no "
                "VAT number: add it in Rackbeat, then run N1 again"
            )
        key = str(self._add(record.payload))
        self.index.add(code, key)
        self.log.made_one()
        return key

    def _written(self, found: Found, record: MappedRecord) -> Found:
        if not self.adopt:
            return found
        self.update(found.target_key, record)
        return self.log.adopted(found)

    def update(self, target_key: str, record: MappedRecord) -> None:
        changes = without(record.payload, self.create_only)
        if self.entity == "customers":
            self.client.edit_customer(int(target_key), changes)
        elif self.entity == "vendors":
            self.client.edit_vendor(int(target_key), changes)
        else:
            self.client.edit_product(int(target_key), changes)

    def find_by_business_key(self, business_key: str) -> str | None:
        if business_key in self.linked_business_keys:
            return None  # a linked record is linked by `create`, which writes nothing to it
        return self._one(business_key)

    def _one(self, code: str) -> str | None:
        found = self.index.get(code)
        if len(found) > 1:
            raise RecordRejected(
                f"held: Netvisor {NOUN[self.entity]}s {', '.join(found)} all have the code {code!r}; "
                "give all but one another code in Netvisor"
            )
        return found[0] if found else None

    def _codes(self) -> Iterator[tuple[str | None, str]]:
        if self.entity == "customers":
            for row in self.client.list_customers():
                yield row.get("Code"), str(row["Netvisorkey"])
        elif self.entity == "vendors":
            for vendor in self.client.vendors_changed_since(EVERYTHING):
                yield vendor.get("VendorBaseInformation", {}).get("Code"), str(vendor["NetvisorKey"])
        else:
            for row in self.client.list_products(include_deleted=False):
                yield row.get("ProductCode"), str(row["NetvisorKey"])

    def _add(self, payload: Mapping[str, Any]) -> int:
        if self.entity == "customers":
            return self.client.add_customer(payload)
        if self.entity == "vendors":
            return self.client.add_vendor(payload)
        return self.client.add_product(payload)
