"""A multi-company deployment on real processes: PostgreSQL, one gRPC code server per company,
the daemon (queued coordinator) and the webserver, all from `so24 workspace`'s output and
deploy/dagster.yaml, against the sandbox. Used by the deployment tests and benchmark P9.

Runs are submitted over the webserver's GraphQL API, as the UI does, so they go through the queue.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from so24_pipelines.deployment.workspace import Location, generate, serve_command
from so24_pipelines.settings.company import company_env_var
from so24_pipelines_tests.deploy.postgres import Postgres
from so24_pipelines_tests.sandbox_process import SandboxProcess, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REPOSITORY = "__repository__"
SO24_CREDENTIALS = ("SO24_APPLICATION_ID", "SO24_USERNAME", "SO24_PASSWORD")


def free_port_run(count: int, attempts: int = 50) -> int:
    """A first port such that it and the next count-1 are free (`so24 workspace` numbers the
    companies' servers from a base port)."""
    for _ in range(attempts):
        base = free_port()
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports found")


def sandbox_companies(sandbox: SandboxProcess) -> tuple[list[str], dict[str, str]]:
    """The sandbox's 24SO identities and its public credentials (one user reaching every company)."""
    answer = sandbox.control("GET", "24so/credentials").json()
    credentials = {
        "SO24_APPLICATION_ID": str(answer["application_id"]),
        "SO24_USERNAME": str(answer["username"]),
        "SO24_PASSWORD": str(answer["password"]),
    }
    return [i["id"] for i in answer.get("identities", [])], credentials


@dataclass
class Deployment:
    root: Path
    postgres: Postgres
    locations: list[Location]
    env: dict[str, str]
    webserver_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def workspace(self) -> Path:
        return self.root / "locations" / "workspace.yaml"

    # ------------------------------------------------------------------ processes
    def _start(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> None:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115  closed with the process
        self.processes[name] = subprocess.Popen(
            argv, env={**self.env, **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
            start_new_session=True,
        )  # fmt: skip

    def migrate(self) -> None:
        """Create (or upgrade) Dagster's tables once, before the services start: the daemon and the
        webserver starting together on an empty database race to create them, and the loser exits
        (`type "job_ticks" already exists`). docker-compose runs the same as its `migrate` service."""
        subprocess.run(
            [str(BIN / "dagster"), "instance", "migrate"], env=self.env, cwd=self.root, check=True,
            capture_output=True, timeout=300,
        )  # fmt: skip

    def start_code_servers(self) -> None:
        for loc in self.locations:
            argv = serve_command(loc, str(BIN / "python"))
            argv[argv.index("0.0.0.0")] = "127.0.0.1"
            self._start(f"code_{loc.name}", argv, loc.env())

    def start_daemon(self) -> None:
        self._start("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)])

    def start_webserver(self) -> None:
        self._start(
            "webserver",
            [str(BIN / "dagster-webserver"), "-w", str(self.workspace), "-h", "127.0.0.1", "-p", str(self.webserver_port)],
        )

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # ------------------------------------------------------------------ GraphQL
    def graphql(self, query: str, variables: dict | None = None) -> dict:
        resp = requests.post(
            f"http://127.0.0.1:{self.webserver_port}/graphql", json={"query": query, "variables": variables or {}},
            timeout=60,
        )  # fmt: skip
        if not resp.ok:
            raise AssertionError(f"GraphQL {resp.status_code}: {resp.text[:1000]}")
        body = resp.json()
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def wait_until_loaded(self, timeout: float = 180) -> None:
        """Until the webserver answers and every company's location loaded without error."""
        query = "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename "
        query += "... on PythonError { message } } } } } }"
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                entries = self.graphql(query)["workspaceOrError"]["locationEntries"]
                last = {e["name"]: e["locationOrLoadError"] for e in entries}
                if all(v and v["__typename"] == "RepositoryLocation" for v in last.values()) and len(last) == len(self.locations):
                    return
                if any(v and v["__typename"] == "PythonError" for v in last.values()):
                    # A server still starting reads as an error; reload and look again.
                    self.graphql("mutation { reloadWorkspace { __typename } }")
            except requests.RequestException:
                pass
            time.sleep(1.0)
        raise AssertionError(f"locations not loaded within {timeout}s: {last}\n{self.log('webserver')}")

    def launch(self, location: str, job: str, tags: dict[str, str] | None = None) -> str:
        mutation = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
          ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
          ... on RunConfigValidationInvalid { errors { message } } ... on InvalidSubsetError { message } } }"""
        params = {
            "selector": {"repositoryLocationName": location, "repositoryName": REPOSITORY, "jobName": job},
            "runConfigData": {},
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]},
        }
        answer = self.graphql(mutation, {"p": params})["launchRun"]
        if answer["__typename"] != "LaunchRunSuccess":
            raise AssertionError(f"launch of {job} in {location}: {answer}")
        return answer["run"]["runId"]

    def run_status(self, run_id: str) -> str:
        query = "query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status } } }"
        answer = self.graphql(query, {"id": run_id})["runOrError"]
        return answer.get("status", answer["__typename"])

    def wait_for_run(self, run_id: str, timeout: float = 180, until: tuple[str, ...] = ("SUCCESS", "FAILURE", "CANCELED")) -> str:
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            status = self.run_status(run_id)
            if status in until:
                return status
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} still {status} after {timeout}s\n{self.log('daemon')}")


def build_deployment(
    root: Path, postgres: Postgres, sandbox: SandboxProcess, names: list[str], sandbox_scale_note: str = ""
) -> Deployment:
    """Write so24.yaml (24SO only, the sandbox's companies), split it with `so24 workspace`'s
    generator, copy deploy/dagster.yaml into DAGSTER_HOME; start nothing yet."""
    import yaml

    identities, credentials = sandbox_companies(sandbox)
    if len(identities) < len(names):
        raise AssertionError(f"the sandbox has {len(identities)} 24SO companies, the test wants {len(names)}")
    root.mkdir(parents=True, exist_ok=True)
    chosen = identities[: len(names)]
    source = root / "so24.yaml"
    source.write_text(yaml.safe_dump({"so24": {"base_url": f"{sandbox.url}/24so", "identities": chosen}}))
    base_port = free_port_run(len(names))
    locations = generate(
        source, root / "locations", names=dict(zip(chosen, names, strict=True)), host="127.0.0.1", base_port=base_port
    )
    home = root / "home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SO24_", "DAGSTER_"))}
    env.update(postgres.env(), DAGSTER_HOME=str(home), PYTHONUNBUFFERED="1")
    # Each company's credentials only under its prefix: the location maps its own (company.py).
    for loc in locations:
        for var in SO24_CREDENTIALS:
            env[company_env_var(loc.name, var)] = credentials[var]
    return Deployment(root, postgres, locations, env)
