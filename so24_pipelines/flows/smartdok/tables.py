"""The Smartdok staging table: the v1 work-hour rows S3 reads, as Smartdok gave them.

Hours are staged before they are mapped, like every source (ARCHITECTURE: every flow maps from
staging): an hour held for a code that does not match is still there on the next tick although
the read of pending hours may no longer return it, and S4 (readiness) and the user can query what
the hub saw. `identity` is the 24SO company Smartdok is paired with (flows/pairing.py).

Columns are `GET /WorkHours` (v1, WorkHourOutput) field names, walked by the one converter
(`staging/rows.py`). Rules of our own:

- the four keys (`EmployeeNo`, `ProjectNumber`, `WorkDescriptionCode`, `WageCode`) are staged as
  Smartdok writes them, text, and once more as the 24SO id they must be, only when they are digits
  (DIGITS_ONLY, the rule the Ongoing and LNB tables use): "P-12" or "INT" must never match a 24SO
  id by accident, and the mapping's join then finds nothing and holds the hour with its reason;
- `start_utc` / `stop_utc` are the hour's start and end as 24SO wants them (naive UTC). v1 gives a
  day and decimal hours of that day in Smartdok's zone (`smartdok.timezone`); the reader adds them
  (`StartUtc`, `StopUtc`, hours_staging.py) so that the mapping is plain column to field.
"""

from __future__ import annotations

from so24_pipelines.staging.tables import Column, StagingTable

_HOURS = "DECIMAL(9,4)"

HOURS = StagingTable(
    name="smartdok_hours",
    record_tag="WorkHourOutput",
    key=("work_hour_id",),
    columns=(
        Column("work_hour_id", "WorkHourID", "BIGINT", required=True),
        Column("user_id", "UserID", "VARCHAR"),
        Column("employee_no", "EmployeeNo", "VARCHAR"),
        Column("so24_contact_id", "EmployeeNo", "BIGINT"),
        Column("date", "Date", "TIMESTAMP"),
        Column("hours_from", "OrdinaryHoursFrom", _HOURS),
        Column("hours_to", "OrdinaryHoursTo", _HOURS),
        Column("break_time", "BreakTime", _HOURS),
        Column("net_hours", "NetHours", _HOURS),
        Column("start_utc", "StartUtc", "TIMESTAMP"),
        Column("stop_utc", "StopUtc", "TIMESTAMP"),
        Column("project_id", "ProjectID", "BIGINT"),
        Column("project_number", "ProjectNumber", "VARCHAR"),
        Column("so24_project_id", "ProjectNumber", "BIGINT"),
        Column("project_name", "ProjectName", "VARCHAR"),
        Column("activity_id", "WorkDescriptionId", "BIGINT"),
        Column("activity_code", "WorkDescriptionCode", "VARCHAR"),
        Column("so24_work_type_id", "WorkDescriptionCode", "BIGINT"),
        Column("activity_name", "WorkDescription", "VARCHAR"),
        Column("wage_id", "WageId", "BIGINT"),
        Column("wage_code", "WageCode", "VARCHAR"),
        Column("so24_salary_type_id", "WageCode", "BIGINT"),
        Column("wage_name", "WageName", "VARCHAR"),
        Column("foreman_attested", "ForemanAttested", "BOOLEAN"),
        Column("project_admin_attested", "ProjectAdminAttested", "BOOLEAN"),
        Column("admin_attested", "AdminAttested", "BOOLEAN"),
        Column("exported", "Exported", "BOOLEAN"),
        Column("exported_external", "ExportedExternal", "BOOLEAN"),
        Column("exported_external_id", "ExportedExternalId", "VARCHAR"),
        Column("comment", "Comment", "VARCHAR"),
        Column("last_updated", "LastUpdated", "TIMESTAMP"),
    ),
)

TABLES: tuple[StagingTable, ...] = (HOURS,)
DIGITS_ONLY = frozenset({"so24_contact_id", "so24_project_id", "so24_work_type_id", "so24_salary_type_id"})
