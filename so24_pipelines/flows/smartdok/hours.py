"""S3 approved hours, Smartdok -> 24SO: each approved hour added to 24SO once, then marked in Smartdok.

One tick, on the one flow template:

1. Staged read (hours_staging.py): the period's hours not yet exported externally, and the
   transferred ones edited since the last read; the scheduled tick reads the last
   `flows.S3.lookback_days`, a backfill run the days the user gives (93-day windows).
2. Which hours (selected_keys): attested at `flows.S3.attestation_level` or above (any hour with
   `flows.S3.only_approved: false`) and not yet exported externally, plus every hour S3 transferred before (so an edit is seen).
3. Spec mapping/specs/smartdok_hours.yaml: the four codes joined to the paired 24SO company's
   employees, projects, work types and salary types. An hour whose code is no 24SO id is held with
   every reason (a failed record: the check is red, the hour is looked at again on every tick).
   A transferred hour Smartdok no longer counts as approved is held too: its 24SO hour is left.
4. Loader, target 24SO (hour_target.py): match by the tag in Description before adding, so a
   crash never makes a second hour; an edit is applied while 24SO allows it.
5. Marking (hour_marks.py, loader flow `S3.mark`): every hour S3 has confirmed in 24SO and not
   marked yet is marked exported in Smartdok with the tick's batch id "so24hub-<UTC time>". A
   crash between the 24SO save and the marking leaves the hour in S3's id map and not in
   `S3.mark`'s: the next tick plans no save (unchanged) and marks it.

With `flows.S3.wait_for_readiness: true` no new hour goes while one is held (wait_while_held).

The asset's counts add up both loads (an hour sent and marked counts twice); the run notes say
it per step: `hours_sent`, `marked`, `batch_id`, `held` / `held_hours` (hours not sent, with what
to change in Smartdok), `period`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from so24_pipelines.connectors.smartdok import AttestationLevel, SmartdokClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.result import FlowRun, StagedRead
from so24_pipelines.flows.smartdok.hour_marks import (
    BATCH_PREFIX,
    MarkAs,
    SmartdokHourMarks,
    mark_records,
    note_marks,
)
from so24_pipelines.flows.smartdok.hour_target import So24Hours, business_key
from so24_pipelines.flows.smartdok.hours_staging import Period, ensure_tables, read_hours
from so24_pipelines.flows.smartdok.tables import HOURS
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord, flow_key
from so24_pipelines.sync.id_map import source_keys_of
from so24_pipelines.sync.schema import sync_schema_exists, utcnow

FLOW = flow_key("S3")
MARK_FLOW = flow_key("S3", "mark")
SPEC = "smartdok_hours"
LISTED = 50  # hours listed in the held table

# The flags that make an hour attested at each level: that level or a higher one (attestation.py).
_ATTESTED_SQL: dict[str, str] = {
    "foreman": "(foreman_attested OR project_admin_attested OR admin_attested)",
    "project_admin": "(project_admin_attested OR admin_attested)",
    "admin": "admin_attested",
}


@dataclass(frozen=True)
class HourOptions:
    """flows.S3 as the flow reads it."""

    level: AttestationLevel = "admin"
    only_approved: bool = True
    mark_as: MarkAs = "external"
    wait_for_readiness: bool = False
    lookback_days: int = 31
    edit_lookback_days: int = 366


def attested_sql(level: AttestationLevel | None) -> str:
    """SQL true for an hour attested at `level` or above; any hour when `level` is None (only_approved off)."""
    if level is None:
        return "true"
    if level not in _ATTESTED_SQL:
        raise ValueError(f"attestation level must be one of {', '.join(_ATTESTED_SQL)}")
    return f"coalesce({_ATTESTED_SQL[level]}, false)"


def selected_keys(db_path: str | Path, identity: str, flow: str, level: AttestationLevel | None) -> tuple[list[str], set[str]]:
    """(keys to map, keys of transferred hours no longer attested): step 2 of the module doc."""
    attested = attested_sql(level)
    with connect(db_path) as con:
        rows = con.execute(
            f"SELECT CAST(work_hour_id AS VARCHAR), {attested}, coalesce(exported_external, false) "  # noqa: S608
            f"FROM {HOURS.qualified} WHERE identity = ?",
            [identity],
        ).fetchall()
        sent = set(source_keys_of(con, flow)) if sync_schema_exists(con) else set()
    pending = {key for key, ok, external in rows if ok and not external}
    unapproved = {key for key, ok, _ in rows if key in sent and not ok}
    return sorted(pending | sent, key=int), unapproved


def _keyed(record: MappedRecord, unapproved: set[str]) -> MappedRecord:
    if record.source_key in unapproved:
        return replace(record, payload={}, skip_reason=(
            f"Smartdok hour {record.source_key} was transferred to 24SO and is no longer approved in Smartdok; "
            "the 24SO hour is left as it is: approve it again in Smartdok, or change the hour in 24SO"
        ))  # fmt: skip
    if record.skip_reason:
        return record
    return replace(record, business_key=business_key(record.source_key, record.payload))


def hour_records(db_path: str | Path, identity: str, flow: str, level: AttestationLevel | None) -> list[MappedRecord]:
    keys, unapproved = selected_keys(db_path, identity, flow, level)
    if not keys:
        return []
    return [_keyed(r, unapproved) for r in map_records(db_path, load_spec(SPEC), identity, keys=keys)]


def sync_hours(
    run: RunContext, smartdok: SmartdokClient, so24: So24Client, identity: str, options: HourOptions, span: Period
) -> list[FlowRun]:
    """One S3 tick (module docstring) over `span`: the hours' load, then the marks' load."""
    ensure_tables(run.db_path)
    staged = read_hours(smartdok, run.db_path, identity, span, options.edit_lookback_days)
    read = StagedRead("smartdok hours", None, span.words(), staged.received, staged.inserted, staged.updated,
                      list(staged.rejected))  # fmt: skip
    records = run.retire_failures(
        FLOW, hour_records(run.db_path, identity, FLOW, options.level if options.only_approved else None),
        "the hour is no longer staged as approved and pending; nothing sent",
    )
    if options.wait_for_readiness:
        records = wait_while_held(run.db_path, FLOW, records)
    result = run.load(FLOW, records, So24Hours(so24), source_system="smartdok", reads=(read,))
    held = [(r.source_key, r.skip_reason or "") for r in records if r.skip_reason]
    notes: dict[str, str | int] = {
        "period": span.words(), "hours_sent": _sent(result), "held": len(held), "held_hours": held_table(held),
    }  # fmt: skip
    batch_id = BATCH_PREFIX + utcnow().strftime("%Y%m%dT%H%M%S")
    marks = run.retire_failures(
        MARK_FLOW, mark_records(run.db_path, flow=FLOW, mark_flow=MARK_FLOW, mark_as=options.mark_as),
        "the hour is no longer S3's to mark",
    )  # fmt: skip
    marked = run.load(MARK_FLOW, marks, SmartdokHourMarks(smartdok, options.mark_as, batch_id), source_system="so24")
    if not run.dry_run:
        note_marks(run.db_path, identity, mark_flow=MARK_FLOW, mark_as=options.mark_as, batch_id=batch_id)
    done = marked.counts().get("created", 0) + marked.counts().get("updated", 0)
    notes |= {"marked": done, "batch_id": batch_id if done else "none"}
    return [result.noting(**notes), marked]


def wait_while_held(db_path: str | Path, flow: str, records: list[MappedRecord]) -> list[MappedRecord]:
    """With `flows.S3.wait_for_readiness`: while one new hour is held for a code, no new hour goes.

    Seed 004's guide has the user align Smartdok before the first transfer; a customer who wants
    it all or nothing turns this on, and S4's report lists what to fix. Edits of hours already
    transferred still go (they are not new).
    """
    with connect(db_path) as con:
        sent = set(source_keys_of(con, flow)) if sync_schema_exists(con) else set()
    held = sum(1 for r in records if r.skip_reason and r.source_key not in sent)
    if not held:
        return records
    why = (f"waiting: {held} approved hour(s) are held for codes that are no 24SO ids (S4's report says what to "
           "change in Smartdok); flows.S3.wait_for_readiness sends none until they match")  # fmt: skip
    return [r if r.skip_reason or r.source_key in sent else replace(r, payload={}, skip_reason=why) for r in records]


def _sent(result: FlowRun) -> int:
    counts = result.counts()
    return counts.get("created", 0) + counts.get("resolved", 0)


def held_table(rows: list[tuple[str, str]]) -> str:
    """Up to LISTED (hour, reason) rows as a markdown table ("none" when there are none)."""
    if not rows:
        return "none"
    lines = ["| Smartdok hour | held because |", "|---|---|"]
    lines += [f"| {key} | {' '.join(reason.split()).replace('|', '/')} |" for key, reason in rows[:LISTED]]
    if len(rows) > LISTED:
        lines.append(f"| … | {len(rows) - LISTED} more in the failed records (sync.failed_records) |")
    return "\n".join(lines)
