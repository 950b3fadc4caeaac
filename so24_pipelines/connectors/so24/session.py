"""Which 24SO company (identity) a session works in.

One login may reach several companies; 24SO keeps the chosen one per session (SetIdentityById)
and every later call reads and writes that company. So a caller switches before it reads or
writes, never in the middle of a batch, and checks where the session is before a write: ids are
unique only within a company, so a write in the wrong one lands on unrelated records.
"""

from __future__ import annotations

from so24_pipelines.connectors.so24 import reads
from so24_pipelines.connectors.so24.client import So24Client


def current_identity(client: So24Client, identity_id: str | None) -> str:
    """Switch to `identity_id` if given; return the id of the identity the session now uses."""
    if identity_id:
        reads.use_identity(client, identity_id)
        return identity_id
    for ident in reads.identities(client):
        if ident["is_current"]:
            return str(ident["id"])
    raise RuntimeError("24SO reported no current identity for this login")

