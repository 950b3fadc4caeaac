"""R1/R2 (and R3, R7) as functions: map from staging, choose what goes where, load, remember.

The mapping is the specs' (mapping/specs/rackbeat_*.yaml, applied by the mapping engine); this
module only decides *which* mapped records go to the loader:

- direction `24so`: every 24SO record goes to Rackbeat; one whose staged inputs did not change
  since it was last sent is not mapped again (the engine's `map_changed`), the loader's hashes
  decide for the rest.
- direction `rackbeat`: every Rackbeat record goes to 24SO, likewise.
- direction `both`: records on one side only are created on the other; for a linked pair the
  side that changed wins, field by field when both changed (each way then sends a partial
  payload: only the attributes its side changed, plus the record's keys), and the hub's own
  writes are recognised when they come back (entities_pairs), so nothing ping-pongs. A pair's write carries the source's change time
  ("_changed", hash-only) so that a value that flips back and forth is still sent each time.

In every direction the pair memory is kept: each write or link records both sides' baselines
(entities_pairs), so a record the hub wrote, coming back by a poll or a created event, is known as
the hub's own echo. A record the loader has never sent this way is a create, and the target looks
for its counterpart first (match before create, entities_targets_*): one it finds is linked, and
its content is written only when the pair memory says the source changed since the two last
agreed (`Selection.changed`); otherwise nothing of it is written. The run reports such records as
`resolved` (noted `linked` or `adopted`), not `created`.

Product numbers longer than Rackbeat's 25 characters are skipped with the reason before anything
else, so they are reported on every run and never sent. Nothing here holds a staging connection
while a target is called (the engine and the pair state read and close).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat import entities_pairs as pairs
from so24_pipelines.flows.rackbeat.entities_specs import PRODUCT_NUMBER_MAX, EntitySpec
from so24_pipelines.flows.rackbeat.entities_targets_rackbeat import WriteLog
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping.engine import map_changed, map_records, source_digest
from so24_pipelines.mapping.spec import load_spec
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord, Target, failed_record_keys
from so24_pipelines.sync.planner import SettledRecord, remember_inputs

Direction = Literal["24so", "rackbeat", "both"]
Way = pairs.Way
# Paths a partial payload always keeps: what a target finds or creates the record by.
_KEYS = frozenset({"number", "No", "ExternalId", "Type"})
IN_SYNC = "direction both: the pair agrees now, or its other side changed later and goes the other way; nothing to send this way"


@dataclass
class Selection:
    """What one direction of one entity sends this run, and what to remember after it is sent."""

    records: list[MappedRecord] = field(default_factory=list)
    # source key -> (record as mapped, Rackbeat key if known): its side (`_side`) is the pair
    # baseline after a write, worked out only for the records written (hashing every attribute of
    # every record was most of a quiet tick)
    sent: dict[str, tuple[MappedRecord, str | None]] = field(default_factory=dict)
    # the attribute map of the sending side's records (`_side`): empty for 24SO's
    attributes: dict[str, str] = field(default_factory=dict)
    states: dict[str, pairs.PairState] = field(default_factory=dict)
    in_sync: int = 0
    # source keys whose source changed since the pair last agreed: a create that finds the other
    # side already linked may write these (and only these) into it
    changed: set[str] = field(default_factory=set)
    # 24SO id -> what a merge still owes the other way once this way's half is written
    owed: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # 24SO id -> the state a merge's second half was decided from (its first write's echo stands)
    prior: dict[str, pairs.PairState] = field(default_factory=dict)
    # loader key -> input digest of each record mapped afresh (map_changed), kept after the load
    inputs: dict[str, str] = field(default_factory=dict)


def guard_product_number(record: MappedRecord) -> MappedRecord:
    """Skip a product whose number Rackbeat cannot hold, with the reason a user can act on."""
    number = str(record.payload.get("number") or "")
    if record.skip_reason or len(number) <= PRODUCT_NUMBER_MAX:
        return record
    return replace(
        record,
        payload={},
        skip_reason=(
            f"product {record.source_key}: product number {number!r} is {len(number)} characters; "
            f"Rackbeat allows at most {PRODUCT_NUMBER_MAX} (shorten it in 24SO to sync it)"
        ),
    )


def map_side(db_path: str | Path, spec_name: str, identity: str, params: dict[str, Any] | None = None) -> list[MappedRecord]:
    return _guarded(spec_name, map_records(db_path, load_spec(spec_name), identity, params or {}))


def _guarded(spec_name: str, records: list[MappedRecord]) -> list[MappedRecord]:
    if spec_name == "rackbeat_products_to_rackbeat":
        return [guard_product_number(r) for r in records]
    return records


def _mapped_since(db_path: str | Path, entity: EntitySpec, identity: str) -> Selection:
    """24SO -> Rackbeat one way: only the records whose staged inputs changed since this flow last
    planned them are mapped (the engine's `map_changed`); the rest come back settled, which the
    loader counts unchanged and never writes. The digest covers this module (the product-number
    guard), so a change to it maps everything again once."""
    batch = map_changed(
        db_path, load_spec(entity.to_rackbeat_spec), identity,
        flow=entity.to_rackbeat_flow, context=source_digest(__name__, "so24_pipelines.flows.rackbeat.entities_specs"),
    )  # fmt: skip
    records = _guarded(entity.to_rackbeat_spec, batch.records)
    fresh = {r.source_key: (r, None) for r in records if not isinstance(r, SettledRecord)}
    return Selection(records=records, sent=fresh, inputs=batch.inputs)


@cache
def _attributes(spec_name: str) -> dict[str, str]:
    """Dotted target path -> attribute for a Rackbeat -> 24SO spec: the Rackbeat column a field
    is read from, which is the field's name in the 24SO -> Rackbeat payload (entities_pairs)."""
    out: dict[str, str] = {}
    for rule in load_spec(spec_name).fields:
        if len(rule.sources) == 1 and rule.switch is None and not rule.has_const:
            out[rule.target] = rule.sources[0].column
    return out


def _rb_attributes(entity: EntitySpec) -> dict[str, str]:
    """The attribute map of the Rackbeat side's records (mapped by the to_so24 spec)."""
    return _attributes(entity.to_so24_spec) if entity.to_so24_spec else {}


def _side(record: MappedRecord, attributes: dict[str, str] | None = None) -> pairs.Side:
    if record.skip_reason:
        return pairs.Side(None, pairs.parse_stamp(record.source_version))
    return pairs.Side(
        pairs.content_hash(record.payload),
        pairs.parse_stamp(record.source_version),
        pairs.attribute_hashes(record.payload, attributes or {}),
    )


def partial(record: MappedRecord, attributes: frozenset[str], attribute_of: dict[str, str]) -> MappedRecord:
    """The record with only the fields of `attributes` (and its keys): one way's half of a merge."""
    flat = pairs.flatten(record.payload)
    kept = {
        path: value for path, value in flat.items()
        if path.startswith("_") or path in _KEYS or attribute_of.get(path, path) in attributes
    }  # fmt: skip
    return replace(record, payload=pairs.nest(kept))


def _with_change(record: MappedRecord) -> MappedRecord:
    return replace(record, payload={**record.payload, "_changed": record.source_version})


def _links(db_path: str | Path, entity: EntitySpec, identity: str) -> dict[str, str | None]:
    """Rackbeat key -> the 24SO id in its custom field (None when not linked)."""
    if entity.rb_table is None:
        return {}
    with connect(db_path) as con:
        rows = con.execute(
            f"SELECT CAST(number AS VARCHAR), so24_id FROM {entity.rb_table} WHERE identity = ?",  # noqa: S608
            [identity],
        ).fetchall()
    return {str(number): (str(so24_id).strip() or None) if so24_id else None for number, so24_id in rows}


def select(
    db_path: str | Path, entity: EntitySpec, identity: str, direction: Direction, way: Way
) -> Selection:
    """The records `way` sends for `entity` under `direction` (see the module docstring)."""
    if way == "to_rackbeat":
        if direction != "both" or entity.to_so24_spec is None:
            return _one_way_changes(db_path, entity, identity, way, _mapped_since(db_path, entity, identity))
        ours = map_side(db_path, entity.to_rackbeat_spec, identity)
        theirs = map_side(db_path, entity.to_so24_spec, identity)
    else:
        if entity.to_so24_spec is None:
            return Selection()
        ours = map_side(db_path, entity.to_so24_spec, identity)
        if direction != "both":
            out = Selection(records=ours, sent={r.source_key: (r, r.source_key) for r in ours}, attributes=_rb_attributes(entity))
            return _hold_lost_creates(db_path, entity, identity, _one_way_changes(db_path, entity, identity, way, out))
        theirs = map_side(db_path, entity.to_rackbeat_spec, identity)
    so24_records, rb_records = (ours, theirs) if way == "to_rackbeat" else (theirs, ours)
    selection = _both(db_path, entity, identity, way, so24_records, rb_records)
    return _hold_lost_creates(db_path, entity, identity, selection) if way == "to_so24" else selection


def _name_key(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _hold_lost_creates(db_path: str | Path, entity: EntitySpec, identity: str, selection: Selection) -> Selection:
    """Hold an unlinked Rackbeat customer/supplier that may be the hub's own create whose answer was lost.

    A POST whose answer is lost leaves the Rackbeat record without the hub's custom field, and the
    24SO company's create waits as failed (to_rackbeat) until it is retried, when the record is
    found by name and linked. Sent to 24SO before that, the record would come back as a second
    24SO company (a company without an organisation number is matched by neither number nor name).
    So while a 24SO company of the same name has a failed create that way, the record is held.
    """
    if entity.name not in ("customers", "suppliers") or entity.to_so24_spec is None:
        return selection
    pending = set(failed_record_keys(db_path, entity.to_rackbeat_flow))
    if not pending:
        return selection
    waiting: dict[str, list[str]] = {}
    for record in map_side(db_path, entity.to_rackbeat_spec, identity):
        if record.source_key in pending and not record.skip_reason:
            waiting.setdefault(_name_key(record.payload.get("name")), []).append(record.source_key)
    links = _links(db_path, entity, identity)
    records = []
    for record in selection.records:
        ours = None if record.skip_reason or links.get(record.source_key) else waiting.get(_name_key(record.payload.get("Name")))
        if ours:
            record = replace(
                record,
                payload={},
                skip_reason=(
                    f"held: Rackbeat {entity.name[:-1]} {record.source_key} may be the hub's own create of 24SO "
                    f"company {', '.join(sorted(ours))}, whose answer was lost ({entity.to_rackbeat_flow} failed); "
                    "it is linked when that create is retried, not made a second 24SO company"
                ),
            )
        records.append(record)
    return replace(selection, records=records)


def _one_way_changes(db_path: str | Path, entity: EntitySpec, identity: str, way: Way, out: Selection) -> Selection:
    """Which records changed on the sending side since their pair last agreed (pair memory).

    Only those may be written into a counterpart a create finds already linked; a record without
    a memory (never written nor linked by the hub) changed nothing the hub knows of. Only the
    records mapped afresh (`out.sent`) are looked at: a settled one is never written.
    """
    if entity.rb_table is None or not out.sent:
        return out
    links = _links(db_path, entity, identity) if way == "to_so24" else {}
    candidates = [
        (so24_id, record) for key, (record, _) in out.sent.items()
        if not record.skip_reason and (so24_id := links.get(key) if way == "to_so24" else key)
    ]  # fmt: skip
    states = pairs.read_states(db_path, entity.name, {so24_id for so24_id, _ in candidates})
    for so24_id, record in candidates:
        state = states.get(so24_id)
        if state is None or (way == "to_so24" and state.rb_key != record.source_key):
            continue
        base = state.rb if way == "to_so24" else state.so24
        if pairs.changed_since(_side(record, out.attributes), base):
            out.changed.add(record.source_key)
    return out


def _both(
    db_path: str | Path,
    entity: EntitySpec,
    identity: str,
    way: Way,
    so24_records: list[MappedRecord],
    rb_records: list[MappedRecord],
) -> Selection:
    so24_by_id = {r.source_key: r for r in so24_records}
    links = _links(db_path, entity, identity)
    holders: dict[str, list[str]] = {}
    for number, so24_id in links.items():
        if so24_id:
            holders.setdefault(so24_id, []).append(number)
    states = pairs.read_states(db_path, entity.name)
    out = Selection(attributes=_rb_attributes(entity) if way == "to_so24" else {})
    paired_rb: set[str] = set()
    for rb_record in rb_records:
        so24_id = links.get(rb_record.source_key)
        so24_record = so24_by_id.get(so24_id) if so24_id else None
        if so24_record is None:
            if way == "to_so24":
                out.records.append(rb_record)
                out.sent[rb_record.source_key] = (rb_record, rb_record.source_key)
            continue
        paired_rb.add(rb_record.source_key)
        if len(holders.get(so24_id, [])) > 1:
            if way == "to_so24":
                numbers = ", ".join(sorted(holders[so24_id]))
                out.records.append(
                    replace(
                        rb_record,
                        payload={},
                        skip_reason=f"Rackbeat records {numbers} all hold 24SO id {so24_id}; clear the field on all but one",
                    )
                )
            continue
        _decide_pair(out, way, so24_record, rb_record, states.get(so24_record.source_key), _rb_attributes(entity))
    if way == "to_rackbeat":
        linked = {links[n] for n in paired_rb if links.get(n)}
        for record in so24_records:
            if record.source_key not in linked:
                out.records.append(record)
                out.sent[record.source_key] = (record, None)
    return out


def _decide_pair(
    out: Selection,
    way: Way,
    so24_record: MappedRecord,
    rb_record: MappedRecord,
    state: pairs.PairState | None,
    rb_attributes: dict[str, str],
) -> None:
    sends, kept = pairs.decide(_side(so24_record), _side(rb_record, rb_attributes), state, rb_record.source_key)
    mine = sent = so24_record if way == "to_rackbeat" else rb_record
    if not sends:
        out.in_sync += 1
        if kept is not None:
            out.states[so24_record.source_key] = kept
        if mine.skip_reason:
            out.records.append(mine)
        return
    if way not in sends:
        return
    so24_id = so24_record.source_key
    if state is not None:
        out.changed.add(mine.source_key)
        if state.owed:
            out.prior[so24_id] = state
    attributes = sends[way]
    if attributes is not None and not mine.skip_reason:
        mine = partial(mine, attributes, rb_attributes if way == "to_so24" else {})
        other: Way = "to_so24" if way == "to_rackbeat" else "to_rackbeat"
        owed = sends.get(other)
        if owed and state is not None and not state.owed:
            out.owed[so24_id] = {other: tuple(sorted(owed))}
    out.records.append(_with_change(mine) if not mine.skip_reason else mine)
    out.sent[mine.source_key] = (sent, rb_record.source_key)


def flow_of(entity: EntitySpec, way: Way) -> str:
    """The loader flow key of one direction of an entity."""
    return entity.to_rackbeat_flow if way == "to_rackbeat" else entity.to_so24_flow


def load_selection(
    run: RunContext,
    entity: EntitySpec,
    way: Way,
    selection: Selection,
    target: Target,
    *,
    track_pairs: bool,
    claim_ttl: timedelta,
    max_workers: int = 4,
) -> FlowRun:
    """Load the selection and, unless dry, remember the pair baselines of what was written or linked.

    The pair memory is kept in every direction for entities with a Rackbeat register (so an echo
    is known whatever the direction was when the hub wrote it); `track_pairs` (direction `both`)
    adds the note `in_sync_pairs`. Creates that linked or adopted an existing record are reported
    as `linked` / `updated` rather than `created`.
    """
    source = "so24" if way == "to_rackbeat" else "rackbeat"
    if isinstance(target, WriteLog):
        target.changed = frozenset(selection.changed)
    records = selection.records
    if track_pairs:
        # Direction `both` sends only the pairs that changed this way. A record that failed here and
        # is not sent now (its pair agrees, e.g. linked by the other direction's match after a create
        # whose answer was lost, or the other side won) is retired, not left failed forever.
        records = run.retire_failures(flow_of(entity, way), records, IN_SYNC)
    result = run.load(
        flow_of(entity, way), records, target,
        source_system=source, max_workers=max_workers, claim_ttl=claim_ttl,
    )  # fmt: skip
    if not run.dry_run and selection.inputs:
        remember_inputs(run.db_path, flow_of(entity, way), selection.inputs, result.plans)
    if isinstance(target, WriteLog) and not run.dry_run:
        result = note_links(result, target)
        if entity.rb_table is not None:
            states = dict(selection.states)
            states.update(_after_writes(way, selection, target))
            pairs.write_states(run.db_path, entity.name, states)
    if not track_pairs:
        return result
    return result.noting(in_sync_pairs=str(selection.in_sync))


def note_links(result: FlowRun, log: WriteLog) -> FlowRun:
    """Creates that found their record are `resolved` (the target returned `Found`, the sync log
    says how); the notes split them: `linked` (nothing written) and `adopted` (owned fields written)."""
    notes = {name: len(keys) for name, keys in (("linked", log.linked), ("adopted", log.adopted)) if keys}
    return result.noting(**notes) if notes else result


def _after_writes(way: Way, selection: Selection, log: WriteLog) -> dict[str, pairs.PairState]:
    states: dict[str, pairs.PairState] = {}
    for source_key, (target_key, stamp) in log.written.items():
        record, rb_key = selection.sent.get(source_key, (None, None))
        side = _side(record, selection.attributes) if record is not None else None
        if side is None or side.hash is None:
            continue
        so24_id = source_key if way == "to_rackbeat" else target_key
        prior, owed = selection.prior.get(so24_id), selection.owed.get(so24_id)
        if way == "to_rackbeat":
            states[so24_id] = pairs.after_write("so24", side, stamp, rb_key or target_key, prior=prior, owed=owed)
        else:
            states[so24_id] = pairs.after_write("rb", side, stamp, source_key, prior=prior, owed=owed)
    return states


def external_numbers(db_path: str | Path, entity: EntitySpec, identity: str) -> dict[str, str]:
    """24SO company id -> its ExternalId (staged), for companies that have one: the number their
    Rackbeat counterpart may carry (R2's match by number)."""
    if entity.name not in ("customers", "suppliers"):
        return {}
    with connect(db_path) as con:
        rows = con.execute(
            f"SELECT CAST(id AS VARCHAR), TRIM(external_id) FROM {entity.so24_table} "  # noqa: S608
            "WHERE identity = ? AND external_id IS NOT NULL AND TRIM(external_id) <> ''",
            [identity],
        ).fetchall()
    return {so24_id: number for so24_id, number in rows}
