"""The webhook inbox (SQLite, WAL) and the envelope rules that decide what counts as a duplicate."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from so24_pipelines.webhooks.envelope import EventNameError, describe, normalize_time
from so24_pipelines.webhooks.inbox import Inbox, default_inbox_path
from so24_pipelines.webhooks.sources import ONGOING, RACKBEAT
from so24_pipelines.webhooks.tokens import SharedTokens, tokens_from_env

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class FakeClock:
    """received_at under test control, so the debounce tests never sleep."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def inbox(tmp_path: Path, clock: FakeClock) -> Inbox:
    return Inbox(tmp_path / "inbox.sqlite", clock=clock)


def _add(
    inbox: Inbox, event_id: str, event: str = "order.shipped", key: str | None = "1", source: str = "rackbeat"
) -> bool:
    return inbox.add(source, event_id, event, key, None, {"key": key, "event": event, "n": event_id})


# --- storage --------------------------------------------------------------------------------------


def test_wal_mode_is_on_in_the_file(inbox: Inbox) -> None:
    con = sqlite3.connect(inbox.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_duplicate_event_id_is_ignored_and_first_payload_kept(inbox: Inbox) -> None:
    assert inbox.add("rackbeat", "rackbeat:a", "order.shipped", "7", None, {"v": 1}) is True
    assert inbox.add("rackbeat", "rackbeat:a", "order.shipped", "7", None, {"v": 2}) is False
    [event] = inbox.pending()
    assert event.payload == {"v": 1}
    assert inbox.counts() == {"total": 1, "pending": 1, "processed": 0}


def test_missing_required_column_raises_instead_of_passing_as_duplicate(inbox: Inbox) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        inbox.add("rackbeat", "rackbeat:x", None, "1", None, {})  # type: ignore[arg-type]


def test_pending_is_ordered_by_seq_with_cursor_limit_and_filters(inbox: Inbox) -> None:
    for i in range(6):
        _add(inbox, f"e{i}", event="inventory.changed" if i % 2 else "order.shipped")
    _add(inbox, "o1", event="order.shipped", source="ongoing")

    all_pending = inbox.pending()
    assert [e.event_id for e in all_pending] == ["e0", "e1", "e2", "e3", "e4", "e5", "o1"]
    assert [e.seq for e in all_pending] == sorted(e.seq for e in all_pending)

    assert [e.event_id for e in inbox.pending(after_seq=all_pending[2].seq, limit=2)] == ["e3", "e4"]
    assert [e.event_id for e in inbox.pending(event="inventory.changed")] == ["e1", "e3", "e5"]
    assert [e.event_id for e in inbox.pending(source="ongoing")] == ["o1"]
    assert [e.event_id for e in inbox.pending(event="order.shipped", source="rackbeat")] == ["e0", "e2", "e4"]


def test_mark_processed_hides_events_and_keeps_the_first_time(inbox: Inbox, clock: FakeClock) -> None:
    for i in range(3):
        _add(inbox, f"e{i}")
    assert inbox.mark_processed(["e0", "e2", "e2", "unknown"]) == 2
    assert [e.event_id for e in inbox.pending()] == ["e1"]

    clock.now = T0 + timedelta(hours=1)
    assert inbox.mark_processed(["e0"]) == 0
    assert inbox.mark_processed([]) == 0
    with sqlite3.connect(inbox.path) as con:
        stamps = dict(con.execute("SELECT event_id, processed_at FROM events"))
    assert stamps == {
        "e0": "2026-03-02T08:00:00.000000+00:00",
        "e1": None,
        "e2": "2026-03-02T08:00:00.000000+00:00",
    }
    assert inbox.counts() == {"total": 3, "pending": 1, "processed": 2}


def test_seq_is_never_reused_after_purge(inbox: Inbox, clock: FakeClock) -> None:
    _add(inbox, "e0")
    _add(inbox, "e1")
    inbox.mark_processed(["e0", "e1"])
    clock.now = T0 + timedelta(days=30)
    assert inbox.purge_processed(older_than=T0 + timedelta(days=7)) == 2
    _add(inbox, "e2")
    [event] = inbox.pending()
    assert event.seq == 3


# --- debounce -------------------------------------------------------------------------------------


def _arrive(
    inbox: Inbox,
    clock: FakeClock,
    seconds: int,
    event_id: str,
    key: str | None,
    event: str = "inventory.changed",
) -> None:
    clock.now = T0 + timedelta(seconds=seconds)
    assert inbox.add("rackbeat", event_id, event, key, None, {"key": key, "id": event_id})


def test_latest_per_key_collapses_a_burst_into_its_latest(inbox: Inbox, clock: FakeClock) -> None:
    _arrive(inbox, clock, 0, "a1", "A")
    _arrive(inbox, clock, 10, "a2", "A")
    _arrive(inbox, clock, 20, "a3", "A")
    _arrive(inbox, clock, 5, "c1", "C")
    _arrive(inbox, clock, 40, "c2", "C")  # C is still receiving: the whole key waits
    _arrive(inbox, clock, 50, "b1", "B")  # inside the window
    _arrive(inbox, clock, 1, "s1", "A", event="order.shipped")  # other event name: not debounced here

    cutoff = T0 + timedelta(seconds=30)
    [a] = inbox.latest_per_key("inventory.changed", older_than=cutoff)
    assert (a.event_id, a.entity_key, a.supersedes) == ("a3", "A", ("a1", "a2"))
    assert a.covered_ids == ("a3", "a1", "a2")

    inbox.mark_processed(a.covered_ids)
    assert inbox.latest_per_key("inventory.changed", older_than=cutoff) == []

    later = inbox.latest_per_key("inventory.changed", older_than=T0 + timedelta(minutes=5))
    assert [(e.event_id, e.supersedes) for e in later] == [("c2", ("c1",)), ("b1", ())]
    assert [e.event_id for e in inbox.pending(event="order.shipped")] == ["s1"]


def test_latest_per_key_keeps_keyless_events_apart_and_sources_apart(inbox: Inbox, clock: FakeClock) -> None:
    _arrive(inbox, clock, 0, "n1", None)
    _arrive(inbox, clock, 1, "n2", None)
    clock.now = T0 + timedelta(seconds=2)
    inbox.add("ongoing", "o1", "inventory.changed", "A", None, {})
    _arrive(inbox, clock, 3, "r1", "A")

    found = inbox.latest_per_key("inventory.changed", older_than=T0 + timedelta(minutes=1))
    assert [(e.source, e.event_id, e.supersedes) for e in found] == [
        ("rackbeat", "n1", ()),
        ("rackbeat", "n2", ()),
        ("ongoing", "o1", ()),
        ("rackbeat", "r1", ()),
    ]
    only_rb = inbox.latest_per_key(
        "inventory.changed", older_than=T0 + timedelta(minutes=1), source="rackbeat"
    )
    assert [e.event_id for e in only_rb] == ["n1", "n2", "r1"]


def test_naive_datetimes_are_refused(inbox: Inbox) -> None:
    with pytest.raises(ValueError, match="naive"):
        inbox.latest_per_key("inventory.changed", older_than=datetime(2026, 1, 1))


# --- concurrency ----------------------------------------------------------------------------------


def test_concurrent_threads_store_each_event_exactly_once(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite")
    ids = [f"ev{i}" for i in range(240)]
    stored: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait(timeout=30)
            # every id is offered by two threads, in different orders
            mine = ids[n::8] + ids[(n + 1) % 8 :: 8]
            for event_id in mine:
                if _add(inbox, event_id, key=event_id):
                    with lock:
                        stored.append(event_id)
        except BaseException as exc:  # surfaced below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(stored) == sorted(ids)
    assert inbox.counts()["total"] == 240


def _process_writer(path: str, n: int, start: Barrier) -> None:
    start.wait(timeout=60)
    inbox = Inbox(path)  # every process creates the schema at the same moment
    for i in range(60):
        inbox.add("rackbeat", f"p{n}-{i}", "inventory.changed", str(i), None, {"n": n, "i": i})
        inbox.add("rackbeat", f"shared-{i}", "inventory.changed", str(i), None, {"i": i})
    inbox.mark_processed([f"p{n}-{i}" for i in range(0, 60, 2)])


def test_concurrent_processes_on_a_fresh_file_do_not_fail(tmp_path: Path) -> None:
    path = str(tmp_path / "fresh" / "inbox.sqlite")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(4)
    procs = [ctx.Process(target=_process_writer, args=(path, n, start)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert Inbox(path).counts() == {"total": 4 * 60 + 60, "pending": 4 * 30 + 60, "processed": 4 * 30}


# --- paths, envelope, tokens ----------------------------------------------------------------------


def test_default_path_follows_dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_inbox_path({"DAGSTER_HOME": str(tmp_path)}) == tmp_path / "so24_inbox.sqlite"
    monkeypatch.chdir(tmp_path)
    assert default_inbox_path({}) == tmp_path / ".dagster_home" / "so24_inbox.sqlite"


def test_event_id_is_the_senders_id_when_present_else_a_hash_of_source_and_body() -> None:
    with_id = describe(RACKBEAT, b"{}", {"event_id": "d-42", "event": "order.shipped", "key": 5}, {}, {})
    assert with_id.event_id == "rackbeat:d-42"
    assert with_id.entity_key == "5"

    body = b'{"key":5,"event":"order.shipped"}'
    first = describe(RACKBEAT, body, {"key": 5, "event": "order.shipped"}, {}, {})
    again = describe(RACKBEAT, body, {"key": 5, "event": "order.shipped"}, {}, {})
    other_body = describe(RACKBEAT, body + b" ", {"key": 5, "event": "order.shipped"}, {}, {})
    other_source = describe(ONGOING, body, {"orderId": 5, "event": "order.shipped"}, {}, {})
    assert first.event_id == again.event_id
    assert first.event_id.startswith("rackbeat:sha256:")
    assert len({first.event_id, other_body.event_id, other_source.event_id}) == 3


def test_event_name_from_body_then_header_then_query() -> None:
    headers = {"Rackbeat-Webhook-Event": "order.booked"}
    assert describe(RACKBEAT, b"", {"event": "order.shipped"}, headers, {}).event == "order.shipped"
    assert describe(RACKBEAT, b"", {}, headers, {"event": "x"}).event == "order.booked"
    assert describe(ONGOING, b"", {"orderId": 9}, {}, {"event": "order.picked"}).event == "order.picked"
    with pytest.raises(EventNameError, match="event"):
        describe(ONGOING, b"", {"orderId": 9}, {}, {})


def test_occurred_at_is_taken_from_the_payload_and_normalized() -> None:
    rb = describe(RACKBEAT, b"", {"event": "e", "data": {"updated_at": "2026-03-02T09:30:00+01:00"}}, {}, {})
    assert rb.occurred_at == "2026-03-02T08:30:00.000000+00:00"
    assert normalize_time("2025-01-08 10:30:00") == "2025-01-08T10:30:00.000000"
    assert normalize_time(0) == "1970-01-01T00:00:00.000000+00:00"
    assert normalize_time("yesterday") is None
    assert normalize_time(True) is None
    assert describe(RACKBEAT, b"", {"event": "e"}, {}, {}).occurred_at is None


def test_tokens_come_from_env_and_never_show() -> None:
    env = {"RACKBEAT_WEBHOOK_TOKEN": " s3cr3t-token ", "ONGOING_WEBHOOK_TOKEN": "  "}
    tokens = tokens_from_env(env)
    assert tokens == {"rackbeat": "s3cr3t-token"}
    shared = SharedTokens(tokens)
    assert shared.verify("rackbeat", "s3cr3t-token")
    assert not shared.verify("rackbeat", "s3cr3t-tokeN")
    assert not shared.verify("rackbeat", None)
    assert not shared.verify("ongoing", "")
    assert not shared.verify("ongoing", "s3cr3t-token")
    assert "s3cr3t" not in repr(shared)


def test_identical_body_after_processing_is_a_new_event_but_not_while_waiting(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite")
    hashed = "rackbeat:sha256:abc123"
    body = {"key": 7, "event": "order.booked"}
    assert inbox.add("rackbeat", hashed, "order.booked", "7", None, body) is True
    assert inbox.add("rackbeat", hashed, "order.booked", "7", None, body) is False  # redelivery, still waiting
    inbox.mark_processed([hashed])
    assert inbox.add("rackbeat", hashed, "order.booked", "7", None, body) is True  # the order was booked again
    assert inbox.add("rackbeat", hashed, "order.booked", "7", None, body) is False
    assert [e.event_id for e in inbox.pending()] == [f"{hashed}#1"]
    assert inbox.add("rackbeat", "rackbeat:sender-42", "order.booked", "7", None, body) is True
    inbox.mark_processed(["rackbeat:sender-42"])
    assert inbox.add("rackbeat", "rackbeat:sender-42", "order.booked", "7", None, body) is False
