"""S3's staged read: the Smartdok hours it must look at, into staging.smartdok_hours.

Two reads of `GET /WorkHours` (v1: the only read with the codes and the attestation and export
flags inline), each split into windows of at most 93 days by the connector:

- pending: every hour of the period not yet exported externally, attested or not
  (`exportedExternal=false`, `onlyAttested=false`, `includeExported=true`: payroll's flag says
  nothing about 24SO). Which attestation counts is the hub's own test at mapping time
  (`flows.S3.attestation_level`), so a changed setting needs no new read;
- transferred and edited since: the hours already exported externally that Smartdok says were
  added or edited after the mark (`lastUpdated`), so an edit made after the transfer is seen,
  over the last `flows.S3.edit_lookback_days` (a year by default) or the backfill's days. The
  mark is when the previous read *began* (sync.state `smartdok/<identity>/hours/changed_after`),
  moved after the rows are staged, in the same transaction; the first read (no mark) and a
  backfill read every transferred hour of the period.

The period is the last `lookback_days` on a scheduled tick, or the days the user gives a backfill
run (`from_date` .. `to_date`, launched from the UI). A scheduled tick reaches further back to the
oldest staged hour still pending (within `edit_lookback_days`): an hour held for a code, staged by
a backfill months ago, is read again on every tick, so the fix in Smartdok lets it go by itself. Each row gets `StartUtc` / `StopUtc` (the
day and decimal hours of Smartdok's zone as naive UTC, to the minute: 24SO disregards seconds).
A shift that ends at or before its start ends the next day (a night shift).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from so24_pipelines.connectors.smartdok import SmartdokClient, parse_time
from so24_pipelines.flows.smartdok.tables import DIGITS_ONLY, HOURS, TABLES
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.staging.rows import convert, upsert_converted
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.upsert import UpsertResult
from so24_pipelines.sync.schema import sync_schema_exists, utcnow
from so24_pipelines.sync.watermarks import read_watermark, watermark_key, write_watermark

EDIT_OVERLAP = timedelta(minutes=5)


@dataclass(frozen=True)
class Period:
    """The days a read covers, both included; `backfill` when the user chose them."""

    first: date
    last: date
    backfill: bool = False

    def words(self) -> str:
        kind = "backfill" if self.backfill else "scheduled"
        return f"{self.first} .. {self.last} ({kind})"


def period(today: date, lookback_days: int, from_date: date | None = None, to_date: date | None = None) -> Period:
    """The scheduled look-back ending today, or the backfill's days (to today when no end is given)."""
    if from_date is None:
        return Period(today - timedelta(days=lookback_days - 1), today)
    last = to_date or today
    if last < from_date:
        raise ValueError(f"to_date {last} is before from_date {from_date}")
    return Period(from_date, last, backfill=True)


def ensure_tables(db_path: str | Path) -> None:
    """Create the table (empty) so the mapping and S4 run before the first read."""
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        for table in TABLES:
            con.execute(table_ddl(table))


def _hours(value: Any) -> timedelta:
    return timedelta(minutes=round(Decimal(str(value or 0)) * 60))


def with_times(row: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The row plus StartUtc and StopUtc (naive UTC ISO), or without them when its day is missing."""
    out = dict(row)
    if not row.get("Date"):
        return out
    day = parse_time(str(row["Date"]), tz).date()
    midnight = datetime.combine(day, time())
    start = midnight + _hours(row.get("OrdinaryHoursFrom"))
    stop = midnight + _hours(row.get("OrdinaryHoursTo"))
    if stop <= start:
        stop += timedelta(days=1)
    # Local wall time -> UTC through the zone (a time in a DST gap or fold is taken as zoneinfo does).
    out["StartUtc"] = start.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None).isoformat()
    out["StopUtc"] = stop.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None).isoformat()
    return out


def stage_hours(
    db_path: str | Path, identity: str, rows: Iterable[Mapping[str, Any]], tz: ZoneInfo, *,
    mark: tuple[str, datetime] | None = None,
) -> UpsertResult:  # fmt: skip
    """Upsert the rows and, in the same transaction, move the edit mark; a crash never moves it alone."""
    converted = convert(HOURS, (with_times(r, tz) for r in rows), digits_only=DIGITS_ONLY)
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        for table in TABLES:
            con.execute(table_ddl(table))
        result = upsert_converted(con, HOURS, converted, identity)
        if mark is not None:
            write_watermark(con, mark[0], mark[1], not_after=mark[1])
    return result


def earliest_pending(con: Any, identity: str) -> date | None:
    """The day of the oldest staged hour not yet exported externally (one a tick has held), or None."""
    row = con.execute(
        f"SELECT min(date) FROM {HOURS.qualified} WHERE identity = ? "  # noqa: S608 - declared name
        "AND NOT coalesce(exported_external, false)",
        [identity],
    ).fetchone()
    return row[0].date() if row and row[0] is not None else None


def edit_mark_key(identity: str) -> str:
    return watermark_key("smartdok", identity, "hours")


def _pending(client: SmartdokClient, span: Period) -> list[dict[str, Any]]:
    return list(client.iter_work_hours(
        span.first, span.last, only_attested=False, include_exported=True, exported_external=False,
        include_wages_marked_no_export=True,
    ))  # fmt: skip


def read_pending(client: SmartdokClient, db_path: str | Path, identity: str, span: Period) -> UpsertResult:
    """Only the first read (S4's: which hours wait, before any transfer); the edit mark stays."""
    return stage_hours(db_path, identity, _pending(client, span), client.tz)


def read_hours(
    client: SmartdokClient, db_path: str | Path, identity: str, span: Period, edit_days: int = 366
) -> UpsertResult:
    """The two reads of the module doc, staged; the staging result (received, rejected with reasons).

    The edit read covers at least the last `edit_days` (`flows.S3.edit_lookback_days`): an hour
    transferred by a backfill months ago can still be edited, and `lastUpdated` keeps that read
    small; an edit of an hour dated before that is not looked for.
    """
    key = edit_mark_key(identity)
    with connect(db_path) as con:
        mark = read_watermark(con, key) if sync_schema_exists(con) and not span.backfill else None
        held = None if span.backfill else earliest_pending(con, identity)
    began = utcnow()
    floor = span.last - timedelta(days=edit_days - 1)
    if held is not None and floor <= held < span.first:
        span = Period(held, span.last)  # read again what is still held, so a fix in Smartdok is seen
    pending = _pending(client, span)
    since = (mark - EDIT_OVERLAP).replace(tzinfo=UTC) if mark is not None else None
    first = span.first if span.backfill else min(span.first, span.last - timedelta(days=edit_days - 1))
    transferred = list(client.iter_work_hours(
        first, span.last, only_attested=False, include_exported=True, exported_external=True,
        last_updated=since, include_wages_marked_no_export=True,
    ))  # fmt: skip
    return stage_hours(db_path, identity, [*pending, *transferred], client.tz, mark=(key, began))
