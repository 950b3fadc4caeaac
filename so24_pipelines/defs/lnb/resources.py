"""The Le New Black resource: a configuration shell that builds one LnbClient per step.

The client id and secret come from env vars (LNB_CLIENT_ID, LNB_CLIENT_SECRET) via dagster.EnvVar,
so they never appear in run config or the UI; the access token the client fetches with them is
kept out of logs by the connector (LNB wants it as a query parameter). Every choice the reference
is unsure of (token path, filter time format, page size, batch size) is a setting in so24.yaml's
`lnb` section, passed through here unchanged.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.settings import Settings


class LnbResource(dg.ConfigurableResource):
    """One brand account in Le New Black."""

    base_url: str
    client_id: str
    client_secret: str
    auth_path: str = "auth/token"
    filter_time_format: str = "datetime"
    page_size: int = 500
    stock_batch_size: int = 500
    requests_per_minute: int = 300
    timeout_seconds: float = 30.0
    max_retries: int = 5
    backoff_seconds: float = 0.5

    @contextmanager
    def client(self) -> Iterator[LnbClient]:
        client = LnbClient(
            self.base_url,
            self.client_id,
            self.client_secret,
            auth_path=self.auth_path,
            filter_time_format=self.filter_time_format,
            page_size=self.page_size,
            stock_batch_size=self.stock_batch_size,
            requests_per_minute=self.requests_per_minute,
            timeout=(5.0, self.timeout_seconds),
            retry=RetryPolicy(attempts=self.max_retries + 1, backoff_base=self.backoff_seconds),
        )
        try:
            yield client
        finally:
            client.close()


def lnb_resource(settings: Settings) -> LnbResource:
    """The resource as so24.yaml's `lnb` section and the env configure it."""
    lnb = settings.lnb
    return LnbResource(
        base_url=str(lnb.base_url),
        client_id=dg.EnvVar("LNB_CLIENT_ID"),
        client_secret=dg.EnvVar("LNB_CLIENT_SECRET"),
        auth_path=lnb.auth_path,
        filter_time_format=lnb.filter_time_format,
        page_size=lnb.page_size,
        stock_batch_size=lnb.stock_batch_size,
        requests_per_minute=lnb.requests_per_minute,
        timeout_seconds=float(lnb.timeout_seconds),
        max_retries=lnb.max_retries,
    )
