"""R7 end to end: Rackbeat webhooks -> the hub's receiver -> inbox -> sensor -> runs -> 24SO.

Rackbeat delivers every event twice here (duplicate_rate 1.0): the inbox keeps one, and the run
key (the event id) would stop a second run even if it did not.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines.flows.rackbeat.entities_webhooks import register_created_webhooks
from so24_pipelines.webhooks.inbox import Inbox
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.sandbox_process import SandboxProcess, free_port

pytestmark = pytest.mark.e2e

EVENTS = ("customer.created", "customer_invoice.booked")


def _sensor(defs: dg.Definitions):
    return next(s for s in defs.sensors if s.name == "rackbeat_created_events")


def test_customer_and_invoice_created_in_rackbeat_reach_24so(sandbox: SandboxProcess, tmp_path: Path):
    h.open_budget(sandbox)
    db, inbox = tmp_path / "staging.duckdb", tmp_path / "inbox.sqlite"
    settings = h.entity_settings(R2={"customers": "rackbeat", "suppliers": "24so"}, R1={"products": "24so"})
    res = h.resources(sandbox, db, inbox)
    defs = h.definitions(settings, res)
    instance = dg.DagsterInstance.ephemeral()
    sensor = _sensor(defs)
    assert sensor.minimum_interval_seconds <= 60  # "within a minute"

    initial = h.run_job(defs, "rackbeat_initial_sync", instance, tags={"so24/flow": "R3"})
    assert initial.success, h.step_failures(initial)
    rb = h.rackbeat(sandbox)
    sandbox.control("POST", "rackbeat/webhooks", json={"duplicate_rate": 1.0})

    ports = [free_port(), free_port()]
    tokens = [
        register_created_webhooks(rb, h.hook_url(port), [event])[event] for event, port in zip(EVENTS, ports, strict=True)
    ]
    assert all(tokens)
    with h.receiver(inbox, tokens[0], ports[0]), h.receiver(inbox, tokens[1], ports[1]):
        made = sandbox.control("POST", "rackbeat/customers", json={"name": "Kystlys Café AS"}).json()["customer"]
        invoice = sandbox.control(
            "POST",
            "rackbeat/customer-invoices",
            json={"customer_id": made["number"], "lines": [{"item_id": "P-001001", "quantity": 3}]},
        ).json()["customer_invoice"]
        h.wait_for_events(inbox, EVENTS[0], 1)
        h.wait_for_events(inbox, EVENTS[1], 1)
        h.wait_for_deliveries(sandbox, 4)  # each event delivered twice; the inbox keeps one

    with dg.build_sensor_context(instance=instance, resources={"inbox": res["inbox"]}) as context:
        requests = sensor(context)
        assert sorted(r.tags["rackbeat/event"] for r in requests) == sorted(EVENTS)
        assert len({r.run_key for r in requests}) == 2
        assert isinstance(sensor(context), dg.SkipReason)  # cursor moved, events marked processed
    assert Inbox(inbox).counts()["pending"] == 0

    for request in requests:
        result = h.run_job(defs, "rackbeat_created_to_so24", instance, tags=request.tags)
        assert result.success, h.step_failures(result)

    so24 = h.so24(sandbox)
    [company] = h.so24_companies_by_external_id(so24, str(made["number"]))
    assert (company["CurrencyId"], company["InvoiceLanguage"]) == ("NOK", "NO")
    orders = so24.call(
        "InvoiceService", "GetInvoices",
        searchParams={"CustomerIds": {"int": [company["Id"]]}},
        invoiceReturnProperties={"string": ["OrderId", "ReferenceNumber", "OrderStatus", "InvoiceRows"]},
        rowReturnProperties={"string": ["ProductId", "Quantity"]},
    )  # fmt: skip
    assert len(orders) == 1
    order = orders[0]
    assert (order["ReferenceNumber"], order["OrderStatus"]) == (str(invoice["number"]), "Invoiced")
    rows = order["InvoiceRows"]["InvoiceRow"]
    assert [(r["ProductId"], int(r["Quantity"])) for r in rows] == [(1001, 3)]
