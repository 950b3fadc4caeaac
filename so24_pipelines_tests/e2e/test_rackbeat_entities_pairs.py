"""Direction `both`: the pair decisions on their own (pure logic, no sandbox needed).

The end-to-end proof is test_rackbeat_entities.py::test_both_directions_converge_without_ping_pong;
these cases pin the rules it rests on, including the ones the sandbox cannot easily produce
(stale staging rows, simultaneous edits, a touch of an unmapped field).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from so24_pipelines.flows.rackbeat import entities_pairs
from so24_pipelines.flows.rackbeat.entities_pairs import (
    Baseline,
    PairState,
    Side,
    after_write,
    content_hash,
    read_states,
    write_states,
)

T0 = datetime(2025, 3, 1, 12, 0, 0)


def _t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def decide(so24: Side, rb: Side, state: PairState | None, rb_key: str) -> tuple[str, PairState | None]:
    """The decision as one word: these sides carry no attribute hashes, so a pair goes one way whole."""
    sends, kept = entities_pairs.decide(so24, rb, state, rb_key)
    assert all(fields is None for fields in sends.values()) and len(sends) <= 1, sends
    return (next(iter(sends)) if sends else "none"), kept


AGREED = PairState("P-1", Baseline("s1", _t(0)), Baseline("r1", _t(0)))


def test_nothing_changed_sends_nothing_and_keeps_the_state() -> None:
    assert decide(Side("s1", _t(0)), Side("r1", _t(0)), AGREED, "P-1") == ("none", None)


def test_the_side_that_changed_wins() -> None:
    assert decide(Side("s2", _t(5)), Side("r1", _t(0)), AGREED, "P-1")[0] == "to_rackbeat"
    assert decide(Side("s1", _t(0)), Side("r2", _t(5)), AGREED, "P-1")[0] == "to_so24"


def test_both_changed_the_newer_wins_and_a_tie_goes_to_24so() -> None:
    assert decide(Side("s2", _t(5)), Side("r2", _t(7)), AGREED, "P-1")[0] == "to_so24"
    assert decide(Side("s2", _t(9)), Side("r2", _t(7)), AGREED, "P-1")[0] == "to_rackbeat"
    assert decide(Side("s2", _t(7)), Side("r2", _t(7)), AGREED, "P-1")[0] == "to_rackbeat"


def test_touching_an_unmapped_field_is_not_a_change() -> None:
    decision, kept = decide(Side("s1", _t(3)), Side("r2", _t(2)), AGREED, "P-1")
    assert decision == "to_so24"  # only Rackbeat's content moved
    decision, kept = decide(Side("s1", _t(3)), Side("r1", _t(0)), AGREED, "P-1")
    assert decision == "none" and kept is not None and kept.so24.stamp == _t(3)


def test_our_own_write_seen_again_becomes_the_baseline_not_a_change() -> None:
    state = after_write("so24", Side("s2", _t(5)), _t(6), "P-1")
    decision, kept = decide(Side("s2", _t(5)), Side("r-new", _t(6)), state, "P-1")
    assert decision == "none"
    assert kept == PairState("P-1", Baseline("s2", _t(5)), Baseline("r-new", _t(6)))
    assert decide(Side("s2", _t(5)), Side("r-new", _t(6)), kept, "P-1") == ("none", None)


def test_a_stale_copy_from_before_our_write_is_ignored() -> None:
    state = after_write("rb", Side("r2", _t(5)), _t(6), "P-1")  # we wrote Rackbeat's change into 24SO at 6
    assert decide(Side("s-old", _t(1)), Side("r2", _t(5)), state, "P-1") == ("none", None)


def test_an_edit_after_our_write_is_a_real_change() -> None:
    state = after_write("so24", Side("s2", _t(5)), _t(6), "P-1")
    assert decide(Side("s2", _t(5)), Side("r-user", _t(8)), state, "P-1")[0] == "to_so24"


def test_a_pair_never_seen_agreeing_goes_by_the_newer_side_and_skips_cannot_win() -> None:
    assert decide(Side("s", _t(1)), Side("r", _t(2)), None, "P-1")[0] == "to_so24"
    assert decide(Side(None, _t(9)), Side("r", _t(2)), None, "P-1")[0] == "to_rackbeat"
    assert decide(Side("s", _t(1)), Side(None, _t(2)), None, "P-1")[0] == "to_so24"


def test_content_hash_ignores_links_and_hash_only_keys() -> None:
    assert content_hash({"Name": "A", "Id": 5, "_changed": "x"}) == content_hash({"Name": "A"})
    assert content_hash({"Name": "A"}) != content_hash({"Name": "B"})


def test_states_survive_a_round_trip_through_sync_state(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert read_states(db, "products") == {}
    state = after_write("so24", Side("s2", _t(5)), _t(6), "P-1")
    write_states(db, "products", {"1001": state, "1002": AGREED})
    assert read_states(db, "products") == {"1001": state, "1002": AGREED}
    assert read_states(db, "customers") == {}
