"""The Smartdok resource: a configuration shell that builds one SmartdokClient per step.

The API access token comes from the env var SMARTDOK_API_TOKEN via dagster.EnvVar, so it never
appears in run config or the UI; the session token the client buys with it stays inside the
client. Every choice the Smartdok reference is unsure of (session lifetime, time zone, window
length, pace, marking batch) is a setting in so24.yaml's `smartdok` section, passed through here
unchanged, so the flows and the connector read one value.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.smartdok import TOKEN_ENV, SmartdokClient
from so24_pipelines.settings import Settings


class SmartdokResource(dg.ConfigurableResource):
    """One Smartdok company (one API access token)."""

    base_url: str
    api_token: str
    session_lifetime_seconds: int = 3600
    timezone: str = "Europe/Oslo"
    max_window_days: int = 93
    requests_per_minute: int = 300
    mark_batch_size: int = 500
    timeout_seconds: float = 30.0
    max_retries: int = 5
    backoff_seconds: float = 0.5

    @contextmanager
    def client(self) -> Iterator[SmartdokClient]:
        client = SmartdokClient(
            self.base_url,
            self.api_token,
            session_lifetime_seconds=self.session_lifetime_seconds,
            timezone=self.timezone,
            max_window_days=self.max_window_days,
            requests_per_minute=self.requests_per_minute,
            mark_batch_size=self.mark_batch_size,
            timeout=(5.0, self.timeout_seconds),
            retry=RetryPolicy(attempts=self.max_retries + 1, backoff_base=self.backoff_seconds),
        )
        try:
            yield client
        finally:
            client.close()


def smartdok_resource(settings: Settings) -> SmartdokResource:
    """The resource as so24.yaml's `smartdok` section and the env configure it."""
    smartdok = settings.smartdok
    return SmartdokResource(
        base_url=str(smartdok.base_url),
        api_token=dg.EnvVar(TOKEN_ENV),
        session_lifetime_seconds=smartdok.session_lifetime_seconds,
        timezone=smartdok.timezone,
        max_window_days=smartdok.max_window_days,
        requests_per_minute=smartdok.requests_per_minute,
        mark_batch_size=smartdok.mark_batch_size,
        timeout_seconds=float(smartdok.timeout_seconds),
        max_retries=smartdok.max_retries,
    )
