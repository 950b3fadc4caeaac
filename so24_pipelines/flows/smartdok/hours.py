"""S3 approved hours, Smartdok -> 24SO: each approved hour added to 24SO once, then marked in Smartdok.

One tick, on the one flow template:

1. Staged read (hours_staging.py): the period's hours not yet exported externally, and the
   transferred ones edited since the last read; the scheduled tick reads the last
   `flows.S3.lookback_days`, a backfill run the days the user gives (93-day windows).
2. Which hours (selected_keys): attested at `flows.S3.attestation_level` or above (any hour with
   `flows.S3.only_approved: false`) and not yet exported externally, plus every hour S3 transferred before (so an edit is seen).
3. Spec mapping/specs/smartdok_hours.yaml: the four codes joined to the paired 24SO company's
   employees, projects, work types and salary types. An hour whose code is no 24SO id is held with
   every reason (a skip, listed in `held_hours`; it stays staged and is looked at again on every
   tick, so a fix in Smartdok lets it go; S4's check warns while one is held).
   A transferred hour Smartdok no longer counts as approved is held too: its 24SO hour is left.
4. Loader, target 24SO (hour_target.py): match by the tag in Description before adding, so a
   crash never makes a second hour; an edit is applied while 24SO allows it.
5. Marking (hour_marks.py, loader flow `S3.mark`): every hour S3 has confirmed in 24SO and not
   marked yet is marked exported in Smartdok with the tick's batch id "so24hub-<UTC time>". A
   crash between the 24SO save and the marking leaves the hour in S3's id map and not in
   `S3.mark`'s: the next tick plans no save (unchanged) and marks it.

S3 waits for readiness by default (issue 11: it does not start while a blocking mismatch exists):
while one new approved hour is held for a code, no hour goes to 24SO, and every hour that would
have gone is skipped with "waiting for readiness: N blocking mismatches (see S4)" (ReadinessWait);
the run's note `readiness` says the same. The user may choose instead to send the matching hours
and hold the rest: `flows.S3.send_matching_while_mismatched: true`.

The asset's headline counts (`created`, `updated`, `failed`, ...) are the hours' load; the marks'
load reports under its own notes `marked` and `mark_failed` (`mark_failures` with the reasons).
The other notes: `hours_sent`, `batch_id`, `held` / `held_hours` (hours held for a code, with what
to change in Smartdok), `waiting` (hours that match but wait for readiness), `period`.
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
    send_matching_while_mismatched: bool = False
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
) -> tuple[FlowRun, FlowRun]:
    """One S3 tick (module docstring) over `span`: (the hours' load with every note, the marks' load).

    The asset shows the first: its counts are hours, the marks' are the notes `marked` and
    `mark_failed`; the second is for callers that look at the marks' load itself.
    """
    ensure_tables(run.db_path)
    staged = read_hours(smartdok, run.db_path, identity, span, options.edit_lookback_days)
    read = StagedRead("smartdok hours", None, span.words(), staged.received, staged.inserted, staged.updated,
                      list(staged.rejected))  # fmt: skip
    records = run.retire_failures(
        FLOW, hour_records(run.db_path, identity, FLOW, options.level if options.only_approved else None),
        "the hour is no longer staged as approved and pending; nothing sent",
    )
    held = [(r.source_key, r.skip_reason or "") for r in records if r.skip_reason]
    wait = None if options.send_matching_while_mismatched else readiness_wait(run.db_path, identity, FLOW, records)
    if wait is not None:
        records = wait.hold(records)
    result = run.load(FLOW, records, So24Hours(so24), source_system="smartdok", reads=(read,))
    notes: dict[str, str | int] = {
        "period": span.words(), "readiness": _readiness_words(wait, held, options), "hours_sent": _sent(result),
        "held": len(held), "held_hours": held_table(held), "waiting": wait.waiting if wait else 0,
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
    notes |= {"marked": done, "mark_failed": len(marked.failures()), "batch_id": batch_id if done else "none"}
    if marked.failures():
        notes["mark_failures"] = held_table(marked.failures())
    return result.noting(**notes), marked


@dataclass(frozen=True)
class ReadinessWait:
    """A tick S3 does not start: `mismatches` codes are no 24SO id, used by `held` new approved hours.

    The project's rule (issue 11, over FLOWS.md): S3 does not start while a blocking mismatch
    exists, unless the user chooses to send the matching hours and hold the rest. A mismatch
    blocks when a new approved hour uses it, which is exactly an hour the mapping holds for a
    code, so S3 decides from its own mapping and needs no read of Smartdok's registers; S4 lists
    the same mismatches Smartdok record by record, with what to change.
    """

    mismatches: int
    held: int
    waiting: int

    @property
    def reason(self) -> str:
        return (f"waiting for readiness: {self.mismatches} blocking mismatches (see S4), used by {self.held} "
                "approved hour(s) held for a code that is no 24SO id; nothing goes to 24SO until they match "
                "(or flows.S3.send_matching_while_mismatched: true sends the matching hours)")  # fmt: skip

    def hold(self, records: list[MappedRecord]) -> list[MappedRecord]:
        """Every hour that would be sent (an edit of a transferred hour too) skipped with `reason`.

        A skip, not a failure: nothing is wrong with these hours, and the tick after the fix sends
        them; `waiting` counts them.
        """
        why = self.reason
        return [r if r.skip_reason else replace(r, payload={}, skip_reason=why) for r in records]


def readiness_wait(db_path: str | Path, identity: str, flow: str, records: list[MappedRecord]) -> ReadinessWait | None:
    """The wait of this tick, or None when no new approved hour is held for a code (S3 starts)."""
    with connect(db_path) as con:
        sent = set(source_keys_of(con, flow)) if sync_schema_exists(con) else set()
    held = [int(r.source_key) for r in records if r.skip_reason and r.source_key not in sent]
    if not held:
        return None
    waiting = sum(1 for r in records if not r.skip_reason)
    return ReadinessWait(blocking_codes(db_path, identity, held), len(held), waiting)


# Per register: the key as Smartdok writes it, the 24SO id it must be, and the staged 24SO register.
_KEYS = (
    ("employees", "employee_no", "so24_contact_id", "staging.so24_persons"),
    ("projects", "project_number", "so24_project_id", "staging.so24_projects"),
    ("activities", "activity_code", "so24_work_type_id", "staging.so24_work_types"),
    ("wages", "wage_code", "so24_salary_type_id", "staging.so24_salary_types"),
)


def blocking_codes(db_path: str | Path, identity: str, hour_ids: list[int]) -> int:
    """How many distinct codes (register and key, as S4 normalises it) the hours `hour_ids` use that are no 24SO id."""
    parts = [
        f"SELECT '{register}', lower(trim(coalesce(h.{text}, ''))) FROM {HOURS.qualified} h "  # noqa: S608
        f"WHERE h.identity = ? AND list_contains(?, h.work_hour_id) AND (h.{so24_id} IS NULL OR h.{so24_id} "
        f"NOT IN (SELECT id FROM {table} WHERE identity = h.identity))"
        for register, text, so24_id, table in _KEYS
    ]
    with connect(db_path) as con:
        row = con.execute(f"SELECT count(*) FROM ({' UNION '.join(parts)})", [identity, hour_ids] * len(_KEYS))  # noqa: S608
        return int(row.fetchone()[0])


def _readiness_words(wait: ReadinessWait | None, held: list[tuple[str, str]], options: HourOptions) -> str:
    if wait is not None:
        return wait.reason
    if held and options.send_matching_while_mismatched:
        return (f"not waited for (flows.S3.send_matching_while_mismatched): the matching hours go, {len(held)} "
                "held (see held_hours and S4)")  # fmt: skip
    return "ready: no new approved hour is held for a code"


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
