"""Reading work hours: v1 in windows of at most 93 days, v2 page by page.

- `GET /WorkHours` (v1) is the only read with attestation and export flags and the codes inline
  (`EmployeeNo`, `ProjectNumber`, `WorkDescriptionCode`, `WageCode`): S3 reads it. It needs
  fromDate and toDate at most 93 days apart and has no paging, so `iter_work_hours` splits any
  period into windows (windows.py) and de-duplicates rows by `WorkHourID`.
- Its defaults hide rows: `onlyAttested=true` (by the server's own, undocumented idea of
  attested), `includeExported=false` (rows payroll already took), `includeWagesMarkedNoExport=false`.
  `iter_approved_hours` therefore asks for attested *and* unattested, payroll-exported or not,
  and keeps the rows attested at the hub's level itself (attestation.py); by default only those
  not yet exported to an external system (`exportedExternal=false`).
- `lastUpdated` returns rows added or edited strictly after the given time, within the period:
  keep as watermark the time the previous read *started* (minus a little), not the newest
  LastUpdated seen, or an edit made during a read is lost. Whether attesting or marking stamps
  LastUpdated is not documented; do not rely on it to find newly attested hours (read the
  window with `exportedExternal=false` instead).
- `GET /WorkHours/v2` pages with offset/count (count <= 100) and carries ids only (no codes, no
  flags). Offset paging over rows that change can repeat or skip one; rows are de-duplicated by
  Id, and callers that must see every row should read v1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from so24_pipelines.connectors.smartdok.attestation import AttestationLevel, is_attested
from so24_pipelines.connectors.smartdok.base import MAX_PAGE_SIZE, SmartdokBase
from so24_pipelines.connectors.smartdok.times import day_end, day_start, format_query_time
from so24_pipelines.connectors.smartdok.windows import split

WORK_HOURS = "WorkHours"
WORK_HOURS_V2 = "WorkHours/v2"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


class HourCalls(SmartdokBase):
    def iter_work_hours(
        self,
        first_day: date,
        last_day: date,
        *,
        only_attested: bool = True,
        include_exported: bool = False,
        exported_external: bool | None = None,
        exported_external_id: str | None = None,
        last_updated: datetime | None = None,
        project_id: int | None = None,
        absence: bool | None = None,
        include_wages_marked_no_export: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """v1 rows (WorkHourOutput) dated `first_day` .. `last_day` (inclusive), window by window.

        The filters are v1's, with v1's defaults. Lazy: stop iterating to stop calling.
        """
        if exported_external_id is not None and exported_external is not True:
            raise ValueError("exported_external_id filters only with exported_external=True (Smartdok refuses it)")
        params: dict[str, Any] = {
            "onlyAttested": _flag(only_attested),
            "includeExported": _flag(include_exported),
            "includeWagesMarkedNoExport": _flag(include_wages_marked_no_export),
        }
        if exported_external is not None:
            params["exportedExternal"] = _flag(exported_external)
        if exported_external_id is not None:
            params["exportedExternalId"] = exported_external_id
        if last_updated is not None:
            params["lastUpdated"] = format_query_time(last_updated, self.tz)
        if project_id is not None:
            params["projectId"] = int(project_id)
        if absence is not None:
            params["absence"] = _flag(absence)
        seen: set[int] = set()
        for window in split(_day(first_day), _day(last_day), self.max_window_days):
            query = {**params, "fromDate": day_start(window.first), "toDate": day_end(window.last)}
            rows, _ = self.items(WORK_HOURS, query)
            for row in rows:
                key = row.get("WorkHourID")
                if isinstance(key, int):
                    if key in seen:
                        continue
                    seen.add(key)
                yield row

    def iter_approved_hours(
        self,
        first_day: date,
        last_day: date,
        *,
        level: AttestationLevel = "admin",
        pending_only: bool = True,
        last_updated: datetime | None = None,
        include_wages_marked_no_export: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """v1 rows attested at `level` or above; with `pending_only`, not yet exported externally.

        Payroll-exported rows are included: the payroll flag says nothing about 24SO.
        """
        rows = self.iter_work_hours(
            first_day, last_day, only_attested=False, include_exported=True,
            exported_external=False if pending_only else None, last_updated=last_updated,
            include_wages_marked_no_export=include_wages_marked_no_export,
        )  # fmt: skip
        return (row for row in rows if is_attested(row, level))

    def iter_exported_batch(self, first_day: date, last_day: date, batch_id: str) -> Iterator[dict[str, Any]]:
        """v1 rows tagged exported-external with `batch_id`, whatever their other flags.

        After a crash between a 24SO save and the marking, this tells which hours of a batch
        Smartdok already has marked.
        """
        return self.iter_work_hours(
            first_day, last_day, only_attested=False, include_exported=True, exported_external=True,
            exported_external_id=batch_id, include_wages_marked_no_export=True,
        )  # fmt: skip

    def iter_work_hours_v2(
        self,
        *,
        first_day: date | None = None,
        last_day: date | None = None,
        approved: bool | None = None,
        last_updated: datetime | None = None,
        project_id: int | None = None,
        absence: bool | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """v2 registrations (WorkHourOutputV2), page by page, de-duplicated by Id."""
        size = page_size or self.page_size
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        params: dict[str, Any] = {}
        if first_day is not None:
            params["fromDate"] = day_start(_day(first_day))
        if last_day is not None:
            params["toDate"] = day_end(_day(last_day))
        if approved is not None:
            params["approved"] = _flag(approved)
        if last_updated is not None:
            params["lastUpdated"] = format_query_time(last_updated, self.tz)
        if project_id is not None:
            params["projectId"] = int(project_id)
        if absence is not None:
            params["absence"] = _flag(absence)
        seen: set[int] = set()

        def fetch(offset: int | None) -> tuple[list[dict[str, Any]], int | None]:
            start = offset or 0
            rows, total = self.items(WORK_HOURS_V2, {**params, "offset": start, "count": size})
            fresh = [r for r in rows if r.get("Id") not in seen]
            seen.update(r["Id"] for r in fresh if isinstance(r.get("Id"), int))
            after = start + len(rows)
            more = bool(rows) and (after < total if total is not None else len(rows) == size)
            return fresh, (after if more else None)

        return self.paginate(fetch)

    def get_work_hour(self, hour_id: int) -> dict[str, Any] | None:
        """One registration in the v2 shape (no codes, no flags), or None."""
        return self.one(f"{WORK_HOURS}/{int(hour_id)}")
