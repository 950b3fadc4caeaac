"""Plan: what a load would do, decided from the id map and the last-sent hashes, without writing.

`plan` only reads, and reads nothing at all when the sync schema does not exist yet, so a dry run
(X4) leaves every table exactly as it was. The plan it returns is also what `execute` works
from; execute re-checks each write against the id map when it claims the record, because
another run may have moved on between planning and writing.

Actions:
- create: the record has no id_map row. Needs a business key (or a target that upserts by key),
  because a create that reaches the target just before a crash must be findable afterwards.
- update: the payload hash differs from the one the target last confirmed.
- unchanged: same hash; nothing is sent (a rerun after success writes nothing).
- skip: the mapping said why (skip_reason), or the loader found a reason (duplicate source key,
  business key already taken, payload not serialisable, no business key).
- resolve: an earlier create was sent but its answer never came (status 'pending_create': the
  run died, or the answer was lost in transit): execute looks the record up by business key
  before creating anything. The reason names the run that sent it.

A create the target refused (its answer was a refusal: 422, 429, ...) leaves no 'pending_create'
row (the target made nothing), only its failure: the retry is planned as a create whose reason
is the target's own answer, and execute still looks the business key up before creating again.

A `SettledRecord` (mapping.engine.map_changed) stands for a record whose inputs are what they
were when the flow last planned it: it carries the payload hash that gave instead of a payload.
It is decided like any record from that hash, so on a quiet tick it is `unchanged` without being
mapped or hashed; it has nothing to send, so should the id map have moved under it since the
engine looked (another run wrote the record meanwhile), it is skipped with that reason and mapped
afresh next tick, never written. `remember_inputs` keeps, after a load, the input digest and
payload hash of each record mapped afresh, which is what the next tick settles by.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync.hashing import UnhashablePayload, payload_hash
from so24_pipelines.sync.records import MappedRecord
from so24_pipelines.sync.schema import sync_schema_exists, utcnow
from so24_pipelines.sync.store import (
    FailureRow,
    IdMapRow,
    read_business_key_owners,
    read_failures,
    read_inputs,
    read_open_keys,
    read_plan_state,
    write_inputs,
)

PlanAction = Literal["create", "update", "unchanged", "skip", "resolve"]
MOVED_WHILE_PLANNING = (
    "its inputs had not changed since it was last planned, but its id map row changed while this run "
    "was planning (another run wrote it); it is mapped again next tick"
)


@dataclass(frozen=True)
class SettledRecord(MappedRecord):
    """A record not mapped again: its inputs are as they were when `payload_hash` was planned.

    Keys and version are the record's own; the payload is empty and never sent (module docstring).
    """

    payload_hash: str = ""

PLAN_ACTIONS: tuple[PlanAction, ...] = ("skip", "create", "resolve", "update", "unchanged")
WRITE_ACTIONS: frozenset[str] = frozenset({"create", "update", "resolve"})


@dataclass(frozen=True)
class PlannedItem:
    """One record's planned action. target_key is known for update/unchanged (and resolve, if any).

    origin_run: for a resolve, the run that sent the unconfirmed create (None when unknown).
    after_failure: the record's last attempt failed (sync.failed_records); a create is then
    preceded by a look-up of the business key, in case the failed attempt made the record.
    """

    action: PlanAction
    record: MappedRecord
    payload_hash: str | None = None
    target_key: str | None = None
    reason: str | None = None
    origin_run: str | None = None
    after_failure: bool = False


@dataclass(frozen=True)
class Plan:
    """The diff of one batch of mapped records against what the target last confirmed."""

    flow: str
    target_system: str
    target_entity: str
    source_system: str | None
    upserts_by_key: bool
    items: tuple[PlannedItem, ...]

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(item.action for item in self.items)
        return {action: tally.get(action, 0) for action in PLAN_ACTIONS}

    @property
    def writes(self) -> list[PlannedItem]:
        """Items that need a call to the target, in input order."""
        return [item for item in self.items if item.action in WRITE_ACTIONS]

    def to_markdown(self, limit: int = 50) -> str:
        """A preview for Dagster metadata: counts, then what is not left as it is, up to `limit` rows.

        Listed: skips first (they carry the reasons a user must act on), then the writes (creates,
        resolves, updates, with their reasons). Unchanged records are only counted, never listed:
        on a tick they are nearly all of the batch and would bury the few that change.
        """
        counts = self.counts
        lines = [
            f"**{self.flow}** → {self.target_system}/{self.target_entity}: "
            + ", ".join(f"{action} {counts[action]}" for action in PLAN_ACTIONS),
        ]
        order = {action: rank for rank, action in enumerate(PLAN_ACTIONS)}
        listed = sorted((item for item in self.items if item.action != "unchanged"), key=lambda item: order[item.action])
        shown = max(limit, 0)
        if listed:
            lines += ["", "| action | source key | business key | reason |", "|---|---|---|---|"]
            for item in listed[:shown]:
                cells = (item.action, item.record.source_key, item.record.business_key or "", item.reason or "")
                lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
            if len(listed) > shown:
                lines += ["", f"… and {len(listed) - shown} more"]
        if counts["unchanged"]:
            lines += ["", f"{counts['unchanged']} unchanged (same as last sent; not listed)"]
        elif not listed:
            lines += ["", "nothing to do"]
        return "\n".join(lines)


def plan(
    db_path: str | Path,
    flow: str,
    records: Iterable[MappedRecord],
    *,
    target_system: str,
    target_entity: str,
    upserts_by_key: bool = False,
    source_system: str | None = None,
) -> Plan:
    """Diff mapped records against sync.id_map and the last-sent hashes. Reads only.

    A tick plans every record of a flow (100k), nearly all unchanged, so the comparison with the id
    map is made in DuckDB: only the rows of records that are not unchanged come back to Python
    (`read_plan_state`), and only a batch with a create in it looks at who owns business keys.
    """
    batch = list(records)
    items: list[PlannedItem | None] = [None] * len(batch)
    live: list[int] = []
    digests: list[str] = []
    seen: set[str] = set()
    for index, record in enumerate(batch):
        key = record.source_key
        if not key:
            items[index] = _skip(record, "empty source key: the record cannot be tracked in the id map")
            continue
        if key in seen:
            items[index] = _skip(record, "duplicate source key in this batch; the first occurrence is planned")
            continue
        seen.add(key)
        if record.skip_reason:
            items[index] = _skip(record, record.skip_reason)
            continue
        if isinstance(record, SettledRecord):
            digest = record.payload_hash
        else:
            try:
                digest = payload_hash(record.payload)
            except UnhashablePayload as exc:
                items[index] = _skip(record, f"payload cannot be serialised: {exc}")
                continue
        live.append(index)
        digests.append(digest)

    state = _read_state(db_path, flow, batch, live, digests, (target_system, target_entity))
    taken = _taken(batch, live, state) if state.creates else {}
    for index, digest in zip(live, digests, strict=True):
        record = batch[index]
        target_key = state.unchanged.get(record.source_key)
        if target_key is not None:  # what _decide answers for it, found in DuckDB
            items[index] = PlannedItem("unchanged", record, digest, target_key)
            continue
        item = _decide(
            record,
            digest,
            state.rows.get(record.source_key),
            state.failures.get(record.source_key),
            taken,
            target_system=target_system,
            target_entity=target_entity,
            upserts_by_key=upserts_by_key,
        )
        if item.action in WRITE_ACTIONS and isinstance(record, SettledRecord):
            item = _skip(record, MOVED_WHILE_PLANNING)
        items[index] = item
    return Plan(
        flow=flow,
        target_system=target_system,
        target_entity=target_entity,
        source_system=source_system,
        upserts_by_key=upserts_by_key,
        items=tuple(item for item in items if item is not None),
    )


def _taken(batch: list[MappedRecord], live: list[int], state: _State) -> dict[str, str]:
    """Business key -> the source key that holds it: another record's id map row (not in this
    batch), else a record of this batch that has an id map row. Only a create consults it."""
    in_batch = {batch[index].source_key for index in live}
    taken: dict[str, str] = {}
    for bk, owner in state.owners:
        if owner not in in_batch:
            taken.setdefault(bk, owner)
    for index in live:
        record = batch[index]
        if record.business_key and record.business_key not in taken and state.has_row(record.source_key):
            taken[record.business_key] = record.source_key
    return taken


def failed_keys(db_path: str | Path, flow: str) -> list[str]:
    """Source keys the flow should map again on its next tick even if the source did not change.

    That is: records whose last attempt failed (sync.failed_records), and records whose write
    outcome is unknown (a create left 'pending_create', or a row still claimed by a run that
    stopped). Read-only; empty before the first load.
    """
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return []
        return read_open_keys(con, flow)


def settled_inputs(
    con: duckdb.DuckDBPyConnection, flow: str, key_prefix: str, query_sql: str, query_params: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """An input query's rows, each with the payload hash its record may be settled with (None: map
    it afresh); read in the caller's transaction (store.read_inputs)."""
    return read_inputs(con, flow, key_prefix, query_sql, query_params)


def remember_inputs(db_path: str | Path, flow: str, inputs: Mapping[str, str], plans: Iterable[Plan]) -> int:
    """Keep the input digest and planned payload hash of each record mapped afresh (`inputs`:
    loader key -> digest, from map_changed) that the plans of `flow` hashed; the next tick settles
    by them. Call it after a load that was not a dry run; returns how many were kept."""
    rows = [
        (item.record.source_key, inputs[item.record.source_key], item.payload_hash)
        for one in plans
        if one.flow == flow
        for item in one.items
        if item.payload_hash and item.record.source_key in inputs and not isinstance(item.record, SettledRecord)
    ]
    if rows:
        with transaction(db_path) as con:
            write_inputs(con, flow, rows, utcnow())
    return len(rows)


@dataclass(frozen=True)
class _State:
    """What the id map says about one batch: unchanged records' target keys, the other records'
    rows and failures, whether any record has no row (a create), and who owns those business keys."""

    unchanged: dict[str, str]
    rows: dict[str, IdMapRow]
    failures: dict[str, FailureRow]
    creates: bool
    owners: list[tuple[str, str]]

    def has_row(self, key: str) -> bool:
        return key in self.unchanged or key in self.rows


def _read_state(
    db_path: str | Path,
    flow: str,
    batch: list[MappedRecord],
    live: list[int],
    digests: list[str],
    target: tuple[str, str],
) -> _State:
    keys = [batch[index].source_key for index in live]
    with transaction(db_path) as con:
        if not sync_schema_exists(con):
            return _State({}, {}, {}, bool(live), [])
        unchanged, rows = read_plan_state(con, flow, keys, digests, *target)
        missing = [i for i in live if batch[i].source_key not in unchanged and batch[i].source_key not in rows]
        business_keys = sorted({bk for index in missing if (bk := batch[index].business_key)})
        return _State(
            unchanged,
            rows,
            read_failures(con, flow, keys),
            bool(missing),
            read_business_key_owners(con, flow, business_keys),
        )


def _decide(
    record: MappedRecord,
    digest: str,
    row: IdMapRow | None,
    failure: FailureRow | None,
    taken: dict[str, str],
    *,
    target_system: str,
    target_entity: str,
    upserts_by_key: bool,
) -> PlannedItem:
    retry = f"retry {failure.attempts + 1} after: {failure.reason}" if failure else None
    if row is None:
        if not record.business_key and not upserts_by_key:
            return _skip(
                record,
                f"no business key: a create in {target_system}/{target_entity} could not be found again "
                "after a crash, and this target does not upsert by key",
            )
        if record.business_key:
            owner = taken.get(record.business_key)
            if owner is not None and owner != record.source_key:
                return _skip(
                    record, f"business key {record.business_key!r} already belongs to source key {owner!r}"
                )
            taken[record.business_key] = record.source_key
        return PlannedItem("create", record, digest, reason=retry, after_failure=failure is not None)
    if (row.target_system, row.target_entity) != (target_system, target_entity):
        return _skip(
            record,
            f"id map links this record to {row.target_system}/{row.target_entity}, "
            f"not {target_system}/{target_entity}",
        )
    if row.status == "pending_create" or row.target_key is None:
        lookup = row.business_key or "(none)"
        # A crashed run still holds its claim; a create whose answer was lost released it and
        # left its failure, which names the run.
        origin = row.claimed_run or (failure.last_run_id if failure else None)
        why = f"a create sent in {run_name(origin)} was never confirmed; look up business key {lookup} first"
        return PlannedItem(
            "resolve", record, digest, row.target_key, reason=why if retry is None else f"{why}; {retry}",
            origin_run=origin, after_failure=failure is not None,
        )  # fmt: skip
    if row.last_hash == digest:
        return PlannedItem("unchanged", record, digest, row.target_key)
    if retry is not None:
        why = retry
    elif row.last_hash is None:
        why = "last update was not confirmed"
    else:
        why = "payload changed since last sent"
    return PlannedItem("update", record, digest, row.target_key, reason=why)


def run_name(run_id: str | None) -> str:
    """'run <id>' for reasons, or 'an earlier run' when no run id is known (rows from before run ids were kept)."""
    return f"run {run_id}" if run_id else "an earlier run"


def _skip(record: MappedRecord, reason: str) -> PlannedItem:
    return PlannedItem("skip", record, reason=reason)


def _cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")
