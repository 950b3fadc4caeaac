"""Dagster resources: thin configuration shells around the connectors and the staging file.

Credentials come from env vars through dagster.EnvVar, so they never appear in run config, the UI
or logs. Sandbox or real 24SO is a matter of configuration (base_url), never of code paths.
"""


from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.connectors.so24.session import current_identity
from so24_pipelines.flows import pairing
from so24_pipelines.flows.so24.extract import prepare
from so24_pipelines.webhooks.inbox import Inbox


class StagingResource(dg.ConfigurableResource):
    """The DuckDB staging file. Steps open it briefly per unit of work (see staging/db.py)."""

    path: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        prepare(self.path)

    @property
    def db_path(self) -> Path:
        return Path(self.path)


class So24Resource(dg.ConfigurableResource):
    """A 24SO login shared by every call of one step (24SO throttles repeated logins)."""

    base_url: str
    webservices_url: str | None = None
    application_id: str
    username: str
    password: str
    identities: list[str] = []
    timeout_seconds: float = 60.0
    max_retries: int = 5
    requests_per_hour: int = 7200
    overlap_minutes: int = 2
    batch_size: int = 1000

    @contextmanager
    def client(self) -> Iterator[So24Client]:
        client = So24Client(
            base_url=self.base_url,
            webservices_url=self.webservices_url,
            credentials=So24Credentials(self.application_id, self.username, self.password),
            timeout=self.timeout_seconds,
            max_retries=self.max_retries,
            requests_per_hour=self.requests_per_hour,
        )
        try:
            client.ensure_session()
            yield client
        finally:
            client.close()

    def identity_ids(self) -> list[str | None]:
        """The configured companies, or [None] for the login's default company."""
        return list(self.identities) or [None]

    def paired_identity(self, db_path: str | Path, system: str, chosen: str | None) -> str:
        """The 24SO company `system` is paired with (flows/pairing.py: one rule for every system);
        logs in only when staging holds no company yet."""

        def login_company() -> str:
            with self.client() as client:
                return current_identity(client, None)

        return pairing.paired_identity(
            db_path, system, chosen=chosen, configured=self.identities, login_company=login_company
        )


class InboxResource(dg.ConfigurableResource):
    """The webhook inbox (SQLite) the receiver writes and the order sensors read."""

    path: str

    def open(self) -> Inbox:
        return Inbox(self.path)
