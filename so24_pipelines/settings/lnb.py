"""Le New Black: its section and the settings of flows L1-L3 (24SO <-> LNB)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from so24_pipelines.settings.base import (
    ConnectedSystemSettings,
    FlowInfo,
    ScheduledFlowSettings,
    SystemInfo,
    UrlStr,
    _unique,
)
from so24_pipelines.settings.so24 import So24OrderState

SYSTEM = SystemInfo("lnb", "Le New Black", credential_env_vars=("LNB_CLIENT_ID", "LNB_CLIENT_SECRET"))

_BOTH = ("so24", "lnb")
FLOWS: dict[str, FlowInfo] = {
    "L1": FlowInfo("Stock levels 24SO -> Le New Black", _BOTH, True),
    "L2": FlowInfo("Orders Le New Black -> 24SO", _BOTH, True),
    "L3": FlowInfo("Le New Black monitoring (task logs, triggers, preview)", _BOTH, True),
}
BUILT: frozenset[str] = frozenset({"L1", "L2"})

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
        "ean13",
        description="What LNB's stock lines are keyed by: ean13 = the 24SO product's EAN1, sku = its product "
        "number (No). A product without that code is not exported (skipped, with the reason, in the run's "
        "metadata).",
    )
    available: Literal["stock", "stock_minus_open_orders"] = Field(
        "stock",
        description="What the available-to-sell figure sent to LNB (in_stock) is computed from. stock: the "
        "24SO product's Stock as it is. stock_minus_open_orders: Stock minus the quantities on the rows of "
        "24SO orders in open_order_statuses (goods promised but still in Stock). Either way LNB gets whole "
        "units: a fraction is rounded down and a figure below 0 is sent as 0.",
    )
    open_order_statuses: Annotated[list[So24OrderState], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["Confirmed", "Production", "Pack"],
        min_length=1,
        description="With available: stock_minus_open_orders, the 24SO order statuses whose row quantities "
        "are deducted: those between confirming an order and 24SO taking its goods out of Stock (when that "
        "happens depends on the 24SO setup, so check it). Unused with available: stock.",
    )


class L2Settings(ScheduledFlowSettings):
    statuses: Annotated[list[LnbOrderStatus], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["confirmed"],
        min_length=1,
        description="LNB order statuses that are exported to 24SO.",
    )
    so24_status: So24OrderState = Field(
        "Confirmed",
        description="The status a 24SO order made from an LNB order gets. Confirmed: the brand confirmed it "
        "in LNB; with Ongoing or Rackbeat connected, a Confirmed 24SO order goes on to the warehouse (O2, R4).",
    )
    product_key: Literal["ean13", "sku"] | None = Field(
        None,
        description="How an order line finds its 24SO product: ean13 = the line's EAN13 is the product's EAN1, "
        "sku = the line's SKU is its product number (No). Empty: the same key as flows.L1.key. A line that "
        "matches no product (or several) blocks its order, with the reason.",
    )
    acknowledge_status: LnbOrderStatus | None = Field(
        "closed",
        description="The LNB status an order is moved to once 24SO has it, so the brand sees in LNB what the "
        "ERP has (LNB's own ERP connectors move exported orders to closed; the value is unsure, set what the "
        "brand wants). Empty: the order is left as it is. Must not be one of `statuses`.",
    )
    discount_rate_unit: Literal["fraction", "percent"] = Field(
        "fraction",
        description="How LNB writes an order line's discount_rate (unsure: undocumented): fraction = 0.1 "
        "for 10 %, percent = 10. 24SO takes a percentage; a line whose discount is not 0-100 % blocks its "
        "order.",
    )

    @model_validator(mode="after")
    def _acknowledge_leaves_the_export_statuses(self) -> L2Settings:
        """Moving an exported order to a status it is exported from would change nothing the brand can see."""
        if self.acknowledge_status is not None and self.acknowledge_status in self.statuses:
            raise ValueError(
                f"acknowledge_status {self.acknowledge_status!r} is one of statuses {self.statuses}; "
                "it must be a status the order moves to after the export"
            )
        return self
