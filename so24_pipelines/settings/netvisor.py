"""Netvisor: its section and the settings of flows N1-N3, which pair Netvisor with Rackbeat (not 24SO)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, field_validator

from so24_pipelines.settings.base import (
    ConnectedSystemSettings,
    FlowInfo,
    FlowSettings,
    ScheduledFlowSettings,
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
BUILT: frozenset[str] = frozenset({"N1", "N2", "N3"})

NetvisorRegister = Literal["customers", "suppliers", "products"]


class NetvisorSettings(ConnectedSystemSettings):
    """Netvisor's connection. A key whose description names a reference section exists because
    reference/netvisor/API.md is unsure there; its default is the reference's best reading."""

    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/netvisor", description="Real Netvisor: https://isvapi.netvisor.fi."
    )
    timeout_seconds: int = Field(
        120, ge=1, le=600, description="Netvisor asks clients to wait at least 120 s."
    )
    sender: str = Field(
        "so24-pipelines",
        min_length=1,
        max_length=100,
        pattern=r"^[ -~]+$",
        description="The integration's name in X-Netvisor-Authentication-Sender (printable ASCII, part of the MAC).",
    )
    language: Literal["FI", "EN", "SE"] = Field(
        "EN",
        description="X-Netvisor-Interface-Language: the language of Netvisor's error texts in the run log.",
    )
    mac_algorithm: Literal["HMACSHA256", "SHA256"] = Field(
        "HMACSHA256",
        description="MAC scheme. The vendor's authentication page describes HMACSHA256, its security page "
        "still lists SHA256 (reference §3); use what the partner credentials were issued for.",
    )
    mac_text_encoding: Literal["iso-8859-15", "iso-8859-1"] = Field(
        "iso-8859-15",
        description="How the MAC's text becomes bytes: ISO-8859-15 per a write-up citing the vendor, "
        "ISO-8859-1 in the pinned client (reference §3); they differ only for € Š š Ž ž Œ œ Ÿ.",
    )
    request_encoding: Literal["iso-8859-15", "utf-8"] = Field(
        "iso-8859-15",
        description="Encoding of import messages: ISO-8859-15 per the vendor, UTF-8 with a charset per a "
        "working client (reference §1, §8.4). A character the encoding cannot carry stops that record.",
    )
    use_http_status_codes: bool = Field(
        False,
        description="Send UseHTTPResponseStatusCodes: 1. Which HTTP codes Netvisor then uses is unknown "
        "(reference §8.2); the XML status decides either way.",
    )
    timezone: str = Field(
        "Europe/Helsinki",
        description="Zone of Netvisor's TimeStamp and changedsince values, which carry none (not documented; "
        "a Finnish service's local time is assumed).",
    )
    lock_wait_seconds: int = Field(
        600,
        ge=1,
        le=3600,
        description="Netvisor takes one call at a time per company; how long a call waits for the one "
        "before it (threads and processes on this host) before failing as transient.",
    )

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone name such as Europe/Helsinki") from None
        return value


class N1Settings(FlowSettings):
    direction: Literal["netvisor_to_rackbeat", "rackbeat_to_netvisor"] = Field(
        "netvisor_to_rackbeat", description="Which side's registers seed the other (seed 003)."
    )
    registers: Annotated[list[NetvisorRegister], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["customers", "suppliers", "products"],
        min_length=1,
        description="Registers in the initial sync (and in N2's matching): all, or a subset.",
    )
    rackbeat_product_group: int | None = Field(
        None,
        ge=1,
        description="The Rackbeat product group that products N1 creates in Rackbeat join (Rackbeat requires "
        "one; Netvisor's product groups are names, Rackbeat's are numbers). Empty: the lowest-numbered group.",
    )


class N3Settings(ScheduledFlowSettings):
    go_live: Literal["now"] | date = Field(
        "now",
        description="'now' (from the first run that finds N3 on), or a date (YYYY-MM-DD, from 00:00 in "
        "netvisor.timezone) from which what is created or changed in Rackbeat flows to Netvisor. Before it "
        "nothing is written and each run shows the readiness report.",
    )
    registers: Annotated[list[NetvisorRegister], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["customers", "suppliers", "products"],
        min_length=1,
        description="Registers that flow to Netvisor once live: all, or a subset.",
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
