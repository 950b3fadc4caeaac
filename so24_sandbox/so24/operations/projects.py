"""ProjectService handlers: GetProjectList, SaveProject.

Quirks kept from 24SO: GetProjectList lists active projects only (deactivated ones have their own
calls); SaveProject answers the project id, so a refused project is a fault, not an APIException;
an Id that does not exist yet creates the project under that Id; Owner is always the logged-in
user and Enabled is a legacy flag that stays false.
"""

from __future__ import annotations

from datetime import datetime

from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.operations.common import Answer, Call, ItemError, ServerFault, ids, merged
from so24_sandbox.so24.values import changed_since

_READ_ONLY = ("DateChanged", "DateRegistered", "Owner", "Enabled", "CustomerName")


def get_project_list(call: Call, args: dict) -> Answer:
    ds = call.dataset
    search = args.get("Ps") or {}
    wanted = ids(search.get("ProjectIds"))
    fresh = changed_since(search.get("ChangedAfter"))
    text = search.get("Search", "").lower()
    me = ds.user_contact_id
    out = []
    for pid in sorted(ds.projects):
        p = ds.projects[pid]
        start = p.get("DateStart")
        if not p.get("_active", True) or (wanted is not None and pid not in wanted):
            continue
        if not fresh(p.get("DateChanged")) or (text and text not in p.get("Name", "").lower()):
            continue
        if "CustomerId" in search and p.get("CustomerId") != search["CustomerId"]:
            continue
        if "StartedAfter" in search and (start is None or start < search["StartedAfter"]):
            continue
        if "StartedBefore" in search and (start is None or start > search["StartedBefore"]):
            continue
        if search.get("MyProjects") and me != p.get("Owner") and me not in (p.get("Participants") or []):
            continue
        out.append(p)
    return Answer(out)


def save_project_record(ds: DataSet, item: dict, now: datetime) -> dict:
    """Create or update one project; ItemError names the problem."""
    if "CustomerId" in item and item["CustomerId"] not in ds.companies:
        raise ItemError(f"CustomerId {item['CustomerId']} does not exist.")
    current = ds.projects.get(item["Id"]) if "Id" in item else None
    if current is not None:
        record = merged(current, item, _READ_ONLY)
    else:
        if not item.get("Name"):
            raise ItemError("A new project needs Name.")
        record = merged(
            {"Owner": ds.user_contact_id, "DateRegistered": now, "_active": True}, item, _READ_ONLY
        )
        record.setdefault("NameDisplay", "Plain")
        record.setdefault("TimeReg", "WorkType")
        if "Id" not in item:
            record["Id"] = ds.next_id("projects")
        else:
            ds.counters["projects"] = max(ds.counters["projects"], item["Id"])
    if "CustomerId" in record:
        record["CustomerName"] = ds.companies[record["CustomerId"]].get("Name")
    record["Enabled"] = False
    record["DateChanged"] = now
    ds.projects[record["Id"]] = record
    return record


def save_project(call: Call, args: dict) -> Answer:
    try:
        return Answer(save_project_record(call.dataset, args.get("project") or {}, call.now)["Id"])
    except ItemError as exc:
        raise ServerFault(str(exc)) from None


HANDLERS = {"GetProjectList": get_project_list, "SaveProject": save_project}
