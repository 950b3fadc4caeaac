"""The Ongoing WMS resource: a configuration shell that builds one OngoingClient per step.

Credentials come from env vars (ONGOING_USERNAME, ONGOING_PASSWORD, ONGOING_GOODS_OWNER_ID) via
dagster.EnvVar, so they never appear in run config or the UI. Sandbox or real warehouse differs
only by base_url. Ongoing throttles concurrent calls per goods owner, so the client sends one
request at a time at most `requests_per_second`.
"""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.ongoing import OngoingClient


class OngoingResource(dg.ConfigurableResource):
    """One goods owner in one Ongoing warehouse (base_url ends with the warehouse name)."""

    base_url: str
    username: str
    password: str
    goods_owner_id: int
    timeout_seconds: float = 30.0
    max_retries: int = 5
    requests_per_second: float = 5.0
    backoff_seconds: float = 0.5

    @contextmanager
    def client(self) -> Iterator[OngoingClient]:
        client = OngoingClient(
            self.base_url,
            self.username,
            self.password,
            self.goods_owner_id,
            rate_per_second=self.requests_per_second,
            burst=max(1, int(self.requests_per_second)),
            timeout=(5.0, self.timeout_seconds),
            retry=RetryPolicy(attempts=self.max_retries + 1, backoff_base=self.backoff_seconds),
        )
        try:
            yield client
        finally:
            client.close()
