"""Direction both, a pair edited on both sides in one tick: each side keeps its edit (entities_pairs)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from so24_pipelines.flows.rackbeat import entities_pairs as pairs
from so24_pipelines.flows.rackbeat.entities_flow import partial
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.schema import ensure_sync_schema

T0, T1, T2, T3 = (datetime(2026, 11, 30, 10, m) for m in (0, 1, 2, 3))
# the Rackbeat side's paths, named by the Rackbeat column each is read from
RB_ATTRIBUTES = {"Name": "name", "PhoneNumbers.Work.Value": "contact_phone", "Addresses.Post.Street": "address_street"}


def so24_side(stamp: datetime, **payload: str) -> pairs.Side:
    return pairs.Side(pairs.content_hash(payload), stamp, pairs.attribute_hashes(payload, {}))


def rb_side(stamp: datetime, name: str, phone: str, street: str = "Gate 1") -> pairs.Side:
    payload = {"Name": name, "PhoneNumbers": {"Work": {"Value": phone}}, "Addresses": {"Post": {"Street": street}}}
    return pairs.Side(pairs.content_hash(payload), stamp, pairs.attribute_hashes(payload, RB_ATTRIBUTES))


def agreed() -> pairs.PairState:
    so24 = so24_side(T0, name="Havdesign", contact_phone="+47 1", address_street="Gate 1")
    rb = rb_side(T0, "Havdesign", "+47 1")
    return pairs.PairState("7", pairs.Baseline(so24.hash, so24.stamp, so24.fields), pairs.Baseline(rb.hash, rb.stamp, rb.fields))


def test_edits_to_different_fields_each_go_their_own_way() -> None:
    so24 = so24_side(T1, name="Havdesign", contact_phone="+47 2", address_street="Gate 1")
    rb = rb_side(T2, "Havdesign Nord", "+47 1")
    sends, _ = pairs.decide(so24, rb, agreed(), "7")
    assert sends == {"to_rackbeat": frozenset({"contact_phone"}), "to_so24": frozenset({"name"})}


def test_an_attribute_edited_on_both_sides_goes_to_the_newer_edit_only() -> None:
    so24 = so24_side(T3, name="Havdesign A", contact_phone="+47 2", address_street="Gate 1")
    rb = rb_side(T2, "Havdesign B", "+47 1", street="Gate 9")
    sends, _ = pairs.decide(so24, rb, agreed(), "7")
    # 24SO is newer: its name and phone go to Rackbeat; Rackbeat's street still goes to 24SO
    assert sends == {"to_rackbeat": frozenset({"name", "contact_phone"}), "to_so24": frozenset({"address_street"})}


def test_one_side_changed_sends_it_whole() -> None:
    rb = rb_side(T2, "Havdesign Nord", "+47 1")
    so24 = so24_side(T0, name="Havdesign", contact_phone="+47 1", address_street="Gate 1")
    assert pairs.decide(so24, rb, agreed(), "7")[0] == {"to_so24": None}


def test_without_attribute_baselines_the_newer_side_wins_whole() -> None:
    old = agreed()
    state = pairs.PairState("7", pairs.Baseline(old.so24.hash, T0), pairs.Baseline(old.rb.hash, T0))
    so24 = so24_side(T1, name="Havdesign", contact_phone="+47 2", address_street="Gate 1")
    rb = rb_side(T2, "Havdesign Nord", "+47 1")
    assert pairs.decide(so24, rb, state, "7")[0] == {"to_so24": None}


def test_a_merges_second_half_is_owed_after_the_first_is_written() -> None:
    so24 = so24_side(T1, name="Havdesign", contact_phone="+47 2", address_street="Gate 1")
    first = pairs.after_write("so24", so24, T3, "7", owed={"to_so24": ("name",)})
    # the Rackbeat copy staged before the first write is stale, yet its name edit is still sent
    stale_rb = rb_side(T2, "Havdesign Nord", "+47 1")
    assert pairs.decide(so24, stale_rb, first, "7")[0] == {"to_so24": frozenset({"name"})}
    second = pairs.after_write("rb", stale_rb, T3, "7", prior=first)
    assert second.owed == {}
    assert second.rb == first.rb, "the first write's echo baseline of Rackbeat stands"
    # both sides seen again as the writes left them: the hub's own echoes, nothing to send
    so24_now = so24_side(T3, name="Havdesign Nord", contact_phone="+47 2", address_street="Gate 1")
    rb_now = rb_side(T3, "Havdesign Nord", "+47 2")
    sends, kept = pairs.decide(so24_now, rb_now, second, "7")
    assert sends == {}
    assert kept is not None and kept.rb.hash == rb_now.hash and kept.so24.hash == so24_now.hash


def test_state_round_trips_with_fields_and_owed() -> None:
    state = pairs.after_write("so24", so24_side(T1, name="A"), T2, "7", owed={"to_so24": ("name",)})
    assert pairs.PairState.from_json(state.to_json()) == state


def test_state_of_the_older_format_still_reads() -> None:
    old = '{"rb_key": "7", "so24": {"hash": "h", "stamp": null}, "rb": {"hash": null, "stamp": null}}'
    state = pairs.PairState.from_json(old)
    assert state.so24 == pairs.Baseline("h", None) and state.owed == {}


def test_a_partial_payload_keeps_its_fields_and_the_keys() -> None:
    record = MappedRecord(
        source_key="10003",
        payload={
            "Name": "Havdesign Nord", "ExternalId": "7", "_changed": "x",
            "PhoneNumbers": {"Work": {"Value": "+47 1"}}, "Addresses": {"Post": {"Street": "Gate 1"}},
        },
    )  # fmt: skip
    half = partial(record, frozenset({"name"}), RB_ATTRIBUTES)
    assert half.payload == {"Name": "Havdesign Nord", "ExternalId": "7", "_changed": "x"}
    half = partial(record, frozenset({"contact_phone"}), RB_ATTRIBUTES)
    assert half.payload == {"ExternalId": "7", "_changed": "x", "PhoneNumbers": {"Work": {"Value": "+47 1"}}}


def test_the_hubs_own_touch_of_a_rackbeat_record_is_not_a_users_edit(tmp_path: Path) -> None:
    """R3's opening stock moves a product's updated_at: a pair still waiting for its echo waits for that time."""
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        ensure_sync_schema(con)
    waiting = pairs.after_write("so24", so24_side(T0, name="A"), T1, "P-1")
    seen = agreed()
    pairs.write_states(db, "products", {"1": waiting, "2": seen})
    pairs.note_own_touches(db, "products", {"1": T2, "2": T2, "3": T2})
    states = pairs.read_states(db, "products")
    assert states["1"].rb == pairs.Baseline(None, T2)
    assert states["2"] == seen, "a baseline with content is not moved: the touch changed nothing it compares"
    assert "3" not in states
    # the product seen at the touch's time is the hub's own echo: nothing to send
    rb_now = rb_side(T2, "A", "+47 1")
    assert pairs.decide(so24_side(T0, name="A"), rb_now, states["1"], "P-1")[0] == {}
