"""Which 24SO product a Rackbeat product number stands for (R6 row adds, R8 stock).

R1 keeps Rackbeat's product number equal to 24SO's product number (`No`) and writes the 24SO
product id into the item custom field "24so product id". Both links are used: the field value
when the caller already read it (R8 reads the product anyway, for its stock), since an id never
changes; then `staging.so24_products` by (identity, No), which is local and knows the 24SO
company; Rackbeat's field only when staging does not know the number. Cached for one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.rackbeat.orders_target import field_value
from so24_pipelines.staging.db import connect


@dataclass(frozen=True)
class So24Product:
    identity: str
    product_id: int


def _staged(db_path: Path, sql: str, params: list) -> list[tuple[str, int]]:
    with connect(db_path) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staging' AND table_name = 'so24_products'"
        ).fetchall()[0][0]
        if not exists:
            return []
        return [(str(r[0]), int(r[1])) for r in con.execute(sql, params).fetchall()]


class So24Products:
    """Rackbeat product number -> 24SO product (identity, id)."""

    def __init__(self, db_path: str | Path, client: RackbeatClient, product_field_id: int | None) -> None:
        self.db_path = Path(db_path)
        self.client = client
        self.field_id = product_field_id
        self._cache: dict[tuple[str | None, str], So24Product | None] = {}

    def product_id(self, identity: str, number: str) -> int | None:
        found = self.lookup(number, identity=identity)
        return found.product_id if found else None

    def lookup(
        self, number: str, *, identity: str | None = None, so24_id: str | None = None
    ) -> So24Product | None:
        """The 24SO product behind a Rackbeat product; `so24_id` is the field value when the caller has it."""
        key = (identity, number)
        if key not in self._cache:
            self._cache[key] = self._find(number, identity, so24_id)
        return self._cache[key]

    def _find(self, number: str, identity: str | None, so24_id: str | None) -> So24Product | None:
        if so24_id is not None:
            found = self._by_id(so24_id, identity)
            if found is not None:
                return found
        rows = _staged(
            self.db_path,
            "SELECT identity, id FROM staging.so24_products WHERE no = ? AND (? IS NULL OR identity = ?)",
            [number, identity, identity],
        )
        if len(rows) == 1:
            return So24Product(*rows[0])
        if so24_id is None and self.field_id is not None:
            product = self.client.get_product(number, with_field_values=True)
            held = field_value(product, self.field_id) if product else None
            return self._by_id(held, identity) if held else None
        return None

    def _by_id(self, so24_id: str, identity: str | None) -> So24Product | None:
        if not str(so24_id).strip().isdigit():
            return None
        rows = _staged(
            self.db_path,
            "SELECT identity, id FROM staging.so24_products WHERE id = ? AND (? IS NULL OR identity = ?)",
            [int(so24_id), identity, identity],
        )
        if len(rows) == 1:
            return So24Product(*rows[0])
        return So24Product(identity, int(so24_id)) if identity is not None else None
