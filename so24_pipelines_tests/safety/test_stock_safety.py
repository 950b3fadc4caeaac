"""24SO stock has one master, and a start that never zeroes it (issue 8, item 3).

The demo's defaults made the hole visible: the R3 initial sync created the products in Rackbeat
(with no stock, as every new Rackbeat product), the changes poll and Rackbeat's own
`inventory.changed` brought them back as stock events, and R8 wrote Rackbeat's 0 over 24SO's
stock for every one of them. These tests replay that scenario against both sandboxes, with the
hub's real jobs, and compare *every* 24SO product's stock before and after:

- the initial sync and the events it causes change no 24SO stock figure; R3's opening stock puts
  24SO's figures into Rackbeat, and their events come back to R8 as an echo, not a write;
- what Rackbeat really counts or receives afterwards reaches 24SO (a count to 0 included), and a
  receipt adds to the figure 24SO had;
- an event for a figure 24SO already has writes nothing (the sync log and 24SO's call counter).

The Rackbeat sandbox fires `inventory.changed` on a product create only when told to
(`/_sandbox/rackbeat/behaviour`): the reference does not say whether Rackbeat does, so the tests
switch it on and let both paths (webhook and poll) bring the events back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.defs.rackbeat.events import due_stock_events, stock_request
from so24_pipelines.flows.rackbeat.orders_poll import poll_changes
from so24_pipelines.flows.rackbeat.orders_webhooks import INVENTORY
from so24_pipelines.webhooks.inbox import Inbox
from so24_pipelines_tests.e2e import ongoing_harness as og
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
    inbox_file,
    order_definitions,
    order_settings,
    prepare_rackbeat,
    rackbeat_client,
    stage_so24,
    wait_for,
    webhook_receivers,
)
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.safety

DEBOUNCE = 60
OPENING_JOB = "rackbeat_opening_stock"
OPENING_SENSOR = "rackbeat_opening_stock_after_initial_sync"


def so24_stock(sandbox: SandboxProcess) -> dict[int, Decimal]:
    """Every 24SO product's stock, by product id."""
    return {int(p["Id"]): Decimal(str(p.get("Stock") or 0)) for p in sandbox.control("GET", "24so/products").json()}


def stock_writes(sandbox: SandboxProcess) -> int:
    """SetStockQuantity calls 24SO has answered so far."""
    return int(sandbox.control("GET", "24so/stats").json()["requests"].get("SetStockQuantity", 0))


def changed(before: dict[int, Decimal], after: dict[int, Decimal]) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


class Hub:
    """The whole hub's definitions over both sandboxes, a webhook inbox, and the changes poll."""

    def __init__(self, sandbox: SandboxProcess, tmp: Path) -> None:
        self.sandbox = sandbox
        self.db = tmp / "staging.duckdb"
        self.inbox_path = tmp / "inbox.sqlite"
        self.instance = dg.DagsterInstance.ephemeral()
        self.defs = h.definitions(
            h.entity_settings(R8={"debounce_seconds": DEBOUNCE}), h.resources(sandbox, self.db, self.inbox_path)
        )
        self.rb = rackbeat_client(sandbox)
        self.cursor: dict[str, str] = {}

    @property
    def inbox(self) -> Inbox:
        return Inbox(self.inbox_path)

    def pending(self) -> int:
        return len(self.inbox.pending(event=INVENTORY, source="rackbeat"))

    def poll(self) -> int:
        """One tick of the changes poll (the first only sets its cursor, as in the hub)."""
        self.cursor, added = poll_changes(self.rb, self.inbox, self.cursor, (INVENTORY,))
        return added

    def job(self, name: str, **kw: Any) -> dg.ExecuteInProcessResult:
        result = self.defs.resolve_job_def(name).execute_in_process(instance=self.instance, raise_on_error=False, **kw)
        assert result.success, h.step_failures(result)
        return result

    def initial_sync(self) -> dg.ExecuteInProcessResult:
        return self.job("rackbeat_initial_sync", tags={"so24/flow": "R3"})

    def stock_events(self) -> dict[str, Any] | None:
        """R8 as its sensor starts it once every product's events are past the debounce."""
        later = datetime.now(UTC) + timedelta(seconds=DEBOUNCE + 1)
        request = stock_request(due_stock_events(self.inbox, DEBOUNCE, now=later))
        if request is None:
            return None
        result = self.job(request.job_name or "rackbeat_stock", run_config=request.run_config, tags=request.tags)
        return h.metadata(result)["rackbeat_stock_to_so24"]

    def opening_stock(self) -> dict[str, Any]:
        """R3's opening stock as its sensor starts it after the initial sync."""
        context = dg.build_sensor_context(instance=self.instance)
        requests = list(self.defs.get_sensor_def(OPENING_SENSOR)(context) or [])
        assert len(requests) == 1 and isinstance(requests[0], dg.RunRequest), requests
        result = self.job(OPENING_JOB, tags=requests[0].tags)
        return h.metadata(result)["r3_opening_stock_to_rackbeat"]

    def r8_log(self) -> list[tuple[str, str, str | None]]:
        return [tuple(r) for r in h.rows(self.db, "SELECT source_key, action, reason FROM sync.sync_log WHERE flow = 'R8' ORDER BY id")]


@pytest.fixture
def hub(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[Hub]:
    h.open_budget(sandbox)
    sandbox.control("POST", "rackbeat/behaviour", json={"inventory_changed_on_create": True})
    made = Hub(sandbox, tmp_path)
    with webhook_receivers(made.rb, made.inbox_path, [INVENTORY]):
        yield made
    made.rb.close()


def _created_by_r3(hub: Hub) -> dict[str, int]:
    """Rackbeat number -> 24SO product id of every product the initial sync created."""
    pairs = h.rows(hub.db, "SELECT target_key, source_key FROM sync.id_map WHERE flow = 'R1.products.to_rackbeat'")
    return {str(number): int(so24_id) for number, so24_id in pairs}


def _demo_scenario(hub: Hub) -> tuple[dict[int, Decimal], int, dict[str, int]]:
    """Initial sync; its products' events come back (webhook and poll); R8 runs on them."""
    before, writes = so24_stock(hub.sandbox), stock_writes(hub.sandbox)
    assert any(v != 0 for v in before.values())
    hub.poll()
    hub.initial_sync()
    created = _created_by_r3(hub)
    assert len(created) > 20
    wait_for(lambda: hub.pending() >= len(created), "inventory.changed for every created product")
    assert hub.poll() >= len(created)
    hub.stock_events()
    return before, writes, created


def test_initial_sync_and_the_stock_events_it_causes_leave_every_24so_stock_figure_unchanged(hub: Hub) -> None:
    before, writes, created = _demo_scenario(hub)
    assert changed(before, so24_stock(hub.sandbox)) == {}, "R8 wrote Rackbeat's empty stock over 24SO's"
    assert stock_writes(hub.sandbox) == writes
    held = [key for key, action, reason in hub.r8_log() if action == "skip" and "held" in (reason or "")]
    assert len(held) == sum(1 for so24_id in created.values() if before[so24_id] != 0)

    opening = hub.opening_stock()
    assert opening["created"] == len(held)
    for number, so24_id in created.items():
        assert Decimal(str(hub.rb.get_stock(number)["stock_quantity"])) == before[so24_id], number
    wait_for(lambda: hub.pending() >= len(held), "inventory.changed for every opening stock")
    hub.poll()
    echo = hub.stock_events()
    assert echo is not None and echo["created"] == echo["updated"] == 0

    assert changed(before, so24_stock(hub.sandbox)) == {}
    assert stock_writes(hub.sandbox) == writes
    assert not [row for row in hub.r8_log() if row[1] in ("create", "update", "fail")]


def test_a_real_rackbeat_count_after_the_initial_sync_reaches_24so(hub: Hub) -> None:
    before, writes, created = _demo_scenario(hub)
    assert changed(before, so24_stock(hub.sandbox)) == {}, "R8 wrote Rackbeat's empty stock over 24SO's"
    stocked = [(n, i) for n, i in sorted(created.items()) if before[i] != 0]
    (counted, counted_id), (emptied, emptied_id), (received, received_id) = stocked[:3]

    # The warehouse counts two products before the opening stock: Rackbeat's counts are the figures.
    hub.sandbox.control("POST", f"rackbeat/products/{counted}/stock", json={"quantity": 42})
    hub.sandbox.control("POST", f"rackbeat/products/{emptied}/stock", json={"change": 3})
    hub.sandbox.control("POST", f"rackbeat/products/{emptied}/stock", json={"quantity": 0})
    wait_for(lambda: hub.pending() >= 3, "the counts' inventory.changed")
    hub.stock_events()
    assert changed(before, so24_stock(hub.sandbox)) == {counted_id: (before[counted_id], Decimal(42)),
                                                        emptied_id: (before[emptied_id], Decimal(0))}

    # The opening stock leaves what Rackbeat counted alone and opens the rest with 24SO's figures.
    opening = hub.opening_stock()
    assert opening["created"] == len(stocked) - 2
    assert Decimal(str(hub.rb.get_stock(counted)["stock_quantity"])) == 42
    wait_for(lambda: hub.pending() >= len(stocked) - 2, "the opening stock's inventory.changed")
    hub.stock_events()

    # A receipt afterwards adds to the figure 24SO had.
    hub.sandbox.control("POST", f"rackbeat/products/{received}/stock", json={"change": 5})
    wait_for(lambda: hub.pending() >= 1, "the receipt's inventory.changed")
    hub.stock_events()
    assert changed(before, so24_stock(hub.sandbox)) == {
        counted_id: (before[counted_id], Decimal(42)),
        emptied_id: (before[emptied_id], Decimal(0)),
        received_id: (before[received_id], before[received_id] + 5),
    }
    assert stock_writes(hub.sandbox) == writes + 3


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def test_an_echo_of_a_figure_24so_already_has_writes_nothing(sandbox: SandboxProcess, home: Path) -> None:
    db = home / "staging.duckdb"
    stage_so24(sandbox, db)
    rb = rackbeat_client(sandbox)
    ids = prepare_rackbeat(rb, db)
    defs = order_definitions(order_settings(R8={"debounce_seconds": DEBOUNCE}), sandbox, db, home)
    linked = {
        p["number"]: int(v["value"])
        for p in sandbox.control("GET", "rackbeat/products").json()["products"]
        for v in p["field_values"] if v["field_id"] == ids["products"]
    }
    before = so24_stock(sandbox)
    same, moved = [n for n in sorted(linked) if before[linked[n]] not in (0, 7)][:2]

    def run_r8(hooks: Any, events: int) -> dict[str, Any]:
        wait_for(lambda: len(hooks.inbox.pending(event=INVENTORY, source="rackbeat")) >= events, f"{events} events")
        later = datetime.now(UTC) + timedelta(seconds=DEBOUNCE + 1)
        request = stock_request(due_stock_events(hooks.inbox, DEBOUNCE, now=later))
        assert request is not None
        result = defs.resolve_job_def(request.job_name).execute_in_process(run_config=request.run_config, tags=request.tags)
        assert result.success
        return h.metadata(result)["rackbeat_stock_to_so24"]

    with webhook_receivers(rb, inbox_file(home), [INVENTORY]) as hooks:
        writes = stock_writes(sandbox)
        # Rackbeat reaches the figure 24SO already has (a count), and another product moves to 7.
        sandbox.control("POST", f"rackbeat/products/{same}/stock", json={"quantity": float(before[linked[same]])})
        sandbox.control("POST", f"rackbeat/products/{moved}/stock", json={"quantity": 7})
        first = run_r8(hooks, 2)
        assert (first["created"], first["updated"]) == (1, 0)
        assert stock_writes(sandbox) == writes + 1
        log = rows_for(db, linked[same])
        assert [a for a, _ in log] == ["skip"] and "24SO already has" in (log[0][1] or "")

        # Both come back (the poll sees a rename; a webhook repeats): 24SO has both figures, nothing goes.
        cursor, _ = poll_changes(rb, hooks.inbox, {}, (INVENTORY,))
        rb.update_product(same, {"name": "Omdøpt i Rackbeat"})
        rb.update_product(moved, {"name": "Også omdøpt"})
        poll_changes(rb, hooks.inbox, cursor, (INVENTORY,))
        again = run_r8(hooks, 2)
        assert again["created"] == again["updated"] == 0
        assert stock_writes(sandbox) == writes + 1
    after = so24_stock(sandbox)
    assert changed(before, after) == {linked[moved]: (before[linked[moved]], Decimal(7))}
    rb.close()


def rows_for(db: Path, so24_id: int) -> list[tuple[str, str | None]]:
    return [
        (a, r) for a, r in h.rows(db, "SELECT action, reason FROM sync.sync_log WHERE flow = 'R8' AND source_key LIKE ? ORDER BY id", [f"%:{so24_id}"])
    ]


def test_o5_never_writes_the_empty_stock_of_an_article_the_hub_just_created(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = og.o_settings(monkeypatch)
    res = og.o_resources(sandbox, tmp_path / "staging.duckdb")
    og.extract(res)
    before, writes = so24_stock(sandbox), stock_writes(sandbox)
    og.run(settings, res, "ongoing_articles")  # O1 creates every article, with no stock
    first = og.run(settings, res, "ongoing_stock")
    assert changed(before, so24_stock(sandbox)) == {}, "O5 wrote the new articles' empty stock over 24SO's"
    assert stock_writes(sandbox) == writes
    held = og.meta(first, "ongoing_stock")["skipped"]
    assert held == sum(1 for v in before.values() if v != 0)

    # The WMS receives one article: that figure is real and goes to 24SO; the rest stay held.
    number, product = next((a["articleNumber"], int(a["productCode"])) for a in og.wms_articles(sandbox).values()
                           if before.get(int(a["productCode"] or 0), 0) != 0)
    sandbox.control("POST", f"ongoing/articles/{number}/stock", json={"physical": 12})
    og.run(settings, res, "ongoing_stock")
    assert changed(before, so24_stock(sandbox)) == {product: (before[product], Decimal(12))}
    assert stock_writes(sandbox) == writes + 1
