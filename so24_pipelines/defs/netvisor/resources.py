"""The Netvisor resource: one company through one integration user and software partner.

The four secrets and the Organisation ID reach it through dagster.EnvVar (NETVISOR_CUSTOMER_ID,
_CUSTOMER_KEY, _PARTNER_ID, _PARTNER_KEY, _ORGANISATION_ID), so they never appear in run config,
the UI or logs; sandbox or real Netvisor is only a matter of base_url. The settings the reference
is unsure of (MAC scheme and text encoding, request encoding, time zone) come from the `netvisor`
section of so24.yaml. Every client of one company shares its lock (the connector's), so steps in
threads or processes of this host still call Netvisor one at a time.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import dagster as dg

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.netvisor import NetvisorClient, NetvisorCredentials
from so24_pipelines.defs.rest_resource import closing_client, from_section
from so24_pipelines.settings import Settings


class NetvisorResource(dg.ConfigurableResource):
    """`client()` yields a ready NetvisorClient and closes it after."""

    base_url: str
    customer_id: str
    customer_key: str
    partner_id: str
    partner_key: str
    organisation_id: str
    sender: str = "so24-pipelines"
    language: str = "EN"
    mac_algorithm: str = "HMACSHA256"
    mac_text_encoding: str = "iso-8859-15"
    request_encoding: str = "iso-8859-15"
    use_http_status_codes: bool = False
    timezone: str = "Europe/Helsinki"
    timeout_seconds: float = 120.0
    max_retries: int = 5
    lock_wait_seconds: float = 600.0
    lock_dir: str | None = None

    def client(self) -> AbstractContextManager[NetvisorClient]:
        credentials = NetvisorCredentials(
            customer_id=self.customer_id, customer_key=self.customer_key, partner_id=self.partner_id,
            partner_key=self.partner_key, organisation_id=self.organisation_id,
        )  # fmt: skip
        client = NetvisorClient(
            self.base_url, credentials, sender=self.sender, language=self.language,
            mac_algorithm=self.mac_algorithm, mac_text_encoding=self.mac_text_encoding,
            request_encoding=self.request_encoding, use_http_status_codes=self.use_http_status_codes,
            timezone=self.timezone, timeout=(min(5.0, self.timeout_seconds), self.timeout_seconds),
            retry=RetryPolicy(attempts=self.max_retries + 1), lock_dir=self.lock_dir,
            lock_wait_seconds=self.lock_wait_seconds,
        )  # fmt: skip
        return closing_client(client)


def netvisor_resource(settings: Settings) -> NetvisorResource:
    """The resource from the `netvisor` section, credentials from env vars."""
    return from_section(
        NetvisorResource,
        settings.netvisor,
        customer_id=dg.EnvVar("NETVISOR_CUSTOMER_ID"),
        customer_key=dg.EnvVar("NETVISOR_CUSTOMER_KEY"),
        partner_id=dg.EnvVar("NETVISOR_PARTNER_ID"),
        partner_key=dg.EnvVar("NETVISOR_PARTNER_KEY"),
        organisation_id=dg.EnvVar("NETVISOR_ORGANISATION_ID"),
    )
