"""NetvisorClient: every Netvisor call the N-flows need, on one signed, serialised session.

Build it with `NetvisorClient.from_env(base_url, **settings)` (credentials from NETVISOR_* env vars)
or with a `NetvisorCredentials`. Thread-safe; any number of clients for one company share its lock
(lock.py), so Netvisor sees one call at a time. The quirks of each area live in the module serving
it: base.py (signing, serialising, retries, statuses), customers.py, products.py, vendors.py.

From the `netvisor` settings section (so24_pipelines/settings/netvisor.py), a flow builds it as:

    NetvisorClient.from_env(
        s.base_url, timeout=(5.0, s.timeout_seconds), retry=RetryPolicy(attempts=s.max_retries + 1),
        sender=s.sender, language=s.language, mac_algorithm=s.mac_algorithm,
        mac_text_encoding=s.mac_text_encoding, request_encoding=s.request_encoding,
        use_http_status_codes=s.use_http_status_codes, timezone=s.timezone,
        lock_wait_seconds=s.lock_wait_seconds,
    )
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from so24_pipelines.connectors.netvisor.base import DEFAULT_BASE_URL
from so24_pipelines.connectors.netvisor.credentials import NetvisorCredentials
from so24_pipelines.connectors.netvisor.customers import CustomerCalls
from so24_pipelines.connectors.netvisor.products import ProductCalls
from so24_pipelines.connectors.netvisor.vendors import VendorCalls


class NetvisorClient(CustomerCalls, ProductCalls, VendorCalls):
    """One Netvisor company (Organisation ID) through one integration user and partner."""

    @classmethod
    def from_env(
        cls, base_url: str | None = None, environ: Mapping[str, str] | None = None, **kwargs: Any
    ) -> Self:
        """Credentials from NETVISOR_CUSTOMER_ID / _CUSTOMER_KEY / _PARTNER_ID / _PARTNER_KEY /
        _ORGANISATION_ID; `base_url` from the settings (netvisor.base_url), else the real API."""
        return cls(base_url or DEFAULT_BASE_URL, NetvisorCredentials.from_env(environ), **kwargs)
