"""The one loader every target write goes through: diff, plan, dry-run, write, log, retry.

Also the only place with SQL on the `sync` schema: flows, defs and extraction read and write
sync.* through the functions exported here (flow keys, id map lookups, failed records, flow state and
watermarks, backfill batches, Rackbeat order-line pairs), so its tables can change in one place.
"""

from so24_pipelines.sync.backfill import (
    backfill_batch,
    ensure_backfill_schema,
    plan_backfill_batches,
    planned_backfill_partitions,
)
from so24_pipelines.sync.executor import DEFAULT_CLAIM_TTL, execute
from so24_pipelines.sync.failures import failed_record_keys, failed_records, record_rejects
from so24_pipelines.sync.flow_keys import FLOW_KEY, flow_id_of, flow_key, is_flow_key
from so24_pipelines.sync.hashing import UnhashablePayload, canonical_json, payload_hash
from so24_pipelines.sync.id_map import (
    mapped_target_keys,
    source_key_by_business_key,
    source_key_by_target,
    source_keys_of,
    target_keys_of,
)
from so24_pipelines.sync.loader import load
from so24_pipelines.sync.order_lines import LinePair, OrderLines, read_order_lines, replace_order_lines
from so24_pipelines.sync.planner import Plan, PlannedItem, failed_keys, plan
from so24_pipelines.sync.records import Found, MappedRecord, Target
from so24_pipelines.sync.report import LoadReport, Outcome
from so24_pipelines.sync.schema import ensure_sync_schema, sync_schema_exists
from so24_pipelines.sync.state import get_state, set_state, set_states, states_with_prefix
from so24_pipelines.sync.watermarks import read_watermark, watermark_key, with_overlap, write_watermark

__all__ = [
    "Found",
    "DEFAULT_CLAIM_TTL",
    "FLOW_KEY",
    "LinePair",
    "LoadReport",
    "MappedRecord",
    "OrderLines",
    "Outcome",
    "Plan",
    "PlannedItem",
    "Target",
    "UnhashablePayload",
    "backfill_batch",
    "canonical_json",
    "ensure_backfill_schema",
    "ensure_sync_schema",
    "execute",
    "failed_keys",
    "failed_record_keys",
    "failed_records",
    "flow_id_of",
    "flow_key",
    "get_state",
    "is_flow_key",
    "load",
    "mapped_target_keys",
    "payload_hash",
    "plan",
    "plan_backfill_batches",
    "planned_backfill_partitions",
    "read_order_lines",
    "read_watermark",
    "record_rejects",
    "replace_order_lines",
    "set_state",
    "set_states",
    "source_key_by_business_key",
    "source_key_by_target",
    "source_keys_of",
    "states_with_prefix",
    "sync_schema_exists",
    "target_keys_of",
    "watermark_key",
    "with_overlap",
    "write_watermark",
]
