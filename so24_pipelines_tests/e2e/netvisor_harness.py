"""What the Netvisor e2e tests share: the hub with Netvisor's definitions on the sandboxes, the
Rackbeat counterparts of the N2 cases, and dumps of both systems through their control APIs (so
"writes nothing" means nothing changed in either system, not only that the hub reported nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import requests

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.netvisor import NetvisorClient, NetvisorCredentials
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.defs.netvisor.resources import NetvisorResource
from so24_pipelines.settings import Settings
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.sandbox_process import SandboxProcess
from so24_sandbox.netvisor.counterparts import RACKBEAT_CUSTOMERS

NETVISOR_REGISTERS = ("customers", "vendors", "products")


FAST = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05)


def clients(url: str, lock_dir: str) -> tuple[NetvisorClient, RackbeatClient]:
    """Both clients with the sandbox's public credentials and fast retries, outside Dagster (a
    killed child process, a fault run's own reads)."""
    nv = requests.get(f"{url}/_sandbox/netvisor/credentials", timeout=30).json()
    rb = requests.get(f"{url}/_sandbox/rackbeat/credentials", timeout=30).json()
    credentials = NetvisorCredentials(nv["customerId"], nv["customerKey"], nv["partnerId"], nv["partnerKey"],
                                      nv["organisationId"])  # fmt: skip
    netvisor = NetvisorClient(nv["baseUrl"], credentials, lock_dir=lock_dir, retry=FAST)
    return netvisor, RackbeatClient(
        rb["baseUrl"], rb["token"], requests_per_minute=100_000, burst=200, retry=FAST
    )


def seed_counterparts(sandbox: SandboxProcess) -> None:
    """The Rackbeat side of the N2 cases (counterparts.py) and an open Rackbeat request budget."""
    h.open_budget(sandbox)
    for customer in RACKBEAT_CUSTOMERS:
        sandbox.control("POST", "rackbeat/customers", json=customer)


def netvisor_resource(sandbox: SandboxProcess, lock_dir: Path) -> NetvisorResource:
    c = sandbox.control("GET", "netvisor/credentials").json()
    return NetvisorResource(
        base_url=c["baseUrl"], customer_id=c["customerId"], customer_key=c["customerKey"], partner_id=c["partnerId"],
        partner_key=c["partnerKey"], organisation_id=c["organisationId"], lock_dir=str(lock_dir),
    )  # fmt: skip


def hub(
    sandbox: SandboxProcess, tmp: Path, *, flows: dict[str, Any] | None = None, **n1: Any
) -> tuple[dg.Definitions, Path]:
    """The whole hub with Netvisor's definitions merged in, and its resources on the sandboxes
    (`n1`: flows.N1 settings; `flows`: other flows' settings)."""
    settings = Settings.model_validate(
        {"rackbeat": {"enabled": True}, "netvisor": {"enabled": True}, "flows": {"N1": n1, **(flows or {})}}
    )
    db = tmp / "staging.duckdb"
    res = {
        **h.resources(sandbox, db, tmp / "inbox.sqlite"),
        "netvisor": netvisor_resource(sandbox, tmp / "locks"),
    }
    return h.definitions(settings, res), db


def run(defs: dg.Definitions, job: str, instance: dg.DagsterInstance) -> dict[str, dict[str, Any]]:
    result = h.run_job(defs, job, instance)
    assert result.success, h.step_failures(result)
    return h.metadata(result)


def netvisor_dump(sandbox: SandboxProcess) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        register: {
            str(r["netvisorkey"]): r for r in sandbox.control("GET", f"netvisor/{register}").json()[register]
        }
        for register in NETVISOR_REGISTERS
    }


def dumps(sandbox: SandboxProcess) -> tuple[dict, dict]:
    return netvisor_dump(sandbox), h.rackbeat_dump(sandbox)
