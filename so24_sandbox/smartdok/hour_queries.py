"""The two work-hour reads: `GET /WorkHours` (v1, filters exactly as documented) and v2 (paged).

v1, "Returns all attested hours in the time interval specified":

- `fromDate`, `toDate` required; more than `max_window_days` (93) apart -> 400 DateRangeTooLarge
  (Code/Error/Message; the text is the sandbox's, the rule the spec's). The period compares days:
  an hour counts when its day lies between fromDate's day and toDate's day, both inclusive.
- `onlyAttested` (default true): attested at the behaviour's level or above.
- `includeExported` (default false): false leaves out hours already exported to payroll
  (`Exported`). A hub reading approved hours for 24SO must pass true, or hours payroll took first
  never reach it.
- `exportedExternal`: absent = ignore; false = only not exported externally; true = only exported.
  `exportedExternalId` filters on the tag and requires `exportedExternal=true` (400 otherwise).
- `lastUpdated`: only hours added or edited strictly after this time ("after").
- `includeWagesMarkedNoExport` (default false): hours on a wage type with `Export` false are left
  out unless true. `absence`: absent = all; true/false = only / no absence (absence wage or
  absence project). `projectId`, `subProjectId`, `areaId`: equality (no hour has a sub-project
  or area here, so those two filter everything out).
- `includeMachineHours`, `includeHourBankHours`, `includeAllowanceMarkedNoExport` are accepted
  and change nothing: the sandbox registers no machine hours, hour bank or allowances.
- No paging: one answer holds the whole period (`Offset` 0, `Count` = `TotalCount`).

v2: `offset` (>= 0, default 0), `count` (1..100, default 100), optional `fromDate`/`toDate` (no
window limit), `approved`, `lastUpdated`, `absence`, `projectId`...; ordered by Id so pages are
stable while nothing changes; bad parameters answer 400 ProblemDetails.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from so24_sandbox.smartdok import hours, query
from so24_sandbox.smartdok.answers import bad_request
from so24_sandbox.smartdok.behaviour import Behaviour
from so24_sandbox.smartdok.store import SmartdokStore

MAX_V2_COUNT = 100


def _envelope(items: list[dict[str, Any]], offset: int, total: int) -> dict[str, Any]:
    return {"Count": len(items), "Offset": offset, "TotalCount": total, "Items": items}


def read_v1(store: SmartdokStore, behaviour: Behaviour, params: Mapping[str, str]) -> dict[str, Any]:
    try:
        start = query.moment(params, "fromDate", needed=True)
        end = query.moment(params, "toDate", needed=True)
        include_exported = query.boolean(params, "includeExported", False)
        only_attested = query.boolean(params, "onlyAttested", True)
        query.boolean(params, "includeMachineHours", False)
        include_no_export = query.boolean(params, "includeWagesMarkedNoExport", False)
        project_id = query.integer(params, "projectId")
        sub_project_id = query.integer(params, "subProjectId")
        area_id = query.integer(params, "areaId")
        exported_external = query.boolean(params, "exportedExternal", None)
        exported_external_id = query.text(params, "exportedExternalId")
        absence = query.boolean(params, "absence", None)
        query.boolean(params, "includeHourBankHours", False)
        query.boolean(params, "includeAllowanceMarkedNoExport", True)
        last_updated = query.moment(params, "lastUpdated")
    except query.QueryError as exc:
        raise exc.as_bad_request() from None
    assert start is not None and end is not None
    if end < start:
        raise bad_request("ToDateBeforeFromDate", "toDate must not be before fromDate.")
    limit = int(behaviour["max_window_days"])
    if end - start > timedelta(days=limit):
        raise bad_request("DateRangeTooLarge", f"Max {limit} days between fromDate and toDate.")
    if exported_external_id is not None and exported_external is not True:
        raise bad_request("ExportedExternalMustBeTrue", "exportedExternalId requires exportedExternal=true.")
    level = str(behaviour["attested_level"])
    with store.lock:
        rows = []
        for hour in store.hours.values():
            if not start.date() <= hour["Date"] <= end.date():
                continue
            if hour["Exported"] and not include_exported:
                continue
            if only_attested and not hours.attested(hour, level):
                continue
            wage = store.wages.get(hour["WageId"]) or {}
            if not wage.get("Export") and not include_no_export:
                continue
            if project_id is not None and hour["ProjectId"] != project_id:
                continue
            if sub_project_id is not None or area_id is not None:
                continue
            if exported_external is not None and hour["ExportedExternal"] != exported_external:
                continue
            if exported_external_id is not None and hour["ExportedExternalId"] != exported_external_id:
                continue
            if absence is not None and hours.is_absence(store, hour) != absence:
                continue
            if last_updated is not None and not hour["LastUpdated"] > last_updated:
                continue
            rows.append(hour)
        rows.sort(key=lambda h: (h["Date"], h["Id"]))
        items = [hours.render_v1(store, h) for h in rows]
    return _envelope(items, 0, len(items))


def read_v2(store: SmartdokStore, behaviour: Behaviour, params: Mapping[str, str], instance: str) -> dict[str, Any]:
    try:
        offset = query.integer(params, "offset", 0, low=0)
        count = query.integer(params, "count", MAX_V2_COUNT, low=1, high=MAX_V2_COUNT)
        start = query.moment(params, "fromDate")
        end = query.moment(params, "toDate")
        project_id = query.integer(params, "projectId")
        sub_project_id = query.integer(params, "subProjectId")
        area_id = query.integer(params, "areaId")
        last_updated = query.moment(params, "lastUpdated")
        approved = query.boolean(params, "approved", None)
        absence = query.boolean(params, "absence", None)
    except query.QueryError as exc:
        raise exc.as_problem(instance) from None
    assert offset is not None and count is not None
    level = str(behaviour["attested_level"])
    with store.lock:
        rows = []
        for hour_id in sorted(store.hours):
            hour = store.hours[hour_id]
            if start is not None and hour["Date"] < start.date():
                continue
            if end is not None and hour["Date"] > end.date():
                continue
            if project_id is not None and hour["ProjectId"] != project_id:
                continue
            if sub_project_id is not None or area_id is not None:
                continue
            if last_updated is not None and not hour["LastUpdated"] > last_updated:
                continue
            if approved and not hours.attested(hour, level):
                continue
            if absence is not None and hours.is_absence(store, hour) != absence:
                continue
            rows.append(hour)
        page = [hours.render_v2(h) for h in rows[offset : offset + count]]
    return _envelope(page, offset, len(rows))
