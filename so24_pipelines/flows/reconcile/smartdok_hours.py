"""The hours of the 24SO -> Smartdok pair (S3, the way back): Smartdok's transferred hours against the
24SO hours carrying the hub's tag.

S3 keeps the Smartdok hour id at the end of the 24SO hour's Description (`[Smartdok <id>]`,
hour_target.py) and marks the hour exported in Smartdok once 24SO has it. So both sides name the
same hours without the hub's memory: an hour S3 sent is one Smartdok marked exported by the hub
(S3's id map, or the batch id "so24hub-...") or one a 24SO hour is tagged with. Over the days S3
still looks for edits (the last `flows.S3.edit_lookback_days`), each such hour is:

- `missing_in_so24`: Smartdok has it as transferred, no 24SO hour carries its tag (deleted in 24SO);
- `missing_in_smartdok`: a 24SO hour is tagged with it, Smartdok no longer has the hour (deleted);
- `field` `<mark>` (ExportedExternal, or Exported with flows.S3.mark_exported_as: payroll): 24SO
  has it, Smartdok no longer marks it (unmarked by hand: the next export may send it twice);
- `field` on a field S3 owns (its spec, compared as SaveHour takes it: times to the minute in UTC,
  the tag on the Description): the Smartdok hour as S3 maps it now differs from the 24SO hour.

Reads, each once a night: Smartdok's `GET /WorkHours` (v1, codes and flags inline) per 93-day
window, every hour of the period whatever its flags; 24SO's GetHours over the same days (ContactId
and ProjectId 0: any); Smartdok's `GET /WorkHours/{id}` only for a tagged hour the period's read
did not hold (deleted, or dated outside the period: then not compared). The Smartdok hours are
staged into the reconciliation's scratch file beside 24SO's registers, so S3's own spec maps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.smartdok import SmartdokClient, is_attested
from so24_pipelines.connectors.so24 import reads
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.reconcile.compare import (
    RECORD,
    Difference,
    EntityComparison,
    field_differences,
    normal,
)
from so24_pipelines.flows.reconcile.entities import id_map
from so24_pipelines.flows.reconcile.sides import RequestCount, counted
from so24_pipelines.flows.smartdok.hour_marks import BATCH_PREFIX
from so24_pipelines.flows.smartdok.hour_target import hour_body, tagged_id
from so24_pipelines.flows.smartdok.hours import FLOW, MARK_FLOW, SPEC
from so24_pipelines.flows.smartdok.hours_staging import stage_hours
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.mapping.spec import SpecError
from so24_pipelines.settings import Settings
from so24_pipelines.sync import MappedRecord, failed_records, payload_hash
from so24_pipelines.sync.store import IdMapRow

ENTITY = "hours"
EVERY_FAILURE = 1_000_000


@dataclass(frozen=True)
class HourSides:
    """Both sides of the period: Smartdok's rows by WorkHourID, 24SO's tagged hours by that id."""

    smartdok: dict[str, dict[str, Any]]
    so24: dict[str, dict[str, Any]]
    gone: set[str]  # tagged in 24SO, no such hour in Smartdok any more


def read_hours(
    smartdok: SmartdokClient,
    so24: So24Client,
    first: date,
    last: date,
    counts: tuple[RequestCount, RequestCount],
) -> HourSides:
    """The period's hours on both sides now (module doc: Reads); `counts`: (24SO, Smartdok)."""
    so24_calls, smartdok_calls = counts
    with counted(smartdok, smartdok_calls):
        rows = smartdok.iter_work_hours(first, last, only_attested=False, include_exported=True,
                                        include_wages_marked_no_export=True)  # fmt: skip
        theirs = {str(r["WorkHourID"]): dict(r) for r in rows if r.get("WorkHourID") is not None}
    before = so24.calls
    # A day either side: a Smartdok day is local, a 24SO time UTC.
    start, stop = (
        datetime.combine(first - timedelta(days=1), datetime.min.time()),
        datetime.combine(last + timedelta(days=2), datetime.min.time()),
    )
    ours: dict[str, dict[str, Any]] = {}
    for hour in reads.hours(so24, start=start, stop=stop):
        hour_id = tagged_id(hour.get("Description"))
        if hour_id is not None:
            ours.setdefault(str(hour_id), hour)
    so24_calls.n += so24.calls - before
    gone = set()
    with counted(smartdok, smartdok_calls):
        for key in sorted(set(ours) - set(theirs), key=int):
            if smartdok.get_work_hour(int(key)) is None:
                gone.add(key)
            else:
                ours.pop(key)  # dated outside the period on Smartdok's side: not compared
    return HourSides(theirs, ours, gone)


def _minute(value: Any) -> str | None:
    """A time as SaveHour takes it and 24SO keeps it: naive UTC, to the minute (24SO drops seconds)."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M")


def as_saved(record: Mapping[str, Any]) -> dict[str, Any]:
    """A 24SO hour, or S3's payload made into one (hour_body), in one shape to compare."""
    return {
        **record,
        "StartTime": _minute(record.get("StartTime")),
        "StopTime": _minute(record.get("StopTime")),
    }


@dataclass(frozen=True)
class _Hub:
    """What the hub knows of S3: its switch, marks, id maps, failures, and its staging's mapping."""

    enabled: bool
    flag: str
    sent: dict[str, IdMapRow]
    marked: set[str]
    failed: dict[str, str]
    staged: dict[str, MappedRecord]


def _hub_facts(settings: Settings, db_path: str | Path, identity: str, keys: list[str]) -> _Hub:
    s3 = settings.flows.S3
    sent = {k: row for k, row in id_map(db_path, FLOW).items() if row.target_key}
    failed = {key: reason for _f, key, reason, _n in failed_records(db_path, [FLOW], limit=EVERY_FAILURE)}
    staged: dict[str, MappedRecord] = {}
    if keys and s3.enabled:
        try:
            staged = {r.source_key: r for r in map_records(db_path, load_spec(SPEC), identity, keys=keys)}
        except (SpecError, ConfigError):  # S3 has staged nothing yet (no table): nothing waits to be sent
            staged = {}
    return _Hub(s3.enabled, "ExportedExternal" if s3.mark_exported_as == "external" else "Exported", sent,
                set(id_map(db_path, MARK_FLOW)), failed, staged)  # fmt: skip


def _hubs(row: Mapping[str, Any], hub: _Hub, key: str) -> bool:
    """Whether S3 sent this Smartdok hour: its id map, or the hub's batch id on the mark."""
    return key in hub.sent or str(row.get("ExportedExternalId") or "").startswith(BATCH_PREFIX)


def _field_why(hub: _Hub, key: str, payload: Mapping[str, Any]) -> tuple[bool, str]:
    last = hub.sent.get(key)
    staged = hub.staged.get(key)
    if key in hub.failed:
        return "24SO refused" not in hub.failed[key], hub.failed[key]
    if (
        last is not None
        and staged is not None
        and not staged.skip_reason
        and payload_hash(staged.payload) != last.last_hash
    ):
        return True, "edited in Smartdok after the transfer and staged; S3's next run sends the edit"
    if last is not None and payload_hash(dict(payload)) == last.last_hash:
        return False, "changed in 24SO since S3 last wrote it (the Smartdok hour did not change)"
    return False, "edited in Smartdok since S3 last wrote it, and S3's read has not seen the edit yet"


def compare_hours(
    settings: Settings, scratch: Path, db_path: str | Path, identity: str, sides: HourSides, tz: Any
) -> tuple[EntityComparison, list[Difference]]:
    """Pair the hours by id and name every difference with why and the repair (module doc)."""
    hub = _hub_facts(settings, db_path, identity, sorted(set(sides.smartdok) | set(sides.so24), key=int))
    mine = {k: r for k, r in sides.smartdok.items() if _hubs(r, hub, k) or k in sides.so24}
    spec = load_spec(SPEC)
    stage_hours(scratch, identity, mine.values(), tz)
    mapped = (
        {r.source_key: r for r in map_records(scratch, spec, identity, keys=sorted(mine, key=int))}
        if mine
        else {}
    )
    owned = tuple(f for f in spec.owned_fields if f not in spec.create_only_fields)
    level = settings.flows.S3.attestation_level if settings.flows.S3.only_approved else None
    result = EntityComparison(ENTITY, so24_count=len(sides.so24) + len(sides.gone), other_count=len(mine))
    result.others_own = len(sides.smartdok) - len(mine)
    found: list[Difference] = []

    def add(d: Difference, pending: bool, why: str, repair: str) -> None:
        off = not hub.enabled
        found.append(Difference(
            d.entity, d.key, d.field, d.kind, d.so24_value, d.other_value, pending and not off,
            "S3 is switched off (flows.S3.enabled): nothing carries this" if off else why, repair,
        ))  # fmt: skip

    for key in sorted(set(mine) | set(sides.so24) | sides.gone, key=int):
        row, hour = mine.get(key), sides.so24.get(key)
        if hour is not None and key in sides.gone:
            add(Difference(ENTITY, key, RECORD, "missing_in_smartdok", f"24SO hour {hour['Id']}", None), False,
                "deleted in Smartdok after its transfer; the 24SO hour stays",
                f"S3 never deletes: remove 24SO hour {hour['Id']} by hand if it should go")  # fmt: skip
            continue
        if row is None:
            continue
        if hour is None:
            target = hub.sent[key].target_key if key in hub.sent else None
            add(Difference(ENTITY, key, RECORD, "missing_in_so24", None, f"smartdok hour {key}"), False,
                f"deleted in 24SO (hour {target or 'unknown'}): Smartdok has it as transferred, and S3 sends an "
                "hour once", "no flow adds it again: register it in 24SO by hand if it should be there")  # fmt: skip
            continue
        record = mapped.get(key)
        if (level is not None and not is_attested(row, level)) or record is None or record.skip_reason:
            result.skipped_by_flow += 1  # S3 holds it with the reason (no longer approved, a code mismatch)
            continue
        result.paired += 1
        result.pairs[key] = str(hour["Id"])
        if not row.get(hub.flag):
            pending = key in hub.sent and key not in hub.marked
            add(Difference(ENTITY, key, hub.flag, "field", "in 24SO", normal(row.get(hub.flag)) or "false"), pending,
                "S3's next run marks it" if pending else
                f"unmarked in Smartdok by hand though 24SO has it as hour {hour['Id']}: the next export may send it "
                "twice", f"mark it {hub.flag} in Smartdok by hand (S3 has marked it already)")  # fmt: skip
        view = as_saved(hour_body(key, record.payload))
        for d in field_differences(ENTITY, key, view, as_saved(hour), owned):
            pending, why = _field_why(hub, key, record.payload)
            when = (
                "on its next run"
                if pending
                else "when the Smartdok hour changes again (its dry run now: unchanged)"
            )
            # field_differences gives the mapped side first: here that is Smartdok's (S3's payload).
            add(Difference(ENTITY, key, d.field, "field", d.other_value, d.so24_value), pending, why,
                f"S3 writes {d.field}={d.so24_value} to 24SO hour {hour['Id']} {when}")  # fmt: skip
    result.differences = found
    return result, found
