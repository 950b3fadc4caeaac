"""CompanyService handlers: GetCompanies, GetCompanySyncList, SaveCompanies.

Quirks kept from 24SO: customers are Type Business/Consumer and suppliers Type Supplier in the
same list; GetCompanySyncList is the only paged call (1000 per page, Page counts from 1, a nil
Active means active and deactivated alike); ChangedAfter/RegisteredAfter ignore seconds.

On update a scalar left out is "no change" (the reference: a field at its sentinel is not set).
Addresses/PhoneNumbers/EmailAddresses are structures of entries (Post, Invoice, Work ...) and an
entry that is sent is stored as sent: Post without PostalArea loses its PostalArea. That much is
what production showed (issue 8: the hub's address writes dropped PostalArea). Whether 24SO also
drops the entries *not* sent is not documented (reference/24so/API.md is silent), so it is a
sandbox setting, the environment variable SO24_SANDBOX_COMPANY_ENTRIES read at each save:
- `entry` (default): a sent entry replaces that entry whole; entries not sent are kept;
- `structure`: a sent structure replaces the stored one whole; entries not sent are dropped;
- `field`: field by field; nothing that is not sent is lost (the forgiving reading).
The control API's PATCH goes through the same save, so it follows the setting too.
"""

from __future__ import annotations

import os
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
ENTRIES_SETTING = "SO24_SANDBOX_COMPANY_ENTRIES"
ENTRY_MODES = ("entry", "structure", "field")


def entries_mode() -> str:
    """How a save treats the structures' entries (module docstring); unknown values are refused."""
    mode = os.environ.get(ENTRIES_SETTING, "entry").strip().lower() or "entry"
    if mode not in ENTRY_MODES:
        raise ValueError(f"{ENTRIES_SETTING}={mode!r}: one of {', '.join(ENTRY_MODES)}")
    return mode


def _structure(current: dict | None, sent: dict, mode: str) -> dict:
    if mode == "structure":
        return dict(sent)
    if mode == "entry":
        return {**(current or {}), **sent}
    out = dict(current or {})
    for name, entry in sent.items():
        out[name] = {**(out.get(name) or {}), **entry} if isinstance(entry, dict) else entry
    return out


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
        mode = entries_mode()
        for key in _PER_KEY:
            if key in item:
                record[key] = _structure(current.get(key), item[key], mode)
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
