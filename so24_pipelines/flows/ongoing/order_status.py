"""O3 status back to 24SO: shipped in the WMS -> "Sent" in 24SO; optionally, imported -> a status.

Both read the WMS into staging.ongoing_orders first (wms_reads.py, cursors in sync.state), then
map from staging with mapping/specs/ongoing_order_sent.yaml and ongoing_order_imported.yaml and
write through the loader to 24SO (SaveInvoices). The two are separate loads with separate flow
keys in the id map ("O3" and "O3.import"), so a failure of one never masks the other. The import
status goes first and only to orders the WMS has not shipped and 24SO still shows in O2's status,
so it can never set a shipped order back.
"""

from __future__ import annotations

from dataclasses import dataclass

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing.wms_reads import read_changed_orders, read_shipped_orders
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.so24_targets import OrderStatusTarget
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.sync import flow_key

FLOW = flow_key("O3")
IMPORT_FLOW = flow_key("O3", "import")
SENT_SPEC = "ongoing_order_sent"
IMPORTED_SPEC = "ongoing_order_imported"
# 24SO refuses any change to an invoiced order; reporting "Sent" for it again and again helps nobody.
LATER_THAN_SENT = ("Invoiced",)


@dataclass(frozen=True)
class StatusOptions:
    """flows.O2.so24_status and the flows.O3 options, as plain values."""

    so24_status: str = "Confirmed"
    report_fulfilled: bool = True
    fulfilled_status: str = "OrderState_Sent"
    set_status_on_import: bool = False
    import_status: str = "Pack"


def sync_order_status(
    run: RunContext, wms: OngoingClient, so24: So24Client, identity: str, options: StatusOptions
) -> list[FlowRun]:
    target = OrderStatusTarget(so24)
    runs: list[FlowRun] = []
    if options.set_status_on_import:
        read = read_changed_orders(wms, run.db_path, identity)
        params = {"so24_status": options.so24_status, "import_status": options.import_status}
        records = map_records(run.db_path, load_spec(IMPORTED_SPEC), identity, params)
        records = run.retire_failures(IMPORT_FLOW, records,
                                      f"the order is shipped, or 24SO no longer shows it as {options.so24_status}; not set")
        runs.append(run.load(IMPORT_FLOW, records, target, source_system="ongoing", reads=[read]))
    if options.report_fulfilled:
        read = read_shipped_orders(wms, run.db_path, identity)
        params = {"fulfilled_status": options.fulfilled_status,
                  "settled_statuses": [options.fulfilled_status, *LATER_THAN_SENT]}
        records = map_records(run.db_path, load_spec(SENT_SPEC), identity, params)
        records = run.retire_failures(FLOW, records,
                                      f"24SO already shows the order as {options.fulfilled_status} or invoiced; not set")
        runs.append(run.load(FLOW, records, target, source_system="ongoing", reads=[read]))
    return runs
