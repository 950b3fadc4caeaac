"""P2: a tick with nothing to do, at 100k products and 100k orders: no write, little time.

One sandbox at --scale N (N products, N orders with their rows, N companies; 100k by default,
about 25 minutes on two cores, most of it the first loads; `--scale 10000` is the quick run, `so24
bench --scale 10000` gives every benchmark that scale; `--flow r4 o2` runs only those) is staged
through the real 24SO extraction. Then, per flow, on its own copy of that staging file:

    r1  R1 products 24SO -> Rackbeat     (entities_run.to_rackbeat, every staged product)
    r4  R4 orders 24SO -> Rackbeat       (run_orders, full pass: every eligible order; a scheduled
                                          tick maps only what staging saw change, so this is its
                                          worst case, e.g. right after an extraction)
    o1  O1 articles 24SO -> Ongoing      (sync_articles, every staged product)
    o2  O2 orders 24SO -> Ongoing        (sync_orders, every Confirmed order)

1. The first load (setup, not timed) runs the flow's own function with a stand-in client: reads
   (readiness, custom fields) go to the sandbox, writes are answered in memory the way the API
   answers them. At 100k, making every product, article and order through the sandboxes would
   take the better part of an hour, and none of it is what P2 measures; the id map, the pair
   memory and the remembered inputs it leaves are the ones a real first load leaves.
2. The timed tick is the flow's entry point with the real clients against the sandbox, as its
   Dagster asset calls it (R1's readiness, like the asset's preflight, runs before the clock).
3. Baseline, same run: the same records mapped afresh and planned (map_records + plan, reads
   only), the work every tick did before records were settled by their remembered inputs;
   `vs_remap` = tick / that.

    writes    = creates + updates + resolves the tick sent (goal 0)
    compute_s = wall time of the tick (goal <= 2 at 100k)

Per flow one line; last line the worst flow's figures (scale = products staged):
P2 writes=<n> compute_s=<s> scale=<n>
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FLOWS = ("r1", "r4", "o1", "o2")


class StandInRackbeat:
    """The Rackbeat client of a first load: writes answered in memory, everything else real."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._products: dict[str, dict[str, Any]] = {}
        self._stamp = datetime.now(UTC).isoformat()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get_product(self, number: str, *, with_field_values: bool = False) -> dict[str, Any] | None:
        return self._products.get(str(number))

    def create_product(self, payload: dict[str, Any]) -> dict[str, Any]:
        product = {**payload, "updated_at": self._stamp}
        self._products[str(payload["number"])] = product
        return product

    def set_field_value(self, resource: str, key: str | int, field_id: int, value: Any) -> dict[int, Any]:
        return {field_id: value}

    def iter_customers(self, **_: Any) -> Iterator[dict[str, Any]]:
        return iter(())

    def find_one_by_field_value(self, resource: str, field_id: int, value: Any) -> dict[str, Any] | None:
        return {"number": int(value)} if resource == "customers" else None

    def create_draft_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        lines = [
            {"id": n, "item": {"number": line["item_id"]} if line.get("item_id") else None,
             "quantity": line.get("quantity") or Decimal(0)}
            for n, line in enumerate(payload["lines"], 1)
        ]  # fmt: skip
        return {"number": payload["number"], "is_booked": False, "lines": lines}


class StandInOngoing:
    """The Ongoing client of a first load: every article exists, every PUT is accepted."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def iter_articles(self, *, article_numbers: list[str] | None = None, **_: Any) -> Iterator[dict[str, Any]]:
        return iter([{"articleNumber": number} for number in article_numbers or []])

    def put_article(self, article_number: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"articleSystemId": abs(hash(article_number)) % 10**9}

    def put_order(self, order_number: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"orderId": int(order_number)}


@dataclass
class Figures:
    flow: str
    writes: int
    seconds: float
    remap: float
    done: dict[str, int]


def _writes(done: dict[str, int]) -> int:
    return sum(done.get(k, 0) for k in ("created", "updated", "resolved"))


def _remap(db: Path, spec: str, identity: str, params: dict[str, Any], flow: str, target: tuple[str, str],
           key_prefix: str = "") -> float:  # fmt: skip
    """The baseline: every record mapped afresh and planned (reads only)."""
    from dataclasses import replace

    from so24_pipelines.mapping import load_spec, map_records
    from so24_pipelines.sync import plan

    started = time.perf_counter()
    records = map_records(db, load_spec(spec), identity, params)
    if key_prefix:
        records = [replace(r, source_key=key_prefix + r.source_key) for r in records]
    plan(db, flow, records, target_system=target[0], target_entity=target[1], upserts_by_key=True)
    return time.perf_counter() - started


def _timed(name: str, tick: Callable[[], Any], remap: Callable[[], float]) -> Figures:
    started = time.perf_counter()
    result = tick()
    seconds = time.perf_counter() - started
    done = result.counts()
    figures = Figures(name, _writes(done), seconds, remap(), done)
    print(
        f"{name}: no-change tick {done} planned {result.planned()}: compute_s={seconds:.2f} "
        f"(remap baseline {figures.remap:.2f} s, vs_remap={seconds / max(figures.remap, 1e-9):.2f})",
        flush=True,
    )
    return figures


def _first(name: str, load: Callable[[], Any]) -> None:
    started = time.perf_counter()
    done = load().counts()
    print(f"{name}: first load (stand-in writes) {done} in {time.perf_counter() - started:.0f} s", flush=True)


def _r1(sandbox: Any, db: Path, identity: str) -> Figures:
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.rackbeat import entities_run
    from so24_pipelines.flows.rackbeat.entities_specs import ENTITIES
    from so24_pipelines.flows.rackbeat.readiness import require_ready
    from so24_pipelines.settings import Settings
    from so24_pipelines_tests.e2e.rackbeat_orders_harness import rackbeat_client

    settings = Settings.model_validate({"rackbeat": {"enabled": True}})
    products = ENTITIES["products"]
    with rackbeat_client(sandbox, requests_per_minute=1_000_000) as rb:
        require_ready(rb)
        _first("r1", lambda: entities_run.to_rackbeat(
            settings, StandInRackbeat(rb), RunContext.of(db, "first"), products, identity, initial=False))  # fmt: skip
        return _timed(
            "r1",
            lambda: entities_run.to_rackbeat(settings, rb, RunContext.of(db, "tick"), products, identity, initial=False),
            lambda: _remap(db, products.to_rackbeat_spec, identity, {}, products.to_rackbeat_flow, ("rackbeat", "products")),
        )  # fmt: skip


def _r4(sandbox: Any, db: Path, identity: str) -> Figures:
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.rackbeat.orders_flow import run_orders
    from so24_pipelines.flows.rackbeat.orders_mapping import FLOW, statuses_reached
    from so24_pipelines_tests.e2e.rackbeat_orders_harness import rackbeat_client

    def tick(client: Any, name: str) -> Any:
        return run_orders(RunContext.of(db, name), client, so24_status="Confirmed", rackbeat_status="draft",
                          identity=identity, max_workers=8, full=True)  # fmt: skip

    with rackbeat_client(sandbox, requests_per_minute=1_000_000) as rb:
        _first("r4", lambda: tick(StandInRackbeat(rb), "first"))
        params = {"so24_statuses": statuses_reached("Confirmed")}
        return _timed("r4", lambda: tick(rb, "tick"),
                      lambda: _remap(db, "rackbeat_orders", identity, params, FLOW, ("rackbeat", "orders"), f"{identity}:"))  # fmt: skip


def _ongoing(sandbox: Any) -> Any:
    from so24_pipelines.connectors.http import RetryPolicy
    from so24_pipelines.connectors.ongoing import OngoingClient

    creds = sandbox.control("GET", "ongoing/credentials").json()
    return OngoingClient(creds["baseUrl"], creds["username"], creds["password"], creds["goodsOwnerId"],
                         rate_per_second=1000.0, burst=1000, retry=RetryPolicy(attempts=4, backoff_base=0.02))  # fmt: skip


def _o1(sandbox: Any, db: Path, identity: str) -> Figures:
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.ongoing.articles import FLOW, SPEC, sync_articles

    client = _ongoing(sandbox)
    _first("o1", lambda: sync_articles(RunContext.of(db, "first"), StandInOngoing(client), identity))
    return _timed("o1", lambda: sync_articles(RunContext.of(db, "tick"), client, identity),
                  lambda: _remap(db, SPEC, identity, {}, FLOW, ("ongoing", "article")))  # fmt: skip


def _o2(sandbox: Any, db: Path, identity: str) -> Figures:
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.ongoing.orders import FLOW, SPEC, sync_orders

    client = _ongoing(sandbox)
    _first("o2", lambda: sync_orders(RunContext.of(db, "first"), StandInOngoing(client), identity, so24_status="Confirmed"))
    return _timed("o2", lambda: sync_orders(RunContext.of(db, "tick"), client, identity, so24_status="Confirmed"),
                  lambda: _remap(db, SPEC, identity, {"so24_status": "Confirmed"}, FLOW, ("ongoing", "order")))  # fmt: skip


RUNS = {"r1": _r1, "r4": _r4, "o1": _o1, "o2": _o2}


def _products_staged(db: Path) -> int:
    from so24_pipelines.staging.db import connect

    with connect(db) as con:
        return int(con.execute("SELECT count(*) FROM staging.so24_products").fetchall()[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000, help="products = orders = companies (default 100000)")
    parser.add_argument("--flow", nargs="*", choices=FLOWS, default=list(FLOWS))
    args, _ = parser.parse_known_args()  # `make bench` hands every benchmark the same options

    from so24_pipelines_tests.e2e.rackbeat_orders_harness import stage_so24
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=900)
    figures: list[Figures] = []
    try:
        sandbox.control("POST", "rackbeat/limits", json={"per_minute": 10_000_000})
        with tempfile.TemporaryDirectory() as tmp:
            staged = Path(tmp) / "staged.duckdb"
            started = time.perf_counter()
            identity = stage_so24(sandbox, staged, ("categories", "products", "companies", "orders"))
            scale = _products_staged(staged)
            print(f"staged {scale} products and the orders of scale {args.scale} in {time.perf_counter() - started:.0f} s",
                  flush=True)  # fmt: skip
            for name in args.flow:
                db = Path(tmp) / f"{name}.duckdb"
                shutil.copy(staged, db)
                figures.append(RUNS[name](sandbox, db, identity))
                db.unlink()
    finally:
        sandbox.stop()
    worst = max(figures, key=lambda f: (f.writes > 0, f.seconds))
    print(f"P2 writes={worst.writes} compute_s={worst.seconds:.2f} scale={scale}")


if __name__ == "__main__":
    main()
