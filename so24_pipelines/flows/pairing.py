"""Which 24SO company (identity) a target system is paired with: one rule for every system.

A target system (a Rackbeat account, an Ongoing goods owner, ...) belongs to one 24SO company:
product and order numbers are unique only within a company, so two companies feeding one account
would overwrite each other's records, and a write back to 24SO in the wrong company would set
statuses or stock on unrelated records with the same ids. The pairing, in order:

1. the system's own setting `<system>.so24_identity` (X9: company 1 with Rackbeat, company 2
   with Ongoing; settings refuse one that is not in `so24.identities`, which the extraction reads);
2. else the first of `so24.identities`;
3. else the one company staging holds (the login's default, as the extraction read it);
4. else, when staging holds none yet (the first step of an initial sync), the login's current
   company, if the caller can ask 24SO (`login_company`);
and a staging file holding several companies with nothing chosen is refused with what to set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _staged_identities(db_path: str | Path) -> list[str]:
    with connect(db_path) as con:
        present = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
        ).fetchall()}  # fmt: skip
        if not {"so24_products", "so24_companies", "so24_orders"} <= present:
            return []
        return [row[0] for row in con.execute(_STAGED).fetchall()]


def paired_identity(
    db_path: str | Path,
    system: str,
    *,
    chosen: str | None,
    configured: Sequence[str],
    login_company: Callable[[], str] | None = None,
) -> str:
    """The 24SO identity whose staged rows `system`'s flows read and write back to."""
    if chosen:
        return chosen
    if configured:
        return configured[0]
    staged = _staged_identities(db_path)
    if len(staged) == 1:
        return staged[0]
    if len(staged) > 1:
        raise ConfigError(
            f"staging holds {len(staged)} 24SO companies; set {system}.so24_identity to the one paired "
            f"with {system} (or list it first in so24.identities)"
        )
    if login_company is not None:
        return login_company()
    raise ConfigError(
        f"staging holds no 24SO data yet: materialize the so24 assets (E1-E4) before the {system} flows"
    )


def use_identity(client: So24Client, identity: str, system: str) -> None:
    """Point the 24SO session at the paired company before a flow writes to it, or refuse."""
    current = current_identity(client, identity)
    if current != identity:
        raise ConfigError(
            f"the 24SO session uses company {current}, but the {system} flows read company {identity}; "
            f"set {system}.so24_identity or so24.identities"
        )
