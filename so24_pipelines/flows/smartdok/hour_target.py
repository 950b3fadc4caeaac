"""S3's loader target: approved Smartdok hours as 24SO hours (TimeService.SaveHour).

Where the hub keeps the Smartdok hour id on the 24SO hour: at the end of `Description`, as the tag
"[Smartdok <WorkHourID>]". The 2018 TimeService contract the client speaks has no external id or
note field on Hour (InternalNote is only in the 2022 docs, which zeep on the 2018 WSDL cannot send),
and Description is the one text 24SO keeps as sent. The tag is what makes S3 match before create:

- `create` first looks for an hour of the contact around the day whose Description carries the
  tag (GetHours: the contact's hours from the day before to the day after, wide enough for any
  zone and a night shift). Found: it is the hour, linked (`Found`, logged `resolved`), never added
  again. That is the case after a crash between the save and the loader's record, or between the
  loader's record and the marking in Smartdok (then the id map already has it and the loader
  plans no create at all).
- `find_by_business_key` answers the loader's own question after a crash with the same look-up;
  the business key is "<WorkHourID>@<contact id>@<day>" (business_key()), since GetHours cannot
  search by text.
- `save_hour` itself never repeats an add blindly: a lost answer is read back (writes.py).

Updates: a Smartdok edit of a transferred hour (times, codes, comment) maps to a new payload and
the loader plans an update: SaveHour with the 24SO id. 24SO applies it while its hour is neither
approved nor locked in 24SO; once it is, 24SO refuses and the edit is held with the reason ("change
it in 24SO"), listed in the run and the failed records on every tick while they differ. An hour
Smartdok no longer counts as approved after the transfer is reported, never deleted in 24SO (the
flow, hours.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected, So24Refused
from so24_pipelines.connectors.so24 import reads, writes
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.sync.records import Found, MappedRecord

TAG = re.compile(r"\[Smartdok (\d+)\]\s*$")
DESCRIPTION_LIMIT = 255  # what the hub lets Description grow to with its tag; 24SO states no limit


def tag(hour_id: str | int) -> str:
    return f"[Smartdok {int(hour_id)}]"


def tagged(description: str | None, hour_id: str | int) -> str:
    """The Smartdok comment with the hub's tag at its end (the comment cut so both fit)."""
    mark = tag(hour_id)
    text = (description or "").strip()[: DESCRIPTION_LIMIT - len(mark) - 1].strip()
    return f"{text} {mark}" if text else mark


def tagged_id(description: Any) -> int | None:
    """The Smartdok hour id a 24SO Description carries at its end, or None."""
    found = TAG.search(str(description or ""))
    return int(found.group(1)) if found else None


def business_key(hour_id: str, payload: Mapping[str, Any]) -> str:
    """"<WorkHourID>@<contact id>@<day>": all the look-up needs, since 24SO cannot search by tag."""
    return f"{hour_id}@{int(payload['ContactId'])}@{str(payload['StartTime'])[:10]}"


def hour_body(hour_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Hour as SaveHour takes it: times as datetimes (naive UTC), hours as a double, the tag on."""
    body = dict(payload)
    for name in ("StartTime", "StopTime"):
        body[name] = datetime.fromisoformat(str(body[name]))
    if isinstance(body.get("TotalHours"), Decimal | int | str):
        body["TotalHours"] = float(body["TotalHours"])
    body["Description"] = tagged(body.get("Description"), hour_id)
    return body


class So24Hours:
    """24SO hours as the loader writes them for S3 (thread-safe: one zeep client call at a time each)."""

    system = "so24"
    entity = "hours"

    def __init__(self, client: So24Client) -> None:
        self.client = client

    def _find(self, hour_id: int, contact_id: int, day: date) -> int | None:
        start = datetime.combine(day - timedelta(days=1), time())
        stop = datetime.combine(day + timedelta(days=2), time())
        for found in reads.hours(self.client, contact_id=contact_id, start=start, stop=stop):
            if tagged_id(found.get("Description")) == hour_id:
                return int(found["Id"])
        return None

    def create(self, record: MappedRecord) -> str | Found:
        body = hour_body(record.source_key, record.payload)
        hour_id = int(record.source_key)
        existing = self._find(hour_id, int(body["ContactId"]), body["StartTime"].date())
        if existing is not None:
            return Found(str(existing), f"24SO already has it as hour {existing} ({tag(hour_id)}); linked, not added again")
        return str(writes.save_hour(self.client, body))

    def update(self, target_key: str, record: MappedRecord) -> None:
        body = {**hour_body(record.source_key, record.payload), "Id": int(target_key)}
        try:
            writes.save_hour(self.client, body)
        except So24Refused as exc:
            raise RecordRejected(
                f"Smartdok hour {record.source_key} was edited after its transfer as 24SO hour {target_key}; "
                f"24SO refused the edit ({exc.reason or exc}): change the hour in 24SO if the edit stands"
            ) from None

    def find_by_business_key(self, business_key: str) -> str | None:
        hour_id, contact_id, day = business_key.split("@")
        found = self._find(int(hour_id), int(contact_id), date.fromisoformat(day))
        return str(found) if found is not None else None
