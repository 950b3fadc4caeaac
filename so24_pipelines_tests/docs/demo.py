"""`make demo`, in this process: what the docs' walkthroughs run against.

`so24 demo` writes its settings file (`cli.demo_settings`), fills the credential env vars from the
sandbox (`cli.sandbox_env`), starts the webhook receiver and registers it with Rackbeat
(`cli.register_demo_webhooks`), then `dagster dev` loads `definitions.defs` and its daemon ticks
every sensor and schedule that is on. `Demo` does the same with the same functions: the same
settings file and env, a real receiver (uvicorn on a free port, the same inbox file), the main
`build_definitions`, and `daemon_round()` for the daemon (every running sensor evaluated, its
runs executed in process, until none asks for more). The UI's clicks are `launch` and
`materialize`.

Three things differ from the demo, all for time, none for outcome: Rackbeat's request budget (480
a minute in the sandbox and the client: the initial sync would take 3 minutes) and 24SO's (7,200
an hour, paced at 2 a second after a burst of 120) are raised on both sides, and `advance()` ages
the waiting webhook events instead of sleeping through the R8 debounce. Schedules are not fired
(the walkthrough launches what it needs; their jobs are idempotent).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from so24_pipelines import cli
from so24_pipelines.definitions import build_definitions
from so24_pipelines.settings import Settings, load_settings
from so24_pipelines.webhooks.app import build_receiver
from so24_pipelines.webhooks.inbox import INBOX_FILE_NAME, Inbox
from so24_pipelines_tests.sandbox_process import SandboxProcess, free_port
from so24_pipelines_tests.serving import serving

# Test speed only: the Rackbeat and 24SO budgets (sandbox and client) high enough never to wait.
FAST = {"rackbeat": {"requests_per_minute": 10_000}}
SO24_PER_HOUR = 10_000_000  # beyond the setting's cap (24SO's real 7,200): set on the resource
ROUNDS = 8


@dataclass
class Run:
    """One run the demo executed: who started it (`by`: a sensor, or "user") and its result."""

    job: str
    by: str
    result: dg.ExecuteInProcessResult

    @property
    def success(self) -> bool:
        return self.result.success

    def error(self) -> str:
        """The failed steps' errors, cause included (what the UI's run page shows)."""
        texts = []
        for event in self.result.all_events:
            if event.is_step_failure:
                err = event.event_specific_data.error
                while err is not None:
                    texts.append(err.message)
                    err = err.cause
        return "\n".join(texts)

    def reports(self) -> dict[str, dict[str, Any]]:
        """What each asset (by key) and each op (by step) of the run reported: the metadata on its
        page in the UI."""
        out: dict[str, dict[str, Any]] = {}
        for event in self.result.all_events:
            if event.event_type == dg.DagsterEventType.STEP_OUTPUT and event.step_key:
                data = event.event_specific_data.metadata
                if data:
                    out[event.step_key] = {k: v.value for k, v in data.items()}
        for event in self.result.get_asset_materialization_events():
            mat = event.event_specific_data.materialization
            out[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
        return out


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` laid over `base`, mapping by mapping (what editing a few keys of so24.yaml does)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


class Demo:
    """The running demo: its home, settings file, definitions, instance and the runs so far."""

    def __init__(self, sandbox: SandboxProcess, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sandbox = sandbox
        self.home = home
        self.settings_path = cli.demo_settings(home, sandbox.url)
        self.edit_settings(FAST)
        env: dict[str, str] = {}
        cli.sandbox_env(sandbox.url, env)
        for var, value in {**env, "DAGSTER_HOME": str(home), "SO24_SETTINGS": str(self.settings_path)}.items():
            monkeypatch.setenv(var, value)
        self.env = {**env, "DAGSTER_HOME": str(home)}
        sandbox.control("POST", "rackbeat/limits", json={"per_minute": 10_000_000})
        sandbox.control("POST", "24so/limits", json={"per_hour": SO24_PER_HOUR})
        self.instance = dg.DagsterInstance.ephemeral()
        self.runs: list[Run] = []
        self.cursors: dict[str, str | None] = {}
        self.run_keys: set[tuple[str, str]] = set()
        self.reload()

    # ---- the settings file and the code location

    def edit_settings(self, extra: dict[str, Any]) -> None:
        """Edit `.dagster_home/so24.yaml` as a user would: the keys given, the rest as it was."""
        data = yaml.safe_load(self.settings_path.read_text(encoding="utf-8")) or {}
        self.settings_path.write_text(yaml.safe_dump(merge(data, extra)), encoding="utf-8")

    def reload(self) -> None:
        """*Reload* the code location: the definitions as `definitions.defs` builds them now."""
        self.settings: Settings = load_settings(self.settings_path)
        main = build_definitions(self.settings)
        resources = dict(main.resources or {})
        so24 = resources["so24"]  # a ConfigurableResource takes its config at construction: a new one
        fields = {name: getattr(so24, name) for name in type(so24).model_fields}
        resources["so24"] = type(so24)(**{**fields, "requests_per_hour": SO24_PER_HOUR})
        self.defs = dg.Definitions(
            assets=main.assets, asset_checks=main.asset_checks, jobs=main.jobs, schedules=main.schedules,
            sensors=main.sensors, resources=resources, executor=main.executor,
        )  # fmt: skip

    # ---- the UI

    def launch(self, job: str, run_config: dict[str, Any] | None = None, *, by: str = "user",
               tags: dict[str, str] | None = None) -> Run:  # fmt: skip
        """*Jobs > job > Launch run* (with the launchpad's config)."""
        result = self.defs.resolve_job_def(job).execute_in_process(
            instance=self.instance, run_config=run_config, tags=tags, raise_on_error=False
        )
        run = Run(job, by, result)
        self.runs.append(run)
        return run

    def materialize(self, assets: tuple[str, ...]) -> Run:
        """Select the assets and *Materialize*: one run of them and their checks, as the UI starts it."""
        keys = {dg.AssetKey(name) for name in assets}
        known = {node.key for node in self.defs.resolve_asset_graph().asset_nodes}
        missing = sorted(k.to_user_string() for k in keys - known)
        if missing:
            raise AssertionError(f"no asset {missing} in the demo's definitions")
        job = self.defs.resolve_implicit_global_asset_job_def()
        graph = job.asset_layer.asset_graph
        checks = {k for k in graph.asset_check_keys if k.asset_key in keys}
        subset = job.get_subset(asset_selection=keys, asset_check_selection=checks)
        result = subset.execute_in_process(instance=self.instance, raise_on_error=False)
        run = Run("materialize " + ", ".join(assets), "user", result)
        self.runs.append(run)
        return run

    def latest(self, name: str) -> dict[str, Any]:
        """What the asset (or op) reported the last time it ran in this demo."""
        for run in reversed(self.runs):
            found = run.reports().get(name)
            if found is not None:
                return found
        raise AssertionError(f"{name} has not run in this demo")

    # ---- the daemon

    def advance(self, seconds: int) -> None:
        """Let `seconds` pass for the events waiting in the inbox: what the R8 debounce measures is
        how long ago they were received, so they are made that much older (the inbox's own table,
        `received_at` as it writes it: UTC ISO text). Events that arrive later are as new as ever,
        as they would be after a real wait."""
        with sqlite3.connect(self.home / INBOX_FILE_NAME) as con:
            waiting = con.execute("SELECT seq, received_at FROM events WHERE processed_at IS NULL").fetchall()
            for seq, received in waiting:
                earlier = datetime.fromisoformat(received).astimezone(UTC) - timedelta(seconds=seconds)
                con.execute(
                    "UPDATE events SET received_at = ? WHERE seq = ?",
                    (earlier.isoformat(timespec="microseconds"), seq),
                )

    def quiet_webhooks(self, seconds: float = 30) -> None:
        """Wait until Rackbeat has delivered every webhook it owes (its deliveries are asynchronous)."""
        deadline = time.monotonic() + seconds
        while self.sandbox.control("GET", "rackbeat/stats").json()["pending"]:
            assert time.monotonic() < deadline, "Rackbeat's webhook deliveries did not finish"
            time.sleep(0.05)

    def running_sensors(self) -> list[dg.SensorDefinition]:
        """The sensors `dagster dev` starts on. Automation-condition sensors are the asset daemon's, not
        evaluated here: the one there (the 24SO initial sync's backfill) acts only on a plan the
        walkthrough never makes."""
        return [
            s for s in self.defs.sensors or []
            if s.default_status == dg.DefaultSensorStatus.RUNNING
            and not isinstance(s, dg.AutomationConditionSensorDefinition)
        ]  # fmt: skip

    def evaluate(self, sensor: dg.SensorDefinition) -> int:
        """One tick of a sensor; the runs it asks for are executed (a run key once, as the daemon does)."""
        resources = {k: v for k, v in (self.defs.resources or {}).items() if k in sensor.required_resource_keys}
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursors.get(sensor.name), sensor_name=sensor.name,
            resources=resources, definitions=self.defs,
        ) as context:  # fmt: skip
            data = sensor.evaluate_tick(context)
        if data.cursor is not None:
            self.cursors[sensor.name] = data.cursor
        started = 0
        for request in data.run_requests or []:
            key = (sensor.name, request.run_key or f"#{len(self.runs)}")
            if key in self.run_keys:
                continue
            self.run_keys.add(key)
            job = request.job_name or sensor.job_name
            self.launch(job, request.run_config, by=sensor.name, tags=dict(request.tags))
            started += 1
        return started

    def daemon_round(self) -> None:
        """The daemon between two clicks: every running sensor, again while one starts runs."""
        for _ in range(ROUNDS):
            self.quiet_webhooks()
            if not sum(self.evaluate(sensor) for sensor in self.running_sensors()):
                return
        raise AssertionError(f"the sensors kept starting runs for {ROUNDS} rounds")

    def failed_runs(self, since: int = 0) -> list[str]:
        return [f"{r.job} (by {r.by}): {r.error()[:400]}" for r in self.runs[since:] if not r.success]


@contextmanager
def running_demo(sandbox: SandboxProcess, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """`make demo` on a freshly reset sandbox: the demo's settings and env, and its webhook receiver
    registered with Rackbeat, as `so24 demo` starts them."""
    sandbox.reset()
    home.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        demo = Demo(sandbox, home, monkeypatch)
        port = free_port()
        stack.enter_context(serving(build_receiver(Inbox(home / INBOX_FILE_NAME), {}), port))
        cli.register_demo_webhooks(
            home, sandbox.url, demo.env, receiver_url=f"http://127.0.0.1:{port}/webhooks/rackbeat"
        )
        yield demo
