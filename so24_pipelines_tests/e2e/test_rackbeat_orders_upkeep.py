"""The order flows' upkeep jobs: webhook registration and the retry sweep, against both sandboxes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_flow import run_orders
from so24_pipelines.flows.rackbeat.orders_webhooks import ORDER_EVENTS, SHIPPED
from so24_pipelines.webhooks.inbox import Inbox, token_digest
from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
    inbox_file,
    op_metadata,
    order_definitions,
    order_settings,
    prepare_rackbeat,
    rackbeat_client,
    sendable_orders,
    so24_order,
    stage_so24,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def test_registering_the_order_webhooks_twice_keeps_one_hook_each_and_the_tokens_private(
    sandbox, home, capsys
):
    db = home / "staging.duckdb"
    defs = order_definitions(order_settings(), sandbox, db, home)
    job = defs.get_job_def("rackbeat_register_order_webhooks")
    config = {
        "ops": {
            "register_order_webhooks": {"config": {"receiver_url": "http://127.0.0.1:9/webhooks/rackbeat"}}
        }
    }

    first = job.execute_in_process(run_config=config)
    assert sorted(op_metadata(first, "register_order_webhooks")["created"]) == sorted(ORDER_EVENTS)
    second = job.execute_in_process(run_config=config)
    assert op_metadata(second, "register_order_webhooks")["created"] == []

    hooks = sandbox.control("GET", "rackbeat/webhooks").json()["webhooks"]
    assert sorted(h["event"] for h in hooks) == sorted(ORDER_EVENTS)
    box = Inbox(inbox_file(home))
    assert sorted(box.token_digests("rackbeat")) == sorted(token_digest(h["token"]) for h in hooks)
    for path in home.rglob("*"):
        if path.is_file():
            assert not any(h["token"].encode() in path.read_bytes() for h in hooks), path
    logged = capsys.readouterr()
    assert not any(h["token"] in logged.out + logged.err for h in hooks)
    assert not any(
        h["token"] in str(e.message) for e in [*first.all_events, *second.all_events] for h in hooks
    )


def test_the_retry_sweep_handles_an_event_whose_run_never_happened(sandbox, home):
    db = home / "staging.duckdb"
    stage_so24(sandbox, db)
    rb = rackbeat_client(sandbox)
    prepare_rackbeat(rb, db)
    run_orders(RunContext.of(db, "r4"), rb, so24_status="Confirmed", rackbeat_status="booked")
    number = sendable_orders(db)[0]
    sandbox.control("POST", f"rackbeat/orders/{number}/ship")
    long_ago = Inbox(inbox_file(home), clock=lambda: datetime.now(UTC) - timedelta(minutes=30))
    payload = {"key": number, "key_name": "number", "event": SHIPPED, "data": {"number": number}}
    long_ago.add("rackbeat", "rackbeat:lost-run", SHIPPED, str(number), None, payload)

    defs = order_definitions(order_settings(), sandbox, db, home)
    result = defs.get_job_def("rackbeat_order_events_retry").execute_in_process()
    assert result.success
    assert op_metadata(result, "rackbeat_order_events_sweep")["R5"]["events"] == 1
    assert so24_order(sandbox, number)["OrderStatus"] == "OrderState_Sent"
    assert Inbox(inbox_file(home)).pending(event=SHIPPED) == []
    rb.close()
