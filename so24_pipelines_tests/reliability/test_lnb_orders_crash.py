"""L2 interrupted between "24SO accepted the order" and "the hub recorded it": never a second order.

A child process runs the real L2 tick (`sync_orders`: LNB and 24SO sandboxes over HTTP, the real
staging file) over 30 confirmed LNB orders. Three ways to be interrupted:

- `kill_inside`: the child SIGKILLs itself right after 24SO answered the k-th SaveInvoices, before
  the loader records anything: the worst moment, made certain (no finally, no flush);
- `kill_outside`: the test SIGKILLs the child once k of the orders exist in 24SO, wherever it is
  (every 24SO call is slowed so the kill lands mid-load);
- `lost_answer`: in this process, 24SO saves the k-th order but the answer never arrives (a
  TransientError after the save, as a dropped connection looks to the client).

Then the next tick runs (a new run id; the dead run is known to be over, as the Dagster layer
tells the loader) and must leave every order exactly once in 24SO, each acknowledged in LNB; the
order whose create was never recorded is found by its LNB reference (ReferenceNumber among the
customer's orders) and logged `resolved`, not sent again. A third tick writes nothing.
Run as `python -m <this module> CHILD ...` it is the child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.connectors.errors import TransientError
from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.connectors.so24 import session, writes
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.orders import L2Options, sync_orders
from so24_pipelines.flows.pairing import use_identity
from so24_pipelines.flows.so24 import extract as so24_run
from so24_pipelines.flows.so24.entities import ENTITIES
from so24_pipelines.staging.db import connect

pytestmark = pytest.mark.reliability

REPO_ROOT = Path(__file__).resolve().parents[2]
ORDERS = 30
KILL_AT = 6
OPTIONS = L2Options(statuses=("confirmed",), so24_status="Confirmed", product_key="ean13", discount_unit="fraction",
                    acknowledge_status="closed")  # fmt: skip


def _clients(url: str) -> tuple[LnbClient, So24Client, str]:
    """Both clients as a step builds them, against the sandbox at `url`; and the paired company."""
    import requests

    lnb = requests.get(f"{url}/_sandbox/lnb/credentials", timeout=10).json()
    so24 = requests.get(f"{url}/_sandbox/24so/credentials", timeout=10).json()
    fast = RetryPolicy(attempts=8, backoff_base=0.02, backoff_max=0.2)
    lnb_client = LnbClient(
        lnb["baseUrl"], lnb["clientId"], lnb["clientSecret"], requests_per_minute=60_000, retry=fast
    )
    so24_client = So24Client(
        base_url=f"{url}/24so", credentials=So24Credentials(so24["application_id"], so24["username"], so24["password"]),
        backoff_base=0.02, max_retries=8,
    )  # fmt: skip
    identity = session.current_identity(so24_client, None)
    return lnb_client, so24_client, identity


def _tick(db: str, url: str, run_id: str) -> Any:
    lnb, so24, identity = _clients(url)
    try:
        use_identity(so24, identity, "lnb")
        return sync_orders(RunContext.of(db, run_id, alive=lambda _: False), lnb, so24, identity, OPTIONS)
    finally:
        lnb.close()
        so24.close()


def _child(db: str, url: str, mode: str) -> None:
    if mode == "kill_inside":
        save = writes.save_invoice
        made: list[int] = []

        def save_then_die(client: So24Client, order: Any, *, idempotent: bool) -> dict[str, Any]:
            saved = save(client, order, idempotent=idempotent)
            made.append(saved["OrderId"])
            if len(made) == KILL_AT:
                os.kill(os.getpid(), signal.SIGKILL)
            return saved

        writes.save_invoice = save_then_die  # type: ignore[assignment]
    _tick(db, url, "dead-run")


def _stage_so24(url: str, db: Path) -> None:
    """E1/E3 as the extraction assets stage them: the products and customers L2 maps to."""
    _, so24, identity = _clients(url)
    so24_run.prepare(db)
    with so24:
        for name in ("products", "companies"):
            so24_run.extract(so24, db, ENTITIES[name], identity)


def _in_24so(sandbox: Any, references: set[str]) -> Counter[str]:
    orders = sandbox.control("GET", "24so/orders").json()
    return Counter(o["ReferenceNumber"] for o in orders if o.get("ReferenceNumber") in references)


def _lost_answer_tick(db: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    save = writes.save_invoice
    made: list[int] = []

    def save_then_lose(client: So24Client, order: Any, *, idempotent: bool) -> dict[str, Any]:
        saved = save(client, order, idempotent=idempotent)
        made.append(saved["OrderId"])
        if len(made) == KILL_AT:
            raise TransientError(
                "connection reset after the request was sent", call="InvoiceService.SaveInvoices"
            )
        return saved

    monkeypatch.setattr(writes, "save_invoice", save_then_lose)
    runs = _tick(str(db), url, "lossy-run")
    monkeypatch.setattr(writes, "save_invoice", save)
    assert runs[0].counts()["failed"] == 1, "the create whose answer was lost waits, unconfirmed"


@pytest.mark.parametrize("mode", ["kill_inside", "kill_outside", "lost_answer"])
def test_l2_interrupted_after_24so_accepted_never_duplicates_an_order(sandbox, tmp_path, mode, monkeypatch):
    db = tmp_path / "staging.duckdb"
    sandbox.control("POST", "lnb/orders/generate", json={"count": ORDERS, "status": "confirmed"})
    _stage_so24(sandbox.url, db)
    expected = {r for r, o in ((o["reference"], o) for o in sandbox.control("GET", "lnb/orders").json())
                if o["status"] == "confirmed" and (o["retailer_reference"] or "").isdigit()}  # fmt: skip
    assert len(expected) >= ORDERS * 3 // 4  # the rest: retailer 7's "NY-KUNDE", held back by L2

    if mode == "lost_answer":
        _lost_answer_tick(db, sandbox.url, monkeypatch)
    else:
        if mode == "kill_outside":
            sandbox.control(
                "POST", "24so/faults", json={"rate": 1.0, "kinds": ["latency"], "latency_ms": 150}
            )
        child = subprocess.Popen(
            [sys.executable, "-m", __name__, "CHILD", str(db), sandbox.url, mode], cwd=REPO_ROOT
        )
        try:
            if mode == "kill_outside":
                _wait(
                    lambda: sum(_in_24so(sandbox, expected).values()) >= KILL_AT or child.poll() is not None
                )
                child.send_signal(signal.SIGKILL)
            assert child.wait(timeout=120) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
            sandbox.control("DELETE", "24so/faults")
    interrupted = _in_24so(sandbox, expected)
    assert set(interrupted.values()) == {1}
    if mode == "lost_answer":  # the tick went on: every order is in 24SO, one of them unconfirmed
        assert sum(interrupted.values()) == len(expected)
        assert _rows(
            db, "SELECT count(*) FROM sync.id_map WHERE flow = 'L2' AND status = 'pending_create'"
        ) == [(1,)]
    else:
        assert KILL_AT <= sum(interrupted.values()) < len(expected), "the kill must land mid-load"

    after = _tick(str(db), sandbox.url, "next-tick")
    orders, ack = after
    assert orders.counts()["failed"] == 0 and ack.counts()["failed"] == 0
    assert orders.counts()["resolved"] >= 1, "the create that was never recorded is found, not repeated"
    resolved = [
        r for (r,) in _rows(db, "SELECT reason FROM sync.sync_log WHERE flow = 'L2' AND action = 'resolved'")
    ]
    assert all("found by business key" in r or "already carries LNB reference" in r for r in resolved)

    assert _in_24so(sandbox, expected) == Counter(dict.fromkeys(expected, 1))
    lnb = {o["reference"]: o["status"] for o in sandbox.control("GET", "lnb/orders").json()}
    assert {lnb[r] for r in expected} == {"closed"}
    assert _rows(db, "SELECT count(*) FROM sync.id_map WHERE flow = 'L2' AND status = 'synced'") == [
        (len(expected),)
    ]
    assert _rows(db, "SELECT count(*) FROM sync.failed_records") == [(0,)]

    again, again_ack = _tick(str(db), sandbox.url, "third")
    assert again.counts()["created"] == again.counts()["resolved"] == 0 == again_ack.counts()["created"]
    assert again.counts()["unchanged"] == len(expected)
    assert _in_24so(sandbox, expected) == Counter(dict.fromkeys(expected, 1))


def _rows(db: Path, sql: str) -> list[tuple]:
    with connect(db) as con:
        return con.execute(sql).fetchall()


def _wait(condition: Any, seconds: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the child to create orders")
        time.sleep(0.05)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "CHILD":
    _child(*sys.argv[2:5])
