"""PersonService handler: GetPersons.

Quirks kept from 24SO: IsEmployee is a TriState (none = everyone); employees are persons whose Id
is the contact id other systems key on (Hour.ContactId, Smartdok's employee number);
RelationData comes back only when GetRelationData is true; ChangedAfter ignores seconds.
"""

from __future__ import annotations

from so24_sandbox.so24.operations.common import Answer, Call
from so24_sandbox.so24.serialize import Select
from so24_sandbox.so24.values import changed_since


def _values(items: list | None) -> list[str]:
    return [(i or {}).get("Value", "").lower().replace(" ", "") for i in items or []]


def get_persons(call: Call, args: dict) -> Answer:
    ds = call.dataset
    search = args.get("personSearch") or {}
    fresh = changed_since(search.get("ChangedAfter"))
    employee = {"True": True, "False": False}.get(search.get("IsEmployee", "none"))
    name = search.get("Name", "").lower()
    email = search.get("Email", "").lower()
    phone = search.get("Phone", "").replace(" ", "")
    role = search.get("Role", "").lower()
    customer = search.get("CustomerId")
    out = []
    for pid in sorted(ds.persons):
        p = ds.persons[pid]
        relations = p.get("RelationData") or []
        if "Id" in search and pid != search["Id"]:
            continue
        if employee is not None and bool(p.get("_employee")) != employee:
            continue
        if not fresh(p.get("DateChanged")):
            continue
        if name and name not in f"{p.get('FirstName', '')} {p.get('LastName', '')}".lower():
            continue
        if "EmployeeId" in search and p.get("EmployeeId") != search["EmployeeId"]:
            continue
        if "ConsumerPersonNo" in search and p.get("ConsumerPersonNo") != search["ConsumerPersonNo"]:
            continue
        if (
            customer is not None
            and customer != p.get("CustomerId")
            and all(r.get("CustomerId") != customer for r in relations)
        ):
            continue
        if email and email not in _values(p.get("EmailAddresses")):
            continue
        if phone and not any(phone in v for v in _values(p.get("PhoneNumbers"))):
            continue
        if role and all(role not in (r.get("Title") or "").lower() for r in relations):
            continue
        out.append(p)
    if search.get("GetRelationData"):
        return Answer(out)
    fields = frozenset(f.name for f in call.schema.fields("PersonItem") if f.name != "RelationData")
    return Answer(out, Select(fields))


HANDLERS = {"GetPersons": get_persons}
