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
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/lnb",
        description="Real Le New Black: https://www.lenewblack.com/apis/wholesale/v2.",
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
