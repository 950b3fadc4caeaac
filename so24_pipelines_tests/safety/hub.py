"""The whole hub over the sandboxes, as the Dagster daemon runs it: `Hub.tick()` is one tick.

The safety suites run `build_definitions(settings)` in process against an ephemeral instance, the
test's resources (test-speed backoff, the sandbox's credentials) in place of the configured ones.
A tick runs the schedules' jobs in a fixed order, then evaluates the running sensors until they
start nothing more, so the hub's own writes coming back as events are part of the same tick.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.defs.ongoing.resources import OngoingResource
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import InboxResource, So24Resource, StagingResource
from so24_pipelines.flows.rackbeat.entities_webhooks import CREATED_EVENTS
from so24_pipelines.flows.rackbeat.orders_webhooks import ORDER_EVENTS
from so24_pipelines.settings import Settings
from so24_pipelines.webhooks.app import build_receiver
from so24_pipelines.webhooks.inbox import Inbox
from so24_pipelines_tests.e2e.so24_harness import definitions
from so24_pipelines_tests.sandbox_process import SandboxProcess, free_port
from so24_pipelines_tests.serving import serving

FAST = RetryPolicy(attempts=9, backoff_base=0.02, backoff_max=0.2)


class FastSo24(So24Resource):
    """The hub's 24SO resource with test-speed backoff (the sandbox answers in milliseconds)."""

    @contextmanager
    def client(self) -> Iterator[So24Client]:
        client = So24Client(
            base_url=self.base_url, credentials=So24Credentials(self.application_id, self.username, self.password),
            webservices_url=self.webservices_url, timeout=self.timeout_seconds, max_retries=self.max_retries, requests_per_hour=self.requests_per_hour,
            backoff_base=0.02,
        )  # fmt: skip
        try:
            client.ensure_session()
            yield client
        finally:
            client.close()


class FastRackbeat(RackbeatResource):
    """The hub's Rackbeat resource with test-speed backoff."""

    @contextmanager
    def client(self) -> Iterator[RackbeatClient]:
        client = RackbeatClient(
            self.base_url, self.token, requests_per_minute=self.requests_per_minute, burst=200, retry=FAST
        )
        try:
            yield client
        finally:
            client.close()


class Hub:
    """The whole hub's Definitions over the sandboxes; `tick()` is what the daemon does in one tick."""

    SCHEDULE_ORDER = ("so24_incremental", "rackbeat_entities_sync", "rackbeat_opening_stock", "rackbeat_orders_sync", "ongoing_sync",
                      "rackbeat_order_events_retry")  # fmt: skip
    SENSOR_ORDER = ("rackbeat_initial_sync_on_activation", "rackbeat_opening_stock_after_initial_sync",
                    "rackbeat_changes_poll", "rackbeat_created_events", "rackbeat_order_events",
                    "rackbeat_stock_events")  # fmt: skip

    def __init__(
        self,
        sandbox: SandboxProcess,
        tmp: Path,
        settings: Settings,
        rackbeat: type[FastRackbeat] = FastRackbeat,
    ) -> None:
        self.sandbox = sandbox
        self.db = tmp / "staging.duckdb"
        self.inbox_path = tmp / "inbox.sqlite"
        self.instance = dg.DagsterInstance.ephemeral()
        self.resources = self._resources(settings, rackbeat)
        self.defs = definitions(settings, self.resources)
        jobs = {
            s.job_name
            for s in self.defs.schedules or []
            if s.default_status == dg.DefaultScheduleStatus.RUNNING
        }
        if settings.rackbeat.enabled:
            # The E1-E7 extraction only reads 24SO, and the Rackbeat jobs extract what they read
            # themselves (so24_products, _companies, _categories, _orders): left out for time.
            jobs.discard("so24_incremental")
        # X7, the nightly reconciliation, only reads the systems (it writes the staging DB alone):
        # nothing for the collateral rules to judge, and its own suites do (test_reconcile_*).
        jobs.discard("x7_reconciliation")
        self.schedule_jobs = [name for name in self.SCHEDULE_ORDER if name in jobs]
        unknown = jobs - set(self.SCHEDULE_ORDER)
        assert not unknown, f"schedules the test does not know how to order: {unknown}"
        on = dg.DefaultSensorStatus.RUNNING
        sensors = {
            s.name: s
            for s in self.defs.sensors or []
            # the E1-E7 initial backfill's own sensor: 24SO is read by the Rackbeat jobs here (above)
            if s.default_status == on and not (s.name.startswith("so24_") and "backfill" in s.name)
        }
        assert not set(sensors) - set(self.SENSOR_ORDER), (
            f"sensors the test does not know: {set(sensors) - set(self.SENSOR_ORDER)}"
        )
        self.sensors = [sensors[name] for name in self.SENSOR_ORDER if name in sensors]
        self.cursors: dict[str, str | None] = {}
        self.run_keys: set[tuple[str, str]] = set()
        self.runs: list[tuple[str, bool, float]] = []
        self.sensor_errors: list[str] = []
        self.failures: list[str] = []
        self._jobs: dict[str, dg.JobDefinition] = {}

    def _resources(self, settings: Settings, rackbeat: type[FastRackbeat]) -> dict[str, Any]:
        c = self.sandbox.control("GET", "24so/credentials").json()
        res: dict[str, Any] = {
            "so24": FastSo24(base_url=f"{self.sandbox.url}/24so", application_id=c["application_id"], username=c["username"],
                             password=c["password"], max_retries=8, requests_per_hour=1_000_000),
            "staging": StagingResource(path=str(self.db)),
            "inbox": InboxResource(path=str(self.inbox_path)),
        }  # fmt: skip
        if settings.rackbeat.enabled:
            rb = self.sandbox.control("GET", "rackbeat/credentials").json()
            res["rackbeat"] = rackbeat(
                base_url=rb["baseUrl"], token=rb["token"], requests_per_minute=100_000, max_retries=8
            )
        if settings.ongoing.enabled:
            og = self.sandbox.control("GET", "ongoing/credentials").json()
            res["ongoing"] = OngoingResource(
                base_url=og["baseUrl"], username=og["username"], password=og["password"], goods_owner_id=og["goodsOwnerId"],
                requests_per_second=1000.0, backoff_seconds=0.02, max_retries=8,
            )  # fmt: skip
        return res

    def job(self, name: str) -> dg.JobDefinition:
        """The job as its schedule or sensor launches it, with only its blocking asset checks (they
        gate what runs after them); the others only read and report (a flow asset reports its own
        failed records in its step), and they are a fifth of the time."""
        if name not in self._jobs:
            job = self.defs.resolve_job_def(name)
            assets = set(job.asset_layer.selected_asset_keys)
            graph = job.asset_layer.asset_graph
            blocking = {
                k
                for k in graph.asset_check_keys
                if k.asset_key in assets and graph.get_check_spec(k).blocking
            }
            self._jobs[name] = (
                job.get_subset(asset_selection=assets, asset_check_selection=blocking) if assets else job
            )
        return self._jobs[name]

    def run(
        self, job: str, *, run_config: Any = None, tags: dict[str, str] | None = None
    ) -> dg.ExecuteInProcessResult:
        started = time.monotonic()
        result = self.job(job).execute_in_process(
            instance=self.instance, run_config=run_config, tags=tags, raise_on_error=False
        )
        self.runs.append((job, result.success, round(time.monotonic() - started, 2)))
        if not result.success:
            errors = [
                f"{e.step_key}: {_cause(e.event_specific_data.error)[:300]}"
                for e in result.all_events
                if e.is_step_failure
            ]
            self.failures.append(f"{job}: {'; '.join(errors) or 'failed'}")
        return result

    def evaluate(self, sensor: dg.SensorDefinition) -> int:
        """One evaluation of a sensor, its new runs executed; how many runs it started."""
        wanted = {k: self.resources[k] for k in sensor.required_resource_keys if k in self.resources}
        try:
            with dg.build_sensor_context(
                instance=self.instance,
                cursor=self.cursors.get(sensor.name),
                resources=wanted,
                sensor_name=sensor.name,
            ) as context:
                data = sensor.evaluate_tick(context)
        except Exception as exc:  # the daemon logs a sensor's error and evaluates it again next interval
            self.sensor_errors.append(f"{sensor.name}: {exc}")
            return 0
        if data.cursor is not None:
            self.cursors[sensor.name] = data.cursor
        started, done = 0, set()
        for request in data.run_requests or []:
            key = (sensor.name, request.run_key or f"#{len(self.runs)}")
            if key in self.run_keys:
                continue  # the daemon launches a run key once per sensor
            self.run_keys.add(key)
            job = request.job_name or sensor.job_name
            work = (job, repr(request.run_config))
            if work in done:
                # Same job, same config: R7's created-event runs take none and each reads every
                # changed Rackbeat record, so the first run of a batch does what all of them would
                # (the rest find nothing to do). Run once, for time.
                continue
            done.add(work)
            self.run(job, run_config=request.run_config, tags=dict(request.tags))
            started += 1
        return started

    def quiet_webhooks(self) -> None:
        """Wait until Rackbeat has delivered every webhook it owes (deliveries are asynchronous)."""
        if "rackbeat" not in self.resources:
            return
        deadline = time.monotonic() + 30
        while self.sandbox.control("GET", "rackbeat/stats").json()["pending"]:
            assert time.monotonic() < deadline, "Rackbeat's webhook deliveries did not finish"
            time.sleep(0.05)

    def sensors_round(self) -> None:
        """Every running sensor, again and again while one starts runs (a poll feeds the event sensors)."""
        for _ in range(6):
            self.quiet_webhooks()
            if not sum(self.evaluate(sensor) for sensor in self.sensors):
                return
        raise AssertionError("the sensors kept starting runs")

    def rerun_failed_initial_sync(self) -> bool:
        """What the R3 sensor asks of the user when the initial sync failed: re-execute it.

        Its sensor starts it once and never again (`rackbeat_initial_sync_on_activation`); with
        faults, `rackbeat_setup` can fail on a transient error (it has no retry policy)."""
        runs = self.instance.get_runs(filters=dg.RunsFilter(job_name="rackbeat_initial_sync"), limit=1)
        if not runs or runs[0].status != dg.DagsterRunStatus.FAILURE:
            return False
        self.run("rackbeat_initial_sync", tags=dict(runs[0].tags))
        return True

    def initial_sync(self) -> None:
        """The sensors (R3's starts the initial sync on activation), then the first tick; with faults,
        the user re-executes a failed initial sync until it passes."""
        self.sensors_round()
        self.tick()
        for _ in range(4):
            if not self.rerun_failed_initial_sync():
                return
            self.tick()

    def tick(self) -> None:
        """The schedules' jobs, then the sensors (the events since the last tick, the hub's own
        writes coming back included) until they start nothing more."""
        for job in self.schedule_jobs:
            self.run(job)
        self.sensors_round()


def _cause(error: Any) -> str:
    """The innermost message of a Dagster step error (the user code's own exception)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return str(error.message).strip()


@contextmanager
def webhook_receiver(hub: Hub) -> Iterator[None]:
    """One receiver for every Rackbeat hook the hub listens to; each hook's token kept in the inbox."""
    if "rackbeat" not in hub.resources:
        yield
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/rackbeat"
    inbox = Inbox(hub.inbox_path)
    with hub.resources["rackbeat"].client() as rb:
        for event in dict.fromkeys([*CREATED_EVENTS, *ORDER_EVENTS]):
            token = rb.register_webhook(event, url).get("token")
            inbox.remember_token("rackbeat", event, token)
    with serving(build_receiver(inbox, {}), port):
        yield
