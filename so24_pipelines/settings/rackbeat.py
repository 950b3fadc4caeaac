"""Rackbeat: its section and the settings of flows R1-R9 (24SO <-> Rackbeat)."""

from __future__ import annotations

from typing import Annotated, Literal

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

SYSTEM = SystemInfo("rackbeat", "Rackbeat", credential_env_vars=("RACKBEAT_API_TOKEN",))

_BOTH = ("so24", "rackbeat")
FLOWS: dict[str, FlowInfo] = {
    "R1": FlowInfo("Products 24SO <-> Rackbeat", _BOTH, True),
    "R2": FlowInfo("Customers and suppliers 24SO <-> Rackbeat", _BOTH, True),
    "R3": FlowInfo("Initial sync 24SO -> Rackbeat", _BOTH, True),
    "R4": FlowInfo("Orders 24SO -> Rackbeat", _BOTH, True),
    "R5": FlowInfo("Shipped in Rackbeat -> 24SO 'Sent'", _BOTH, True),
    "R6": FlowInfo("Order edits in Rackbeat -> 24SO", _BOTH, True),
    "R7": FlowInfo("Created in Rackbeat -> 24SO", _BOTH, True),
    "R8": FlowInfo("Stock changes Rackbeat -> 24SO (debounced)", _BOTH, True),
    "R9": FlowInfo("Manual GET of one 24SO order into Rackbeat", _BOTH, True),
}
BUILT: frozenset[str] = frozenset({"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9"})

Direction = Literal["24so", "rackbeat", "both"]
# The 24SO statuses R4 may pick orders up at.
So24TransferStatus = Literal["Confirmed", "Production", "Pack"]
RackbeatOrderStatus = Literal["draft", "booked", "booked_ready_for_shipment"]
RackbeatInitialEntity = Literal["customers", "suppliers", "product_categories", "products"]
RackbeatCreatedEntity = Literal["products", "customers", "suppliers", "invoices"]


class RackbeatSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/rackbeat", description="Real Rackbeat: https://app.rackbeat.com/api."
    )
    requests_per_minute: int = Field(
        480, ge=1, le=10000, description="Client-side throttle; Rackbeat clients use 480/min."
    )


class R1Settings(FlowSettings):
    products: Direction = Field(
        "24so", description="Where products are created and maintained: 24so, rackbeat or both."
    )


class R2Settings(FlowSettings):
    customers: Direction = Field(
        "24so", description="Where customers are maintained: 24so, rackbeat or both."
    )
    suppliers: Direction = Field(
        "24so", description="Where suppliers are maintained: 24so, rackbeat or both."
    )
    currency: str = Field(
        "NOK", description="Currency (ISO 4217) of customers created on the Rackbeat side (seed 000)."
    )
    language: str = Field(
        "Norsk", min_length=1, description="Language of customers created on the Rackbeat side (seed 000)."
    )

    @field_validator("currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isascii() or not value.isalpha() or not value.isupper():
            raise ValueError(f"must be a three-letter ISO 4217 code such as NOK (got {value!r})")
        return value


class R3Settings(FlowSettings):
    entities: Annotated[list[RackbeatInitialEntity], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["customers", "suppliers", "product_categories", "products"],
        min_length=1,
        description="What the one-off initial sync copies to Rackbeat (product categories become product groups).",
    )


class R4Settings(ScheduledFlowSettings):
    so24_status: So24TransferStatus = Field(
        "Confirmed", description="24SO status at which an order goes to Rackbeat."
    )
    rackbeat_status: RackbeatOrderStatus = Field(
        "draft", description="Status the order gets when created in Rackbeat."
    )


class R7Settings(FlowSettings):
    entities: Annotated[list[RackbeatCreatedEntity], AfterValidator(_unique)] = Field(
        default_factory=lambda: ["products", "customers", "suppliers", "invoices"],
        min_length=1,
        description="Records created in Rackbeat that go to 24SO (products/customers/suppliers only where R1/R2 allow).",
    )


class R8Settings(FlowSettings):
    debounce_seconds: int = Field(
        60,
        ge=0,
        le=3600,
        description="Wait after inventory.changed, so a shipment is not regulated twice (seed 000).",
    )
