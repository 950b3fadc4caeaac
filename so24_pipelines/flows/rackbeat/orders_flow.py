"""R4 (and R9) end to end: readiness, mapping, one load through the shared loader.

Kept free of Dagster so the same call runs from an asset, a job, a test or a benchmark: it takes
the run's RunContext (staging file, run id, dry run) and returns the FlowRun every flow reports,
with the readiness report as its note `readiness`. The readiness check runs first, every time:
without customer group 1, a payment term or the custom fields, every create would fail one by
one with Rackbeat's error; with the check the run stops once, naming what to create. A dry run
only reads (no field is created, nothing is written) and returns the plan for the preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_mapping import (
    FLOW,
    map_orders,
    read_marks,
    staged_identities,
    write_marks,
)
from so24_pipelines.flows.rackbeat.orders_target import ORDER_FIELD_NAME, RackbeatOrderTarget
from so24_pipelines.flows.rackbeat.readiness import (
    HUB_FIELDS,
    ReadinessReport,
    check_readiness,
    require_ready,
)
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.sync import DEFAULT_CLAIM_TTL, failed_keys
from so24_pipelines.sync.planner import remember_inputs

# The hub's own fields plus the one on orders: where R4 keeps the 24SO OrderId (its business key).
ORDER_FIELDS = {**HUB_FIELDS, "orders": (ORDER_FIELD_NAME, "order")}


def readiness_for_orders(client: RackbeatClient, *, dry_run: bool) -> ReadinessReport:
    """require_ready with the order field too; a dry run checks without creating fields or failing."""
    if dry_run:
        return check_readiness(client, ensure_fields=False, fields=ORDER_FIELDS)
    return require_ready(client, fields=ORDER_FIELDS)


def run_orders(
    run: RunContext,
    client: RackbeatClient,
    *,
    so24_status: str,
    rackbeat_status: str,
    only: Sequence[str] | None = None,
    identity: str | None = None,
    max_workers: int = 4,
    claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
    full: bool = False,
) -> FlowRun:
    """Send the staged orders that reached `so24_status` to Rackbeat (or only the `only` loader keys).

    Incremental: orders whose staged content did not change since the last good run are not
    mapped again (orders_mapping.py); `full` maps every eligible order, e.g. after restoring
    Rackbeat. Failed and unconfirmed records are always included. `identity`: only the orders of
    the 24SO company paired with the Rackbeat account (flows/pairing.py); None: every staged
    company's. The readiness report is the run's note `readiness`.
    """
    readiness = readiness_for_orders(client, dry_run=run.dry_run)
    companies = [identity] if identity else staged_identities(run.db_path)
    since = None if only is not None or full else read_marks(run.db_path, companies, so24_status)
    mapped = map_orders(
        run.db_path,
        so24_status=so24_status,
        rackbeat_status=rackbeat_status,
        open_keys=failed_keys(run.db_path, FLOW),
        only=only,
        since=since,
        company=identity,
    )
    target = RackbeatOrderTarget(
        client,
        run.db_path,
        order_field_id=readiness.field_ids.get("orders", 0),
        customer_field_id=readiness.field_ids.get("customers", 0),
        status=rackbeat_status,  # type: ignore[arg-type]
    )
    result = run.load(
        FLOW, mapped.records, target, source_system="so24", max_workers=max_workers, claim_ttl=claim_ttl
    )
    if not run.dry_run:
        remember_inputs(run.db_path, FLOW, mapped.inputs, result.plans)
    if not run.dry_run and only is None:
        write_marks(run.db_path, mapped.marks, so24_status)
    return result.noting(readiness=readiness.to_markdown())
