"""Runs that tell the truth (issue 8, item 5).

- A load with failed records is not a clean success: the asset's `no_failed_records` check fails
  with ERROR severity in the same run, with the records and the target's reasons in its metadata,
  also in a job that leaves the check out for latency (the asset step reports it itself).
- The reason a record failed is the target's own answer: a create the target refused is never
  called "never confirmed" on the retry; a create whose answer was really lost is, naming its run.
- A claim held by a run the Dagster instance says is over is taken at once by the next run,
  instead of waiting out the 30-minute claim TTL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import requests

from so24_pipelines.connectors.errors import RecordRejected, TransientError
from so24_pipelines.defs.flow_asset import FlowAsset, failed_records_check, flow_asset
from so24_pipelines.defs.ongoing.assets import build_ongoing_assets
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.schema import utcnow
from so24_pipelines_tests.e2e import ongoing_harness as o
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.safety

CHECK = "no_failed_records"
PRODUCTS = "r1_products_to_rackbeat"
PRODUCTS_FLOW = "R1.products.to_rackbeat"
NEVER_CONFIRMED = "never confirmed"

# Product numbers whose create met the injected 429 (filled by ThrottledRackbeat).
_REFUSED: list[str] = []


class ThrottledRackbeat(RackbeatResource):
    """Rackbeat whose first `refuse` product creates meet the sandbox's own 429 answer.

    The sandbox's fault switch fails "the next request", whoever sends it, so the client's
    requests are serialised and the fault is armed right before the chosen POST /products: the
    429 lands on exactly that create. `max_retries=0` lets it escape the connector at once.
    """

    sandbox_url: str
    refuse: int = 2

    @contextmanager
    def client(self) -> Iterator[Any]:
        with super().client() as client:
            lock = threading.RLock()
            send, create = client.request, client.create_product

            def request(*args: Any, **kwargs: Any) -> Any:
                with lock:
                    return send(*args, **kwargs)

            def create_product(payload: Any) -> Any:
                with lock:
                    if len(_REFUSED) < self.refuse:
                        _REFUSED.append(str(payload["number"]))
                        armed = requests.post(
                            f"{self.sandbox_url}/_sandbox/rackbeat/faults",
                            json={"next": "limit", "count": 1}, timeout=10,
                        )  # fmt: skip
                        armed.raise_for_status()
                    return create(payload)

            client.request = request
            client.create_product = create_product
            yield client


def _checks(result: dg.ExecuteInProcessResult, asset: str) -> list[dg.AssetCheckEvaluation]:
    return [
        e for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == asset and e.check_name == CHECK
    ]  # fmt: skip


def test_a_rackbeat_429_in_the_initial_sync_fails_the_check_with_the_reason(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    h.open_budget(sandbox)
    db, inbox, instance = tmp_path / "staging.duckdb", tmp_path / "inbox.sqlite", dg.DagsterInstance.ephemeral()
    creds = sandbox.control("GET", "rackbeat/credentials").json()
    throttled = {
        **h.resources(sandbox, db, inbox),
        "rackbeat": ThrottledRackbeat(
            base_url=creds["baseUrl"], token=creds["token"], requests_per_minute=h.BUDGET, max_retries=0,
            sandbox_url=sandbox.url,
        ),
    }  # fmt: skip
    _REFUSED.clear()

    first = h.run_job(h.definitions(h.entity_settings(), throttled), "rackbeat_initial_sync", instance,
                      tags={"so24/flow": "R3"})  # fmt: skip

    assert len(_REFUSED) == 2, h.step_failures(first)
    products = h.metadata(first)[PRODUCTS]
    assert products["failed"] == 2 and products["created"] == products["planned_create"] - 2
    assert "RateLimited" in products["failures"] and "HTTP 429" in products["failures"]
    [check] = _checks(first, PRODUCTS)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["failed_records"].value == 2
    listed = check.metadata["records"].value
    assert listed.count("RateLimited: rackbeat POST /products: HTTP 429") == 2, listed
    assert all(c.passed for c in first.get_asset_check_evaluations() if c.asset_key.to_user_string() != PRODUCTS)
    stored = h.rows(db, "SELECT reason FROM sync.failed_records WHERE flow = ?", [PRODUCTS_FLOW])
    assert len(stored) == 2 and all("HTTP 429" in reason for (reason,) in stored)
    # Rackbeat refused the creates: nothing is left to "resolve" as if its answer had been lost.
    assert h.rows(db, "SELECT count(*) FROM sync.id_map WHERE flow = ? AND status = 'pending_create'",
                  [PRODUCTS_FLOW]) == [(0,)]  # fmt: skip

    healthy = h.definitions(h.entity_settings(), h.resources(sandbox, db, inbox))
    second = h.run_job(healthy, "rackbeat_initial_sync", instance, tags={"so24/flow": "R3"})

    products = h.metadata(second)[PRODUCTS]
    assert (products["created"], products["failed"], products["resolved"]) == (2, 0, 0)
    assert NEVER_CONFIRMED not in products["preview"] and "unknown" not in products["preview"]
    assert products["preview"].count("retry 2 after: RateLimited: rackbeat POST /products: HTTP 429") == 2
    [check] = _checks(second, PRODUCTS)
    assert check.passed
    logged = h.rows(db, "SELECT action, reason FROM sync.sync_log WHERE run_id = ? AND flow = ? AND action <> 'unchanged'",
                    [second.run_id, PRODUCTS_FLOW])  # fmt: skip
    assert [action for action, _ in logged if action != "skip"] == ["create", "create"]
    assert not any(NEVER_CONFIRMED in (reason or "") for _, reason in logged)
    numbers = {p["number"] for p in h.rackbeat(sandbox).list_products()}
    assert set(_REFUSED) <= numbers


class Target:
    """A target that refuses some creates outright and loses the answer to others (after making them)."""

    system = "rackbeat"
    entity = "products"

    def __init__(self, *, refuse: dict[str, Exception] | None = None, lose: set[str] | None = None) -> None:
        self.refuse = dict(refuse or {})
        self.lose = set(lose or ())
        self.records: dict[str, str] = {}  # business key -> target key
        self._lock = threading.Lock()

    def create(self, record: MappedRecord) -> str:
        if record.source_key in self.refuse:
            raise self.refuse[record.source_key]
        with self._lock:
            key = self.records.setdefault(str(record.business_key), f"T{len(self.records) + 1}")
        if record.source_key in self.lose:
            raise TransientError("connection closed mid-body", call="rackbeat POST /products")
        return key

    def update(self, target_key: str, record: MappedRecord) -> None:
        return None

    def find_by_business_key(self, business_key: str) -> str | None:
        return self.records.get(business_key)


def _records(n: int = 3) -> list[MappedRecord]:
    return [MappedRecord(str(i), {"number": f"P{i}"}, business_key=f"P{i}") for i in range(1, n + 1)]


TAKEN = "The number has already been taken."


def test_a_create_the_target_refuses_keeps_the_targets_answer(tmp_path: Path) -> None:
    db = tmp_path / "staging.duckdb"
    refused = RecordRejected(TAKEN, call="rackbeat POST /products", field_errors={"number": [TAKEN]})
    target = Target(refuse={"2": refused}, lose={"3"})

    first = RunContext.of(db, "run-1").load("R1", _records(), target, source_system="so24")

    failures = dict(first.failures())
    assert failures["2"].startswith(f"RecordRejected: rackbeat POST /products: {TAKEN}")
    assert failures["3"].startswith("TransientError: rackbeat POST /products: connection closed")
    with connect(db) as con:
        pending = con.execute("SELECT source_key FROM sync.id_map WHERE status = 'pending_create'").fetchall()
    assert pending == [("3",)], "only the create whose answer was lost may have reached the target"

    target.refuse.clear()
    target.lose.clear()
    second = RunContext.of(db, "run-2").load("R1", _records(), target, source_system="so24")

    items = {item.record.source_key: item for item in second.plans[0].items}
    assert items["2"].action == "create"
    assert items["2"].reason == f"retry 2 after: RecordRejected: rackbeat POST /products: {TAKEN} (number: {TAKEN})"
    assert items["3"].action == "resolve" and NEVER_CONFIRMED in str(items["3"].reason)
    assert "run run-1" in str(items["3"].reason) and "unknown" not in str(items["3"].reason)
    assert second.counts()["created"] == 1 and second.counts()["resolved"] == 1
    with connect(db) as con:
        logged = dict(con.execute("SELECT source_key, reason FROM sync.sync_log WHERE run_id = 'run-2'").fetchall())
    assert NEVER_CONFIRMED not in logged["2"] and TAKEN in logged["2"]
    assert "run-1" in logged["3"] and "unknown" not in logged["3"]
    assert sorted(target.records) == ["P1", "P2", "P3"]


@dg.asset(name="crashing_step")
def _crashing_step() -> None:
    raise RuntimeError("the step process died (kill -9)")


def test_a_claim_held_by_a_failed_run_is_resumed_by_the_next_run(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "staging.duckdb"
    settings = o.o_settings(monkeypatch)
    res = o.o_resources(sandbox, db)
    o.extract(res)
    instance = dg.DagsterInstance.ephemeral()
    assets = build_ongoing_assets(settings)
    dg.materialize(assets, selection=["ongoing_articles"], resources=res, instance=instance)
    crashed = dg.materialize([_crashing_step], instance=instance, raise_on_error=False)
    assert instance.get_run_by_id(crashed.run_id).status == dg.DagsterRunStatus.FAILURE

    # The crashed run had announced a create and claimed the record a moment ago, then died.
    with transaction(db) as con:
        [(key,)] = con.execute("SELECT min(source_key) FROM sync.id_map WHERE flow = 'O1'").fetchall()
        con.execute(
            "UPDATE sync.id_map SET status = 'pending_create', target_key = NULL, last_hash = NULL, "
            "claimed_run = ?, claimed_at = ? WHERE flow = 'O1' AND source_key = ?",
            [crashed.run_id, utcnow(), key],
        )

    tick = dg.materialize(assets, selection=["ongoing_articles"], resources=res, instance=instance)

    m = o.meta(tick, "ongoing_articles")
    assert m["skipped"] == 0 and m["created"] + m["resolved"] == 1, m["preview"]
    with connect(db) as con:
        row = con.execute(
            "SELECT status, claimed_run, target_key IS NOT NULL FROM sync.id_map WHERE flow = 'O1' AND source_key = ?",
            [key],
        ).fetchall()
        logged = con.execute(
            "SELECT action, reason FROM sync.sync_log WHERE run_id = ? AND source_key = ?", [tick.run_id, key]
        ).fetchall()
    assert row == [("synced", None, True)]
    assert logged[0][0] in ("create", "resolved") and crashed.run_id in logged[0][1]


def test_a_job_that_leaves_the_check_out_still_reports_it_in_the_run(tmp_path: Path) -> None:
    """The event jobs (R5, R6, R8) run one step for latency: the asset step reports the check."""
    db = tmp_path / "staging.duckdb"
    refused = RecordRejected(TAKEN, call="rackbeat POST /products")
    spec = FlowAsset(
        name="toy_flow", flow="T1", system="toy", group="toy", kinds=frozenset({"duckdb"}),
        description="a toy flow", owns=("T1",),
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[Any]:
        return [run.load("T1", _records(), Target(refuse={"2": refused}), source_system="so24")]

    defs = dg.Definitions(
        assets=[flow_asset(spec, body)],
        asset_checks=[failed_records_check("toy_flow", ("T1",))],
        jobs=[
            dg.define_asset_job("one_step", selection=dg.AssetSelection.assets("toy_flow").without_checks()),
            dg.define_asset_job("with_check", selection=dg.AssetSelection.assets("toy_flow")),
        ],
        resources={"staging": StagingResource(path=str(db))},
    )
    instance = dg.DagsterInstance.ephemeral()
    for job in ("one_step", "with_check"):
        result = defs.resolve_job_def(job).execute_in_process(instance=instance, raise_on_error=False)
        [check] = _checks(result, "toy_flow")
        assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR, job
        assert TAKEN in check.metadata["records"].value and check.metadata["failed_records"].value == 1
