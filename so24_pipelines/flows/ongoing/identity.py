"""Which 24SO company (identity) the Ongoing goods owner belongs to.

One deployment pairs one Ongoing goods owner with one 24SO company: article numbers and order
numbers are unique only within a company, so two companies feeding one goods owner would
overwrite each other's articles. The pairing is the first identity in `so24.identities`, or, when
that list is empty, the one company the extraction has staged (the login's default company).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.connectors.so24.session import current_identity
from so24_pipelines.staging.db import connect

_STAGED = """
    SELECT identity FROM staging.so24_products
    UNION SELECT identity FROM staging.so24_companies
    UNION SELECT identity FROM staging.so24_orders
    ORDER BY 1
"""


def paired_identity(db_path: str | Path, configured: Sequence[str]) -> str:
    """The 24SO identity whose staged rows the Ongoing flows read and write back to."""
    if configured:
        return configured[0]
    with connect(db_path) as con:
        staged = [row[0] for row in con.execute(_STAGED).fetchall()]
    if len(staged) == 1:
        return staged[0]
    if not staged:
        raise ConfigError(
            "staging holds no 24SO data yet: materialize the so24 assets (E1-E4) before the Ongoing flows"
        )
    raise ConfigError(
        f"staging holds {len(staged)} 24SO companies; list the one paired with the Ongoing goods owner "
        "first in so24.identities"
    )


def use_paired_identity(client: So24Client, identity: str, configured: Sequence[str]) -> None:
    """Point the 24SO session at the paired company before O3/O5 write to it, or refuse.

    A write to the wrong company would set statuses or stock on unrelated records with the same
    ids, so a session that ends up elsewhere stops the flow instead.
    """
    current = current_identity(client, configured[0] if configured else None)
    if current != identity:
        raise ConfigError(
            f"the 24SO session uses company {current}, but the Ongoing flows read company {identity}; "
            "list the paired company first in so24.identities"
        )
