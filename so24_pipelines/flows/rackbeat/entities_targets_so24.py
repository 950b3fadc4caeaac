"""Loader targets for Rackbeat -> 24SO: products, customers, suppliers (SaveProducts/SaveCompanies)
and invoices (SaveInvoices).

The saves are in connectors/so24/writes.py: 24SO answers a refused item inside the returned
item (`APIException`), not as a fault, and the write raises So24Refused (a RecordRejected) with
24SO's message. Creates are sent with idempotent=False: the client must never repeat one
blindly; the loader resolves an unconfirmed create by business key instead:
- products by `No` (the Rackbeat number; GetProducts searches it exactly),
- companies by `ExternalId` (the hub stores the Rackbeat number there) and type,
- invoice orders by `ReferenceNumber` among the customer's orders.

Field ownership: an update sends only the fields the spec maps (the payload), without the spec's
`create_only` fields (a company's Type and the hub's ExternalId marker); a company's addresses,
phones and e-mails are merged into the company as read (writes.save_company), because 24SO
stores a sent entry as sent. 24SO is the book of account: nothing else of a record is written.

Match before create: a record born in Rackbeat gets its new 24SO id written back into the
Rackbeat custom field ("24so product id", ...), so R4 and the `both` mode find the pair. Before
creating, `create` looks for the 24SO record: the id the Rackbeat record holds in the field, else
the key 24SO shares with Rackbeat (a product's No; a company's ExternalId = the Rackbeat number,
else the same name and organisation number) among records no other Rackbeat record is linked to.
One found is linked: its id goes into the field and nothing of it is written (a copy of it, or a
record that came from 24SO, is not "changed" by being found), unless the flow says the Rackbeat
record changed since the two last agreed (`WriteLog.changed`). Two found are held with the
reason (RecordRejected: the loader keeps it failed and tries again next tick). The loader's own
look-up after a lost create answer (`find_by_business_key`, then `update`) links the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24 import writes
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.rackbeat.entities_targets_rackbeat import WriteLog, _vat_digits, sendable, without
from so24_pipelines.sync.records import Found, MappedRecord

CUSTOMER_TYPES = frozenset({"Business", "Consumer"})


def _strings(names: list[str]) -> dict[str, list[str]]:
    return {"string": names}


def _name_key(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


class _WritesBack(WriteLog, ABC):
    """Keeps the link in Rackbeat: the record's custom field holds the 24SO id it went to.

    The link is read from Rackbeat when a record is created (a record linked earlier, e.g. by
    the initial sync, must be linked to its 24SO record, not make a second one) and written after
    every save. It is not part of the payload: the payload hash is the record's content, and a
    link that appears after the first create must not count as a change.
    """

    resource: str
    record_label: str

    def __init__(self, rackbeat: RackbeatClient, field_id: int, create_only: Iterable[str] = ()) -> None:
        super().__init__()
        self.rackbeat = rackbeat
        self.field_id = int(field_id)
        self.create_only = tuple(create_only)
        self._found: dict[str, str] = {}

    def _key(self, record: MappedRecord) -> str | int:
        return record.source_key if self.resource == "products" else int(record.source_key)

    def _linked(self, record: MappedRecord) -> str | None:
        """The 24SO id the Rackbeat record holds now, if any."""
        values = self.rackbeat.get_field_values(self.resource, self._key(record))
        value = values.get(self.field_id)
        return str(value).strip() or None if value not in (None, "") else None

    def _link(self, record: MappedRecord, so24_id: str) -> None:
        """A PUT, so repeating it is harmless (Rackbeat changes nothing when the value is the same)."""
        self.rackbeat.set_field_value(self.resource, self._key(record), self.field_id, so24_id)

    def _free(self, candidates: list[dict[str, Any]], record: MappedRecord) -> list[dict[str, Any]]:
        """The candidates no other Rackbeat record is linked to (a field lookup per candidate)."""
        own = str(record.source_key)
        out = []
        for candidate in candidates:
            holders = self.rackbeat.find_by_field_value(self.resource, self.field_id, str(candidate["Id"]))
            if all(str(h.get("number")) == own for h in holders):
                out.append(candidate)
        return out

    def _one(self, candidates: list[dict[str, Any]], record: MappedRecord, key: str) -> dict[str, Any] | None:
        """The one free candidate, None for none; several are a hold naming them."""
        free = self._free(candidates, record)
        if len(free) > 1:
            ids = " and ".join(str(c["Id"]) for c in sorted(free, key=lambda c: int(c["Id"])))
            raise RecordRejected(
                f"held: 24SO {self.record_label}s {ids} all match Rackbeat {self.record_label} "
                f"{record.source_key} by {key}; set the field {self._field_name()!r} in Rackbeat to the "
                f"right one (or change {key} on the others), and it is linked on the next run"
            )
        return free[0] if free else None

    def _field_name(self) -> str:
        return f"24so {self.resource[:-1]} id"

    def _linked_or_matched(self, record: MappedRecord) -> tuple[dict[str, Any] | None, bool]:
        """The 24SO record this Rackbeat record is, if 24SO has it (module docstring); linked already?"""
        linked = self._linked(record)
        if linked is not None:
            found = self._get(int(linked)) if linked.isdigit() else None
            if found is None:
                raise RecordRejected(
                    f"held: Rackbeat {self.record_label} {record.source_key} holds 24SO id {linked} in "
                    f"{self._field_name()!r}, but 24SO has no {self.record_label} {linked}; clear the field "
                    "to create it in 24SO, or put the right id in it"
                )
            return found, True
        return self._match(record), False

    def _settle(
        self, record: MappedRecord, found: dict[str, Any], *, linked: bool, creating: bool = True
    ) -> str | Found:
        """Link a found record; write its owned fields only if the flow says Rackbeat changed.

        `creating`: called from `create`, so the run reports it as linked/updated, not created (the
        loader's resolve path reports its own "resolved").
        """
        so24_id = str(found["Id"])
        if not linked:
            self._link(record, so24_id)
        if self.may_write_linked(record):
            self._save(record, self._update_body(record, so24_id), creating=False)
            if creating:
                return self.note_adopted(record.source_key, so24_id)
        elif creating:
            return self.note_link(record.source_key, so24_id, found.get("DateChanged"))
        else:
            self.note(record.source_key, so24_id, found.get("DateChanged"))
        return so24_id

    def _update_body(self, record: MappedRecord, target_key: str) -> dict[str, Any]:
        return {**without(sendable(record.payload), self.create_only), "Id": int(target_key)}

    # ---- Target ------------------------------------------------------------------------------

    def create(self, record: MappedRecord) -> str | Found:
        found, linked = self._linked_or_matched(record)
        if found is not None:
            return self._settle(record, found, linked=linked)
        so24_id = self._save(record, self._create_body(record), creating=True)
        self._link(record, so24_id)
        return so24_id

    def update(self, target_key: str, record: MappedRecord) -> None:
        if record.business_key is not None and self._found.pop(record.business_key, None) == target_key:
            # The loader found this record by business key after a lost create answer: link it.
            found = self._get(int(target_key))
            if found is not None:
                self._settle(record, found, linked=False, creating=False)
                return
        self._link(record, self._save(record, self._update_body(record, target_key), creating=False))

    def find_by_business_key(self, business_key: str) -> str | None:
        record = MappedRecord(source_key=business_key, business_key=business_key)
        found = self._match(record)
        if found is None:
            return None
        self._found[business_key] = str(found["Id"])
        return str(found["Id"])

    # ---- per entity --------------------------------------------------------------------------

    @abstractmethod
    def _get(self, so24_id: int) -> dict[str, Any] | None:
        """The 24SO record by id, or None when 24SO has none (a link to a deleted record)."""

    @abstractmethod
    def _match(self, record: MappedRecord) -> dict[str, Any] | None:
        """The one unlinked 24SO record the entity's keys find (match before create), else None;
        two candidates raise RecordRejected naming both (held)."""

    def _create_body(self, record: MappedRecord) -> dict[str, Any]:
        return sendable(record.payload)

    @abstractmethod
    def _save(self, record: MappedRecord, body: dict[str, Any], *, creating: bool) -> str:
        """Write `body` through connectors/so24/writes.py; the 24SO id it was saved under."""


class So24Products(_WritesBack):
    system = "so24"
    entity = "products"
    resource = "products"
    record_label = "product"
    _PROPS = ("Id", "No", "DateChanged")

    def __init__(
        self, so24: So24Client, rackbeat: RackbeatClient, field_id: int, *, create_only: Iterable[str] = ()
    ) -> None:
        super().__init__(rackbeat, field_id, create_only)
        self.so24 = so24

    def _save(self, record: MappedRecord, body: dict[str, Any], *, creating: bool) -> str:
        saved = writes.save_product(self.so24, body, idempotent=not creating)
        so24_id = str(saved["Id"])
        self.note(record.source_key, so24_id, saved.get("DateChanged"))
        return so24_id

    def _products(self, **search: Any) -> list[dict[str, Any]]:
        found = self.so24.call("ProductService", "GetProducts", searchParams=search, returnProperties=_strings(list(self._PROPS)))
        return [item for item in found or [] if item.get("Id") is not None]

    def _get(self, so24_id: int) -> dict[str, Any] | None:
        return next((p for p in self._products(Id=so24_id) if p["Id"] == so24_id), None)

    def _match(self, record: MappedRecord) -> dict[str, Any] | None:
        number = str(record.payload.get("No") or record.business_key or record.source_key)
        candidates = [p for p in self._products(No=number) if p.get("No") == number]
        return self._one(candidates, record, f"product number {number!r}")


class So24Companies(_WritesBack):
    """Rackbeat customers (Type Business) or suppliers (Type Supplier) as 24SO companies.

    New customers get the configured currency and invoice language (Rackbeat's 24SO guide:
    "Currency" and "Language" are used for customers created on the Rackbeat side).
    """

    system = "so24"
    _PROPS = ("Id", "Type", "ExternalId", "Name", "OrganizationNumber", "DateChanged")

    def __init__(
        self,
        so24: So24Client,
        rackbeat: RackbeatClient,
        resource: str,
        field_id: int,
        *,
        currency: str,
        language: str,
        create_only: Iterable[str] = ("Type", "ExternalId"),
    ) -> None:
        super().__init__(rackbeat, field_id, create_only)
        if resource not in ("customers", "suppliers"):
            raise ValueError(f"resource must be customers or suppliers, not {resource!r}")
        self.so24 = so24
        self.resource = resource
        self.entity = resource
        self.record_label = resource[:-1]
        self.currency = currency
        self.language = language

    def _save(self, record: MappedRecord, body: dict[str, Any], *, creating: bool) -> str:
        saved = writes.save_company(self.so24, body, idempotent=not creating)
        so24_id = str(saved["Id"])
        self.note(record.source_key, so24_id, saved.get("DateChanged"))
        return so24_id

    def _create_body(self, record: MappedRecord) -> dict[str, Any]:
        body = sendable(record.payload)
        if self.resource == "customers":
            body.setdefault("CurrencyId", self.currency)
            body.setdefault("InvoiceLanguage", self.language)
        return body

    def _ours(self, company: dict[str, Any]) -> bool:
        return (company.get("Type") in CUSTOMER_TYPES) == (self.resource == "customers")

    def _companies(self, **search: Any) -> list[dict[str, Any]]:
        found = self.so24.call(
            "CompanyService", "GetCompanies", searchParams=search, returnProperties=_strings(list(self._PROPS))
        )
        return [item for item in found or [] if item.get("Id") is not None and self._ours(item)]

    def _get(self, so24_id: int) -> dict[str, Any] | None:
        return next((c for c in self._companies(CompanyId=so24_id) if c["Id"] == so24_id), None)

    def _match(self, record: MappedRecord) -> dict[str, Any] | None:
        number = str(record.payload.get("ExternalId") or record.business_key or record.source_key)
        found = self._one(
            [c for c in self._companies(ExternalId=number) if c.get("ExternalId") == number], record,
            f"the Rackbeat number {number} in ExternalId",
        )  # fmt: skip
        name, vat = str(record.payload.get("Name") or ""), _vat_digits(record.payload.get("OrganizationNumber"))
        if found is not None or not name or not vat:
            return found
        namesakes = [
            c for c in self._companies(CompanyName=name)
            if _name_key(c.get("Name")) == _name_key(name) and _vat_digits(c.get("OrganizationNumber")) == vat
        ]  # fmt: skip
        return self._one(namesakes, record, "name and organisation number")


class So24Invoices(WriteLog):
    """Booked Rackbeat customer invoices as 24SO invoice orders (created once, never edited).

    The business key is "<ReferenceNumber>@<24SO customer id>": 24SO cannot search orders by
    reference, so the lookup reads the customer's orders and matches the reference. A create
    looks first (match before create): an order of that customer already carrying the Rackbeat
    invoice number is linked, not made a second time (`linked`). Rows are sent only on create:
    24SO replaces an order's rows as sent, so an update never carries them.
    """

    system = "so24"
    entity = "invoices"

    def __init__(self, so24: So24Client) -> None:
        super().__init__()
        self.so24 = so24

    def create(self, record: MappedRecord) -> str | Found:
        found = self.find_by_business_key(record.business_key) if record.business_key else None
        if found is not None:
            return self.note_link(record.source_key, found, None)
        return str(writes.save_invoice(self.so24, sendable(record.payload), idempotent=False)["OrderId"])

    def update(self, target_key: str, record: MappedRecord) -> None:
        body = sendable(record.payload)
        body.pop("InvoiceRows", None)
        body["OrderId"] = int(target_key)
        writes.save_invoice(self.so24, body, idempotent=True)

    def find_by_business_key(self, business_key: str) -> str | None:
        reference, _, customer = business_key.rpartition("@")
        if not reference or not customer.isdigit():
            return None
        result = self.so24.call(
            "InvoiceService",
            "GetInvoices",
            searchParams={"CustomerIds": {"int": [int(customer)]}},
            invoiceReturnProperties=_strings(["OrderId", "ReferenceNumber"]),
            rowReturnProperties=_strings([]),
        )
        for item in result or []:
            if item.get("ReferenceNumber") == reference and item.get("OrderId") is not None:
                return str(item["OrderId"])
        return None
