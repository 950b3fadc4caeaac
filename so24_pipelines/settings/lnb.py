"""Le New Black: its section and the settings of flows L1-L3 (24SO <-> LNB)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from so24_pipelines.settings.base import (
    ConnectedSystemSettings,
    FlowInfo,
    ScheduledFlowSettings,
    SystemInfo,
    UrlStr,
    _unique,
)

SYSTEM = SystemInfo("lnb", "Le New Black", credential_env_vars=("LNB_CLIENT_ID", "LNB_CLIENT_SECRET"))

_BOTH = ("so24", "lnb")
FLOWS: dict[str, FlowInfo] = {
    "L1": FlowInfo("Stock levels 24SO -> Le New Black", _BOTH, True),
    "L2": FlowInfo("Orders Le New Black -> 24SO", _BOTH, True),
    "L3": FlowInfo("Le New Black monitoring (task logs, triggers, preview)", _BOTH, True),
}
BUILT: frozenset[str] = frozenset()

# LNB's UI lifecycle as lower-case API values (reference/lenewblack §4.2 assumption; verify with LNB).
LnbOrderStatus = Literal[
    "draft", "open_for_buyer", "open_for_brand", "confirmed", "invoicing", "closed", "canceled"
]


class LnbSettings(ConnectedSystemSettings):
    """The connection to LNB. The reference has medium confidence (three SDKs that disagree), so each
    choice it is unsure of is a key here, defaulting to its best guess; confirm them with LNB."""

    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/lnb",
        description="Real Le New Black: https://www.lenewblack.com/apis/wholesale/v2.",
    )
    auth_path: Literal["auth/token", "oauth/token"] = Field(
        "auth/token",
        description="Token endpoint (unsure: SDKs disagree): auth/token takes JSON (PHP, Python SDKs), "
        "oauth/token a form (Java SDK).",
    )
    filter_time_format: Literal["datetime", "iso"] = Field(
        "datetime",
        description="How order filters write times (unsure): datetime = Y-m-d H:i:s in UTC, iso = ISO 8601 "
        "with +00:00.",
    )
    page_size: int = Field(
        500,
        ge=1,
        le=10000,
        description="Rows per page of LNB lists (the PHP SDK's 500); ends a list at a short page when LNB "
        "sends no pagination headers.",
    )
    stock_batch_size: int = Field(
        500, ge=1, le=1000, description="Stock items per bulk write (LNB documents no maximum)."
    )
    requests_per_minute: int = Field(
        300, ge=1, le=10000, description="Client-side throttle; LNB publishes no rate limit."
    )


class L1Settings(ScheduledFlowSettings):
    key: Literal["ean13", "sku"] = Field(
        "ean13", description="How LNB identifies stock lines: by EAN13 or by SKU."
    )


class L2Settings(ScheduledFlowSettings):
    statuses: Annotated[list[LnbOrderStatus], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["confirmed"],
        min_length=1,
        description="LNB order statuses that are exported to 24SO.",
    )
