"""How a staging table is declared, for every system: columns, their SQL types and source paths.

Each system declares its tables in its own room (`flows/<system>/tables.py`) with these two
types; `flows/tables.py` lists them all. From a declaration come the DDL (`staging/schema.py`),
the upsert (`staging/upsert.py`), the docs page (`staging/docs.py`) and the values themselves:
`Column.path` is what fills the column.

- 24SO (SOAP/XML): the path is the element path below the record element `record_tag`
  ("Addresses/Post/Street"); `shape()` turns a table into the fast XML walk of
  `connectors/so24/fastparse.py`, and the returnProperties sent to 24SO.
- Rackbeat and Ongoing (REST/JSON): the path walks the JSON record (`group.number`,
  `field_values[24so product id]`, `lines[].item.number`); `staging/rows.py` is the one converter
  and its docstring has the path grammar and the value rules. `record_tag` names the record type
  (for the docs).

Every table also carries `identity` (the 24SO company the row belongs to, X9) as the first key
column, `_row_hash` and `_extracted_at`; those are not declared per table.
"""

from __future__ import annotations

from dataclasses import dataclass

from so24_pipelines.connectors.so24.fastparse import ChildShape, Field, RecordShape


@dataclass(frozen=True)
class Column:
    """One staged column: its name, where its value comes from, its SQL type, NOT NULL or not."""

    name: str
    path: str
    sql_type: str
    required: bool = False


@dataclass(frozen=True)
class StagingTable:
    """A staging table fed from one record type; `key` excludes the identity column.

    `parent_columns` (child tables only) are read from the parent record, e.g. the order id of
    an order row; they come first in the table and usually start its key.
    """

    name: str
    record_tag: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    parent_columns: tuple[Column, ...] = ()

    @property
    def qualified(self) -> str:
        return f"staging.{self.name}"

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.parent_columns + self.columns

    def shape(self, children: dict[str, tuple[str, StagingTable]] | None = None) -> RecordShape:
        """The 24SO XML walk for this table (element paths); `children`: name -> (list path, table)."""
        kids = {
            name: ChildShape(path=path, shape=table.shape(), parent_columns=tuple(c.name for c in table.parent_columns))
            for name, (path, table) in (children or {}).items()
        }
        return RecordShape(tag=self.record_tag, fields=tuple(Field(c.name, c.path) for c in self.columns), children=kids)
