"""Marking transferred hours in Smartdok, safe to repeat.

- `mark_exported_external(ids, batch_id)`: `POST /WorkHours/SetExportedExternal
  ?exportedExternalId=<batch>&setAsExportedExternal=true` with the ids. The flag "does not affect
  any functionality in SmartDok" and leaves payroll's own export state alone, which is why S3
  uses it by default (`flows.S3.mark_exported_as: external`). The batch id is required here:
  without a tag a mark cannot be found again or undone by batch.
- `mark_exported_payroll(ids)`: `POST /WorkHours/MarkAsExported`, payroll's flag, for customers
  whose payroll reads hours from 24SO instead.
- `unmark_exported_external(ids)` / `unmark_batch(batch_id)` undo a mark.

Each call sets a state rather than toggling one, so a repeat changes nothing: the shared client
may resend them after a dropped answer or a 5xx (`idempotent=True`), and the hub may re-mark a
batch after a crash. Ids go in chunks of `mark_batch_size` (a setting: Smartdok documents no
limit) in ascending order, duplicates dropped. Ids Smartdok does not know are, as far as anyone
can tell, ignored: the calls answer 200 with no body and report nothing per id, so a caller that
must know reads the hours back (`iter_exported_batch`).
"""

from __future__ import annotations

from collections.abc import Iterable

from so24_pipelines.connectors.smartdok.base import SmartdokBase

SET_EXTERNAL = "WorkHours/SetExportedExternal"
UNMARK_EXTERNAL = "WorkHours/UnmarkExportedExternal"
MARK_PAYROLL = "WorkHours/MarkAsExported"


def _ids(hour_ids: Iterable[int]) -> list[int]:
    values = sorted({int(i) for i in hour_ids})
    if any(i < 0 for i in values):
        raise ValueError("work hour ids are non-negative")
    return values


def _batch(batch_id: str) -> str:
    tag = (batch_id or "").strip()
    if not tag:
        raise ValueError("a batch id is required to mark hours exported externally")
    return tag


class MarkingCalls(SmartdokBase):
    def _post_ids(self, path: str, ids: list[int], params: dict[str, str] | None = None) -> int:
        for start in range(0, len(ids), self.mark_batch_size):
            chunk = ids[start : start + self.mark_batch_size]
            self.request("POST", path, params=params, json_body=chunk, idempotent=True)
        return len(ids)

    def mark_exported_external(self, hour_ids: Iterable[int], batch_id: str) -> int:
        """Tag the hours exported to an external system with `batch_id`; returns how many ids were sent."""
        params = {"exportedExternalId": _batch(batch_id), "setAsExportedExternal": "true"}
        return self._post_ids(SET_EXTERNAL, _ids(hour_ids), params)

    def unmark_exported_external(self, hour_ids: Iterable[int]) -> int:
        """Clear the external flag (and tag) of these hours."""
        return self._post_ids(SET_EXTERNAL, _ids(hour_ids), {"setAsExportedExternal": "false"})

    def unmark_batch(self, batch_id: str) -> None:
        """Clear the external flag of every hour tagged `batch_id`."""
        self.request("POST", UNMARK_EXTERNAL, params={"exportedExternalId": _batch(batch_id)}, idempotent=True)

    def mark_exported_payroll(self, hour_ids: Iterable[int]) -> int:
        """Set payroll's `Exported` flag (GET /WorkHours then hides the hours by default)."""
        return self._post_ids(MARK_PAYROLL, _ids(hour_ids))
