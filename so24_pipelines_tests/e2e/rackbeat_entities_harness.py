"""Shared setup of the R1/R2/R3/R7 tests (no tests in this module).

Everything goes over HTTP to the one sandbox process: the hub's jobs run in process against both
sandboxes exactly as Dagster would run them, with the resources the main Definitions provide.
The Rackbeat request budget is raised on both sides (the sandbox enforces Rackbeat's 480 a
minute), so the tests measure the flows, not the throttle.
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
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import InboxResource
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines.webhooks.app import build_receiver
from so24_pipelines.webhooks.inbox import Inbox
from so24_pipelines_tests.e2e import so24_harness
from so24_pipelines_tests.e2e.so24_harness import definitions as definitions  # the suites call h.definitions
from so24_pipelines_tests.sandbox_process import SandboxProcess
from so24_pipelines_tests.serving import serving

BUDGET = 100_000
FAST_RETRY = RetryPolicy(attempts=6, backoff_base=0.02, backoff_max=0.2)


def entity_settings(**flows: dict[str, Any]) -> Settings:
    """Settings with Rackbeat connected and the given flow sections (directions etc.)."""
    return Settings.model_validate({"rackbeat": {"enabled": True}, "flows": flows})


def open_budget(sandbox: SandboxProcess) -> None:
    sandbox.control("POST", "rackbeat/limits", json={"per_minute": BUDGET, "burst": 1000})


def resources(sandbox: SandboxProcess, db: Path, inbox: Path) -> dict[str, Any]:
    creds = sandbox.control("GET", "rackbeat/credentials").json()
    return {
        **so24_harness.resources(sandbox, db),
        "rackbeat": RackbeatResource(base_url=creds["baseUrl"], token=creds["token"], requests_per_minute=BUDGET),
        "inbox": InboxResource(path=str(inbox)),
    }


def run_job(
    defs: dg.Definitions, name: str, instance: dg.DagsterInstance, *, tags: dict[str, str] | None = None
) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(name).execute_in_process(instance=instance, raise_on_error=False, tags=tags)


def metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    """asset -> its materialization metadata (plain values)."""
    out = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return out


def writes(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    """flow asset -> records it created, updated or resolved in its target (0 = wrote nothing); a
    create that found its record linked as it was (note `linked`) wrote nothing."""
    return {
        asset: sum(int(m.get(k, 0)) for k in ("created", "updated", "resolved")) - int(m.get("linked", 0))
        for asset, m in metadata(result).items()
        if asset.startswith(("r1_", "r2_", "r7_"))
    }


def step_failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {e.step_key: e.event_specific_data.error.message for e in result.all_events if e.is_step_failure}


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with connect(db) as con:
        return con.execute(sql, params or []).fetchall()


def rackbeat(sandbox: SandboxProcess) -> RackbeatClient:
    creds = sandbox.control("GET", "rackbeat/credentials").json()
    return RackbeatClient(creds["baseUrl"], creds["token"], requests_per_minute=BUDGET, burst=200, retry=FAST_RETRY)


def so24(sandbox: SandboxProcess) -> So24Client:
    c = sandbox.control("GET", "24so/credentials").json()
    return So24Client(
        base_url=f"{sandbox.url}/24so", credentials=So24Credentials(c["application_id"], c["username"], c["password"])
    )


def field_value(record: dict[str, Any], name: str) -> str | None:
    for value in record.get("field_values") or []:
        if value.get("name") == name:
            return value.get("value")
    return None


def so24_product(client: So24Client, product_id: int) -> dict[str, Any]:
    props = {"string": ["Id", "No", "Name", "Price", "CategoryId", "DateChanged"]}
    return client.call("ProductService", "GetProducts", searchParams={"Id": product_id}, returnProperties=props)[0]


def so24_companies_by_external_id(client: So24Client, external_id: str) -> list[dict[str, Any]]:
    props = {"string": ["Id", "Name", "Type", "ExternalId", "CurrencyId", "InvoiceLanguage"]}
    found = client.call("CompanyService", "GetCompanies", searchParams={"ExternalId": external_id}, returnProperties=props)
    return list(found or [])


def hook_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/webhooks/rackbeat"


@contextmanager
def receiver(inbox: Path, token: str, port: int) -> Iterator[str]:
    """The hub's webhook receiver on `port` (one per Rackbeat hook: each hook has its own token)."""
    with serving(build_receiver(Inbox(inbox), {"rackbeat": token}), port):
        yield hook_url(port)


def wait_for_events(inbox: Path, event: str, count: int, timeout: float = 20.0) -> None:
    """Block until the inbox holds `count` events of this name (deliveries are asynchronous)."""
    box = Inbox(inbox)
    deadline = time.monotonic() + timeout
    while len(box.pending(event=event, source="rackbeat")) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} {event} deliveries did not arrive within {timeout}s")
        time.sleep(0.05)


def wait_for_deliveries(sandbox: SandboxProcess, count: int, timeout: float = 20.0) -> None:
    """Block until Rackbeat has made `count` successful deliveries (duplicates included)."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries = sandbox.control("GET", "rackbeat/webhooks/deliveries").json()["deliveries"]
        if sum(1 for d in deliveries if d["ok"]) >= count:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"Rackbeat made fewer than {count} successful deliveries within {timeout}s")
        time.sleep(0.05)


def so24_company(sandbox: SandboxProcess, company_id: int) -> dict[str, Any]:
    props = {"string": ["Id", "Name", "Type"]}
    return so24(sandbox).call("CompanyService", "GetCompanies", searchParams={"CompanyId": company_id}, returnProperties=props)[0]


# ---- whole-system dumps (safety tests) --------------------------------------------------------

SO24_REGISTERS = ("companies", "products")
RACKBEAT_REGISTERS = ("customers", "suppliers", "products")


def so24_dump(sandbox: SandboxProcess) -> dict[str, dict[str, dict[str, Any]]]:
    """Every 24SO company and product as the control API holds it: {entity: {Id: record}}."""
    return {
        entity: {str(r["Id"]): r for r in sandbox.control("GET", f"24so/{entity}").json()} for entity in SO24_REGISTERS
    }


def rackbeat_dump(sandbox: SandboxProcess) -> dict[str, dict[str, dict[str, Any]]]:
    """Every Rackbeat customer, supplier and product with its custom-field values: {table: {number: record}}."""
    return {
        table: {str(r["number"]): r for r in sandbox.control("GET", f"rackbeat/{table}").json()[table]}
        for table in RACKBEAT_REGISTERS
    }


def changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """key -> the top-level fields that differ ({"<added>"} / {"<removed>"} for whole records)."""
    out: dict[str, set[str]] = {}
    for key in before.keys() | after.keys():
        if key not in before:
            out[key] = {"<added>"}
        elif key not in after:
            out[key] = {"<removed>"}
        else:
            old, new = before[key], after[key]
            differ = {f for f in old.keys() | new.keys() if old.get(f) != new.get(f)}
            if differ:
                out[key] = differ
    return out


def system_changes(before: dict[str, dict[str, dict[str, Any]]], after: dict[str, dict[str, dict[str, Any]]]
                   ) -> dict[str, dict[str, set[str]]]:  # fmt: skip
    """Per register, what changed between two dumps of one system; registers without changes left out."""
    found = {name: changes(before[name], after[name]) for name in before}
    return {name: diff for name, diff in found.items() if diff}


def delete_seeded_parties(client: RackbeatClient) -> None:
    """Remove the customers and suppliers a user made in Rackbeat before the hub (so every one left is the hub's)."""
    for customer in list(client.iter_customers()):
        client.delete(f"customers/{int(customer['number'])}")
    for supplier in list(client.iter_suppliers()):
        client.delete(f"suppliers/{int(supplier['number'])}")


def failure_reasons(db: Path, flow: str) -> dict[str, str]:
    """source key -> reason of the records the loader holds as failed for `flow`."""
    return dict(rows(db, "SELECT source_key, reason FROM sync.failed_records WHERE flow = ?", [flow]))
