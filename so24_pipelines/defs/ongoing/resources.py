"""The Ongoing WMS resource: a configuration shell that builds one OngoingClient per step.

Credentials come from env vars (ONGOING_USERNAME, ONGOING_PASSWORD, ONGOING_GOODS_OWNER_ID) via
dagster.EnvVar, so they never appear in run config or the UI. Sandbox or real warehouse differs
only by base_url. Ongoing throttles concurrent calls per goods owner, so the client sends one
request at a time at most `requests_per_second`.
"""


from contextlib import AbstractContextManager

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.defs.rest_resource import RestClientResource, closing_client


class OngoingResource(RestClientResource):
    """One goods owner in one Ongoing warehouse (base_url ends with the warehouse name)."""

    base_url: str
    username: str
    password: str
    goods_owner_id: int
    requests_per_second: float = 5.0

    def client(self) -> AbstractContextManager[OngoingClient]:
        return closing_client(
            OngoingClient(
                self.base_url,
                self.username,
                self.password,
                self.goods_owner_id,
                rate_per_second=self.requests_per_second,
                burst=max(1, int(self.requests_per_second)),
                **self.transport(),
            )
        )
