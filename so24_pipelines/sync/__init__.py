"""The one loader every target write goes through: diff, plan, dry-run, write, log, retry."""

from so24_pipelines.sync.executor import DEFAULT_CLAIM_TTL, execute
from so24_pipelines.sync.hashing import UnhashablePayload, canonical_json, payload_hash
from so24_pipelines.sync.loader import load
from so24_pipelines.sync.planner import Plan, PlannedItem, failed_keys, plan
from so24_pipelines.sync.records import MappedRecord, Target
from so24_pipelines.sync.report import LoadReport, Outcome
from so24_pipelines.sync.schema import ensure_sync_schema, get_state, set_state

__all__ = [
    "DEFAULT_CLAIM_TTL",
    "LoadReport",
    "MappedRecord",
    "Outcome",
    "Plan",
    "PlannedItem",
    "Target",
    "UnhashablePayload",
    "canonical_json",
    "ensure_sync_schema",
    "execute",
    "failed_keys",
    "get_state",
    "load",
    "payload_hash",
    "plan",
    "set_state",
]
