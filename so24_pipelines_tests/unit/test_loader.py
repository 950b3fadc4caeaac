"""The loader against an in-memory fake target: diff, skip, fail and retry, abort, dry run, log."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from so24_pipelines.connectors.errors import AuthError, RecordRejected, TransientError, UnreachableError
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync import MappedRecord, failed_keys, load, plan
from so24_pipelines.sync.schema import ensure_sync_schema, utcnow
from so24_pipelines.sync.store import LoadContext, insert_pending_creates

FLOW = "r1_products"


class FakeTarget:
    """A target entity in memory that counts calls and can be told to fail per source key."""

    system = "rackbeat"
    entity = "products"

    def __init__(self, *, upserts_by_key: bool = False, barrier: threading.Barrier | None = None) -> None:
        self.upserts_by_key = upserts_by_key
        self.records: dict[str, dict[str, Any]] = {}
        self.business_keys: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self.errors: dict[str, Exception] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.threads: set[int] = set()
        self._barrier = barrier
        self._lock = threading.Lock()
        self._next = 1

    def _enter(self, method: str, key: str) -> None:
        with self._lock:
            self.calls.append((method, key))
            self.threads.add(threading.get_ident())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self._barrier is not None:
            self._barrier.wait()

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def create(self, record: MappedRecord) -> str:
        self._enter("create", record.source_key)
        try:
            if record.source_key in self.errors:
                raise self.errors[record.source_key]
            with self._lock:
                if self.upserts_by_key and record.business_key in self.business_keys:
                    key = self.business_keys[record.business_key]
                else:
                    key = f"T{self._next}"
                    self._next += 1
                self.records[key] = dict(record.payload)
                if record.business_key:
                    self.business_keys[record.business_key] = key
            return key
        finally:
            self._leave()

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._enter("update", record.source_key)
        try:
            if record.source_key in self.errors:
                raise self.errors[record.source_key]
            with self._lock:
                if target_key not in self.records:
                    raise RecordRejected(f"no record {target_key}", call="update")
                self.records[target_key] = dict(record.payload)
        finally:
            self._leave()

    def find_by_business_key(self, business_key: str) -> str | None:
        self._enter("find", business_key)
        try:
            with self._lock:
                return self.business_keys.get(business_key)
        finally:
            self._leave()

    def writes(self) -> list[tuple[str, str]]:
        return [call for call in self.calls if call[0] in ("create", "update")]


def products(n: int, *, price: int = 100, skip: dict[str, str] | None = None) -> list[MappedRecord]:
    skip = skip or {}
    return [
        MappedRecord(
            source_key=str(i),
            payload={"number": f"P{i}", "name": f"Product {i}", "price": price},
            business_key=f"P{i}",
            skip_reason=skip.get(str(i)),
            source_version=f"v{price}",
        )
        for i in range(1, n + 1)
    ]


def query(db: Path, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db)) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "staging.duckdb"


def test_create_then_rerun_is_unchanged_and_writes_nothing(db: Path) -> None:
    target = FakeTarget()
    first_plan, first = load(db, FLOW, products(5), target, run_id="run-1")
    assert first_plan.counts["create"] == 5
    assert (first.created, first.updated, first.unchanged, first.failed) == (5, 0, 0, 0)
    assert len(target.records) == 5
    assert query(
        db, "SELECT count(*) FROM sync.id_map WHERE status = 'synced' AND target_key IS NOT NULL"
    ) == [(5,)]

    target.calls.clear()
    second_plan, second = load(db, FLOW, products(5), target, run_id="run-2")
    assert second_plan.counts["unchanged"] == 5
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert target.calls == []
    assert len(target.records) == 5


def test_payload_change_updates_the_same_target_record(db: Path) -> None:
    target = FakeTarget()
    load(db, FLOW, products(3), target, run_id="run-1")
    keys_before = dict(query(db, "SELECT source_key, target_key FROM sync.id_map"))

    changed = products(3)
    changed[1] = MappedRecord("2", {"number": "P2", "name": "Renamed", "price": 100}, business_key="P2")
    the_plan, report = load(db, FLOW, changed, target, run_id="run-2")

    assert the_plan.counts["update"] == 1 and the_plan.counts["unchanged"] == 2
    assert (report.updated, report.unchanged, report.created) == (1, 2, 0)
    assert target.records[keys_before["2"]]["name"] == "Renamed"
    assert len(target.records) == 3
    assert dict(query(db, "SELECT source_key, target_key FROM sync.id_map")) == keys_before
    _, third = load(db, FLOW, changed, target, run_id="run-3")
    assert third.unchanged == 3


def test_mapping_skip_is_logged_with_its_reason_and_never_sent(db: Path) -> None:
    reason = "product number 'PPPPPPPPPPPPPPPPPPPPPPPPPPP' is 27 characters; Rackbeat allows 25"
    target = FakeTarget()
    the_plan, report = load(db, FLOW, products(3, skip={"2": reason}), target, run_id="run-1")

    assert report.skipped == 1 and report.created == 2
    assert ("create", "2") not in target.calls
    assert query(db, "SELECT action, reason FROM sync.sync_log WHERE source_key = '2'") == [("skip", reason)]
    assert query(db, "SELECT count(*) FROM sync.id_map WHERE source_key = '2'") == [(0,)]
    assert reason in the_plan.to_markdown()


@pytest.mark.parametrize(
    "error",
    [
        RecordRejected("number already used", call="POST /products", field_errors={"number": ["taken"]}),
        TransientError("503 after 5 attempts", call="POST /products"),
    ],
    ids=["rejected", "transient"],
)
def test_failed_record_is_kept_retried_next_run_and_cleared_on_success(db: Path, error: Exception) -> None:
    target = FakeTarget()
    target.errors["2"] = error

    _, first = load(db, FLOW, products(3), target, run_id="run-1")
    assert (first.created, first.failed) == (2, 1)
    assert first.failures[0][0] == "2" and type(error).__name__ in first.failures[0][1]
    stored = query(db, "SELECT reason, attempts, last_run_id, payload_json FROM sync.failed_records")
    assert len(stored) == 1
    assert "number already used" in stored[0][0] or "503" in stored[0][0]
    assert stored[0][1:3] == (1, "run-1") and '"number":"P2"' in stored[0][3]
    assert failed_keys(db, FLOW) == ["2"]

    _, second = load(db, FLOW, products(3), target, run_id="run-2")
    assert second.failed == 1 and second.unchanged == 2
    assert query(db, "SELECT attempts, last_run_id FROM sync.failed_records") == [(2, "run-2")]

    del target.errors["2"]
    second_plan, third = load(db, FLOW, [products(3)[1]], target, run_id="run-3")
    assert second_plan.items[0].reason is not None and "retry 3 after" in second_plan.items[0].reason
    assert (third.failed, third.created, third.resolved) == (0, 1, 0)
    assert query(db, "SELECT count(*) FROM sync.failed_records") == [(0,)]
    assert failed_keys(db, FLOW) == []
    assert len(target.records) == 3
    assert sorted(target.business_keys) == ["P1", "P2", "P3"]


def test_found_by_business_key_but_update_failing_keeps_the_target_key(db: Path) -> None:
    target = FakeTarget()
    existing = target.create(MappedRecord("9", {"number": "P1"}, business_key="P1"))
    with transaction(db) as con:
        ensure_sync_schema(con)
        ctx = LoadContext(FLOW, "crashed-run", None, "rackbeat", "products")
        insert_pending_creates(con, ctx, [("1", "P1")], _old())
    target.errors["1"] = RecordRejected("price must be positive", call="PUT /products")

    _, report = load(db, FLOW, products(1), target, run_id="run-2")

    assert report.failed == 1 and "found by business key 'P1'" in report.failures[0][1]
    assert query(db, "SELECT status, target_key, last_hash FROM sync.id_map") == [("synced", existing, None)]
    del target.errors["1"]
    the_plan, again = load(db, FLOW, products(1), target, run_id="run-3")
    assert the_plan.counts["update"] == 1 and again.updated == 1
    assert len(target.records) == 1


def test_an_unreachable_target_stops_the_load_instead_of_failing_every_record(db: Path) -> None:
    """No connection at all: the step fails once with the URL; the records wait for the next tick."""
    target = FakeTarget()
    target.errors["2"] = UnreachableError("cannot connect to http://127.0.0.1:9/products", call="POST /products")

    with pytest.raises(UnreachableError):
        load(db, FLOW, products(5), target, run_id="run-1", max_workers=1, batch_size=100)

    assert sorted(target.business_keys) == ["P1"]
    assert failed_keys(db, FLOW) == ["2", "3", "4", "5"]
    del target.errors["2"]
    _, rerun = load(db, FLOW, products(5), target, run_id="run-2")
    assert (rerun.unchanged, rerun.failed) == (1, 0)
    assert sorted(target.business_keys) == [f"P{i}" for i in range(1, 6)]


def test_auth_error_stops_the_load_and_what_was_done_stays_recorded(db: Path) -> None:
    target = FakeTarget()
    target.errors["3"] = AuthError("token refused", call="POST /products")

    with pytest.raises(AuthError) as raised:
        load(db, FLOW, products(6), target, run_id="run-1", max_workers=1, batch_size=100)

    assert any("created=2" in note for note in raised.value.__notes__)
    assert sorted(target.business_keys) == ["P1", "P2"]
    assert query(db, "SELECT source_key FROM sync.id_map WHERE status = 'synced' ORDER BY 1") == [
        ("1",),
        ("2",),
    ]
    assert query(db, "SELECT count(*) FROM sync.id_map WHERE claimed_run IS NOT NULL") == [(0,)]
    logged = dict(query(db, "SELECT source_key, action FROM sync.sync_log WHERE run_id = 'run-1'"))
    assert logged == {"1": "create", "2": "create", "3": "fail", "4": "fail", "5": "fail", "6": "fail"}
    assert failed_keys(db, FLOW) == ["3", "4", "5", "6"]
    # the record that met the error may have reached the target: its pending row stays to be resolved;
    # records never sent leave nothing behind in the id map
    assert query(db, "SELECT source_key FROM sync.id_map WHERE status = 'pending_create'") == [("3",)]

    del target.errors["3"]
    _, rerun = load(db, FLOW, products(6), target, run_id="run-2")
    assert (rerun.unchanged, rerun.created, rerun.failed) == (2, 4, 0)
    assert sorted(target.business_keys) == [f"P{i}" for i in range(1, 7)]
    assert len(target.records) == 6
    assert failed_keys(db, FLOW) == []


def test_dry_run_writes_nothing_anywhere(db: Path) -> None:
    target = FakeTarget()
    preview, report = load(db, FLOW, products(3), target, run_id="dry-1", dry_run=True)
    assert preview.counts["create"] == 3
    assert report.dry_run and report.counts() == dict.fromkeys(report.counts(), 0)
    assert target.calls == []
    assert query(db, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sync'") == [(0,)]

    load(db, FLOW, products(3), target, run_id="run-1")
    target.errors["1"] = RecordRejected("bad", call="PUT")
    load(db, FLOW, products(3, price=200), target, run_id="run-2")
    tables = ("id_map", "sync_log", "failed_records", "state")
    before = {t: query(db, f"SELECT * FROM sync.{t} ORDER BY ALL") for t in tables}  # noqa: S608 (fixed names)
    target.calls.clear()

    preview, report = load(db, FLOW, products(4, price=300), target, run_id="dry-2", dry_run=True)

    assert preview.counts == {"skip": 0, "create": 1, "resolve": 0, "update": 3, "unchanged": 0}
    assert target.calls == []
    assert {t: query(db, f"SELECT * FROM sync.{t} ORDER BY ALL") for t in tables} == before  # noqa: S608


def test_concurrency_is_bounded_by_max_workers(db: Path) -> None:
    workers = 3
    target = FakeTarget(barrier=threading.Barrier(workers, timeout=10))
    _, report = load(db, FLOW, products(12), target, run_id="run-1", max_workers=workers, batch_size=6)
    assert report.created == 12
    # the barrier only opens with `workers` calls in flight, so the pool really ran that many at once;
    # a wider pool would have run every call of a batch on a thread of its own while they were held
    assert target.max_in_flight == workers
    assert len(target.threads) == workers


def test_sync_log_has_one_row_per_outcome_with_the_run_id(db: Path) -> None:
    target = FakeTarget()
    load(db, FLOW, products(3), target, run_id="run-1")
    target.errors["2"] = RecordRejected("no", call="PUT")
    batch = products(4, price=150, skip={"3": "unknown category"})
    _, report = load(db, FLOW, batch, target, run_id="run-2")

    rows = query(
        db,
        "SELECT source_key, action, target_key IS NOT NULL, source_version FROM sync.sync_log WHERE run_id = ?",
        ["run-2"],
    )
    assert sorted(rows) == [
        ("1", "update", True, "v150"),
        ("2", "fail", False, "v150"),
        ("3", "skip", False, "v150"),
        ("4", "create", True, "v150"),
    ]
    assert (report.updated, report.failed, report.skipped, report.created) == (1, 1, 1, 1)
    _, rerun = load(db, FLOW, batch[:1], target, run_id="run-3")
    assert query(db, "SELECT source_key, action FROM sync.sync_log WHERE run_id = 'run-3'") == [
        ("1", "unchanged")
    ]
    assert query(db, "SELECT count(DISTINCT id), count(*) FROM sync.sync_log") == [(8, 8)]


def test_plan_preview_lists_actions_and_reasons(db: Path) -> None:
    records = [
        *products(2),
        MappedRecord("3", {"number": "X"}, business_key="X", skip_reason="name | missing\nin 24SO"),
        MappedRecord("4", {"number": "Y"}),
        MappedRecord("1", {"number": "P1 again"}, business_key="P1b"),
        MappedRecord("", {"number": "Q"}, business_key="Q"),
    ]
    the_plan = plan(db, FLOW, records, target_system="rackbeat", target_entity="products")
    text = the_plan.to_markdown(limit=50)
    assert text.splitlines()[0].startswith(f"**{FLOW}** → rackbeat/products: skip 4, create 2")
    assert "| skip | 3 | X | name \\| missing in 24SO |" in text
    assert "no business key" in text
    assert "duplicate source key" in text
    assert "| skip |  | Q | empty source key" in text
    assert "| create | 1 | P1 |" in text
    short = the_plan.to_markdown(limit=2)
    assert short.count("| skip |") == 2 and "… and 4 more" in short
    assert the_plan.counts == {"skip": 4, "create": 2, "resolve": 0, "update": 0, "unchanged": 0}


def test_business_key_taken_by_another_record_is_skipped(db: Path) -> None:
    target = FakeTarget()
    load(db, FLOW, products(2), target, run_id="run-1")
    clash = [
        MappedRecord("7", {"number": "P1"}, business_key="P1"),
        MappedRecord("8", {"n": 8}, business_key="Z"),
    ]
    clash.append(MappedRecord("9", {"n": 9}, business_key="Z"))
    the_plan, report = load(db, FLOW, clash, target, run_id="run-2")
    reasons = {item.record.source_key: item.reason for item in the_plan.items if item.action == "skip"}
    assert reasons == {
        "7": "business key 'P1' already belongs to source key '1'",
        "9": "business key 'Z' already belongs to source key '8'",
    }
    assert report.created == 1 and len(target.records) == 3


def test_records_without_business_key_only_go_to_upserting_targets(db: Path) -> None:
    records = [MappedRecord("1", {"ArticleNumber": "A1"}), MappedRecord("2", {"ArticleNumber": "A2"})]
    plain = FakeTarget()
    _, report = load(db, "o1_articles", records, plain, run_id="run-1")
    assert report.skipped == 2 and plain.calls == []

    upserting = FakeTarget(upserts_by_key=True)
    _, report = load(db, "o1_articles", records, upserting, run_id="run-2")
    assert report.created == 2 and len(upserting.records) == 2


def test_pending_create_claimed_by_a_live_run_is_left_alone(db: Path) -> None:
    """Double click: run A announced the create and may be sending it right now."""
    target = FakeTarget()
    target.create(MappedRecord("1", {"number": "P1"}, business_key="P1"))  # A's create has landed
    with transaction(db) as con:
        ensure_sync_schema(con)
        insert_pending_creates(
            con, LoadContext(FLOW, "run-A", None, "rackbeat", "products"), [("1", "P1")], _now()
        )
    target.calls.clear()

    the_plan, report = load(db, FLOW, products(1), target, run_id="run-B")
    assert the_plan.counts["resolve"] == 1
    assert report.skipped == 1 and "run run-A is writing this record" in report_reason(db, "run-B")
    assert target.calls == []
    assert failed_keys(db, FLOW) == ["1"]

    _, same_run = load(db, FLOW, products(1), target, run_id="run-A")  # a retried step of run A
    assert same_run.resolved == 1 and same_run.created == 0
    assert len(target.records) == 1
    assert query(db, "SELECT status, claimed_run FROM sync.id_map") == [("synced", None)]
    assert failed_keys(db, FLOW) == []


def test_expired_claim_is_resolved_and_missing_create_is_sent_once(db: Path) -> None:
    target = FakeTarget()
    with transaction(db) as con:
        ensure_sync_schema(con)
        insert_pending_creates(
            con, LoadContext(FLOW, "dead", None, "rackbeat", "products"), [("1", "P1")], _old()
        )
    _, report = load(db, FLOW, products(1), target, run_id="run-2", claim_ttl=timedelta(minutes=5))
    assert (report.resolved, report.created) == (0, 1)
    assert [c for c in target.calls if c[0] == "find"] == [("find", "P1")]
    assert len(target.records) == 1
    assert "not found by 'P1'; created" in report_reason(db, "run-2")


def report_reason(db: Path, run_id: str) -> str:
    rows = query(db, "SELECT reason FROM sync.sync_log WHERE run_id = ?", [run_id])
    return " / ".join(row[0] or "" for row in rows)


def _now() -> datetime:
    return utcnow()


def _old() -> datetime:
    return utcnow() - timedelta(hours=2)


def test_claim_of_a_run_that_is_over_is_taken_at_once_and_a_live_ones_left(db: Path) -> None:
    """After a crash: the run that claimed the record is over (run_alive says so), no TTL to wait out."""
    target = FakeTarget()
    target.create(MappedRecord("1", {"number": "P1"}, business_key="P1"))  # A's create has landed
    with transaction(db) as con:
        ensure_sync_schema(con)
        insert_pending_creates(
            con, LoadContext(FLOW, "run-A", None, "rackbeat", "products"), [("1", "P1")], _now()
        )
    asked: list[str] = []

    def still_running(run_id: str) -> bool:
        asked.append(run_id)
        return True

    _, waiting = load(db, FLOW, products(1), target, run_id="run-B", run_alive=still_running)
    assert waiting.skipped == 1 and asked == ["run-A"]
    assert "run run-A is writing this record" in report_reason(db, "run-B")
    assert "retried once that run has ended" in report_reason(db, "run-B")

    _, resumed = load(db, FLOW, products(1), target, run_id="run-C", run_alive=lambda run_id: False)
    assert (resumed.resolved, resumed.created, resumed.skipped) == (1, 0, 0)
    assert "unconfirmed create from run run-A found by business key 'P1'" in report_reason(db, "run-C")
    assert len(target.records) == 1
    assert query(db, "SELECT status, claimed_run FROM sync.id_map") == [("synced", None)]


def test_a_liveness_question_that_fails_leaves_the_claim_to_the_ttl(db: Path) -> None:
    target = FakeTarget()
    with transaction(db) as con:
        ensure_sync_schema(con)
        insert_pending_creates(
            con, LoadContext(FLOW, "run-A", None, "rackbeat", "products"), [("1", "P1")], _now()
        )

    def broken(run_id: str) -> bool:
        raise OSError("instance storage unavailable")

    _, report = load(db, FLOW, products(1), target, run_id="run-B", run_alive=broken)
    assert report.skipped == 1 and target.calls == []
    _, report = load(db, FLOW, products(1), target, run_id="run-C", run_alive=broken, claim_ttl=timedelta(0))
    assert report.created == 1 and len(target.records) == 1


def test_a_lost_answer_names_its_run_and_a_refusal_is_retried_as_a_create(db: Path) -> None:
    target = FakeTarget()
    target.errors["1"] = TransientError("HTTP 502: Bad Gateway", call="POST /products")
    target.errors["2"] = RecordRejected("price must be positive", call="POST /products")
    load(db, FLOW, products(2), target, run_id="run-1")
    assert query(db, "SELECT source_key FROM sync.id_map WHERE status = 'pending_create'") == [("1",)]

    target.errors.clear()
    the_plan, report = load(db, FLOW, products(2), target, run_id="run-2")
    reasons = {item.record.source_key: (item.action, item.reason) for item in the_plan.items}
    assert reasons["1"][0] == "resolve" and "a create sent in run run-1 was never confirmed" in str(reasons["1"][1])
    assert reasons["2"] == ("create", "retry 2 after: RecordRejected: POST /products: price must be positive")
    assert report.created == 2 and len(target.records) == 2
    assert "unconfirmed create from run run-1 not found by 'P1'; created" in report_reason(db, "run-2")
    assert "unknown" not in report_reason(db, "run-2")


def test_a_refused_create_that_had_made_the_record_is_found_not_made_twice(db: Path) -> None:
    """A create of several calls: the first made the record, a later one was refused."""

    class HalfRefusing(FakeTarget):
        refusing = True

        def create(self, record: MappedRecord) -> str:
            key = super().create(record)
            if self.refusing:
                raise RecordRejected("custom field value refused", call="PUT /products/P1/fields")
            return key

    target = HalfRefusing()
    _, first = load(db, FLOW, products(1), target, run_id="run-1")
    assert first.failed == 1 and len(target.records) == 1

    target.refusing = False
    _, second = load(db, FLOW, products(1), target, run_id="run-2")
    assert (second.resolved, second.created) == (1, 0) and len(target.records) == 1
    assert "the failed attempt had made it: found by business key 'P1'" in report_reason(db, "run-2")
