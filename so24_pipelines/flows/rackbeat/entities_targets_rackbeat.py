"""Loader targets for 24SO -> Rackbeat: product groups, products, customers, suppliers.

Every record the hub makes in Rackbeat carries the 24SO id in the hub's custom field, because
that field is how anything finds it again: the loader after a crash (`find_by_business_key` =
exact field lookup), the `both` mode and the order flows (R4 looks customers up by it).

A Rackbeat create is two calls (POST the record, PUT the field) and a POST whose answer was lost
may still have happened, so `create` is "find or create": it first looks for a record it may
already have made, or one the user made before the integration existed, and adopts it instead of
making a twin:
- products by number (the key Rackbeat and 24SO share): adopted when it holds no 24SO id or
  this one; a product holding another 24SO id is refused with both ids named;
- customers/suppliers (numbered by Rackbeat) by the field, then by an unlinked record with the
  same name and, when both have one, the same VAT number (from one read of the register per
  load, see _PartyIndex);
- product groups by number, adopted only when the name matches too.

Payload keys starting with "_" are for the hash only (e.g. the source change time in `both`
mode) and are never sent.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.http import NotFound
from so24_pipelines.connectors.rackbeat import RackbeatClient, parse_time
from so24_pipelines.sync.records import MappedRecord


class WriteLog:
    """What each successful write left in the target: its key and change time, per source key.

    The `both` mode needs the target's own change time of the hub's write to recognise that
    write when it is staged again (entities_pairs). Thread-safe: the loader sends from a pool.
    """

    def __init__(self) -> None:
        self.written: dict[str, tuple[str, datetime | None]] = {}
        self._lock = threading.Lock()

    def note(self, source_key: str, target_key: str, stamp: Any) -> None:
        moment = None
        if isinstance(stamp, datetime):
            moment = stamp if stamp.tzinfo is None else stamp.astimezone(UTC).replace(tzinfo=None)
        elif isinstance(stamp, str) and stamp:
            moment = parse_time(stamp).replace(tzinfo=None)
        with self._lock:
            self.written[source_key] = (str(target_key), moment)


def sendable(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without hash-only keys (those starting with "_")."""
    return {k: v for k, v in payload.items() if not k.startswith("_")}


def _field_value(record: dict[str, Any], field_id: int) -> str | None:
    for value in record.get("field_values") or []:
        if isinstance(value, dict) and value.get("field_id") == field_id and value.get("value") not in (None, ""):
            return str(value["value"]).strip()
    return None


class RackbeatProductGroups:
    """24SO categories as Rackbeat product groups; the group number is the 24SO category id."""

    system = "rackbeat"
    entity = "product_groups"

    def __init__(self, client: RackbeatClient) -> None:
        self.client = client

    def create(self, record: MappedRecord) -> str:
        body = sendable(record.payload)
        number = int(body["number"])
        existing = self.client.get_product_group(number)
        if existing is not None:
            if str(existing.get("name", "")).strip().casefold() != str(body.get("name", "")).strip().casefold():
                raise RecordRejected(
                    f"Rackbeat product group {number} already exists as {existing.get('name')!r}; "
                    f"24SO category {record.source_key} ({body.get('name')!r}) needs that number: "
                    "rename or renumber the Rackbeat group"
                )
            return str(number)
        return str(self.client.create_product_group(body)["number"])

    def update(self, target_key: str, record: MappedRecord) -> None:
        body = sendable(record.payload)
        body.pop("number", None)
        self.client.update_product_group(int(target_key), body)

    def find_by_business_key(self, business_key: str) -> str | None:
        found = self.client.get_product_group(int(business_key))
        return None if found is None else str(found["number"])


class RackbeatProducts(WriteLog):
    """24SO products as Rackbeat products (key: product number; link: "24so product id")."""

    system = "rackbeat"
    entity = "products"

    def __init__(self, client: RackbeatClient, field_id: int) -> None:
        super().__init__()
        self.client = client
        self.field_id = int(field_id)

    def create(self, record: MappedRecord) -> str:
        body = sendable(record.payload)
        number = str(body["number"])
        so24_id = record.business_key or record.source_key
        existing = self.client.get_product(number, with_field_values=True)
        if existing is None:
            self.client.create_product(body)
        else:
            holder = _field_value(existing, self.field_id)
            if holder and holder != so24_id:
                raise RecordRejected(
                    f"Rackbeat product {number!r} is already linked to 24SO product {holder}; "
                    f"24SO product {so24_id} has the same number: give one of them another number"
                )
            changes = {k: v for k, v in body.items() if k != "number"}
            self.client.update_product(number, changes)
        self.client.set_field_value("products", number, self.field_id, so24_id)
        # The field write moved updated_at: read it back so the pair baseline is exact.
        final = self.client.get_product(number) or {}
        self.note(record.source_key, number, final.get("updated_at"))
        return number

    def update(self, target_key: str, record: MappedRecord) -> None:
        body = sendable(record.payload)
        try:
            saved = self.client.update_product(target_key, body)
        except NotFound:
            # Renumbered in Rackbeat since we last wrote it: follow the link, not the old number.
            current = self.find_by_business_key(record.business_key or record.source_key)
            if current is None:
                raise RecordRejected(
                    f"Rackbeat product {target_key!r} no longer exists and no product holds "
                    f"24SO id {record.business_key}; it was deleted in Rackbeat"
                ) from None
            saved = self.client.update_product(current, body)
        self.note(record.source_key, str(saved.get("number", target_key)), saved.get("updated_at"))

    def find_by_business_key(self, business_key: str) -> str | None:
        found = self.client.find_one_by_field_value("products", self.field_id, business_key)
        return None if found is None else str(found["number"])


_DIGITS = re.compile(r"\d+")


def _vat_digits(value: Any) -> str:
    return "".join(_DIGITS.findall(str(value or "")))


class _PartyIndex:
    """Every customer (or supplier) read once per load: who holds which 24SO id, who is unlinked.

    One list call per thousand records instead of two searches per create, and the claim of an
    unlinked record happens under the lock, so two 24SO companies with the same name cannot both
    adopt the same Rackbeat record in one load.
    """

    def __init__(self, records: list[dict[str, Any]], field_id: int) -> None:
        self.linked: dict[str, int] = {}
        self.unlinked: dict[str, list[tuple[int, str]]] = {}
        for record in records:
            number = int(record["number"])
            holder = _field_value(record, field_id)
            if holder:
                self.linked.setdefault(holder, number)
                continue
            name = str(record.get("name") or record.get("company_name") or "").strip().casefold()
            if name:
                self.unlinked.setdefault(name, []).append((number, _vat_digits(record.get("company_vat"))))

    def claim(self, so24_id: str, name: str, vat: str) -> int | None:
        """The record to adopt for this 24SO id: linked to it already, else an unlinked namesake."""
        if so24_id in self.linked:
            return self.linked[so24_id]
        candidates = self.unlinked.get(name.strip().casefold(), [])
        for index, (number, theirs) in enumerate(candidates):
            if vat and theirs and vat != theirs:
                continue
            del candidates[index]
            self.linked[so24_id] = number
            return number
        return None


class RackbeatParties(WriteLog):
    """24SO companies as Rackbeat customers or suppliers (numbered by Rackbeat; linked by field)."""

    system = "rackbeat"

    def __init__(self, client: RackbeatClient, resource: str, field_id: int) -> None:
        if resource not in ("customers", "suppliers"):
            raise ValueError(f"resource must be customers or suppliers, not {resource!r}")
        super().__init__()
        self.client = client
        self.entity = resource
        self.field_id = int(field_id)
        self._terms: int | None = None
        self._index: _PartyIndex | None = None
        self._lock = threading.Lock()

    # ---- Target ------------------------------------------------------------------------------

    def create(self, record: MappedRecord) -> str:
        so24_id = record.business_key or record.source_key
        body = sendable(record.payload)
        with self._lock:
            if self._index is None:
                listing = self.client.iter_customers if self.entity == "customers" else self.client.iter_suppliers
                self._index = _PartyIndex(list(listing(with_field_values=True, page_size=1000)), self.field_id)
            adopted = self._index.claim(so24_id, str(body.get("name") or ""), _vat_digits(body.get("company_vat")))
        if adopted is not None:
            found = str(adopted)
            self._update(adopted, body)
        else:
            body.setdefault("payment_terms_id", self._default_terms())
            group_field = "customer_group_id" if self.entity == "customers" else "supplier_group_id"
            body.setdefault(group_field, 1)
            made = (
                self.client.create_customer(body)
                if self.entity == "customers"
                else self.client.create_supplier(body)
            )
            found = str(made["number"])
        self.client.set_field_value(self.entity, int(found), self.field_id, so24_id)
        getter = self.client.get_customer if self.entity == "customers" else self.client.get_supplier
        self.note(record.source_key, found, (getter(int(found)) or {}).get("updated_at"))
        return found

    def update(self, target_key: str, record: MappedRecord) -> None:
        saved = self._update(int(target_key), sendable(record.payload))
        self.note(record.source_key, target_key, saved.get("updated_at"))

    def find_by_business_key(self, business_key: str) -> str | None:
        found = self.client.find_one_by_field_value(self.entity, self.field_id, business_key)
        return None if found is None else str(found["number"])

    # ---- helpers -----------------------------------------------------------------------------

    def _update(self, number: int, body: dict[str, Any]) -> dict[str, Any]:
        if self.entity == "customers":
            return self.client.update_customer(number, body)
        return self.client.update_supplier(number, body)

    def _default_terms(self) -> int:
        """The lowest payment term, as Rackbeat's UI preselects it (readiness made sure one exists)."""
        with self._lock:
            if self._terms is None:
                terms = sorted(int(t["number"]) for t in self.client.list_payment_terms())
                if not terms:
                    raise RecordRejected("Rackbeat has no payment term: create one (see the readiness report)")
                self._terms = terms[0]
            return self._terms
