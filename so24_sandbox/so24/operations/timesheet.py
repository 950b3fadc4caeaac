"""TimeService handlers (2018 contract): GetWorkTypeList, GetSalaryTypes, GetHours, SaveHour.

Quirks kept from 24SO: the 2018 HourSearch has no ChangedAfter and makes ContactId and ProjectId
mandatory, so 0 (or int.MinValue) means "any"; Active none/unknown on GetWorkTypeList means all
work types, and a project without its own work types gets them all; SalaryTypeId comes back only
with IncludeSalaryType; SaveHour answers the hour id, so a refused hour is a fault. TotalHours is
capped at 255 by 24SO.

SaveHour, as the reference describes it: an hour without Id is added, one with a known Id is
updated (a field left out keeps its value), an unknown Id is refused. Saving an hour again with its
Id and the same values changes nothing, so a repeated update is harmless; a repeated add is a
second hour (nothing in the Hour type could tell 24SO it is the same one). An hour that is approved
(Approved True) or locked (Locked True) takes no change of its contents, only of its status (24SO's
UI locks attested hours for payroll; the reference does not spell it out, so this is the sandbox's
assumption): a save that would change it is refused, one that repeats its values is not.
"""

from __future__ import annotations

from datetime import datetime

from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.operations.common import Answer, Call, ItemError, ServerFault, merged
from so24_sandbox.so24.serialize import Select

MAX_HOURS = 255.0


def get_work_type_list(call: Call, args: dict) -> Answer:
    ds = call.dataset
    search = args.get("Wts") or {}
    project_id = search.get("ProjectId")
    if project_id:
        project = ds.projects.get(project_id)
        if project is None:
            return Answer([])
        own = project.get("_work_types") or []
        return Answer([ds.work_types[w] for w in own if w in ds.work_types] or list(ds.work_types.values()))
    active = search.get("Active")
    if active in ("True", "False"):
        wanted = active == "True"
        return Answer([w for w in ds.work_types.values() if w.get("_active", True) == wanted])
    return Answer(list(ds.work_types.values()))


def get_salary_types(call: Call, _args: dict) -> Answer:
    return Answer(list(call.dataset.salary_types.values()))


def _status_matches(hour: dict, status: str | None) -> bool:
    if status in (None, "none"):
        return True
    if status == "Locked":
        return hour.get("Locked") == "True"
    if status == "Approved":
        return hour.get("Approved") == "True"
    if status == "Rejected":
        return hour.get("Approved") == "False"
    return hour.get("Approved") not in ("True", "False") and hour.get("Locked") != "True"  # Registered


def get_hours(call: Call, args: dict) -> Answer:
    ds = call.dataset
    search = args.get("hs") or {}
    contact, project = search.get("ContactId") or 0, search.get("ProjectId") or 0
    start, stop = search.get("StartTime"), search.get("StopTime")
    out = [
        h
        for _, h in sorted(ds.hours.items())
        if (contact <= 0 or h.get("ContactId") == contact)
        and (project <= 0 or h.get("ProjectId") == project)
        and _status_matches(h, search.get("Status"))
        and (start is None or h["StartTime"] >= start)
        and (stop is None or h["StopTime"] <= stop)
    ]
    if search.get("IncludeSalaryType"):
        return Answer(out)
    fields = frozenset(f.name for f in call.schema.fields("Hour") if f.name != "SalaryTypeId")
    return Answer(out, Select(fields))


STATUS_FIELDS = frozenset({"Id", "Locked", "Approved", "ApprovedBy", "NeedApproval"})


def _check_changeable(current: dict, item: dict) -> None:
    """An approved or locked hour keeps its contents: only a save repeating them, or changing its status, passes."""
    state = "locked" if current.get("Locked") == "True" else "approved" if current.get("Approved") == "True" else None
    if state is None:
        return
    changed = sorted(k for k, v in item.items() if k not in STATUS_FIELDS and current.get(k) != v)
    if changed:
        raise ItemError(f"Hour {current['Id']} is {state} and cannot be changed ({', '.join(changed)}).")


def save_hour_record(ds: DataSet, item: dict, now: datetime) -> dict:
    """Add (no Id) or update (known Id) one hour; ItemError names the field."""
    current = None
    if item.get("Id"):
        current = ds.hours.get(item["Id"])
        if current is None:
            raise ItemError(f"Hour with Id {item['Id']} does not exist.")
    if current is not None:
        _check_changeable(current, item)
    record = merged(current or {"Locked": "False", "Approved": "none"}, item, ("Id",))
    contact = record.get("ContactId")
    if contact not in ds.employees():
        raise ItemError(f"ContactId {contact} is not an employee.")
    if record.get("TypeOfWorkId") not in ds.work_types:
        raise ItemError(f"TypeOfWorkId {record.get('TypeOfWorkId')} does not exist.")
    if "ProjectId" in record and record["ProjectId"] not in ds.projects:
        raise ItemError(f"ProjectId {record['ProjectId']} does not exist.")
    if "SalaryTypeId" in record and record["SalaryTypeId"] not in ds.salary_types:
        raise ItemError(f"SalaryTypeId {record['SalaryTypeId']} does not exist.")
    start, stop = record.get("StartTime"), record.get("StopTime")
    if start is None or stop is None or stop <= start:
        raise ItemError("StartTime and StopTime are required and StopTime must be after StartTime.")
    if "TotalHours" not in item and (current is None or "StartTime" in item or "StopTime" in item):
        record["TotalHours"] = round((stop - start).total_seconds() / 3600, 2)
    if record["TotalHours"] > MAX_HOURS:
        raise ItemError(f"TotalHours {record['TotalHours']} is above {MAX_HOURS:g}.")
    if "ProjectId" in record and "CustomerId" not in record:
        customer = ds.projects[record["ProjectId"]].get("CustomerId")
        if customer is not None:
            record["CustomerId"] = customer
    record["Id"] = current["Id"] if current else ds.next_id("hours")
    record["_changed"] = now
    ds.hours[record["Id"]] = record
    return record


def save_hour(call: Call, args: dict) -> Answer:
    try:
        return Answer(save_hour_record(call.dataset, args.get("Hour") or {}, call.now)["Id"])
    except ItemError as exc:
        raise ServerFault(str(exc)) from None


HANDLERS = {
    "GetWorkTypeList": get_work_type_list,
    "GetSalaryTypes": get_salary_types,
    "GetHours": get_hours,
    "SaveHour": save_hour,
}
