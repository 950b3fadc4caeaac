"""The four Netvisor secrets and the company they open, read from the environment only.

Netvisor needs two key pairs (reference §2): the software partner's (PartnerId + PartnerKey, from
Netvisor partner support; test and production pairs differ) and the company's integration user's
(CustomerId + CustomerKey, made by the company's admin), plus the company's business ID, which picks
the company. The keys never travel: they only key the MAC. `repr()` hides them, and no error built
here quotes a value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from so24_pipelines.connectors.errors import ConfigError

ENV_VARS = {
    "customer_id": "NETVISOR_CUSTOMER_ID",
    "customer_key": "NETVISOR_CUSTOMER_KEY",
    "partner_id": "NETVISOR_PARTNER_ID",
    "partner_key": "NETVISOR_PARTNER_KEY",
    "organisation_id": "NETVISOR_ORGANISATION_ID",
}


@dataclass(frozen=True)
class NetvisorCredentials:
    customer_id: str
    customer_key: str
    partner_id: str
    partner_key: str
    organisation_id: str

    def __post_init__(self) -> None:
        missing = [ENV_VARS[name] for name in ENV_VARS if not str(getattr(self, name) or "").strip()]
        if missing:
            raise ConfigError(f"Netvisor credentials missing: {', '.join(missing)}")

    def __repr__(self) -> str:
        return (
            f"NetvisorCredentials(customer_id={self.customer_id!r}, partner_id={self.partner_id!r}, "
            f"organisation_id={self.organisation_id!r}, keys=<hidden>)"
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NetvisorCredentials:
        """From NETVISOR_CUSTOMER_ID, _CUSTOMER_KEY, _PARTNER_ID, _PARTNER_KEY and _ORGANISATION_ID."""
        env = os.environ if environ is None else environ
        missing = [var for var in ENV_VARS.values() if not env.get(var, "").strip()]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        return cls(**{name: env[var].strip() for name, var in ENV_VARS.items()})
