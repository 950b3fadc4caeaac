"""O4 supplier registry (off by default): 24SO suppliers -> supplierInfo on their WMS articles.

The pairs are in mapping/specs/ongoing_suppliers.yaml. Ongoing's REST API has no supplier
register: a supplier exists in the WMS only as supplierInfo {supplierNumber, supplierName} on
articles (O1 writes the number from Product.SupplierId; this flow writes the name). The seed's
supplier address rows are kept in the spec as not sent, with that reason.
"""

from __future__ import annotations

from pathlib import Path

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.flows.ongoing.run import FlowRun, retire_failures, run_load
from so24_pipelines.flows.ongoing.wms_targets import SupplierTarget
from so24_pipelines.mapping import load_spec, map_records

FLOW = "O4"
SPEC = "ongoing_suppliers"


def sync_suppliers(
    db_path: str | Path, client: OngoingClient, identity: str, *, run_id: str, dry_run: bool = False
) -> FlowRun:
    records = map_records(db_path, load_spec(SPEC), identity)
    records = retire_failures(db_path, FLOW, records, "the company is no longer a staged supplier; not sent")
    return run_load(db_path, FLOW, records, SupplierTarget(client), run_id=run_id, dry_run=dry_run, source_system="so24")
