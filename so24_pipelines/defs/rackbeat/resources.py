"""The Rackbeat resource: one API key, one paced client per step.

The key reaches it through dagster.EnvVar("RACKBEAT_API_TOKEN"), so it never appears in run
config, the UI or logs; sandbox or real Rackbeat is only a matter of base_url. One client is
shared by every call of a step because the 480-requests-a-minute budget belongs to the key, and
separate clients in one process would each think they had all of it.
"""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.rackbeat import DEFAULT_BASE_URL, RackbeatClient
from so24_pipelines.connectors.rackbeat.base import DEFAULT_REQUESTS_PER_MINUTE


class RackbeatResource(dg.ConfigurableResource):
    """A Rackbeat account (API key). `client()` yields a ready RackbeatClient and closes it after."""

    base_url: str = DEFAULT_BASE_URL
    token: str
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    timeout: float = 30.0
    max_retries: int = 5
    consumer_contact: str | None = None

    @contextmanager
    def client(self) -> Iterator[RackbeatClient]:
        client = RackbeatClient(
            self.base_url,
            self.token,
            requests_per_minute=self.requests_per_minute,
            timeout=(min(5.0, self.timeout), self.timeout),
            retry=RetryPolicy(attempts=self.max_retries + 1),
            consumer_contact=self.consumer_contact,
        )
        try:
            yield client
        finally:
            client.close()

