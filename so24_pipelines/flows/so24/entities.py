"""E1-E7: which 24SO read feeds which staging table, and how each can be read incrementally.

Products, projects and persons have a "changed after" filter but no id list, so their first run
reads everything; companies and orders have SyncList calls, so their first run (and the backfill)
reads ids and then details in batches of at most 1000. Categories, work types and salary types are
small lists without a change filter and are read whole every time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from so24_pipelines.connectors.so24 import reads
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.so24 import tables as t
from so24_pipelines.staging.tables import StagingTable

Columns = dict[str, list[str | None]]
Fetch = Callable[[So24Client, datetime | None, Sequence[int] | None], tuple[Columns, Columns | None]]


@dataclass(frozen=True)
class So24Entity:
    flow: str
    name: str
    table: StagingTable
    fetch: Fetch
    incremental: bool
    id_list: Callable[[So24Client], list[int]] | None = None
    child: StagingTable | None = None


def _single(fn: Callable[..., Columns], shape_table: StagingTable, *, incremental: bool, by_ids: bool = False) -> Fetch:
    shape = shape_table.shape()

    def fetch(client: So24Client, changed_after: datetime | None, ids: Sequence[int] | None) -> tuple[Columns, None]:
        kwargs: dict = {}
        if incremental:
            kwargs["changed_after"] = changed_after
        if by_ids and ids is not None:
            kwargs["ids"] = ids
        return fn(client, shape, **kwargs), None

    return fetch


def _orders(client: So24Client, changed_after: datetime | None, ids: Sequence[int] | None) -> tuple[Columns, Columns]:
    return reads.orders(client, t.ORDER_SHAPE, changed_after=changed_after, ids=ids)


ENTITIES: dict[str, So24Entity] = {
    e.name: e
    for e in (
        So24Entity("E1", "products", t.PRODUCTS, _single(reads.products, t.PRODUCTS, incremental=True, by_ids=True), True),
        So24Entity("E2", "categories", t.CATEGORIES, _single(reads.product_categories, t.CATEGORIES, incremental=False), False),
        So24Entity(
            "E3", "companies", t.COMPANIES, _single(reads.companies, t.COMPANIES, incremental=True, by_ids=True), True,
            id_list=lambda c: reads.company_ids(c),
        ),
        So24Entity("E4", "orders", t.ORDERS, _orders, True, id_list=lambda c: reads.order_ids(c), child=t.ORDER_ROWS),
        So24Entity("E5", "projects", t.PROJECTS, _single(reads.projects, t.PROJECTS, incremental=True), True),
        So24Entity("E6", "work_types", t.WORK_TYPES, _single(reads.work_types, t.WORK_TYPES, incremental=False), False),
        So24Entity("E6", "salary_types", t.SALARY_TYPES, _single(reads.salary_types, t.SALARY_TYPES, incremental=False), False),
        So24Entity("E7", "persons", t.PERSONS, _single(reads.employees, t.PERSONS, incremental=True), True),
    )
}
