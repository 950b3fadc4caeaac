"""Projects: `/Projects` list and one, `POST /Projects`, `PUT /v3/Projects/{id}`.

- `Id` is Smartdok's own int; the key the hub matches on is `ProjectNumber` (a string, "Pro.Nr"
  in the UI), which S2 sets to the 24SO project id. Seeded ids are far from the numbers on
  purpose, so a hub that confuses the two is caught.
- `GET /Projects` answers the collection envelope, active projects only by default; `all=true`
  adds inactive ones, orders (`IsOrder`) only with `includeOrders=true`. `projectNumber` matches
  exactly, `projectName` as a case-insensitive part (assumption: the spec says "Select by").
  `updatedSince` / `createdSince` are inclusive.
- `PUT /v3/Projects/{id}` (the current update; `/Projects/{id}` and `/v2/...` are deprecated and
  not emulated) replaces the project: a scalar left out is cleared. Lists left out (`UserIds`,
  `Departments`, `ActivityIds`) are kept: they are nullable and `ActivityIds` has no output
  counterpart to PUT back (assumption). `OrderTypeId` is required when the project is an order and
  refused otherwise, as the input model documents.
- `ProjectNumber` is unique while `unique_project_number` is on (undocumented).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from so24_sandbox.smartdok import times, validation
from so24_sandbox.smartdok.answers import bad_request, invalid, not_found
from so24_sandbox.smartdok.behaviour import Behaviour
from so24_sandbox.smartdok.store import SmartdokStore, public

FIRST_ID = 7001
# Text fields of ProjectInput and their limits; the output writes "" for the non-nullable ones.
TEXTS = (
    ("DescriptionText", 600), ("Location", 50), ("ProjectOwnerName", 50), ("ProjectOwnerEmail", 200),
    ("ProjectOwnerMobile", 20), ("ClientCompanyName", 50), ("ClientCompanyContact", 50),
    ("ClientCompanyEmail", 200), ("ClientCompanyMobile", 20), ("DocumentUrl", 1_000_000),
    ("InvoiceCalculationNote", 50), ("ExternalReference", 100),
)  # fmt: skip
NULLABLE_TEXTS = ("InvoiceCalculationNote", "ExternalReference")


def render(record: dict[str, Any], time_consumption: float = 0.0) -> dict[str, Any]:
    """ProjectOutput: every documented field, strings never null where the model says so."""
    out = public(record)
    for name, _ in TEXTS:
        if name not in NULLABLE_TEXTS and out.get(name) is None:
            out[name] = ""
    for key in ("StartDate", "EndDate", "Updated", "Created"):
        value = record.get(key)
        out[key] = times.write(value) if isinstance(value, datetime) else value
    calculated = record.get("CalculatedTimeConsumption") or 0
    out["CalculatedTimeConsumption"] = calculated
    out["CalcuatedTimeConsumption"] = calculated
    out["GeoLocation"] = dict(record.get("GeoLocation") or {"Lat": 0.0, "Lon": 0.0})
    out["HourlyRate"] = record.get("HourlyRate") or 0.0
    out["InternalCostPerHour"] = record.get("InternalCostPerHour") or 0.0
    out["Departments"] = list(record["Departments"])
    out["UserIds"] = list(record["UserIds"])
    out["TimeConsumption"] = round(time_consumption, 2)
    return out


def _geo(body: dict[str, Any]) -> dict[str, float] | None:
    value = body.get("GeoLocation")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("GeoLocation", "must be an object {Lat, Lon}")
    lat, lon = validation.number(value, "Lat") or 0.0, validation.number(value, "Lon") or 0.0
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise invalid("GeoLocation", "is outside the globe")
    return {"Lat": lat, "Lon": lon}


def read_input(store: SmartdokStore, body: dict[str, Any]) -> dict[str, Any]:
    """The ProjectInput fields of `body`, checked; unknown properties are ignored."""
    fields: dict[str, Any] = {
        "ProjectName": validation.text(body, "ProjectName", 70, needed=True),
        "ProjectNumber": validation.text(body, "ProjectNumber", 20, needed=True),
        "IsActive": validation.flag(body, "IsActive", needed=True),
        **{name: validation.text(body, name, limit) for name, limit in TEXTS},
        "CustomerId": validation.integer(body, "CustomerId"),
        "StartDate": validation.moment(body, "StartDate"),
        "EndDate": validation.moment(body, "EndDate"),
        "Departments": validation.int_list(body, "Departments"),
        "ActivityIds": validation.int_list(body, "ActivityIds"),
        "UserIds": validation.uuid_list(body, "UserIds"),
        "CalculatedTimeConsumption": validation.integer(body, "CalculatedTimeConsumption"),
        "HourlyRate": validation.number(body, "HourlyRate"),
        "InternalCostPerHour": validation.number(body, "InternalCostPerHour"),
        "IsAbsenceProject": bool(validation.flag(body, "IsAbsenceProject")),
        "Finished": bool(validation.flag(body, "Finished")),
        "ToBeInvoiced": bool(validation.flag(body, "ToBeInvoiced")),
        "GeoLocation": _geo(body),
        "OrderTypeId": validation.integer(body, "OrderTypeId"),
        "HSEResponsibleId": validation.uuid_value(body, "HSEResponsibleId"),
        "QAResponsibleId": validation.uuid_value(body, "QAResponsibleId"),
    }
    unknown_users = [u for u in fields["UserIds"] or () if u not in store.users]
    if unknown_users:
        raise invalid("UserIds", f"names unknown user id(s) {unknown_users}")
    unknown_activities = [a for a in fields["ActivityIds"] or () if a not in store.activities]
    if unknown_activities:
        raise invalid("ActivityIds", f"names unknown activity id(s) {unknown_activities}")
    if fields["StartDate"] and fields["EndDate"] and fields["EndDate"] < fields["StartDate"]:
        raise invalid("EndDate", "is before StartDate")
    return fields


def _check_unique(store: SmartdokStore, behaviour: Behaviour, number: str, self_id: int | None) -> None:
    if not behaviour["unique_project_number"]:
        return
    for other in store.projects.values():
        if other["Id"] != self_id and other["ProjectNumber"] == number:
            raise bad_request("ProjectNumberAlreadyExists", f"Project number {number!r} is in use.")


def new_record(
    store: SmartdokStore, fields: dict[str, Any], *, at: datetime | None = None, record_id: int | None = None
) -> dict[str, Any]:
    """A complete stored project from checked `fields` (the seed, POST and PUT all come through here)."""
    now = at or store.now()
    record: dict[str, Any] = {
        "Id": record_id if record_id is not None else store.next_id("projects", FIRST_ID),
        "ProjectName": fields["ProjectName"],
        "ProjectNumber": fields["ProjectNumber"],
        "Departments": list(fields.get("Departments") or []),
        "IsAbsenceProject": bool(fields.get("IsAbsenceProject")),
        "IsActive": bool(fields["IsActive"]),
        "IsOrder": fields.get("OrderTypeId") is not None,
        "OrderTypeId": fields.get("OrderTypeId"),
        "CustomerId": fields.get("CustomerId"),
        "StartDate": fields.get("StartDate"),
        "EndDate": fields.get("EndDate"),
        **{name: fields.get(name) for name, _ in TEXTS},
        "CalculatedTimeConsumption": fields.get("CalculatedTimeConsumption"),
        "InternalCostPerHour": fields.get("InternalCostPerHour"),
        "HourlyRate": fields.get("HourlyRate"),
        "Finished": bool(fields.get("Finished")),
        "ToBeInvoiced": bool(fields.get("ToBeInvoiced")),
        "GeoLocation": fields.get("GeoLocation"),
        "UserIds": list(fields.get("UserIds") or []),
        "Updated": now,
        "Created": now,
        "HSEResponsibleId": fields.get("HSEResponsibleId"),
        "QAResponsibleId": fields.get("QAResponsibleId"),
        "_activity_ids": list(fields.get("ActivityIds") or []),
    }
    return record


def time_consumption(store: SmartdokStore) -> dict[int, float]:
    """Registered net hours per project id (`TimeConsumption`), in one pass over the hours."""
    totals: dict[int, float] = {}
    for hour in store.hours.values():
        net = (hour["TimeTo"] - hour["TimeFrom"] - hour["BreakMinutes"]) / 60.0
        totals[hour["ProjectId"]] = totals.get(hour["ProjectId"], 0.0) + net
    return totals


def listing(
    store: SmartdokStore,
    *,
    number: str | None,
    name: str | None,
    include_all: bool,
    active: bool,
    include_orders: bool,
    updated_since: datetime | None,
    created_since: datetime | None,
) -> list[dict[str, Any]]:
    with store.lock:
        found = []
        for p in store.projects.values():
            if number is not None and p["ProjectNumber"] != number:
                continue
            if name is not None and name.lower() not in p["ProjectName"].lower():
                continue
            if not include_all and p["IsActive"] != active:
                continue
            if p["IsOrder"] and not include_orders:
                continue
            if updated_since is not None and p["Updated"] < updated_since:
                continue
            if created_since is not None and p["Created"] < created_since:
                continue
            found.append(p)
        totals = time_consumption(store)
        return [render(p, totals.get(p["Id"], 0.0)) for p in found]


def get(store: SmartdokStore, project_id: int) -> dict[str, Any]:
    with store.lock:
        record = store.projects.get(project_id)
        if record is None:
            raise not_found()
        return render(record, time_consumption(store).get(project_id, 0.0))


def create(store: SmartdokStore, behaviour: Behaviour, body: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        fields = read_input(store, body)
        _check_unique(store, behaviour, fields["ProjectNumber"], None)
        record = new_record(store, fields)
        store.projects[record["Id"]] = record
        return render(record)


def replace(store: SmartdokStore, behaviour: Behaviour, project_id: int, body: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        record = store.projects.get(project_id)
        if record is None:
            raise not_found()
        fields = read_input(store, body)
        if record["IsOrder"] and fields["OrderTypeId"] is None:
            raise bad_request("OrderTypeIdIsRequired", "OrderTypeId is required when the project is an order.")
        if not record["IsOrder"] and fields["OrderTypeId"] is not None:
            raise bad_request("OrderTypeIdIsNotAllowed", "OrderTypeId is only allowed on orders.")
        _check_unique(store, behaviour, fields["ProjectNumber"], project_id)
        for name in ("Departments", "UserIds"):
            if fields[name] is None:
                fields[name] = record[name]
        if fields["ActivityIds"] is None:
            fields["ActivityIds"] = record["_activity_ids"]
        replaced = new_record(store, fields, record_id=project_id)
        replaced["Created"] = record["Created"]
        replaced["IsOrder"] = record["IsOrder"]
        store.projects[project_id] = replaced
        return render(replaced, time_consumption(store).get(project_id, 0.0))
