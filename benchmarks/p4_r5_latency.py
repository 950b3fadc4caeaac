"""P4: from "shipped" in Rackbeat to OrderState_Sent in 24SO, through the whole R5 path.

Orders are created in Rackbeat by R4 (booked); a webhook receiver (uvicorn, the hub's receiver
app) is registered with the sandbox for `order.shipped`. Each order is then shipped through the
sandbox's control API, which fires the webhook as Rackbeat would. The Dagster side is driven the
way the daemon drives it: the `rackbeat_order_events` sensor is evaluated every
`minimum_interval_seconds` (its production setting) and every run it requests is executed (in
process here; a deployed run launcher adds its process start, a few seconds). The clock runs from
the control call that ships the order until 24SO reports OrderState_Sent.

Per order it also prints where the time went: waiting for the sensor's next evaluation (the
shipment, the webhook and the inbox take milliseconds; the sensor runs every
`minimum_interval_seconds`), the sensor evaluation, and the R5 run (in process).

Last line: P4 webhook_to_24so_s=<worst of --orders shipments>   (goal: <= 10)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--scale", type=int, default=60)
    args = parser.parse_args()

    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.rackbeat.orders_flow import run_orders
    from so24_pipelines.flows.rackbeat.orders_webhooks import SHIPPED
    from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
        execute,
        inbox_file,
        order_definitions,
        order_settings,
        prepare_rackbeat,
        rackbeat_client,
        run_requests,
        sendable_orders,
        so24_order,
        stage_so24,
        webhook_receivers,
    )
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=300)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            os.environ["DAGSTER_HOME"] = str(home)
            db = home / "staging.duckdb"
            stage_so24(sandbox, db)
            rb = rackbeat_client(sandbox)
            prepare_rackbeat(rb, db)
            run_orders(RunContext.of(db, "p4-r4"), rb, so24_status="Confirmed", rackbeat_status="booked")
            orders = sendable_orders(db)[: args.orders]
            settings = order_settings()
            defs = order_definitions(settings, sandbox, db, home)
            interval = defs.get_sensor_def("rackbeat_order_events").minimum_interval_seconds or 30
            shipped_at: dict[int, float] = {}
            sent_after: dict[int, float] = {}
            picked_at: dict[int, float] = {}  # the sensor evaluation that asked for its run ended
            run_s: dict[int, float] = {}
            sensor_s: list[float] = []
            stop = threading.Event()

            def ship_one_by_one() -> None:
                for number in orders:
                    shipped_at[number] = time.perf_counter()
                    sandbox.control("POST", f"rackbeat/orders/{number}/ship")
                    stop.wait(interval * 0.37)

            with webhook_receivers(rb, inbox_file(home), [SHIPPED]):
                shipper = threading.Thread(target=ship_one_by_one, daemon=True)
                shipper.start()
                cursor = None
                deadline = time.perf_counter() + 120
                while len(sent_after) < len(orders) and time.perf_counter() < deadline:
                    tick = time.perf_counter()
                    result = run_requests(defs, "rackbeat_order_events", home, cursor)
                    sensor_s.append(time.perf_counter() - tick)
                    cursor = result.cursor
                    for request in result.run_requests:
                        number = int(request.tags.get("rackbeat/order", -1))
                        picked_at[number] = time.perf_counter()
                        execute(defs, request)
                        run_s[number] = time.perf_counter() - picked_at[number]
                    for number in orders:
                        if number in shipped_at and number not in sent_after:
                            if so24_order(sandbox, number)["OrderStatus"] == "OrderState_Sent":
                                sent_after[number] = time.perf_counter() - shipped_at[number]
                    time.sleep(max(0.0, interval - (time.perf_counter() - tick)))
                stop.set()
            rb.close()
    finally:
        sandbox.stop()
    if len(sent_after) < len(orders):
        raise SystemExit(f"only {len(sent_after)} of {len(orders)} orders became Sent within 120 s")
    values = sorted(sent_after.values())
    for number in orders:
        waited = picked_at.get(number, float("nan")) - shipped_at[number]
        print(f"order {number}: Sent after {sent_after[number]:.1f} s = waiting for the sensor {waited:.1f} s "
              f"+ R5 run {run_s.get(number, float('nan')):.1f} s (+ the check)")  # fmt: skip
    print(f"sensor evaluation: {max(sensor_s):.2f} s at most ({len(sensor_s)} evaluations)")
    print(f"sensor interval {interval} s; per order: " + ", ".join(f"{v:.1f}" for v in values))
    print(f"median {statistics.median(values):.1f} s, worst {values[-1]:.1f} s")
    print(f"P4 webhook_to_24so_s={values[-1]:.1f}")


if __name__ == "__main__":
    main()
