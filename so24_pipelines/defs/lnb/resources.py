"""The Le New Black resource: a configuration shell that builds one LnbClient per step.

The client id and secret come from env vars (LNB_CLIENT_ID, LNB_CLIENT_SECRET) via dagster.EnvVar,
so they never appear in run config or the UI; the access token the client fetches with them is
kept out of logs by the connector (LNB wants it as a query parameter). Every choice the reference
is unsure of (token path, filter time format, page size, batch size) is a setting in so24.yaml's
`lnb` section, passed through here unchanged.
"""

from contextlib import AbstractContextManager

import dagster as dg

from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.defs.rest_resource import RestClientResource, closing_client, from_section
from so24_pipelines.settings import Settings


class LnbResource(RestClientResource):
    """One brand account in Le New Black."""

    base_url: str
    client_id: str
    client_secret: str
    auth_path: str = "auth/token"
    filter_time_format: str = "datetime"
    page_size: int = 500
    stock_batch_size: int = 500
    requests_per_minute: int = 300

    def client(self) -> AbstractContextManager[LnbClient]:
        return closing_client(
            LnbClient(
                self.base_url,
                self.client_id,
                self.client_secret,
                auth_path=self.auth_path,
                filter_time_format=self.filter_time_format,
                page_size=self.page_size,
                stock_batch_size=self.stock_batch_size,
                requests_per_minute=self.requests_per_minute,
                **self.transport(),
            )
        )


def lnb_resource(settings: Settings) -> LnbResource:
    """The resource as so24.yaml's `lnb` section and the env configure it."""
    return from_section(
        LnbResource,
        settings.lnb,
        client_id=dg.EnvVar("LNB_CLIENT_ID"),
        client_secret=dg.EnvVar("LNB_CLIENT_SECRET"),
    )
