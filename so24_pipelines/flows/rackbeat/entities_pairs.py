"""Direction `both`: which side of a linked pair changed, and no echo of the hub's own writes.

A pair is a 24SO record and the Rackbeat record holding its id in the custom field. For each pair
the hub remembers (in sync.state) a baseline per side: the hash of that side's mapped payload
and that side's change time, as they were when the two were last known to agree. Then:

- a side changed if its change time moved past the baseline *and* its hash differs (a touch of an
  unmapped field moves the time but not the hash, and is not a change);
- one side changed: it wins; both changed: the newer change time wins (the only place the two
  systems' clocks are compared), a tie goes to 24SO, the book of account;
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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync.hashing import payload_hash
from so24_pipelines.sync.state import set_states, states_with_prefix

Decision = Literal["none", "to_rackbeat", "to_so24"]
_PREFIX = "rackbeat/pair"


def content_hash(payload: dict[str, Any]) -> str:
    """The hash a side is compared on: the payload without links and hash-only keys."""
    return payload_hash({k: v for k, v in payload.items() if not k.startswith("_") and k != "Id"})


def parse_stamp(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Baseline:
    """One side as last agreed: hash None means "our write, not staged again yet"."""

    hash: str | None
    stamp: datetime | None


@dataclass(frozen=True)
class PairState:
    rb_key: str
    so24: Baseline
    rb: Baseline

    def to_json(self) -> str:
        def side(b: Baseline) -> dict[str, Any]:
            return {"hash": b.hash, "stamp": b.stamp.isoformat() if b.stamp else None}

        return json.dumps({"rb_key": self.rb_key, "so24": side(self.so24), "rb": side(self.rb)}, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> PairState:
        data = json.loads(text)
        return PairState(
            str(data["rb_key"]),
            Baseline(data["so24"]["hash"], parse_stamp(data["so24"]["stamp"])),
            Baseline(data["rb"]["hash"], parse_stamp(data["rb"]["stamp"])),
        )


@dataclass(frozen=True)
class Side:
    """One side as staged now; hash None when its mapping was skipped."""

    hash: str | None
    stamp: datetime | None


def _look(now: Side, base: Baseline) -> tuple[bool, Baseline]:
    """(changed?, the baseline to keep if nothing is written)."""
    if now.hash is None:
        return False, base
    if base.stamp is not None and now.stamp is not None and now.stamp < base.stamp:
        return False, base  # a stale copy, staged before our last write
    if base.hash is None:
        if base.stamp is None or now.stamp is None or now.stamp == base.stamp:
            return False, Baseline(now.hash, now.stamp)  # our own write, seen again
        return True, base  # edited after our write
    if now.hash == base.hash:
        return False, Baseline(base.hash, now.stamp or base.stamp)
    moved = base.stamp is None or now.stamp is None or now.stamp > base.stamp
    return moved, base if moved else Baseline(now.hash, now.stamp)


def changed_since(now: Side, base: Baseline) -> bool:
    """Whether one side changed since its baseline (the rules above; a stale copy or the hub's own
    write seen again is not a change)."""
    return _look(now, base)[0]


def decide(so24: Side, rb: Side, state: PairState | None, rb_key: str) -> tuple[Decision, PairState | None]:
    """What to send for one pair, and the state to store when nothing is sent (None: unchanged)."""
    if state is None:
        # Never seen agreeing: no baseline, so the newer change wins. A side whose mapping was
        # skipped cannot win; its direction is chosen so the skip (and its reason) is logged.
        if so24.hash is None:
            return "to_rackbeat", None
        if rb.hash is None:
            return "to_so24", None
        return _newer(so24, rb), None
    s_changed, s_base = _look(so24, state.so24)
    r_changed, r_base = _look(rb, state.rb)
    if s_changed and r_changed:
        return _newer(so24, rb), None
    if s_changed:
        return "to_rackbeat", None
    if r_changed:
        return "to_so24", None
    kept = replace(state, rb_key=rb_key, so24=s_base, rb=r_base)
    return "none", (kept if kept != state else None)


def _newer(so24: Side, rb: Side) -> Decision:
    if so24.stamp is None or rb.stamp is None:
        return "to_rackbeat"
    return "to_so24" if rb.stamp > so24.stamp else "to_rackbeat"


def after_write(source: Literal["so24", "rb"], sent: Side, target_stamp: datetime | None, rb_key: str) -> PairState:
    """The state right after the hub wrote `source`'s record to the other side."""
    written = Baseline(sent.hash, sent.stamp)
    echo = Baseline(None, target_stamp)
    return PairState(rb_key, written, echo) if source == "so24" else PairState(rb_key, echo, written)


def _key(entity: str, so24_id: str) -> str:
    return f"{_PREFIX}/{entity}/{so24_id}"


def read_states(db_path: str | Path, entity: str) -> dict[str, PairState]:
    """24SO id -> state, for every pair of `entity` the hub has seen agree or written."""
    prefix = f"{_PREFIX}/{entity}/"
    with connect(db_path) as con:
        rows = states_with_prefix(con, prefix)
    return {key[len(prefix) :]: PairState.from_json(value) for key, value in rows.items()}


def write_states(db_path: str | Path, entity: str, states: dict[str, PairState]) -> None:
    if not states:
        return
    with transaction(db_path) as con:
        set_states(con, {_key(entity, so24_id): state.to_json() for so24_id, state in states.items()})
