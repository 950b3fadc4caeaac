"""The three export-marking POSTs, each a "set this state", so repeating one changes nothing.

- `POST /WorkHours/MarkAsExported` [ids]: payroll's `Exported` flag on (then `GET /WorkHours`
  leaves those hours out unless `includeExported=true`).
- `POST /WorkHours/SetExportedExternal?exportedExternalId=<tag>&setAsExportedExternal=true|false`
  [ids]: true sets `ExportedExternal` and the tag (an empty tag stores null); false clears both.
  "Does not affect any functionality in SmartDok."
- `POST /WorkHours/UnmarkExportedExternal?exportedExternalId=<tag>` (no body): clears every hour
  carrying that tag. Without a tag it is refused (400): clearing every untagged hour is surely
  not what a caller meant (assumption; the spec does not mark the parameter required).

All answer 200 with no body. Ids that name no hour are skipped without complaint, as an
`UPDATE ... WHERE Id IN (...)` would (assumption: the spec is silent). A mark that changes an
hour stamps its `LastUpdated` while `marking_touches_last_updated` is on; one that finds the
hour already so marked leaves it alone. Returns how many hours changed (for the control API).
"""

from __future__ import annotations

from typing import Any

from so24_sandbox.smartdok.answers import bad_request
from so24_sandbox.smartdok.behaviour import Behaviour
from so24_sandbox.smartdok.store import SmartdokStore


def _apply(store: SmartdokStore, behaviour: Behaviour, hour: dict[str, Any], changes: dict[str, Any]) -> int:
    if all(hour[k] == v for k, v in changes.items()):
        return 0
    hour.update(changes)
    if behaviour["marking_touches_last_updated"]:
        hour["LastUpdated"] = store.now()
    return 1


def mark_as_exported(store: SmartdokStore, behaviour: Behaviour, ids: list[int]) -> int:
    with store.lock:
        found = [store.hours[i] for i in dict.fromkeys(ids) if i in store.hours]
        return sum(_apply(store, behaviour, h, {"Exported": True}) for h in found)


def set_exported_external(
    store: SmartdokStore, behaviour: Behaviour, ids: list[int], tag: str | None, mark: bool
) -> int:
    changes: dict[str, Any] = (
        {"ExportedExternal": True, "ExportedExternalId": tag or None}
        if mark
        else {"ExportedExternal": False, "ExportedExternalId": None}
    )
    with store.lock:
        found = [store.hours[i] for i in dict.fromkeys(ids) if i in store.hours]
        return sum(_apply(store, behaviour, h, changes) for h in found)


def unmark_exported_external(store: SmartdokStore, behaviour: Behaviour, tag: str | None) -> int:
    if not tag:
        raise bad_request("ExportedExternalIdIsRequired", "exportedExternalId is required.")
    with store.lock:
        tagged = [h for h in store.hours.values() if h["ExportedExternalId"] == tag]
        changes = {"ExportedExternal": False, "ExportedExternalId": None}
        return sum(_apply(store, behaviour, h, changes) for h in tagged)
