"""R4 killed mid-load (SIGKILL), then run again: every order exactly once in Rackbeat, nothing lost.

A child process runs the real R4 load (sandbox Rackbeat over HTTP, the real staging file) with
"booked and ready for shipment", so every order takes four calls (draft, field, book, shipment)
and a kill can land between any two of them. Two ways to die:

- `outside`: the test SIGKILLs the child once k orders exist in Rackbeat, wherever it is;
- `inside`: the child SIGKILLs itself right after Rackbeat answered the k-th create, before the
  "24so order id" field is set or anything is recorded: the worst moment, made certain.

Then the next tick runs (a new run id; the dead run's claims released as a pool of 1 would) and
a third run must find nothing to do. Run as `python -m <this module> CHILD ...` it is the child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_flow import run_orders
from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
    create_so24_order,
    dump,
    prepare_rackbeat,
    rackbeat_client,
    rows,
    sendable_orders,
    stage_so24,
    wait_for,
)

pytestmark = pytest.mark.reliability

REPO_ROOT = Path(__file__).resolve().parents[2]
STATUS = "booked_ready_for_shipment"
EXTRA_ORDERS = 20
KILL_AT = 6


def _child(db: str, url: str, token: str, run_id: str, mode: str) -> None:
    from so24_pipelines.connectors.rackbeat import RackbeatClient

    client = RackbeatClient(url, token, requests_per_minute=900, burst=1)
    if mode == "inside":
        create = client.create_draft_order
        made = []

        def create_then_die(payload):
            order = create(payload)
            made.append(order)
            if len(made) == KILL_AT:
                os.kill(os.getpid(), signal.SIGKILL)
            return order

        client.create_draft_order = create_then_die  # type: ignore[method-assign]
    run_orders(
        RunContext.of(db, run_id), client, so24_status="Confirmed", rackbeat_status=STATUS, max_workers=1
    )


@pytest.mark.parametrize("mode", ["outside", "inside"])
def test_r4_killed_midway_then_rerun_sends_every_order_exactly_once(sandbox, tmp_path, mode):
    db = tmp_path / "staging.duckdb"
    stage_so24(sandbox, db)
    seeded = sendable_orders(db)
    staged = rows(db, "SELECT customer_id FROM staging.so24_orders WHERE order_id = ?", [seeded[0]])
    products = [
        r[0]
        for r in rows(db, "SELECT product_id FROM staging.so24_order_rows WHERE order_id = ?", [seeded[0]])
    ]
    for n in range(EXTRA_ORDERS):
        create_so24_order(sandbox, staged[0][0], [(pid, str(n + 1)) for pid in products])
    stage_so24(sandbox, db, ("orders",))
    expected = sendable_orders(db)
    assert len(expected) == len(seeded) + EXTRA_ORDERS
    rb = rackbeat_client(sandbox)
    prepare_rackbeat(rb, db, expected)
    creds = sandbox.control("GET", "rackbeat/credentials").json()

    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            __name__,
            "CHILD",
            str(db),
            creds["baseUrl"],
            creds["token"],
            "dead-run",
            mode,
        ],
        cwd=REPO_ROOT,
    )
    try:
        if mode == "outside":
            wait_for(lambda: len(dump(sandbox, "orders")) >= KILL_AT or child.poll() is not None, "k orders")
            child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    assert KILL_AT <= len(dump(sandbox, "orders")) < len(expected), "the kill must land mid-load"

    after = run_orders(
        RunContext.of(db, "next-tick"), rb, so24_status="Confirmed", rackbeat_status=STATUS, claim_ttl=timedelta(0)
    )
    assert after.counts()["failed"] == 0
    if mode == "inside":
        assert after.counts()["resolved"] >= 1, "the create whose answer was never recorded is found, not repeated"

    orders = dump(sandbox, "orders")
    assert sorted(o["number"] for o in orders) == expected
    held = Counter(v["value"] for o in orders for v in o["field_values"] if v["name"] == "24so order id")
    assert held == Counter(str(n) for n in expected)
    assert all(o["is_booked"] and o["is_ready_for_shipping"] for o in orders)
    assert sorted(Counter(s["order"]["number"] for s in dump(sandbox, "order-shipments")).values()) == [
        1
    ] * len(expected)
    lines = sum(len(o["lines"]) for o in orders)
    assert rows(db, "SELECT count(*) FROM sync.rackbeat_order_lines") == [(lines,)]
    assert rows(db, "SELECT count(*) FROM sync.id_map WHERE flow = 'R4' AND status = 'synced'") == [
        (len(expected),)
    ]
    assert rows(db, "SELECT count(*) FROM sync.failed_records WHERE flow = 'R4'") == [(0,)]

    again = run_orders(RunContext.of(db, "third"), rb, so24_status="Confirmed", rackbeat_status=STATUS)
    assert again.counts()["unchanged"] == len(expected) and again.counts()["created"] == 0
    assert len(dump(sandbox, "orders")) == len(expected)
    rb.close()


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "CHILD":
    _child(*sys.argv[2:7])
