"""Loader targets for 24SO -> Rackbeat: product groups, products, customers, suppliers.

Every record the hub makes in Rackbeat carries the 24SO id in the hub's custom field, because
that field is how anything finds it again: the loader after a crash (`find_by_business_key` =
exact field lookup), the `both` mode and the order flows (R4 looks customers up by it).

Field ownership: a payload holds only the fields its spec maps (the spec's `owned_fields`), and a
Rackbeat PUT is partial, so a write never touches another field of the record; the spec's
`create_only` fields are left out of updates (`without`).

Match before create. A Rackbeat create is two calls (POST the record, PUT the field) and a POST
whose answer was lost may still have happened, so `create` first looks for a record it may
already have made, or one the user made before the integration existed:
- linked: the record already holds this 24SO id in the field. It is linked as it is: nothing of it
  is written unless the flow says 24SO changed since the two last agreed (`WriteLog.changed`);
- products by number (the key Rackbeat and 24SO share): an unlinked product is adopted (the owned
  fields written, the id linked); one holding another 24SO id is held with both ids named;
- customers/suppliers (numbered by Rackbeat): the unlinked record whose number is the company's
  24SO ExternalId (the number 24SO keeps for it, `numbers`), else the one unlinked record with the
  same name and, when both have one, the same VAT number (one read of the register per load, see
  _PartyIndex); two candidates are held with their numbers named, never picked;
- product groups by number, adopted only when the name matches too.
A hold is a RecordRejected: the loader keeps the record as failed with the reason, writes nothing
and tries again next tick. What was linked or adopted rather than created is in `linked` /
`adopted`, so the flow reports it as such (entities_flow).

Payload keys starting with "_" are for the hash only (e.g. the source change time in `both`
mode) and are never sent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.http import NotFound
from so24_pipelines.connectors.rackbeat import RackbeatClient, parse_time
from so24_pipelines.sync.records import Found, MappedRecord


class WriteLog:
    """What each write left in the target, and which creates found a record instead of making one.

    `written`: source key -> (target key, the target's change time after the hub's write or link).
    The pair memory (entities_pairs) needs that time to recognise the hub's own write when the
    record is staged again. `linked`: creates that found the record and wrote nothing of it;
    `adopted`: creates that found it and wrote the owned fields (an update, not a create).
    `changed` is set by the flow before the load: source keys whose source changed since the two
    records last agreed, the only linked records a create may write. Thread-safe: the loader
    sends from a pool.
    """

    create_only: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.written: dict[str, tuple[str, datetime | None]] = {}
        self.linked: set[str] = set()
        self.adopted: set[str] = set()
        self.changed: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def note(self, source_key: str, target_key: str, stamp: Any) -> None:
        moment = None
        if isinstance(stamp, datetime):
            moment = stamp if stamp.tzinfo is None else stamp.astimezone(UTC).replace(tzinfo=None)
        elif isinstance(stamp, str) and stamp:
            moment = parse_time(stamp).replace(tzinfo=None)
        with self._lock:
            self.written[source_key] = (str(target_key), moment)

    def note_link(self, source_key: str, target_key: str, stamp: Any) -> Found:
        """A create that found `target_key` and left its content as it is: what `create` returns."""
        self.note(source_key, target_key, stamp)
        with self._lock:
            self.linked.add(source_key)
        return Found(
            str(target_key),
            f"linked to {self.system} {self.entity} {target_key}, found before creating; nothing written to it",
        )

    def note_adopted(self, source_key: str, target_key: str) -> Found:
        """A create that found `target_key` and wrote the owned fields into it: what `create` returns."""
        with self._lock:
            self.adopted.add(source_key)
        return Found(
            str(target_key),
            f"adopted {self.system} {self.entity} {target_key}, found before creating; the owned fields written to it",
        )

    def may_write_linked(self, record: MappedRecord) -> bool:
        """Whether a create that finds the record already linked may write its owned fields."""
        return record.source_key in self.changed


def sendable(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without hash-only keys (those starting with "_")."""
    return {k: v for k, v in payload.items() if not k.startswith("_")}


def without(payload: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A copy of `payload` without the dotted `paths` (create-only fields on an update)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in payload.items()}
    for path in paths:
        *parents, last = path.split(".")
        node: Any = out
        trail = []
        for part in parents:
            if not isinstance(node.get(part), dict):
                node = None
                break
            node[part] = dict(node[part])
            trail.append((node, part))
            node = node[part]
        if node is None:
            continue
        node.pop(last, None)
        for parent, part in reversed(trail):
            if not parent[part]:
                del parent[part]
    return out


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

    def __init__(self, client: RackbeatClient, field_id: int, *, create_only: Iterable[str] = ()) -> None:
        super().__init__()
        self.client = client
        self.field_id = int(field_id)
        self.create_only = tuple(create_only)

    def create(self, record: MappedRecord) -> str | Found:
        body = sendable(record.payload)
        number = str(body["number"])
        so24_id = record.business_key or record.source_key
        existing = self.client.get_product(number, with_field_values=True)
        answer: str | Found = number
        if existing is None:
            self.client.create_product(body)
        else:
            holder = _field_value(existing, self.field_id)
            if holder and holder != so24_id:
                raise RecordRejected(
                    f"held: Rackbeat product {number!r} is already linked to 24SO product {holder}; "
                    f"24SO product {so24_id} has the same number: give one of them another number"
                )
            if holder and not self.may_write_linked(record):
                return self.note_link(record.source_key, number, existing.get("updated_at"))
            changes = {k: v for k, v in without(body, self.create_only).items() if k != "number"}
            self.client.update_product(number, changes)
            answer = self.note_adopted(record.source_key, number)
        if _field_value(existing or {}, self.field_id) != so24_id:
            self.client.set_field_value("products", number, self.field_id, so24_id)
        # The field write moved updated_at: read it back so the pair baseline is exact.
        final = self.client.get_product(number) or {}
        self.note(record.source_key, number, final.get("updated_at"))
        return answer

    def update(self, target_key: str, record: MappedRecord) -> None:
        body = without(sendable(record.payload), self.create_only)
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


def _name_key(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


class _PartyIndex:
    """Every customer (or supplier) read once per load: who holds which 24SO id, who is unlinked.

    One list call per thousand records instead of two searches per create, and a claim happens
    under the lock, so two 24SO companies cannot both adopt the same Rackbeat record in one load.
    `claim` returns (number, how) with how = "linked" | "number" | "name", or raises a hold.
    """

    def __init__(self, records: list[dict[str, Any]], field_id: int, label: str) -> None:
        self.label = label
        self.records: dict[int, dict[str, Any]] = {}
        self.linked: dict[str, list[int]] = {}
        self.unlinked: dict[int, dict[str, Any]] = {}
        for record in records:
            number = int(record["number"])
            self.records[number] = record
            holder = _field_value(record, field_id)
            if holder:
                self.linked.setdefault(holder, []).append(number)
            else:
                self.unlinked[number] = record

    def claim(self, so24_id: str, name: str, vat: str, external_number: str | None) -> tuple[int, str] | None:
        """The record to link or adopt for this 24SO company, None when Rackbeat has none."""
        holders = self.linked.get(so24_id, [])
        if len(holders) > 1:
            numbers = ", ".join(str(n) for n in sorted(holders))
            raise RecordRejected(
                f"held: Rackbeat {self.label} {numbers} all hold 24SO id {so24_id}; clear the field on all but one"
            )
        if holders:
            return holders[0], "linked"
        if external_number and external_number.isdigit() and int(external_number) in self.unlinked:
            return self._take(so24_id, int(external_number)), "number"
        wanted = _name_key(name)
        namesakes = [n for n, r in self.unlinked.items() if wanted and _name_key(r.get("name") or r.get("company_name")) == wanted]
        agreeing = [n for n in namesakes if not (vat and _vat_digits(self.unlinked[n].get("company_vat")) not in ("", vat))]
        same_vat = [n for n in agreeing if vat and _vat_digits(self.unlinked[n].get("company_vat")) == vat]
        chosen = same_vat if len(same_vat) == 1 else agreeing
        if len(chosen) > 1:
            numbers = ", ".join(str(n) for n in sorted(chosen))
            raise RecordRejected(
                f"held: Rackbeat {self.label} {numbers} are all named {name!r} and none holds 24SO id {so24_id}; "
                f"set the field \"24so {self.label[:-1]} id\" to {so24_id} on the one that is this company "
                "(or rename the others), and it is linked on the next run"
            )
        return (self._take(so24_id, chosen[0]), "name") if chosen else None

    def _take(self, so24_id: str, number: int) -> int:
        del self.unlinked[number]
        self.linked[so24_id] = [number]
        return number


class RackbeatParties(WriteLog):
    """24SO companies as Rackbeat customers or suppliers (numbered by Rackbeat; linked by field).

    `numbers` (24SO id -> the company's ExternalId, given by the flow from staging) is the key a
    company's Rackbeat counterpart may carry as its number.
    """

    system = "rackbeat"

    def __init__(
        self,
        client: RackbeatClient,
        resource: str,
        field_id: int,
        *,
        numbers: dict[str, str] | None = None,
        create_only: Iterable[str] = (),
    ) -> None:
        if resource not in ("customers", "suppliers"):
            raise ValueError(f"resource must be customers or suppliers, not {resource!r}")
        super().__init__()
        self.client = client
        self.entity = resource
        self.field_id = int(field_id)
        self.numbers = dict(numbers or {})
        self.create_only = tuple(create_only)
        self._terms: int | None = None
        self._index: _PartyIndex | None = None
        self._index_lock = threading.Lock()

    # ---- Target ------------------------------------------------------------------------------

    def create(self, record: MappedRecord) -> str | Found:
        so24_id = record.business_key or record.source_key
        body = sendable(record.payload)
        with self._index_lock:
            if self._index is None:
                listing = self.client.iter_customers if self.entity == "customers" else self.client.iter_suppliers
                records = list(listing(with_field_values=True, page_size=1000))
                self._index = _PartyIndex(records, self.field_id, self.entity)
            found = self._index.claim(
                so24_id, str(body.get("name") or ""), _vat_digits(body.get("company_vat")), self.numbers.get(so24_id)
            )
            existing = self._index.records.get(found[0]) if found else None
        if found is not None and found[1] == "linked" and not self.may_write_linked(record):
            return self.note_link(record.source_key, str(found[0]), (existing or {}).get("updated_at"))
        answer: Found | None = None
        if found is not None:
            number = found[0]
            self._update(number, without(body, self.create_only))
            answer = self.note_adopted(record.source_key, str(number))
        else:
            body.setdefault("payment_terms_id", self._default_terms())
            group_field = "customer_group_id" if self.entity == "customers" else "supplier_group_id"
            body.setdefault(group_field, 1)
            made = (
                self.client.create_customer(body)
                if self.entity == "customers"
                else self.client.create_supplier(body)
            )
            number = int(made["number"])
        if found is None or found[1] != "linked":
            self.client.set_field_value(self.entity, number, self.field_id, so24_id)
        getter = self.client.get_customer if self.entity == "customers" else self.client.get_supplier
        self.note(record.source_key, str(number), (getter(number) or {}).get("updated_at"))
        return answer or str(number)

    def update(self, target_key: str, record: MappedRecord) -> None:
        saved = self._update(int(target_key), without(sendable(record.payload), self.create_only))
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
        with self._index_lock:
            if self._terms is None:
                terms = sorted(int(t["number"]) for t in self.client.list_payment_terms())
                if not terms:
                    raise RecordRejected("Rackbeat has no payment term: create one (see the readiness report)")
                self._terms = terms[0]
            return self._terms
