"""Sensors read the inbox one way: a cursor per event name (defs/inbox_events.py)."""

from __future__ import annotations

import json
from pathlib import Path

from so24_pipelines.defs.inbox_events import new_events
from so24_pipelines.webhooks.inbox import Inbox


def _box(tmp_path: Path) -> Inbox:
    box = Inbox(tmp_path / "inbox.sqlite")
    for n, name in enumerate(["order.shipped", "customer.created", "order.shipped", "order.booked"]):
        box.add("rackbeat", f"ev-{n}", name, str(n), None, {"n": n})
    return box


def test_each_event_name_has_its_own_mark_and_a_second_read_finds_nothing_new(tmp_path: Path) -> None:
    box = _box(tmp_path)
    found, cursor = new_events(box, None, ["order.shipped", "order.booked"], source="rackbeat")
    assert {name: [e.event_id for e in events] for name, events in found.items()} == {
        "order.shipped": ["ev-0", "ev-2"], "order.booked": ["ev-3"],
    }  # fmt: skip
    marks = json.loads(cursor)
    assert set(marks) == {"order.shipped", "order.booked"}
    again, same = new_events(box, cursor, ["order.shipped", "order.booked"], source="rackbeat")
    assert again == {"order.shipped": [], "order.booked": []} and json.loads(same) == marks


def test_an_older_single_number_cursor_counts_for_every_event_name(tmp_path: Path) -> None:
    box = _box(tmp_path)
    first, _ = new_events(box, None, ["order.shipped"], source="rackbeat")
    after_first = str(first["order.shipped"][0].seq)
    found, _ = new_events(box, after_first, ["order.shipped", "customer.created"], source="rackbeat")
    assert [e.event_id for e in found["order.shipped"]] == ["ev-2"]
    assert [e.event_id for e in found["customer.created"]] == ["ev-1"]


def test_a_second_reader_sees_events_the_owning_flow_already_marked_processed(tmp_path: Path) -> None:
    """R7 owns `customer.created`'s mark; N3 reads the same events with its own cursor, whichever ticks first."""
    box = _box(tmp_path)
    owner, _ = new_events(box, None, ["customer.created"], source="rackbeat")
    box.mark_processed(e.event_id for e in owner["customer.created"])
    unowned, _ = new_events(box, None, ["customer.created"], source="rackbeat")
    second, cursor = new_events(box, None, ["customer.created"], source="rackbeat", include_processed=True)
    assert unowned == {"customer.created": []}
    assert [e.event_id for e in second["customer.created"]] == ["ev-1"]
    again, _ = new_events(box, cursor, ["customer.created"], source="rackbeat", include_processed=True)
    assert again == {"customer.created": []}
