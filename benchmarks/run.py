"""`make bench`: every scale benchmark in turn; each prints its P-line last."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["p1_extraction.py", "p2_no_change_tick.py", "p3_r4_throughput.py", "p4_r5_latency.py", "p5_tick.py", "p6_lnb_stock.py", "p7_lnb_orders.py", "p8_reconcile.py", "p9_smartdok_hours.py", "p10_companies.py"]


def main() -> int:
    status = 0
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        status |= subprocess.call([sys.executable, str(HERE / name), *sys.argv[1:]])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
