"""O4 supplier registry (off by default): 24SO suppliers -> supplierInfo on their WMS articles.

The pairs are in mapping/specs/ongoing_suppliers.yaml. Ongoing's REST API has no supplier
register: a supplier exists in the WMS only as supplierInfo {supplierNumber, supplierName} on
articles (O1 writes the number from Product.SupplierId; this flow writes the name). The seed's
supplier address rows are kept in the spec as not sent, with that reason.
"""

from __future__ import annotations

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing.wms_targets import SupplierTarget
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.sync import flow_key

FLOW = flow_key("O4")
SPEC = "ongoing_suppliers"


def sync_suppliers(run: RunContext, client: OngoingClient, identity: str) -> FlowRun:
    records = map_records(run.db_path, load_spec(SPEC), identity)
    records = run.retire_failures(FLOW, records, "the company is no longer a staged supplier; not sent")
    return run.load(FLOW, records, SupplierTarget(client), source_system="so24")
