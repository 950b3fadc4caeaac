"""N1 towards Netvisor never adds a customer twice: not after a SIGKILL, not after lost answers.

1. A child process runs N1 (customers, rackbeat_to_netvisor) against the sandbox and SIGKILLs
   itself right after Netvisor accepted its 7th `customer.nv?method=add`, before the loader could
   record any of them: no finally blocks, a DuckDB file with a half-written WAL. A second child,
   told that the first run is over (what the Dagster layer asks its instance), resumes: every
   unconfirmed create is looked up by its customer code first and found, the rest are added, and
   each Rackbeat customer ends up in Netvisor exactly once. A third run writes nothing.
2. Netvisor's answer to an add is lost (the sandbox makes the add, then drops the connection or
   cuts the XML, at a 30 % rate): the client never repeats an add, the loader keeps the outcome
   unknown, and the next runs find those customers by their code. After the runs settle, again
   exactly one Netvisor customer per Rackbeat customer, and none for the ones N2 held.

Run as `python -m so24_pipelines_tests.reliability.test_netvisor_n1_crash CHILD ...` it is the child.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor.n1 import sync_register
from so24_pipelines.flows.netvisor.n2 import match_registers
from so24_pipelines_tests.e2e.netvisor_harness import clients
from so24_pipelines_tests.sandbox_process import SandboxProcess
from so24_sandbox.netvisor.counterparts import RACKBEAT_CUSTOMERS

pytestmark = pytest.mark.reliability

REPO_ROOT = Path(__file__).resolve().parents[2]
NEW = [
    {"number": 30000 + i, "name": f"Kaatuva Asiakas {i} Oy", "address_country": "FI"} for i in range(1, 21)
]
KILL_AFTER_ADDS = 7
FLOW = "N1.customers.to_netvisor"




def die_after_adds(client: NetvisorClient, count: int) -> None:
    """SIGKILL this process right after Netvisor accepted the `count`-th customer add."""
    adds = Counter[str]()
    lock = threading.Lock()
    add = client.add_customer

    def add_then_maybe_die(customer: Any) -> int:
        key = add(customer)
        with lock:
            adds["n"] += 1
            if adds["n"] == count:
                os.kill(os.getpid(), signal.SIGKILL)
        return key

    client.add_customer = add_then_maybe_die  # type: ignore[method-assign]


def child_main(db: str, url: str, run_id: str, kill_after: str, over: str, lock_dir: str) -> None:
    nv, rb = clients(url, lock_dir)
    if int(kill_after):
        die_after_adds(nv, int(kill_after))
    ended = set(filter(None, over.split(",")))
    run = RunContext.of(db, run_id, alive=(lambda claimed_by: claimed_by not in ended) if ended else None)
    result = sync_register(run, nv, rb, nv.organisation_id, "customers", "rackbeat_to_netvisor")
    print(json.dumps(result.counts()))


def run_child(
    tmp_path: Path, sandbox: SandboxProcess, run_id: str, *, kill_after: int = 0, over: str = ""
) -> subprocess.CompletedProcess[str]:
    args = [
        str(tmp_path / "staging.duckdb"),
        sandbox.url,
        run_id,
        str(kill_after),
        over,
        str(tmp_path / "locks"),
    ]
    return subprocess.run(
        [sys.executable, "-m", "so24_pipelines_tests.reliability.test_netvisor_n1_crash", "CHILD", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def prepare(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """The Rackbeat side (the N2 cases and 20 customers Netvisor lacks), matched by N2."""
    sandbox.control("POST", "rackbeat/limits", json={"per_minute": 100_000, "burst": 1000})
    for customer in (*RACKBEAT_CUSTOMERS, *NEW):
        sandbox.control("POST", "rackbeat/customers", json=customer)
    nv, rb = clients(sandbox.url, str(tmp_path / "locks"))
    match_registers(
        RunContext.of(tmp_path / "staging.duckdb", "n2"), nv, rb, nv.organisation_id, ["customers"]
    )


def netvisor_codes(sandbox: SandboxProcess) -> Counter[str]:
    customers = sandbox.control("GET", "netvisor/customers").json()["customers"]
    return Counter(c["internalidentifier"] or "" for c in customers)


def loader_rows(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "staging.duckdb")) as con:
        return con.execute(sql, [FLOW]).fetchall()


def test_sigkill_after_adds_never_duplicates_a_netvisor_customer(sandbox, tmp_path):
    prepare(sandbox, tmp_path)
    crashed = run_child(tmp_path, sandbox, "run-1", kill_after=KILL_AFTER_ADDS)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr

    landed = netvisor_codes(sandbox)
    new_codes = [str(c["number"]) for c in NEW]
    assert sum(landed[code] for code in new_codes) == KILL_AFTER_ADDS and max(landed.values()) == 1
    pending = loader_rows(
        tmp_path, "SELECT count(*) FROM sync.id_map WHERE flow = ? AND status = 'pending_create'"
    )
    assert pending[0][0] >= KILL_AFTER_ADDS, "the adds that reached Netvisor were never recorded"

    resumed = run_child(tmp_path, sandbox, "run-2", over="run-1")
    assert resumed.returncode == 0, resumed.stderr
    counts = json.loads(resumed.stdout)
    assert counts["failed"] == 0 and counts["created"] == len(NEW) - KILL_AFTER_ADDS
    codes = netvisor_codes(sandbox)
    assert [codes[code] for code in new_codes] == [1] * len(NEW)
    assert codes["10004"] == 0 and codes["10005"] == 0  # held by N2: never created
    assert max(codes.values()) == 1
    found = loader_rows(
        tmp_path,
        "SELECT reason FROM sync.sync_log WHERE flow = ? AND run_id = 'run-2' AND action = 'resolved'",
    )
    assert (
        sum("unconfirmed create from run run-1 found by business key" in r for (r,) in found)
        == KILL_AFTER_ADDS
    )

    again = run_child(tmp_path, sandbox, "run-3")
    assert again.returncode == 0, again.stderr
    counts = json.loads(again.stdout)
    assert (counts["created"], counts["updated"], counts["resolved"], counts["failed"]) == (0, 0, 0, 0)
    assert netvisor_codes(sandbox) == codes


def test_lost_answers_to_adds_never_duplicate_a_netvisor_customer(sandbox, tmp_path):
    prepare(sandbox, tmp_path)
    nv, rb = clients(sandbox.url, str(tmp_path / "locks"))
    sandbox.control("POST", "netvisor/faults", json={"rate": 0.3, "seed": 11, "kinds": ["drop", "malformed"]})
    runs = []
    for attempt in range(1, 9):
        run = RunContext.of(tmp_path / "staging.duckdb", f"run-{attempt}", alive=lambda _: False)
        runs.append(
            sync_register(run, nv, rb, nv.organisation_id, "customers", "rackbeat_to_netvisor").counts()
        )
        if runs[-1]["failed"] == 0:
            break
    injected = sandbox.control("GET", "netvisor/faults").json()
    sandbox.control("DELETE", "netvisor/faults")
    assert runs[-1]["failed"] == 0, runs
    assert sum(r["failed"] for r in runs) > 0, f"no add lost its answer; the test proves nothing: {runs}"
    codes = netvisor_codes(sandbox)
    assert [codes[str(c["number"])] for c in NEW] == [1] * len(NEW), (runs, injected)
    assert max(codes.values()) == 1
    found = loader_rows(tmp_path, "SELECT count(*) FROM sync.sync_log WHERE flow = ? AND action = 'resolved' "
                                  "AND reason LIKE 'unconfirmed create from run % found by business key%'")  # fmt: skip
    assert found[0][0] > 0, "no lost add was found again by its customer code"
    print(f"\nlost answers: runs {runs}, faults {injected['injected']}, found by code {found[0][0]}")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "CHILD":
    child_main(*sys.argv[2:])
