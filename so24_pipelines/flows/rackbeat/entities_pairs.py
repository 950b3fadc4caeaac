"""Direction `both`: which side of a linked pair changed, and no echo of the hub's own writes.

A pair is a 24SO record and the Rackbeat record holding its id in the custom field. For each pair
the hub remembers (in sync.state) a baseline per side: the hash of that side's mapped payload
and that side's change time, as they were when the two were last known to agree. Then:

- a side changed if its change time moved past the baseline *and* its hash differs (a touch of an
  unmapped field moves the time but not the hash, and is not a change);
- one side changed: it wins, whole;
- both changed: field by field. Each side also remembers a hash per *attribute* (the Rackbeat
  field a value lives in: the 24SO side's payload is keyed by it, the Rackbeat side's payload
  names it as each field's source column). Attributes changed on one side only go that way, each
  direction sending only its own (a partial payload: the targets write only what they are given
  and merge it into the record), so two users editing different fields both keep their edit. An
  attribute changed on both sides goes to the newer change time (the only place the two systems'
  clocks are compared; a tie goes to 24SO, the book of account). When an attribute cannot be
  matched across the two specs, or a side's attributes are not known yet, the newer side wins
  whole, as before;
- a merge is two writes in two steps (to_rackbeat, to_so24): the first step's write makes the
  other side's staged copy stale, so the state remembers what is still *owed* the other way and
  the second step sends exactly that (from its copy, which the first write did not touch);
- after the hub writes A -> B, A's baseline is what was sent, and B's baseline is "the record
  as it stood right after our write": B's hash is unknown until B is staged again, but its
  change time is known from the write's answer. When B is next seen with exactly that time, what
  is seen is our own write coming back: it becomes the baseline and nothing is sent. Seen older,
  it is a stale copy (staging not refreshed yet) and is ignored; seen newer, someone edited B
  after us, and that is a real change.

So a write the hub made never comes back as a change (no ping-pong), and a stale staging row can
never overwrite a newer value. Hashes leave out keys starting with "_" and the target's own id
("Id"): they describe the record's content, not its links.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync.hashing import payload_hash
from so24_pipelines.sync.state import set_states, states_of, states_with_prefix

Decision = Literal["none", "to_rackbeat", "to_so24"]
Way = Literal["to_rackbeat", "to_so24"]
# way -> the attributes to send (None: the whole record)
Sends = dict[Way, frozenset[str] | None]
_PREFIX = "rackbeat/pair"


def content_hash(payload: dict[str, Any]) -> str:
    """The hash a side is compared on: the payload without links and hash-only keys."""
    return payload_hash(_content(payload))


def _content(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if not k.startswith("_") and k != "Id"}


def flatten(payload: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted path -> value (the specs' `to` paths; 24SO payloads nest Addresses.Post.Street)."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `flatten`."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, leaf = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def attribute_hashes(payload: dict[str, Any], attribute_of: dict[str, str]) -> dict[str, str]:
    """Attribute -> hash of the values the payload holds for it (`attribute_of`: dotted path ->
    attribute; a path it does not name is its own attribute)."""
    grouped: dict[str, dict[str, Any]] = {}
    for path, value in flatten(_content(payload)).items():
        grouped.setdefault(attribute_of.get(path, path), {})[path] = value
    return {attr: payload_hash(values) for attr, values in grouped.items()}


def parse_stamp(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Baseline:
    """One side as last agreed: hash None means "our write, not staged again yet"; fields: the
    attribute hashes, when known."""

    hash: str | None
    stamp: datetime | None
    fields: dict[str, str] | None = None


@dataclass(frozen=True)
class PairState:
    rb_key: str
    so24: Baseline
    rb: Baseline
    # way -> attributes a merge still has to send that way (its other half was written)
    owed: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def to_json(self) -> str:
        def side(b: Baseline) -> dict[str, Any]:
            return {"hash": b.hash, "stamp": b.stamp.isoformat() if b.stamp else None, "fields": b.fields}

        body = {"rb_key": self.rb_key, "so24": side(self.so24), "rb": side(self.rb)}
        if self.owed:
            body["owed"] = {way: list(attrs) for way, attrs in self.owed.items()}
        return json.dumps(body, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> PairState:
        data = json.loads(text)

        def side(d: dict[str, Any]) -> Baseline:
            return Baseline(d["hash"], parse_stamp(d["stamp"]), d.get("fields"))

        owed = {str(way): tuple(attrs) for way, attrs in (data.get("owed") or {}).items()}
        return PairState(str(data["rb_key"]), side(data["so24"]), side(data["rb"]), owed)


@dataclass(frozen=True)
class Side:
    """One side as staged now; hash None when its mapping was skipped; fields: attribute hashes."""

    hash: str | None
    stamp: datetime | None
    fields: dict[str, str] | None = None


def _look(now: Side, base: Baseline) -> tuple[bool, Baseline]:
    """(changed?, the baseline to keep if nothing is written)."""
    if now.hash is None:
        return False, base
    if base.stamp is not None and now.stamp is not None and now.stamp < base.stamp:
        return False, base  # a stale copy, staged before our last write
    if base.hash is None:
        if base.stamp is None or now.stamp is None or now.stamp == base.stamp:
            return False, Baseline(now.hash, now.stamp, now.fields)  # our own write, seen again
        return True, base  # edited after our write
    if now.hash == base.hash:
        return False, Baseline(base.hash, now.stamp or base.stamp, now.fields or base.fields)
    moved = base.stamp is None or now.stamp is None or now.stamp > base.stamp
    return moved, base if moved else Baseline(now.hash, now.stamp, now.fields)


def changed_since(now: Side, base: Baseline) -> bool:
    """Whether one side changed since its baseline (the rules above; a stale copy or the hub's own
    write seen again is not a change)."""
    return _look(now, base)[0]


def decide(so24: Side, rb: Side, state: PairState | None, rb_key: str) -> tuple[Sends, PairState | None]:
    """What to send for one pair, each way, and the state to store when nothing is sent (None: unchanged)."""
    if state is None:
        # Never seen agreeing: no baseline, so the newer change wins. A side whose mapping was
        # skipped cannot win; its direction is chosen so the skip (and its reason) is logged.
        if so24.hash is None:
            return {"to_rackbeat": None}, None
        if rb.hash is None:
            return {"to_so24": None}, None
        return {_newer(so24, rb): None}, None
    if state.owed:
        return {way: frozenset(attrs) for way, attrs in state.owed.items()}, None  # type: ignore[misc]
    s_changed, s_base = _look(so24, state.so24)
    r_changed, r_base = _look(rb, state.rb)
    if s_changed and r_changed:
        return _merge(so24, rb, state), None
    if s_changed:
        return {"to_rackbeat": None}, None
    if r_changed:
        return {"to_so24": None}, None
    kept = replace(state, rb_key=rb_key, so24=s_base, rb=r_base)
    return {}, (kept if kept != state else None)


def _changed_fields(now: Side, base: Baseline) -> set[str] | None:
    if now.fields is None or base.fields is None:
        return None
    return {a for a in now.fields.keys() | base.fields.keys() if now.fields.get(a) != base.fields.get(a)}


def _merge(so24: Side, rb: Side, state: PairState) -> Sends:
    """Both sides changed: each attribute goes the way of the side that changed it (see the module
    docstring); the newer side wins whole when the attributes cannot be compared."""
    ours, theirs = _changed_fields(so24, state.so24), _changed_fields(rb, state.rb)
    common = (so24.fields or {}).keys() & (rb.fields or {}).keys()
    if ours is None or theirs is None or not (ours | theirs) <= common:
        return {_newer(so24, rb): None}
    both = ours & theirs
    newer = _newer(so24, rb)
    to_rb = ours - (both if newer == "to_so24" else set())
    to_so24 = theirs - (both if newer == "to_rackbeat" else set())
    sends: Sends = {}
    if to_rb:
        sends["to_rackbeat"] = frozenset(to_rb)
    if to_so24:
        sends["to_so24"] = frozenset(to_so24)
    return sends or {newer: None}


def _newer(so24: Side, rb: Side) -> Decision:
    if so24.stamp is None or rb.stamp is None:
        return "to_rackbeat"
    return "to_so24" if rb.stamp > so24.stamp else "to_rackbeat"


def after_write(
    source: Literal["so24", "rb"],
    sent: Side,
    target_stamp: datetime | None,
    rb_key: str,
    *,
    prior: PairState | None = None,
    owed: dict[str, tuple[str, ...]] | None = None,
) -> PairState:
    """The state right after the hub wrote `source`'s record to the other side.

    `prior`: the state before this write, when it was the second half of a merge: the source's
    copy is then older than the first half's write into it, whose echo baseline stands. `owed`:
    what the other way still has to send (this write was a merge's first half).
    """
    written = Baseline(sent.hash, sent.stamp, sent.fields)
    if prior is not None:
        before = prior.so24 if source == "so24" else prior.rb
        if before.stamp is not None and (sent.stamp is None or before.stamp > sent.stamp):
            written = before
    echo = Baseline(None, target_stamp)
    pair = PairState(rb_key, written, echo) if source == "so24" else PairState(rb_key, echo, written)
    return replace(pair, owed=dict(owed or {}))


def _key(entity: str, so24_id: str) -> str:
    return f"{_PREFIX}/{entity}/{so24_id}"


def read_states(db_path: str | Path, entity: str, so24_ids: Collection[str] | None = None) -> dict[str, PairState]:
    """24SO id -> state, for every pair of `entity` the hub has seen agree or written (only those
    of `so24_ids` when given: a quiet tick asks for none of 100k pairs, not for all)."""
    prefix = f"{_PREFIX}/{entity}/"
    if so24_ids is not None and not so24_ids:
        return {}
    with connect(db_path) as con:
        if so24_ids is None:
            rows = states_with_prefix(con, prefix)
        else:
            rows = states_of(con, [_key(entity, so24_id) for so24_id in so24_ids])
    return {key[len(prefix) :]: PairState.from_json(value) for key, value in rows.items()}


def note_own_touches(db_path: str | Path, entity: str, stamps: dict[str, datetime | None]) -> None:
    """The hub touched these Rackbeat records outside R1/R2 (R3's opening stock moves a product's
    `updated_at`) without changing what the pair compares: a pair still waiting for the echo of
    the hub's write (hash unknown) waits for this newer time instead, so the touch is not taken
    for a user's edit (which would send the whole Rackbeat record back to 24SO)."""
    states = read_states(db_path, entity, stamps.keys())
    moved = {}
    for so24_id, stamp in stamps.items():
        state = states.get(so24_id)
        if state is None or stamp is None or state.rb.hash is not None:
            continue
        if state.rb.stamp is None or stamp > state.rb.stamp:
            moved[so24_id] = replace(state, rb=Baseline(None, stamp))
    write_states(db_path, entity, moved)


def write_states(db_path: str | Path, entity: str, states: dict[str, PairState]) -> None:
    if not states:
        return
    with transaction(db_path) as con:
        set_states(con, {_key(entity, so24_id): state.to_json() for so24_id, state in states.items()})
