"""S2's loader target: 24SO projects as Smartdok projects, matched by ProjectNumber = 24SO project id.

Match before create (seed 004: "New projects (unmatched Project IDs from 24SevenOffice) will be
created"), as S1 does for users (employee_target.py): one project with the number is linked as it
is, or adopted with the owned fields written where they differ; two are held; an order (IsOrder)
with the number is held (a project cannot take an order's place); none is a create, unless a
project no 24SO project claims has the same name (the same project numbered otherwise, e.g.
"P-12" for 12): held with what to change in Smartdok, never a second project.

Field ownership (mapping/specs/smartdok_projects.yaml): ProjectNumber, ProjectName, StartDate and
EndDate; the spec's create_only fields (IsActive, DescriptionText, ClientCompanyName) only on a
create. `update_project` reads the project and PUTs every other field back as read (Smartdok
replaces the whole project), so its users, activities, owner and location survive.

Dates. 24SO sends UTC date-times; Smartdok keeps a project's start and end as the day's midnight in
its own time zone (`client.tz`, smartdok.timezone). A 24SO start at 22:39 UTC on 30 June is 1 July
in Oslo, so it is sent as 2025-07-01T00:00:00, and a Smartdok date is compared by its day only (a
time of day in it is nobody's decision). Tasks and sub-projects are not transferred (seed 004).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.flows.smartdok.register import Record, Register
from so24_pipelines.sync.records import Found, MappedRecord

DATES = ("StartDate", "EndDate")


def local_day(value: str, tz: ZoneInfo) -> str:
    """A 24SO UTC date-time (ISO, naive) as the midnight of its day in Smartdok's zone."""
    moment = datetime.fromisoformat(value)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(tz).date().isoformat() + "T00:00:00"


def day_of(value: Any) -> str | None:
    """The day part of a Smartdok date-time ("2025-06-30T22:39:49" -> "2025-06-30"), None for none."""
    return str(value)[:10] if value else None


def smartdok_fields(payload: Mapping[str, Any], tz: ZoneInfo, drop: Iterable[str] = ()) -> dict[str, Any]:
    """The payload as Smartdok takes it: dates as local midnights, `drop` (create-only fields) left out."""
    skipped = set(drop)
    body = {k: v for k, v in payload.items() if k not in skipped}
    for name in DATES:
        if body.get(name):
            body[name] = local_day(str(body[name]), tz)
    return body


def _differs(current: Any, name: str, value: Any) -> bool:
    """Whether Smartdok's `current` value of an owned field is not what S2 would write (dates by day)."""
    if name in DATES:
        return day_of(current) != day_of(value)
    return ("" if current is None else current) != value


class SmartdokProjects:
    """Smartdok projects as the loader writes them for S2 (thread-safe)."""

    system = "smartdok"
    entity = "projects"

    def __init__(
        self, client: SmartdokClient, register: Register, claimed: Collection[str], create_only: Iterable[str]
    ) -> None:  # fmt: skip
        self.client = client
        self.register = register
        self.claimed = frozenset(claimed)
        self.create_only = tuple(create_only)

    def _held(self, number: str, name: str, why: str) -> RecordRejected:
        return RecordRejected(f"held: 24SO project {number} ({name}): {why}")

    def create(self, record: MappedRecord) -> str | Found:
        body = smartdok_fields(record.payload, self.client.tz)
        number, name = str(body["ProjectNumber"]), str(body["ProjectName"])
        found = self.register.matches(number)
        if len(found) > 1:
            named = "; ".join(self.register.describe(p) for p in found)
            raise self._held(number, name, f"{len(found)} Smartdok projects carry this number ({named}); "
                                           "give all but one another number in Smartdok")  # fmt: skip
        if found and found[0].get("IsOrder"):
            raise self._held(number, name, f"{self.register.describe(found[0])} is an order; give it another number "
                                           "in Smartdok so the project can take this one")  # fmt: skip
        if found:
            return self._link(found[0], record)
        twins = [p for p in self.register.twins("ProjectName", name, self.claimed) if not p.get("IsOrder")]
        if twins:
            for twin in twins:
                self.register.hint(twin, f"the name of 24SO project {number}: set its number to {number}")
            named = "; ".join(self.register.describe(p) for p in twins)
            raise self._held(number, name, f"{named} has the same name and is the same project under another "
                                           f"number: set its number (Nummer) to {number} in Smartdok; S2 then "
                                           "links it instead of creating a second project")  # fmt: skip
        created = self.client.create_project(body)
        self.register.add(created)
        return str(created["Id"])

    def _owned(self, record: MappedRecord) -> dict[str, Any]:
        return smartdok_fields(record.payload, self.client.tz, drop=self.create_only)

    def _link(self, project: Record, record: MappedRecord) -> Found:
        owned = self._owned(record)
        differs = sorted(name for name, value in owned.items() if _differs(project.get(name), name, value))
        number = owned["ProjectNumber"]
        if not differs:
            return Found(
                str(project["Id"]),
                f"linked to Smartdok project {project['Id']}, found by number {number}; nothing written",
            )
        self.client.update_project(int(project["Id"]), owned)
        return Found(
            str(project["Id"]),
            f"adopted Smartdok project {project['Id']}, found by number {number}; written: {', '.join(differs)}",
        )

    def update(self, target_key: str, record: MappedRecord) -> None:
        self.client.update_project(int(target_key), self._owned(record))

    def find_by_business_key(self, business_key: str) -> str | None:
        found = [p for p in self.client.find_projects_by_number(business_key) if not p.get("IsOrder")]
        if len(found) > 1:
            raise RecordRejected(f"held: {len(found)} Smartdok projects carry number {business_key}; "
                                 "give all but one another number in Smartdok")  # fmt: skip
        return str(found[0]["Id"]) if found else None
