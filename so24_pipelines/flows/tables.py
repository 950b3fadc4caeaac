"""Every system's staging tables, in one list: 24SO first, then each connected system's, in the
settings registry's order.

Each system declares its tables in its own room, as `TABLES` in `flows/<system>/tables.py`; this
module finds them there, so a new system's tables reach the docs without an edit here. The docs
page is rendered from this list: `python -m so24_pipelines.flows.tables > docs/staging.md` (a unit
test fails when the page and the declarations differ).
"""

from __future__ import annotations

import importlib

import duckdb

from so24_pipelines.settings import SYSTEMS
from so24_pipelines.staging.docs import render
from so24_pipelines.staging.schema import create_tables
from so24_pipelines.staging.tables import StagingTable


def _declared(system: str) -> tuple[StagingTable, ...]:
    name = f"{__package__}.{system}.tables"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in (name, f"{__package__}.{system}"):
            raise
        return ()
    return tuple(module.TABLES)


STAGING_TABLES: tuple[StagingTable, ...] = tuple(t for system in SYSTEMS for t in _declared(system))


def ensure_tables_of(con: duckdb.DuckDBPyConnection, system: str) -> None:
    """One system's staging tables (IF NOT EXISTS), for a flow of another room that reads them
    before that system's own extraction has run (S4 reads 24SO's employees and work types): the
    rooms do not import each other, so they meet here."""
    create_tables(con, _declared(system))


def staging_page() -> str:
    """docs/staging.md as the declarations say it is."""
    return render(STAGING_TABLES)


if __name__ == "__main__":
    print(staging_page(), end="")
