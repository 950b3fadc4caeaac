"""The two coded registers S3 maps through: activities (`/WorkDescriptions`) and wage types (`/Wages`).

Both answer a **bare JSON array** (no collection envelope, unlike users and projects), list every
record by default (`all=true`, `active=false` are the documented defaults, the opposite of
`/Users`), and filter by exact `...Number` and by name (case-insensitive part; assumption). The
code the hub matches on is `Number` ("Kode" in the UI): activity Number = 24SO work type id, wage
Number = 24SO salary type id. An activity's Number is optional on input; the output model
requires a string, so a missing one is written "". A wage's `Export` says whether payroll exports
it; `GET /WorkHours` leaves out hours on non-exported wages unless asked.

Writes to these registers are not emulated: the hub only reads them. An administrator fixing a
code in the UI is the control API's `POST /_sandbox/smartdok/activities/{id}` (and wages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from so24_sandbox.smartdok.answers import not_found
from so24_sandbox.smartdok.store import SmartdokStore, public

ACTIVITY_FIELDS = ("Name", "Number", "IsActive", "Price", "InternalRate")
WAGE_FIELDS = (
    "Name", "Number", "IsActive", "Export", "IsAbsence", "IsDaytime", "Rate", "HourlyCost", "InternalPrice",
    "Order", "IsCommentRequired",
)  # fmt: skip
_AMOUNTS = ("Price", "InternalRate", "Rate", "HourlyCost", "InternalPrice")  # non-nullable in the output
FIRST_ACTIVITY_ID = 301
FIRST_WAGE_ID = 501


@dataclass(frozen=True)
class CodeRegister:
    """One coded register: which table, which query names, which fields a record has."""

    table: str
    number_param: str
    name_param: str
    fields: tuple[str, ...]
    first_id: int

    def records(self, store: SmartdokStore) -> dict[int, dict[str, Any]]:
        return getattr(store, self.table)

    def render(self, record: dict[str, Any]) -> dict[str, Any]:
        out = public(record)
        out["Number"] = record.get("Number") or ""
        out["Name"] = record.get("Name") or ""
        for key in _AMOUNTS:
            if key in out and out[key] is None:
                out[key] = 0.0
        if "Order" in out and out["Order"] is None:
            out["Order"] = 0
        return out

    def add(self, store: SmartdokStore, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a record (seed and control API); unknown field names raise ValueError."""
        unknown = set(fields) - set(self.fields)
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; known: {list(self.fields)}")
        with store.lock:
            record = {"Id": store.next_id(self.table, self.first_id), **dict.fromkeys(self.fields), **fields}
            record["IsActive"] = bool(record.get("IsActive"))
            for flag in ("Export", "IsAbsence", "IsDaytime", "IsCommentRequired"):
                if flag in self.fields:
                    record[flag] = bool(record.get(flag))
            self.records(store)[record["Id"]] = record
            return record

    def edit(self, store: SmartdokStore, record_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change fields as an administrator in the UI would (control API)."""
        unknown = set(changes) - set(self.fields)
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; known: {list(self.fields)}")
        with store.lock:
            record = self.records(store).get(record_id)
            if record is None:
                raise not_found()
            record.update(changes)
            return self.render(record)

    def listing(
        self, store: SmartdokStore, *, number: str | None, name: str | None, include_all: bool, active: bool
    ) -> list[dict[str, Any]]:
        with store.lock:
            found = []
            for record in self.records(store).values():
                if number is not None and (record.get("Number") or "") != number:
                    continue
                if name is not None and name.lower() not in (record.get("Name") or "").lower():
                    continue
                if not include_all and record["IsActive"] != active:
                    continue
                found.append(self.render(record))
            return found

    def get(self, store: SmartdokStore, record_id: int) -> dict[str, Any]:
        with store.lock:
            record = self.records(store).get(record_id)
            if record is None:
                raise not_found()
            return self.render(record)


ACTIVITIES = CodeRegister("activities", "workDescriptionNumber", "workDescriptionName", ACTIVITY_FIELDS, FIRST_ACTIVITY_ID)
WAGES = CodeRegister("wages", "wageNumber", "wageName", WAGE_FIELDS, FIRST_WAGE_ID)
