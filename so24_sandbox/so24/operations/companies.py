"""CompanyService handlers: GetCompanies, GetCompanySyncList, SaveCompanies.

Quirks kept from 24SO: customers are Type Business/Consumer and suppliers Type Supplier in the
same list; GetCompanySyncList is the only paged call (1000 per page, Page counts from 1, a nil
Active means active and deactivated alike); ChangedAfter/RegisteredAfter ignore seconds. On
update, Addresses/PhoneNumbers/EmailAddresses replace only the sub-entries sent (Post, Invoice...).
"""

from __future__ import annotations

from datetime import datetime

from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.operations.common import (
    Answer,
    Call,
    ItemError,
    by_ids,
    check_length,
    echo_failure,
    merged,
    selection,
)
from so24_sandbox.so24.serialize import Select
from so24_sandbox.so24.values import changed_since

PAGE_SIZE = 1000
_LIMITS = {"Name": 200, "OrganizationNumber": 20}
_READ_ONLY = ("Id", "DateChanged", "DateCreated")
_PER_KEY = ("Addresses", "PhoneNumbers", "EmailAddresses")


def _values(nested: dict | None) -> list[str]:
    return [v.get("Value", "").lower() for v in (nested or {}).values() if v]


def get_companies(call: Call, args: dict) -> Answer:
    ds = call.dataset
    search = args.get("searchParams") or {}
    fields = selection(call.schema, "Company", args.get("returnProperties"), "returnProperties")
    candidates = by_ids(ds.companies, search.get("CompanyIds"), search.get("CompanyId"))
    fresh = changed_since(search.get("ChangedAfter"))
    name = search.get("CompanyName", "").lower()
    email = search.get("CompanyEmail", "").lower()
    phone = search.get("CompanyPhone", "").replace(" ", "")
    exact = {k: search[k] for k in ("ExternalId", "OrganizationNumber") if k in search}
    out = [
        c
        for c in candidates
        if fresh(c.get("DateChanged"))
        and (not name or name in c.get("Name", "").lower())
        and all(c.get(k) == v for k, v in exact.items())
        and (not email or email in _values(c.get("EmailAddresses")))
        and (not phone or any(phone in v.replace(" ", "") for v in _values(c.get("PhoneNumbers"))))
    ]
    return Answer(out, Select(fields))


def get_company_sync_list(call: Call, args: dict) -> Answer:
    ds = call.dataset
    params = args.get("syncSearchParameters") or {}
    active = params.get("Active")
    fresh = changed_since(params.get("ChangedAfter"))
    registered = changed_since(params.get("RegisteredAfter"))
    matches = [
        c
        for c in ds.companies.values()
        if (active is None or c.get("_active", True) == active)
        and fresh(c.get("DateChanged"))
        and registered(c.get("DateCreated"))
    ]
    matches.sort(key=lambda c: c["Id"])
    page = max(1, params.get("Page", 1))
    total_pages = (len(matches) + PAGE_SIZE - 1) // PAGE_SIZE
    chunk = matches[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    items = [
        {
            "CompanyId": c["Id"],
            "ExternalId": c.get("ExternalId"),
            "DateChanged": c.get("DateChanged"),
            "DateRegistered": c.get("DateCreated"),
            "Active": c.get("_active", True),
        }
        for c in chunk
    ]
    return Answer(
        {
            "CurrentPage": page,
            "TotalPages": total_pages,
            "TotalItems": len(matches),
            "ItemsPerPage": PAGE_SIZE,
            "Items": items,
        }
    )


def save_company(ds: DataSet, item: dict, now: datetime) -> dict:
    """Create (no Id) or update (known Id) one company; ItemError says which field is wrong."""
    check_length(item, _LIMITS)
    if "Id" in item:
        current = ds.companies.get(item["Id"])
        if current is None:
            raise ItemError(f"Company with Id {item['Id']} does not exist.")
        record = merged(current, item, _READ_ONLY)
        for key in _PER_KEY:
            if key in item:
                record[key] = {**(current.get(key) or {}), **item[key]}
    else:
        if not item.get("Name"):
            raise ItemError("A new company needs Name.")
        record = merged({"Type": "Business", "_active": True}, item, _READ_ONLY)
        record["Id"] = ds.next_id("companies")
        record["DateCreated"] = now
    record["DateChanged"] = now
    ds.companies[record["Id"]] = record
    return record


def save_companies(call: Call, args: dict) -> Answer:
    ds = call.dataset
    out = []
    for item in args.get("companies") or []:
        try:
            out.append(save_company(ds, item, call.now))
        except ItemError as exc:
            out.append(echo_failure(item, exc))
    return Answer(out)


HANDLERS = {
    "GetCompanies": get_companies,
    "GetCompanySyncList": get_company_sync_list,
    "SaveCompanies": save_companies,
}
