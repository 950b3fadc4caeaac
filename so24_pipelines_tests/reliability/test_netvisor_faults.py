"""N1, N2 and N3 with 10 % faults on Netvisor and Rackbeat end where the fault-free run ends.

The same scenario runs twice on a freshly reset sandbox, once healthy and once with every fault
kind at a 10 % rate on both sandboxes (5xx, the overlapping-call refusal, dropped connections,
truncated and HTML bodies, late answers; "drop" and "malformed" fail *after* Netvisor did the
work, so a repeated `method=add` would duplicate). Each step runs tick after tick until a tick
fails nothing and leaves no create unconfirmed: N2 + N1 (rackbeat_to_netvisor) for every register,
then N3 after new records are made in Rackbeat. Both systems are then compared by code (Netvisor
keys are handed out in arrival order, which retries may change): same records, same fields, no
code twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor import n1, n2, n3
from so24_pipelines.flows.netvisor.registers import REGISTERS
from so24_pipelines_tests.e2e.netvisor_harness import clients
from so24_pipelines_tests.sandbox_process import SandboxProcess
from so24_sandbox.netvisor.counterparts import RACKBEAT_CUSTOMERS

pytestmark = pytest.mark.reliability

MAX_TICKS = 12
FAULTS = {"rate": 0.1, "kinds": ["5xx", "limit", "drop", "malformed", "html", "latency"], "latency_ms": 20}
NEW_CUSTOMERS = [
    {"number": 31000 + i, "name": f"Vikasietoinen {i} Oy", "address_city": "Vaasa"} for i in range(1, 13)
]
LIVE_CUSTOMERS = [
    {"number": 32000 + i, "name": f"Elävä Asiakas {i} Oy", "address_city": "Lahti"} for i in range(1, 6)
]
LIVE_PRODUCTS = [
    {"number": f"LV-{i}", "name": f"Elävä Tuote {i}", "sales_price": 10 + i, "group": 1001}
    for i in range(1, 4)
]
VOLATILE = {"netvisorkey", "changed_at", "updated_at", "created_at", "id", "self"}




def _unconfirmed(db: Path) -> int:
    with duckdb.connect(str(db)) as con:
        return con.execute("SELECT count(*) FROM sync.id_map WHERE status <> 'synced'").fetchone()[0]


def _until_clean(tick: Any) -> int:
    """Ticks until one fails nothing (a tick that raised counts as failing); how many it took."""
    for n in range(1, MAX_TICKS + 1):
        try:
            if not tick(n):
                return n
        except Exception:  # noqa: BLE001 - a read that failed past its retries: the next tick repeats it
            continue
    raise AssertionError(f"still failing after {MAX_TICKS} ticks")


def _scenario(sandbox: SandboxProcess, tmp: Path, *, faults: bool) -> tuple[dict[str, Any], dict[str, int]]:
    sandbox.control("POST", "rackbeat/limits", json={"per_minute": 100_000, "burst": 1000})
    for customer in (*RACKBEAT_CUSTOMERS, *NEW_CUSTOMERS):
        sandbox.control("POST", "rackbeat/customers", json=customer)
    sandbox.control("POST", "rackbeat/suppliers", json={"number": 20002, "name": "Kuopion Kuljetus Oy",
                                                         "company_vat": "FI15728600", "address_country": "FI"})  # fmt: skip
    db = tmp / "staging.duckdb"
    nv, rb = clients(sandbox.url, str(tmp / "locks"))
    if faults:
        for system in ("netvisor", "rackbeat"):
            sandbox.control("POST", f"{system}/faults", json={**FAULTS, "seed": 7})

    def initial(n: int) -> int:
        run = RunContext.of(db, f"n1-{n}")
        done = n2.match_registers(run, nv, rb, nv.organisation_id, list(REGISTERS))
        for register in REGISTERS:
            done = done.merge(
                n1.sync_register(run, nv, rb, nv.organisation_id, register, "rackbeat_to_netvisor")
            )
        return len(done.failures()) + _unconfirmed(db)

    ticks = _until_clean(initial)
    for customer in LIVE_CUSTOMERS:
        sandbox.control("POST", "rackbeat/customers", json=customer)
    for product in LIVE_PRODUCTS:
        sandbox.control("POST", "rackbeat/products", json=product)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()

    def live(n: int) -> int:
        done = n3.go_live(RunContext.of(db, f"n3-{n}"), nv, rb, nv.organisation_id, list(REGISTERS),
                          go_live=yesterday, zone="Europe/Helsinki")  # fmt: skip
        return len(done.failures()) + _unconfirmed(db)

    ticks += _until_clean(live)
    injected = {
        s: sum(sandbox.control("GET", f"{s}/faults").json()["injected"].values())
        for s in ("netvisor", "rackbeat")
    }
    for system in ("netvisor", "rackbeat"):
        sandbox.control("DELETE", f"{system}/faults")
    nv.close()
    rb.close()
    return _state(sandbox), injected


def _by_code(records: list[dict[str, Any]], code: str) -> dict[str, dict[str, Any]]:
    counts = Counter(str(r.get(code)) for r in records)
    assert [c for c, k in counts.items() if k > 1] == [], "a code twice: a record was duplicated"
    return {str(r.get(code)): {k: v for k, v in r.items() if k not in VOLATILE} for r in records}


def _state(sandbox: SandboxProcess) -> dict[str, Any]:
    codes = {"customers": "internalidentifier", "vendors": "code", "products": "productcode"}
    state = {
        f"netvisor.{register}": _by_code(
            sandbox.control("GET", f"netvisor/{register}").json()[register], code
        )
        for register, code in codes.items()
    }
    for register in ("customers", "suppliers", "products"):
        rows = sandbox.control("GET", f"rackbeat/{register}").json()[register]
        state[f"rackbeat.{register}"] = _by_code(rows, "number")
    return state


def test_ten_percent_faults_on_netvisor_and_rackbeat_end_in_the_fault_free_state(sandbox, tmp_path):
    healthy, none = _scenario(sandbox, tmp_path / "healthy", faults=False)
    assert none == {"netvisor": 0, "rackbeat": 0}
    made = {c["internalidentifier"] for c in healthy["netvisor.customers"].values()}
    assert {str(c["number"]) for c in (*NEW_CUSTOMERS, *LIVE_CUSTOMERS)} <= made
    assert {p["number"] for p in LIVE_PRODUCTS} <= set(healthy["netvisor.products"])
    sandbox.reset()
    faulty, injected = _scenario(sandbox, tmp_path / "faulty", faults=True)
    print(f"\nfaults injected: {injected}")
    assert injected["netvisor"] > 0 and injected["rackbeat"] > 0, injected
    assert faulty == healthy
