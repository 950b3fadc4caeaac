"""Loader targets for Rackbeat -> 24SO: products, customers, suppliers (SaveProducts/SaveCompanies)
and invoices (SaveInvoices).

The saves are in connectors/so24/writes.py: 24SO answers a refused item inside the returned
item (`APIException`), not as a fault, and the write raises So24Refused (a RecordRejected) with
24SO's message. Creates are sent with idempotent=False: the client must never repeat one
blindly; the loader resolves an unconfirmed create by business key instead:
- products by `No` (the Rackbeat number; GetProducts searches it exactly),
- companies by `ExternalId` (the hub stores the Rackbeat number there) and type,
- invoice orders by `ReferenceNumber` among the customer's orders.

A record born in Rackbeat gets its new 24SO id written back into the Rackbeat custom field
("24so product id", ...), so R4 and the `both` mode find the pair; a record Rackbeat already
links (the field holds a 24SO id) updates that 24SO record instead of creating one.
"""

from __future__ import annotations

from typing import Any

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24 import writes
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.rackbeat.entities_targets_rackbeat import WriteLog, sendable
from so24_pipelines.sync.records import MappedRecord

CUSTOMER_TYPES = frozenset({"Business", "Consumer"})


def _strings(names: list[str]) -> dict[str, list[str]]:
    return {"string": names}


class _WritesBack(WriteLog):
    """Keeps the link in Rackbeat: the record's custom field holds the 24SO id it went to.

    The link is read from Rackbeat when a record is created (a record linked earlier, e.g. by
    the initial sync, must update its 24SO record, not make a second one) and written after
    every save. It is not part of the payload: the payload hash is the record's content, and a
    link that appears after the first create must not count as a change.
    """

    resource: str

    def __init__(self, rackbeat: RackbeatClient, field_id: int) -> None:
        super().__init__()
        self.rackbeat = rackbeat
        self.field_id = int(field_id)

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


class So24Products(_WritesBack):
    system = "so24"
    entity = "products"
    resource = "products"

    def __init__(self, so24: So24Client, rackbeat: RackbeatClient, field_id: int) -> None:
        super().__init__(rackbeat, field_id)
        self.so24 = so24

    def _save(self, record: MappedRecord, body: dict[str, Any], *, creating: bool) -> str:
        saved = writes.save_product(self.so24, body, idempotent=not creating)
        so24_id = str(saved["Id"])
        self.note(record.source_key, so24_id, saved.get("DateChanged"))
        return so24_id

    def create(self, record: MappedRecord) -> str:
        body = sendable(record.payload)
        existing = self._linked(record) or self.find_by_business_key(str(body.get("No") or record.source_key))
        if existing:
            body["Id"] = int(existing)
            so24_id = self._save(record, body, creating=False)
        else:
            so24_id = self._save(record, body, creating=True)
        self._link(record, so24_id)
        return so24_id

    def update(self, target_key: str, record: MappedRecord) -> None:
        body = {**sendable(record.payload), "Id": int(target_key)}
        self._link(record, self._save(record, body, creating=False))

    def find_by_business_key(self, business_key: str) -> str | None:
        result = self.so24.call(
            "ProductService", "GetProducts", searchParams={"No": business_key}, returnProperties=_strings(["Id", "No"])
        )
        for item in result or []:
            if item.get("No") == business_key and item.get("Id") is not None:
                return str(item["Id"])
        return None


class So24Companies(_WritesBack):
    """Rackbeat customers (Type Business) or suppliers (Type Supplier) as 24SO companies.

    New customers get the configured currency and invoice language (Rackbeat's 24SO guide:
    "Currency" and "Language" are used for customers created on the Rackbeat side).
    """

    system = "so24"

    def __init__(
        self,
        so24: So24Client,
        rackbeat: RackbeatClient,
        resource: str,
        field_id: int,
        *,
        currency: str,
        language: str,
    ) -> None:
        super().__init__(rackbeat, field_id)
        if resource not in ("customers", "suppliers"):
            raise ValueError(f"resource must be customers or suppliers, not {resource!r}")
        self.so24 = so24
        self.resource = resource
        self.entity = resource
        self.currency = currency
        self.language = language

    def _save(self, record: MappedRecord, body: dict[str, Any], *, creating: bool) -> str:
        saved = writes.save_company(self.so24, body, idempotent=not creating)
        so24_id = str(saved["Id"])
        self.note(record.source_key, so24_id, saved.get("DateChanged"))
        return so24_id

    def create(self, record: MappedRecord) -> str:
        body = sendable(record.payload)
        existing = self._linked(record) or self.find_by_business_key(str(body.get("ExternalId") or record.source_key))
        if existing:
            body.pop("Type", None)
            body["Id"] = int(existing)
            so24_id = self._save(record, body, creating=False)
        else:
            if self.resource == "customers":
                body.setdefault("CurrencyId", self.currency)
                body.setdefault("InvoiceLanguage", self.language)
            so24_id = self._save(record, body, creating=True)
        self._link(record, so24_id)
        return so24_id

    def update(self, target_key: str, record: MappedRecord) -> None:
        # Type is for new companies only: a 24SO Consumer stays a Consumer when its card changes.
        body = {k: v for k, v in sendable(record.payload).items() if k != "Type"}
        body["Id"] = int(target_key)
        self._link(record, self._save(record, body, creating=False))

    def find_by_business_key(self, business_key: str) -> str | None:
        result = self.so24.call(
            "CompanyService",
            "GetCompanies",
            searchParams={"ExternalId": business_key},
            returnProperties=_strings(["Id", "Type", "ExternalId"]),
        )
        for item in result or []:
            is_customer = item.get("Type") in CUSTOMER_TYPES
            if item.get("ExternalId") == business_key and is_customer == (self.resource == "customers"):
                return str(item["Id"])
        return None


class So24Invoices:
    """Booked Rackbeat customer invoices as 24SO invoice orders (created once, never edited).

    The business key is "<ReferenceNumber>@<24SO customer id>": 24SO cannot search orders by
    reference, so the lookup reads the customer's orders and matches the reference.
    """

    system = "so24"
    entity = "invoices"

    def __init__(self, so24: So24Client) -> None:
        self.so24 = so24

    def create(self, record: MappedRecord) -> str:
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
