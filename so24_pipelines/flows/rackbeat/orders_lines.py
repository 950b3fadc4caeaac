"""Which 24SO order row each Rackbeat order line stands for (R4 writes it, R6 reads it).

The pairing itself lives in `sync.rackbeat_order_lines`, behind the functions of
sync/order_lines.py (no SQL on sync.* outside sync/); they are re-exported here for R4's target
and R6. What stays here is the flows' side of it: the lock every loader target takes before it
opens the staging file to read or write pairs.
"""

from __future__ import annotations

import threading

from so24_pipelines.sync.order_lines import (
    LinePair,
    OrderLines,
    ensure_line_schema,
    read_order_lines,
    replace_order_lines,
)

__all__ = ["DB_LOCK", "LinePair", "OrderLines", "ensure_line_schema", "read_order_lines", "replace_order_lines"]

# DuckDB refuses a second attachment of the staging file inside one process, and the loader sends
# from several threads: every write of pairs from a loader target takes this lock. (The loader
# itself has no connection open while targets run.)
DB_LOCK = threading.Lock()
