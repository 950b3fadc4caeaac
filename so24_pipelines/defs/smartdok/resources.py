"""The Smartdok resource: a configuration shell that builds one SmartdokClient per step.

The API access token comes from the env var SMARTDOK_API_TOKEN via dagster.EnvVar, so it never
appears in run config or the UI; the session token the client buys with it stays inside the
client. Every choice the Smartdok reference is unsure of (session lifetime, time zone, window
length, pace, marking batch) is a setting in so24.yaml's `smartdok` section, passed through here
unchanged, so the flows and the connector read one value.
"""

from contextlib import AbstractContextManager

import dagster as dg

from so24_pipelines.connectors.smartdok import TOKEN_ENV, SmartdokClient
from so24_pipelines.defs.rest_resource import RestClientResource, closing_client, from_section
from so24_pipelines.settings import Settings


class SmartdokResource(RestClientResource):
    """One Smartdok company (one API access token)."""

    base_url: str
    api_token: str
    session_lifetime_seconds: int = 3600
    timezone: str = "Europe/Oslo"
    max_window_days: int = 93
    requests_per_minute: int = 300
    mark_batch_size: int = 500

    def client(self) -> AbstractContextManager[SmartdokClient]:
        return closing_client(
            SmartdokClient(
                self.base_url,
                self.api_token,
                session_lifetime_seconds=self.session_lifetime_seconds,
                timezone=self.timezone,
                max_window_days=self.max_window_days,
                requests_per_minute=self.requests_per_minute,
                mark_batch_size=self.mark_batch_size,
                **self.transport(),
            )
        )


def smartdok_resource(settings: Settings) -> SmartdokResource:
    """The resource as so24.yaml's `smartdok` section and the env configure it."""
    return from_section(SmartdokResource, settings.smartdok, api_token=dg.EnvVar(TOKEN_ENV))
