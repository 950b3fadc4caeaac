"""The 24SO reads the extraction needs, returning columns (see fastparse) or id lists.

Why the calls look the way they do:
- Get* calls do not page and time out on wide date ranges, so a full sync asks the SyncList calls
  for ids (GetOrderSyncList, GetCompanySyncList: the only paged call, 1000 per page) and then
  fetches details in batches of at most 1000 ids.
- 24SO returns only the properties named in returnProperties, so each read names exactly the
  fields its shape stages; order rows come back only when InvoiceRows is named.
- "Changed after" filters ignore seconds: callers pass a mark already moved back by an overlap.
- Times are UTC and sent naive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.connectors.so24.fastparse import RecordShape, records_to_columns

MAX_IDS_PER_CALL = 1000
_EPOCH = datetime(1900, 1, 1)

Columns = dict[str, list[str | None]]


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _ids(ids: Sequence[int] | None) -> dict[str, list[int]] | None:
    if ids is None:
        return None
    if len(ids) > MAX_IDS_PER_CALL:
        raise ValueError(f"24SO accepts at most {MAX_IDS_PER_CALL} ids per call, got {len(ids)}")
    return {"int": [int(i) for i in ids]}


def _strings(names: Iterable[str]) -> dict[str, list[str]]:
    return {"string": list(names)}


def _columns(client: So24Client, service: str, operation: str, shape: RecordShape, **kwargs: Any) -> Columns:
    result = client.result(service, operation, **kwargs)
    columns, _ = records_to_columns(result, shape)
    return columns


def identities(client: So24Client) -> list[dict[str, Any]]:
    """The companies this login may reach; IsCurrent marks the session's one."""
    rows = client.call("Authenticate", "GetIdentities") or []
    return [
        {
            "id": r.get("Id"),
            "name": (r.get("Client") or {}).get("Name"),
            "is_current": bool(r.get("IsCurrent")),
            "is_default": bool(r.get("IsDefault")),
        }
        for r in rows
    ]


def use_identity(client: So24Client, identity_id: str) -> None:
    """Switch the session to another company; 24SO keeps it per session, so do it before reads."""
    ok = client.call("Authenticate", "SetIdentityById", identityId=identity_id)
    if not ok:
        from so24_pipelines.connectors.errors import AuthError

        raise AuthError(f"24SO refused identity {identity_id}", call="Authenticate.SetIdentityById")


def products(
    client: So24Client, shape: RecordShape, *, changed_after: datetime | None = None, ids: Sequence[int] | None = None
) -> Columns:
    search: dict[str, Any] = {}
    if changed_after is not None:
        search["DateChanged"] = _naive_utc(changed_after)
    if ids is not None:
        search["ProductIds"] = _ids(ids)
    return _columns(
        client, "ProductService", "GetProducts", shape,
        searchParams=search, returnProperties=_strings(shape.return_properties),
    )


def product_categories(client: So24Client, shape: RecordShape) -> Columns:
    return _columns(client, "ProductService", "GetCategories", shape, returnProperties=_strings(shape.return_properties))


def company_ids(client: So24Client, *, changed_after: datetime | None = None) -> list[int]:
    """Every company id (customers and suppliers, active or not), page by page."""
    found: list[int] = []
    page = 1
    while True:
        params: dict[str, Any] = {"Page": page, "Active": None}
        if changed_after is not None:
            params["ChangedAfter"] = _naive_utc(changed_after)
        result = client.call("CompanyService", "GetCompanySyncList", syncSearchParameters=params) or {}
        items = ((result.get("Items") or {}).get("SyncCompany")) or []
        found.extend(int(i["CompanyId"]) for i in items if i.get("CompanyId") is not None)
        total_pages = int(result.get("TotalPages") or 0)
        current = int(result.get("CurrentPage") or page)
        if not items or current >= total_pages:
            return sorted(set(found))
        page = current + 1


def companies(
    client: So24Client, shape: RecordShape, *, changed_after: datetime | None = None, ids: Sequence[int] | None = None
) -> Columns:
    search: dict[str, Any] = {}
    if changed_after is not None:
        search["ChangedAfter"] = _naive_utc(changed_after)
    if ids is not None:
        search["CompanyIds"] = _ids(ids)
    return _columns(
        client, "CompanyService", "GetCompanies", shape,
        searchParams=search, returnProperties=_strings(shape.return_properties),
    )


def order_ids(client: So24Client, *, changed_after: datetime | None = None) -> list[int]:
    params = {"ChangedAfter": _naive_utc(changed_after) if changed_after else None, "RegisteredAfter": _EPOCH}
    result = client.call("InvoiceService", "GetOrderSyncList", syncParams=params) or []
    return sorted({int(i) for i in result})


def orders(
    client: So24Client,
    shape: RecordShape,
    *,
    changed_after: datetime | None = None,
    ids: Sequence[int] | None = None,
    states: Sequence[str] | None = None,
) -> tuple[Columns, Columns]:
    """Orders and their rows (the rows shape is the shape's child "rows")."""
    search: dict[str, Any] = {}
    if changed_after is not None:
        search["ChangedAfter"] = _naive_utc(changed_after)
    if ids is not None:
        search["OrderIds"] = _ids(ids)
    if states:
        search["OrderStates"] = {"OrderSlipStateType": list(states)}
    row_shape = shape.children["rows"].shape
    result = client.result(
        "InvoiceService", "GetInvoices",
        searchParams=search,
        invoiceReturnProperties=_strings(shape.return_properties),
        rowReturnProperties=_strings(row_shape.return_properties),
    )
    columns, children = records_to_columns(result, shape)
    return columns, children["rows"]


def projects(client: So24Client, shape: RecordShape, *, changed_after: datetime | None = None) -> Columns:
    search: dict[str, Any] = {}
    if changed_after is not None:
        search["ChangedAfter"] = _naive_utc(changed_after)
    return _columns(client, "ProjectService", "GetProjectList", shape, Ps=search)


def work_types(client: So24Client, shape: RecordShape) -> Columns:
    return _columns(client, "TimeService", "GetWorkTypeList", shape, Wts={"Active": "none"})


def salary_types(client: So24Client, shape: RecordShape) -> Columns:
    return _columns(client, "TimeService", "GetSalaryTypes", shape)


def employees(client: So24Client, shape: RecordShape, *, changed_after: datetime | None = None) -> Columns:
    """Persons flagged as employees; their Id is the contact id hours and projects refer to."""
    search: dict[str, Any] = {"IsEmployee": "True"}
    if changed_after is not None:
        search["ChangedAfter"] = _naive_utc(changed_after)
    return _columns(client, "PersonService", "GetPersons", shape, personSearch=search)


def hours(
    client: So24Client,
    *,
    contact_id: int = 0,
    project_id: int = 0,
    start: datetime | None = None,
    stop: datetime | None = None,
) -> list[dict[str, Any]]:
    """Registered hours (TimeService.GetHours) of a contact and/or project whose times lie in start..stop.

    The TimeService WSDL the client loads (2018) has no ChangedAfter or HourIds on HourSearch and
    makes ContactId and ProjectId mandatory, so 0 asks for any (reference §8: unverified against
    24SO, the sandbox's reading). SalaryTypeId comes back only when asked, so it always is: a
    reader comparing hours needs it. Small answers, read through zeep; times UTC, sent naive.
    """
    search: dict[str, Any] = {"ContactId": int(contact_id), "ProjectId": int(project_id), "IncludeSalaryType": True}
    if start is not None:
        search["StartTime"] = _naive_utc(start)
    if stop is not None:
        search["StopTime"] = _naive_utc(stop)
    return [dict(hour) for hour in client.call("TimeService", "GetHours", hs=search) or []]


def _first_value(entries: Any, preferred: Sequence[str]) -> str | None:
    """The Value of the first entry of a PersonService typed list, `preferred` Types first."""
    items = (entries or {}).get("EmailAddress") or (entries or {}).get("PhoneNumber") or []
    values = [(item.get("Type"), (item.get("Value") or "").strip()) for item in items if isinstance(item, dict)]
    for wanted in (*preferred, None):
        for kind, value in values:
            if value and (wanted is None or kind == wanted):
                return value
    return None


def employee_contacts(client: So24Client) -> dict[int, dict[str, str | None]]:
    """contact id -> {"email", "phone"} of every employee (PersonService.GetPersons, IsEmployee=True).

    E7 stages the employees' names but not their e-mail addresses and phone numbers, which come as
    typed lists (EmailAddress / PhoneNumber with a Type each); a reader that needs them (a user
    created in another system needs an e-mail) takes the Primary e-mail and the Mobile number
    first, else the first one there is. One call for every employee: the list is short.
    """
    found = client.call("PersonService", "GetPersons", personSearch={"IsEmployee": "True"}) or []
    return {
        int(person["Id"]): {
            "email": _first_value(person.get("EmailAddresses"), ("Primary",)),
            "phone": _first_value(person.get("PhoneNumbers"), ("Mobile", "Primary")),
        }
        for person in found
        if isinstance(person, dict) and person.get("Id") is not None
    }
