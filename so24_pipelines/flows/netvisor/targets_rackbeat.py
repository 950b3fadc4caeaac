"""Loader target for N1 towards Rackbeat: customers, suppliers, products, matched before created.

`create` never makes a record Rackbeat already has:
1. a record N2 linked is returned as `Found` (the counterpart, nothing written: the sync log says
   which rule linked it);
2. else its number is looked up (KeyIndex: the register's numbers, read once per load): a record
   under that number is found, not made again. It is the one an earlier attempt made when its
   answer was lost, or one a user made since N2 read; either way the code decides (seed 003);
3. else it is created under that number, with what Rackbeat requires and Netvisor has no value
   for: customers and suppliers join group 1 and the lowest payment term (Rackbeat's UI preselects
   it), products the product group of flows.N1.rackbeat_product_group, else the lowest-numbered one.
`find_by_business_key` (the loader's look-up after a crash) is step 2, except for a record N2
linked: it answers "not found" for those, so the loader calls `create`, which links without
writing (a look-up hit would make the loader write the source's fields into the counterpart,
which the link itself never does). `update` sends the owned
fields without the create-only ones (the number: a PUT with another number renumbers the record).
Rackbeat numbers products with at most 25 characters: a longer code is refused with the reason.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, Literal

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.netvisor.key_index import KeyIndex
from so24_pipelines.flows.netvisor.link_log import LinkLog
from so24_pipelines.flows.netvisor.links import Link
from so24_pipelines.flows.netvisor.payloads import without
from so24_pipelines.sync.records import Found, MappedRecord

RackbeatEntity = Literal["customers", "suppliers", "products"]
PRODUCT_NUMBER_MAX = 25
PAGE = 1000
NOUN = {"customers": "customer", "suppliers": "supplier", "products": "product"}


class RackbeatRegister:
    """One Rackbeat register as N1's target (see the module doc)."""

    system = "rackbeat"

    def __init__(
        self,
        client: RackbeatClient,
        entity: RackbeatEntity,
        links: Mapping[str, Link],
        *,
        create_only: Iterable[str] = (),
        product_group: int | None = None,
        linked_business_keys: Collection[str] = (),
    ) -> None:
        self.client = client
        self.entity = entity
        self.links = dict(links)
        self.linked_business_keys = frozenset(linked_business_keys)
        self.create_only = tuple(create_only)
        self.product_group = product_group
        self.log = LinkLog()
        self.index = KeyIndex(self._numbers)
        self._defaults: dict[str, int] | None = None
        self._lock = threading.Lock()

    # ---- Target ------------------------------------------------------------------------------

    def create(self, record: MappedRecord) -> str | Found:
        link = self.links.get(record.source_key)
        if link is not None:
            return self.log.link(link.key, link.rule, link.what)
        body = dict(record.payload)
        number = str(body.get("number") or "").strip()
        if not number:
            raise RecordRejected(f"no number to create the Rackbeat {NOUN[self.entity]} under")
        if self.entity == "products" and len(number) > PRODUCT_NUMBER_MAX:
            raise RecordRejected(
                f"product code {number!r} is {len(number)} characters; Rackbeat allows {PRODUCT_NUMBER_MAX}: "
                "shorten it in Netvisor"
            )
        found = self.index.get(number)
        if found:
            return self.log.found_before(found[0], f"Rackbeat {NOUN[self.entity]} {found[0]}", number)
        for name, value in self._required().items():
            body.setdefault(name, value)
        made = self._create(body)
        key = str(made.get("number", number))
        self.index.add(number, key)
        self.log.made_one()
        return key

    def update(self, target_key: str, record: MappedRecord) -> None:
        body = without(record.payload, self.create_only)
        body.pop("number", None)
        if self.entity == "customers":
            self.client.update_customer(int(target_key), body)
        elif self.entity == "suppliers":
            self.client.update_supplier(int(target_key), body)
        else:
            self.client.update_product(target_key, body)

    def find_by_business_key(self, business_key: str) -> str | None:
        if business_key in self.linked_business_keys:
            return None  # a linked record is linked by `create`, which writes nothing to it
        found = self.index.get(business_key)
        return found[0] if found else None

    # ---- helpers -----------------------------------------------------------------------------

    def _numbers(self) -> Iterator[tuple[str, str]]:
        if self.entity == "customers":
            listing = self.client.iter_customers(page_size=PAGE)
        elif self.entity == "suppliers":
            listing = self.client.iter_suppliers(page_size=PAGE)
        else:
            listing = self.client.iter_products(page_size=PAGE)
        for record in listing:
            yield str(record["number"]), str(record["number"])

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.entity == "customers":
            return self.client.create_customer(body)
        if self.entity == "suppliers":
            return self.client.create_supplier(body)
        return self.client.create_product(body)

    def _required(self) -> dict[str, int]:
        """What Rackbeat requires on create that Netvisor has no value for (module doc), read once."""
        with self._lock:
            if self._defaults is None:
                self._defaults = self._read_required()
            return self._defaults

    def _read_required(self) -> dict[str, int]:
        if self.entity == "products":
            if self.product_group is not None:
                return {"group": self.product_group}
            groups = sorted(int(g["number"]) for g in self.client.iter_product_groups())
            if not groups:
                raise RecordRejected(
                    "Rackbeat has no product group: create one (or set flows.N1.rackbeat_product_group)"
                )
            return {"group": groups[0]}
        terms = sorted(int(t["number"]) for t in self.client.list_payment_terms())
        if not terms:
            raise RecordRejected("Rackbeat has no payment term: create one before the initial sync")
        group = "customer_group_id" if self.entity == "customers" else "supplier_group_id"
        return {"payment_terms_id": terms[0], group: 1}
