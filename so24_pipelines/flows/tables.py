"""Every system's staging tables, in one list: 24SO first, then each target system's staged reads.

Each system declares its tables in its own room (`flows/<system>/tables.py`); this list is what
the docs page is rendered from: `python -m so24_pipelines.flows.tables > docs/staging.md` (a unit
test fails when the page and the declarations differ).
"""

from __future__ import annotations

from so24_pipelines.flows.ongoing.tables import WMS_TABLES
from so24_pipelines.flows.rackbeat.tables import RACKBEAT_TABLES
from so24_pipelines.flows.so24.tables import ALL_TABLES as SO24_TABLES
from so24_pipelines.staging.docs import render
from so24_pipelines.staging.tables import StagingTable

STAGING_TABLES: tuple[StagingTable, ...] = (*SO24_TABLES, *RACKBEAT_TABLES, *WMS_TABLES)


def staging_page() -> str:
    """docs/staging.md as the declarations say it is."""
    return render(STAGING_TABLES)


if __name__ == "__main__":
    print(staging_page(), end="")
