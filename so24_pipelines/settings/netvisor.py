"""Netvisor: its section and the settings of flows N1-N3, which pair Netvisor with Rackbeat (not 24SO)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator

from so24_pipelines.settings.base import (
    ConnectedSystemSettings,
    FlowInfo,
    FlowSettings,
    SystemInfo,
    UrlStr,
    _unique,
)

SYSTEM = SystemInfo(
    "netvisor",
    "Netvisor",
    credential_env_vars=(
        "NETVISOR_CUSTOMER_ID",
        "NETVISOR_CUSTOMER_KEY",
        "NETVISOR_PARTNER_ID",
        "NETVISOR_PARTNER_KEY",
        "NETVISOR_ORGANISATION_ID",
    ),
)

_BOTH = ("netvisor", "rackbeat")
FLOWS: dict[str, FlowInfo] = {
    "N1": FlowInfo("Initial sync of registers Netvisor <-> Rackbeat", _BOTH, True),
    "N2": FlowInfo("Matching Netvisor <-> Rackbeat registers", _BOTH, True),
    "N3": FlowInfo("Going live Rackbeat -> Netvisor", _BOTH, True),
}
BUILT: frozenset[str] = frozenset()

NetvisorRegister = Literal["customers", "suppliers", "products"]


class NetvisorSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/netvisor", description="Real Netvisor: https://isvapi.netvisor.fi."
    )
    timeout_seconds: int = Field(
        120, ge=1, le=600, description="Netvisor asks clients to wait at least 120 s."
    )


class N1Settings(FlowSettings):
    direction: Literal["netvisor_to_rackbeat", "rackbeat_to_netvisor"] = Field(
        "netvisor_to_rackbeat", description="Which side's registers seed the other (seed 003)."
    )
    registers: Annotated[list[NetvisorRegister], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["customers", "suppliers", "products"],
        min_length=1,
        description="Registers in the initial sync: all, or a subset.",
    )


class N3Settings(FlowSettings):
    go_live: Literal["now"] | date = Field(
        "now", description="'now', or a date (YYYY-MM-DD) from which Rackbeat events flow to Netvisor."
    )

    @field_validator("go_live", mode="before")
    @classmethod
    def _check_go_live(cls, value: Any) -> Any:
        if value == "now" or isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"must be 'now' or a date YYYY-MM-DD (got {value!r})")
