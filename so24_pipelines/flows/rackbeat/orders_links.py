"""Which 24SO order a Rackbeat order came from, if any ("born in 24SO", the R5/R6 gate).

R4 creates every order it sends under the loader's flow "R4" with source key
"<identity>:<24SO order id>" and target key = the Rackbeat order number, and it writes the 24SO
order id into the order's custom field "24so order id". The id map answers first (local, and it
carries the 24SO company the order belongs to); the custom field answers for a create the id map
has not confirmed yet (a crash right after the create), through the id map row's business key.
An order with neither was created in Rackbeat, and R5/R6 leave it alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from so24_pipelines.flows.rackbeat.orders_target import field_value
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.id_map import source_key_by_business_key, source_key_by_target, target_keys_of
from so24_pipelines.sync.schema import sync_schema_exists

R4_FLOW = "R4"


@dataclass(frozen=True)
class OrderLink:
    identity: str
    so24_order_id: int

    @property
    def source_key(self) -> str:
        return f"{self.identity}:{self.so24_order_id}"


def source_key(identity: str, order_id: int) -> str:
    """The R4 source key of a 24SO order (also used by R5 and R6 for the same order)."""
    return f"{identity}:{int(order_id)}"


def parse_source_key(key: str) -> OrderLink:
    identity, _, order_id = key.rpartition(":")
    return OrderLink(identity, int(order_id))


def link_of(con: duckdb.DuckDBPyConnection, order: Mapping[str, Any], order_field_id: int) -> OrderLink | None:
    """The 24SO order behind a Rackbeat order (read with field values), or None if not from 24SO.

    Runs in the caller's open connection: the staged read resolves its orders' links in the
    transaction that stages them.
    """
    if not sync_schema_exists(con):
        return None
    held = field_value(order, order_field_id)
    key = source_key_by_target(con, R4_FLOW, str(int(order["number"])))
    if key is None and held:
        key = source_key_by_business_key(con, R4_FLOW, held)
    return parse_source_key(key) if key else None


def rackbeat_numbers_of(db_path: str | Path, keys: Iterable[str]) -> list[int]:
    """The Rackbeat orders behind R4 source keys (what R5/R6 retry: their failed keys are R4's keys).

    R4's id map answers; R4 also makes the Rackbeat order number the 24SO OrderId, which answers
    for a create the id map has not confirmed yet, so a failure is never left without its order.
    """
    wanted = [str(k) for k in keys]
    if not wanted:
        return []
    with connect(db_path) as con:
        found = target_keys_of(con, R4_FLOW, wanted) if sync_schema_exists(con) else []
    numbers = [int(k) for k in found if str(k).isdigit()]
    numbers += [parse_source_key(k).so24_order_id for k in wanted if k.rpartition(":")[2].isdigit()]
    return list(dict.fromkeys(numbers))
