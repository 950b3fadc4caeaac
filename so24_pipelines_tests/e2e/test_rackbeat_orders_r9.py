"""R9: the manual "fetch order N" job, launched like the UI launches it, against both sandboxes."""

from __future__ import annotations

import dagster as dg
import pytest

from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_flow import run_orders
from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
    dump,
    op_metadata,
    order_definitions,
    order_settings,
    prepare_rackbeat,
    rackbeat_client,
    rows,
    sendable_orders,
    stage_so24,
)

pytestmark = pytest.mark.e2e

OP = "fetch_so24_order_into_rackbeat"


@pytest.fixture
def setup(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    db = tmp_path / "staging.duckdb"
    stage_so24(sandbox, db)
    rb = rackbeat_client(sandbox)
    defs = order_definitions(order_settings(), sandbox, db, tmp_path)
    yield db, rb, defs.get_job_def("rackbeat_fetch_order")
    rb.close()


def _fetch(job: dg.JobDefinition, order_id: int, **kw) -> dg.ExecuteInProcessResult:
    return job.execute_in_process(run_config={"ops": {OP: {"config": {"order_id": order_id}}}}, **kw)


def test_r9_fetches_an_order_whatever_its_status_and_twice_gives_one_order(sandbox, setup):
    db, rb, job = setup
    [(order_id, status)] = rows(
        db,
        "SELECT order_id, order_status FROM staging.so24_orders WHERE order_status IN ('Offer', 'Invoiced') "
        "AND order_id NOT IN (SELECT order_id FROM staging.so24_order_rows WHERE length(product_no) > 25) "
        "ORDER BY order_id LIMIT 1",
    )
    prepare_rackbeat(rb, db, [order_id])

    first = _fetch(job, order_id)
    assert op_metadata(first, OP)["created"] == 1
    second = _fetch(job, order_id)
    assert op_metadata(second, OP)["unchanged"] == 1
    assert [o["number"] for o in dump(sandbox, "orders")] == [order_id]
    held = {v["name"]: v["value"] for v in dump(sandbox, "orders")[0]["field_values"]}
    assert held["24so order id"] == str(order_id) and status not in ("Confirmed", "Production", "Pack")


def test_r9_and_r4_share_one_id_map_so_neither_duplicates_the_other(sandbox, setup):
    db, rb, job = setup
    prepare_rackbeat(rb, db)
    eligible = sendable_orders(db)
    _fetch(job, eligible[0])
    run = run_orders(RunContext.of(db, "r4-after-r9"), rb, so24_status="Confirmed", rackbeat_status="draft")
    assert run.counts()["created"] == len(eligible) - 1 and run.counts()["unchanged"] == 1
    assert op_metadata(_fetch(job, eligible[0]), OP)["unchanged"] == 1
    assert sorted(o["number"] for o in dump(sandbox, "orders")) == eligible


def test_r9_names_an_order_24so_does_not_have(sandbox, setup):
    db, rb, job = setup
    prepare_rackbeat(rb, db, [])
    result = _fetch(job, 999_999, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "24SO has no order 999999" in failure.event_specific_data.error.message
    assert dump(sandbox, "orders") == []
