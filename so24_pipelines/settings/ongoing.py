"""Ongoing WMS: its section and the settings of flows O1-O6 (24SO <-> Ongoing)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from so24_pipelines.settings.base import ConnectedSystemSettings, FlowInfo, FlowSettings, SystemInfo, UrlStr
from so24_pipelines.settings.so24 import So24OrderState

SYSTEM = SystemInfo(
    "ongoing",
    "Ongoing",
    credential_env_vars=("ONGOING_USERNAME", "ONGOING_PASSWORD", "ONGOING_GOODS_OWNER_ID"),
)

_BOTH = ("so24", "ongoing")
FLOWS: dict[str, FlowInfo] = {
    "O1": FlowInfo("Article registry 24SO -> Ongoing", _BOTH, True),
    "O2": FlowInfo("Sales orders 24SO -> Ongoing", _BOTH, True),
    "O3": FlowInfo("Order status Ongoing -> 24SO", _BOTH, True),
    "O4": FlowInfo("Supplier registry 24SO -> Ongoing", _BOTH, False),
    "O5": FlowInfo("Stock balance Ongoing -> 24SO", _BOTH, True),
    "O6": FlowInfo("Ongoing schedule for O1-O5", _BOTH, True),
}
BUILT: frozenset[str] = frozenset({"O1", "O2", "O3", "O4", "O5", "O6"})


class OngoingSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/ongoing/sandbox",
        description="Real Ongoing: https://api.ongoingsystems.se/{warehouse}; one URL per WMS instance, "
        "the client adds /api/v1.",
    )


class O2Settings(FlowSettings):
    so24_status: So24OrderState = Field(
        "Confirmed", description="24SO status at which an order goes to the WMS."
    )


class O3Settings(FlowSettings):
    report_fulfilled: bool = Field(
        True, description="Set the 24SO order to fulfilled_status when the WMS ships it."
    )
    fulfilled_status: So24OrderState = Field(
        "OrderState_Sent", description="24SO status of a shipped order ('Sent')."
    )
    set_status_on_import: bool = Field(
        False, description="Also set a 24SO status when the WMS imports the order."
    )
    import_status: So24OrderState = Field(
        "Pack", description="That status, used only with set_status_on_import."
    )


class O5Settings(FlowSettings):
    stock_kind: Literal["sellable", "physical"] = Field(
        "sellable",
        description="WMS figure written to 24SO: sellable (minus reserved for orders) or physical.",
    )


class O6Settings(FlowSettings):
    interval_minutes: int = Field(
        15, ge=1, le=1440, description="Schedule interval of O1-O5 (seed 001: 15 minutes)."
    )
