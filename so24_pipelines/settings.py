"""so24.yaml as one validated pydantic model (ARCHITECTURE decision 8).

Settings are data: which flows run, in which direction, at which 24SO status and how often. They
are validated when the Dagster code location loads, so a typo or an impossible value stops
`dagster definitions validate` with a message that names the key, instead of surfacing mid-sync as
a half-written order. Every model forbids unknown keys for the same reason.

Credentials never live here. The file is meant to be committed; the secrets are read from the env
vars in CREDENTIAL_ENV_VARS (through `dagster.EnvVar` in the resources), and a file that tries to
hold one is refused with the name of the env var to use instead.

A deployment connects 24SO to some of the other systems, never to all of them: each non-24SO
system section has `enabled` ("connect this system", off by default). A flow defaults to what its
vendor's guide (seeds/) says, but only once it is built and every system it talks to is connected;
so an empty file runs the 24SO extraction only and asks for no Rackbeat or Ongoing credentials.
Switching on a flow that has no code yet, or whose system is not connected, is refused: the switch
would silently do nothing. BUILT_FLOWS is the one place a finished flow is declared.

24SO stock has one master. R8 (Rackbeat) and O5 (Ongoing) both set it, so both on is refused; with
both systems connected R8 defaults on and O5 off, and switching O5 on explicitly turns R8's default
off (STOCK_MASTER_FLOWS).
"""

from __future__ import annotations

import contextvars
import os
import zoneinfo
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from so24_pipelines import settings_messages

SETTINGS_ENV_VAR = "SO24_SETTINGS"
DEFAULT_SETTINGS_FILE = "so24.yaml"
STAGING_FILE_NAME = "so24_staging.duckdb"

# Flows whose code exists. Add a flow here when its issue lands (and in so24.example.yaml drop its
# "not built yet" mark, and its `enabled` if the flow needs a system other than 24SO).
BUILT_FLOWS: frozenset[str] = frozenset(
    {"E1", "E2", "E3", "E4", "E5", "E6", "E7"}
    | {"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9"}
    | {"O1", "O2", "O3", "O4", "O5", "O6"}
)

SYSTEMS: tuple[str, ...] = ("so24", "rackbeat", "ongoing", "lnb", "smartdok", "netvisor")
# The systems a deployment switches on (<system>.enabled); 24SO is the hub and always on.
CONNECTABLE_SYSTEMS: tuple[str, ...] = SYSTEMS[1:]
SYSTEM_TITLES: dict[str, str] = {
    "so24": "24SO",
    "rackbeat": "Rackbeat",
    "ongoing": "Ongoing",
    "lnb": "Le New Black",
    "smartdok": "Smartdok",
    "netvisor": "Netvisor",
}

# What each system's auth scheme needs (reference/*/API.md). Identifiers that pick a tenant
# (goods owner, organisation) are here too: they differ per deployment like the secrets do.
CREDENTIAL_ENV_VARS: dict[str, tuple[str, ...]] = {
    "so24": ("SO24_APPLICATION_ID", "SO24_USERNAME", "SO24_PASSWORD"),
    "rackbeat": ("RACKBEAT_API_TOKEN",),
    "ongoing": ("ONGOING_USERNAME", "ONGOING_PASSWORD", "ONGOING_GOODS_OWNER_ID"),
    "lnb": ("LNB_CLIENT_ID", "LNB_CLIENT_SECRET"),
    "smartdok": ("SMARTDOK_API_TOKEN",),
    "netvisor": (
        "NETVISOR_CUSTOMER_ID",
        "NETVISOR_CUSTOMER_KEY",
        "NETVISOR_PARTNER_ID",
        "NETVISOR_PARTNER_KEY",
        "NETVISOR_ORGANISATION_ID",
    ),
}


@dataclass(frozen=True)
class FlowInfo:
    """What FLOWS.md says about a flow: the systems it talks to and the seed's default switch."""

    title: str
    systems: tuple[str, ...]
    seed_on: bool


_SO, _RB, _ON, _LNB, _SD, _NV = SYSTEMS
FLOW_CATALOG: dict[str, FlowInfo] = {
    "E1": FlowInfo("Extract products from 24SO", (_SO,), True),
    "E2": FlowInfo("Extract product categories from 24SO", (_SO,), True),
    "E3": FlowInfo("Extract companies (customers, suppliers) from 24SO", (_SO,), True),
    "E4": FlowInfo("Extract invoice orders with rows from 24SO", (_SO,), True),
    "E5": FlowInfo("Extract projects from 24SO", (_SO,), True),
    "E6": FlowInfo("Extract work types and salary types from 24SO", (_SO,), True),
    "E7": FlowInfo("Extract persons (employees) from 24SO", (_SO,), True),
    "R1": FlowInfo("Products 24SO <-> Rackbeat", (_SO, _RB), True),
    "R2": FlowInfo("Customers and suppliers 24SO <-> Rackbeat", (_SO, _RB), True),
    "R3": FlowInfo("Initial sync 24SO -> Rackbeat", (_SO, _RB), True),
    "R4": FlowInfo("Orders 24SO -> Rackbeat", (_SO, _RB), True),
    "R5": FlowInfo("Shipped in Rackbeat -> 24SO 'Sent'", (_SO, _RB), True),
    "R6": FlowInfo("Order edits in Rackbeat -> 24SO", (_SO, _RB), True),
    "R7": FlowInfo("Created in Rackbeat -> 24SO", (_SO, _RB), True),
    "R8": FlowInfo("Stock changes Rackbeat -> 24SO (debounced)", (_SO, _RB), True),
    "R9": FlowInfo("Manual GET of one 24SO order into Rackbeat", (_SO, _RB), True),
    "O1": FlowInfo("Article registry 24SO -> Ongoing", (_SO, _ON), True),
    "O2": FlowInfo("Sales orders 24SO -> Ongoing", (_SO, _ON), True),
    "O3": FlowInfo("Order status Ongoing -> 24SO", (_SO, _ON), True),
    "O4": FlowInfo("Supplier registry 24SO -> Ongoing", (_SO, _ON), False),
    "O5": FlowInfo("Stock balance Ongoing -> 24SO", (_SO, _ON), True),
    "O6": FlowInfo("Ongoing schedule for O1-O5", (_SO, _ON), True),
    "L1": FlowInfo("Stock levels 24SO -> Le New Black", (_SO, _LNB), True),
    "L2": FlowInfo("Orders Le New Black -> 24SO", (_SO, _LNB), True),
    "L3": FlowInfo("Le New Black monitoring (task logs, triggers, preview)", (_SO, _LNB), True),
    "N1": FlowInfo("Initial sync of registers Netvisor <-> Rackbeat", (_NV, _RB), True),
    "N2": FlowInfo("Matching Netvisor <-> Rackbeat registers", (_NV, _RB), True),
    "N3": FlowInfo("Going live Rackbeat -> Netvisor", (_NV, _RB), True),
    "S1": FlowInfo("Employees 24SO -> Smartdok", (_SO, _SD), True),
    "S2": FlowInfo("Projects 24SO -> Smartdok", (_SO, _SD), True),
    "S3": FlowInfo("Approved hours Smartdok -> 24SO", (_SO, _SD), True),
    "S4": FlowInfo("Smartdok readiness report", (_SO, _SD), True),
    "X7": FlowInfo("Nightly reconciliation across systems", (_SO,), True),
}


class SettingsError(ValueError):
    """A bad settings file. `problems` holds (key path, message); the text never quotes a secret."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{source}: {key}: {message}" if key else f"{source}: {message}" for key, message in problems
        ]
        super().__init__("\n".join(lines))


# Flows that both set 24SO stock, in order of preference: the first defaults on, the second only
# defaults on while the first is off.
STOCK_MASTER_FLOWS: tuple[str, str] = ("R8", "O5")


def missing_systems(flow_id: str, connected: Collection[str]) -> tuple[str, ...]:
    """The non-24SO systems of a flow that are not connected (24SO always is)."""
    return tuple(s for s in FLOW_CATALOG[flow_id].systems if s != "so24" and s not in connected)


def default_enabled(flow_id: str, connected: Collection[str] = ()) -> bool:
    """The seed's default switch, held off while the flow has no code or a system is not connected.

    `connected` names the systems with `<system>.enabled: true` (24SO counts as always connected).
    The R8/O5 stock-master preference is applied on top of this by the flows section.
    """
    info = FLOW_CATALOG[flow_id]
    return info.seed_on and flow_id in BUILT_FLOWS and not missing_systems(flow_id, connected)


# The connected systems of the Settings being validated, for the flows section's defaults and checks.
_CONNECTED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "so24_connected_systems", default=frozenset()
)
_BOOL = TypeAdapter(bool)


def _switched_on(entry: Any) -> bool:
    """Whether a raw section (system or flow) says `enabled: true`; an invalid value counts as off
    (the section's own validation reports it)."""
    if not isinstance(entry, dict) or "enabled" not in entry:
        return False
    try:
        return _BOOL.validate_python(entry["enabled"])
    except ValidationError:
        return False


def _raw_connected(data: Mapping[str, Any]) -> frozenset[str]:
    """The systems a raw settings mapping connects."""
    return frozenset(s for s in CONNECTABLE_SYSTEMS if _switched_on(data.get(s)))


Direction = Literal["24so", "rackbeat", "both"]
So24TransferStatus = Literal["Confirmed", "Production", "Pack"]
RackbeatOrderStatus = Literal["draft", "booked", "booked_ready_for_shipment"]
# OrderSlipStateType from InvoiceService's WSDL, without None (never a meaningful target).
So24OrderState = Literal[
    "Offer", "Pack", "Invoiced", "Web", "Repeating", "CollectingOrder", "Return", "Distribution", "Rest",
    "ForInvoicing", "OvertimeRent", "Confirmed", "OrderState_Sent", "Production", "PaymentReminder",
    "OnAccount", "Lending", "InvoicedCashAccount", "InvoicedPack", "Inactive", "Hours",
    "OrderState_SuperStore", "Draft",
]  # fmt: skip
# LNB's UI lifecycle as lower-case API values (reference/lenewblack §4.2 assumption; verify with LNB).
LnbOrderStatus = Literal[
    "draft", "open_for_buyer", "open_for_brand", "confirmed", "invoicing", "closed", "canceled"
]
RackbeatInitialEntity = Literal["customers", "suppliers", "product_categories", "products"]
RackbeatCreatedEntity = Literal["products", "customers", "suppliers", "invoices"]
NetvisorRegister = Literal["customers", "suppliers", "products"]


class _Model(BaseModel):
    # hide_input_in_errors: pydantic's own error text must never echo a value that could be a secret.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


def _unique(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("lists an entry twice")
    return values


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; they belong in env vars")
    return value.rstrip("/")


UrlStr = Annotated[str, AfterValidator(_check_url)]


_fail = settings_messages.fail


# --------------------------------------------------------------------------- systems


class StagingSettings(_Model):
    path: str | None = Field(
        None,
        description="DuckDB staging file. Empty: $DAGSTER_HOME/so24_staging.duckdb, else "
        "./.dagster_home/so24_staging.duckdb, so staging survives runs like Dagster's own storage.",
    )


class SystemSettings(_Model):
    base_url: UrlStr = Field(description="Root URL of the system's API; the default is the bundled sandbox.")
    timeout_seconds: int = Field(
        30, ge=1, le=600, description="Per-request timeout; a hung call must not hold a run."
    )
    max_retries: int = Field(
        5, ge=0, le=20, description="Retries of transient failures (5xx, 429, dropped connections)."
    )


class _Connect(_Model):
    enabled: bool = Field(
        False,
        description="Connect this system: its flows then take their seed defaults and may be switched on; "
        "off, they stay off and its credentials are not needed.",
    )


class ConnectedSystemSettings(SystemSettings, _Connect):
    """A system other than 24SO: a deployment connects only some of them (`enabled`)."""


class So24Settings(SystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/24so",
        description="Host of Authenticate, Product, Company and Invoice services. Real 24SO: https://api.24sevenoffice.com.",
    )
    webservices_url: UrlStr | None = Field(
        None,
        description="Host of Project, Time and Person services (real 24SO: https://webservices.24sevenoffice.com). "
        "Empty: same as base_url, which is how the sandbox serves them.",
    )
    identities: list[str] = Field(
        default_factory=list,
        description="24SO identity GUIDs (companies) to sync (X9). Empty: the login's default identity.",
    )
    cadence_minutes: int = Field(15, ge=1, le=1440, description="Incremental extraction interval (E1-E7).")
    overlap_minutes: int = Field(
        2,
        ge=1,
        le=1440,
        description="Re-read this far behind the high-water mark: 24SO change dates ignore seconds.",
    )
    batch_size: int = Field(
        1000, ge=1, le=1000, description="Ids per 24SO Get* call: GetInvoices accepts at most 1000 OrderIds."
    )
    requests_per_hour: int = Field(
        7200,
        ge=1,
        le=7200,
        description="Client-side rate limit: 24SO allows 7,200 requests per hour per user.",
    )
    timeout_seconds: int = Field(
        60, ge=1, le=600, description="Per-call timeout; big Get* answers take a while."
    )

    @field_validator("identities")
    @classmethod
    def _check_identities(cls, values: list[str]) -> list[str]:
        try:
            normalised = [str(UUID(v)) for v in values]
        except (ValueError, TypeError, AttributeError):
            raise ValueError(
                "every identity must be a GUID like 3fa85f64-5717-4562-b3fc-2c963f66afa6"
            ) from None
        return _unique(normalised)

    @property
    def effective_webservices_url(self) -> str:
        """Where Project/Time/Person services live: the second 24SO host, or base_url when unset."""
        return self.webservices_url or self.base_url


class RackbeatSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/rackbeat", description="Real Rackbeat: https://app.rackbeat.com/api."
    )
    requests_per_minute: int = Field(
        480, ge=1, le=10000, description="Client-side throttle; Rackbeat clients use 480/min."
    )


class OngoingSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/ongoing/sandbox",
        description="Real Ongoing: https://api.ongoingsystems.se/{warehouse}; one URL per WMS instance, "
        "the client adds /api/v1.",
    )


class LnbSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/lnb",
        description="Real Le New Black: https://www.lenewblack.com/apis/wholesale/v2.",
    )


class SmartdokSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/smartdok", description="Real Smartdok: https://api.smartdok.no."
    )


class NetvisorSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/netvisor", description="Real Netvisor: https://isvapi.netvisor.fi."
    )
    timeout_seconds: int = Field(
        120, ge=1, le=600, description="Netvisor asks clients to wait at least 120 s."
    )


# --------------------------------------------------------------------------- flows


class FlowSettings(_Model):
    enabled: bool = Field(
        False,
        description="The flow's switch. Default: the seed's, once the flow is built and each system it "
        "talks to is connected (`<system>.enabled: true`); off otherwise. With Rackbeat and Ongoing both "
        "connected, R8 defaults on and O5 off (24SO stock has one master); O5: true turns R8's default off.",
    )
    dry_run: bool = Field(
        False, description="Plan and preview writes in Dagster metadata without sending them (X4)."
    )
    _flow_id: str = PrivateAttr("")

    @property
    def flow_id(self) -> str:
        return self._flow_id

    @property
    def built(self) -> bool:
        """Read-only: whether the flow has code (BUILT_FLOWS), never taken from the file."""
        return self._flow_id in BUILT_FLOWS


class ScheduledFlowSettings(FlowSettings):
    """A flow polled on its own schedule (no webhook tells the hub when something changed)."""

    cadence_minutes: int = Field(15, ge=1, le=1440, description="Schedule interval of the flow.")


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


class S3Settings(ScheduledFlowSettings):
    only_approved: bool = Field(True, description="Transfer only attested (approved) hours, as payroll does.")
    mark_exported_as: Literal["external", "payroll"] = Field(
        "external",
        description="Smartdok flag set on transferred hours: external leaves Smartdok's payroll export untouched.",
    )


class X7Settings(FlowSettings):
    hour: int = Field(3, ge=0, le=23, description="Hour of the nightly reconciliation run.")
    timezone: str = Field("Europe/Oslo", description="IANA time zone of that hour.")

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"must be an IANA time zone such as Europe/Oslo (got {value!r})") from None
        return value


class FlowsSettings(_Model):
    """One entry per flow ID of FLOWS.md; the X capabilities other than X7 are not switches."""

    E1: FlowSettings = Field(default_factory=FlowSettings)
    E2: FlowSettings = Field(default_factory=FlowSettings)
    E3: FlowSettings = Field(default_factory=FlowSettings)
    E4: FlowSettings = Field(default_factory=FlowSettings)
    E5: FlowSettings = Field(default_factory=FlowSettings)
    E6: FlowSettings = Field(default_factory=FlowSettings)
    E7: FlowSettings = Field(default_factory=FlowSettings)
    R1: R1Settings = Field(default_factory=R1Settings)
    R2: R2Settings = Field(default_factory=R2Settings)
    R3: R3Settings = Field(default_factory=R3Settings)
    R4: R4Settings = Field(default_factory=R4Settings)
    R5: FlowSettings = Field(default_factory=FlowSettings)
    R6: FlowSettings = Field(default_factory=FlowSettings)
    R7: R7Settings = Field(default_factory=R7Settings)
    R8: R8Settings = Field(default_factory=R8Settings)
    R9: FlowSettings = Field(default_factory=FlowSettings)
    O1: FlowSettings = Field(default_factory=FlowSettings)
    O2: O2Settings = Field(default_factory=O2Settings)
    O3: O3Settings = Field(default_factory=O3Settings)
    O4: FlowSettings = Field(default_factory=FlowSettings)
    O5: O5Settings = Field(default_factory=O5Settings)
    O6: O6Settings = Field(default_factory=O6Settings)
    L1: L1Settings = Field(default_factory=L1Settings)
    L2: L2Settings = Field(default_factory=L2Settings)
    L3: FlowSettings = Field(default_factory=FlowSettings)
    N1: N1Settings = Field(default_factory=N1Settings)
    N2: FlowSettings = Field(default_factory=FlowSettings)
    N3: N3Settings = Field(default_factory=N3Settings)
    S1: ScheduledFlowSettings = Field(default_factory=ScheduledFlowSettings)
    S2: ScheduledFlowSettings = Field(default_factory=ScheduledFlowSettings)
    S3: S3Settings = Field(default_factory=S3Settings)
    S4: FlowSettings = Field(default_factory=FlowSettings)
    X7: X7Settings = Field(default_factory=X7Settings)

    @model_validator(mode="before")
    @classmethod
    def _fill_switch_defaults(cls, data: Any) -> Any:
        """A flow the file leaves out, or whose switch it leaves out, gets default_enabled() for the
        connected systems, then the stock-master preference (R8 before O5)."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            return data
        connected = _CONNECTED.get()
        filled = {**data, **{f: {} for f in FLOW_CATALOG if data.get(f) is None}}
        first, second = STOCK_MASTER_FLOWS  # fill the preferred master first: the second depends on it
        for flow_id in (first, second, *FLOW_CATALOG):
            entry = filled[flow_id]
            if not isinstance(entry, dict) or "enabled" in entry:
                continue
            on = default_enabled(flow_id, connected)
            if flow_id == first:
                on = on and not _switched_on(data.get(second))
            elif flow_id == second:
                on = on and not _switched_on(filled[first])
            filled[flow_id] = {**entry, "enabled": on}
        return filled

    @field_validator("*")
    @classmethod
    def _refuse_switches_that_do_nothing(cls, flow: FlowSettings, info: ValidationInfo) -> FlowSettings:
        """Per flow, so every such switch is reported even when a sibling is invalid."""
        flow_id = str(info.field_name)
        flow._flow_id = flow_id
        if not flow.enabled:
            return flow
        if not flow.built:
            title = FLOW_CATALOG[flow_id].title
            _fail([("enabled", f"{flow_id} ({title}) is not built yet; set enabled: false")])
        missing = missing_systems(flow_id, _CONNECTED.get())
        if missing:
            names = " and ".join(SYSTEM_TITLES[s] for s in missing)
            keys = " and ".join(f"{s}.enabled: true" for s in missing)
            _fail([("enabled", f"{flow_id} needs {names}: set {keys} first")])
        return flow

    @model_validator(mode="after")
    def _check_cross_rules(self) -> FlowsSettings:
        problems = []
        if self.O3.set_status_on_import and self.O3.import_status == self.O2.so24_status:
            reason = (
                f"must differ from flows.O2.so24_status ({self.O2.so24_status}): "
                "setting the status orders are picked up at would show nothing in 24SO"
            )
            problems.append(("O3.import_status", reason))
        first, second = STOCK_MASTER_FLOWS
        if getattr(self, first).enabled and getattr(self, second).enabled:
            reason = (
                f"24SO stock would be set by both Rackbeat ({first}) and Ongoing ({second}): switch one off "
                f"(flows.{first}.enabled or flows.{second}.enabled)"
            )
            problems += [(f"{first}.enabled", reason), (f"{second}.enabled", reason)]
        if problems:
            _fail(problems)
        return self

    def items(self) -> Iterator[tuple[str, FlowSettings]]:
        """(flow id, its settings) in FLOWS.md order."""
        for flow_id in FLOW_CATALOG:
            yield flow_id, getattr(self, flow_id)


# --------------------------------------------------------------------------- the file

_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "privatekey", "customerkey", "partnerkey")


def _compact(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _env_suffix(var: str) -> str:
    return _compact(var.split("_", 1)[1])


def _secret_env_vars(path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The env vars to use instead if `path` looks like a credential, else None.

    Secret words are refused anywhere; a bare identifier such as `username` only in a system
    section or at the top, where it can only mean a login.
    """
    key = _compact(path[-1])
    section = path[0] if len(path) > 1 else None
    if section in CREDENTIAL_ENV_VARS:
        systems: tuple[str, ...] = (section,)
    elif section == "flows" and len(path) > 2 and path[1] in FLOW_CATALOG:
        systems = FLOW_CATALOG[path[1]].systems
    else:
        systems = tuple(s for s in SYSTEMS if key.startswith(s)) or SYSTEMS
    candidates = tuple(v for s in systems for v in CREDENTIAL_ENV_VARS[s])
    words = [w for w in _SECRET_WORDS if w in key]
    in_system_section = section is None or section in CREDENTIAL_ENV_VARS
    exact = tuple(v for v in candidates if _env_suffix(v) in (key, key.removeprefix(systems[0])))
    if not words and not (in_system_section and exact):
        return None
    related = tuple(v for v in candidates if any(w in _compact(v) for w in words))
    secretish = tuple(v for v in candidates if any(w in _compact(v) for w in _SECRET_WORDS))
    return exact or related or secretish or candidates


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield path + (str(k),)
            yield from _walk(v, path + (str(k),))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (str(i),))


class Settings(_Model):
    """The whole so24.yaml. Every section may be left out; it then takes its defaults."""

    staging: StagingSettings = Field(default_factory=StagingSettings)
    so24: So24Settings = Field(default_factory=So24Settings)
    rackbeat: RackbeatSettings = Field(default_factory=RackbeatSettings)
    ongoing: OngoingSettings = Field(default_factory=OngoingSettings)
    lnb: LnbSettings = Field(default_factory=LnbSettings)
    smartdok: SmartdokSettings = Field(default_factory=SmartdokSettings)
    netvisor: NetvisorSettings = Field(default_factory=NetvisorSettings)
    flows: FlowsSettings = Field(default_factory=FlowsSettings)

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """Refuse credentials before anything else, so no later message can quote one; then
        validate with the connected systems known to the flows section."""
        if not isinstance(data, dict):
            return handler(data)
        advice = "secrets and credentials do not belong in the settings file; remove this key and set {} in the environment"
        problems = []
        for path in _walk(data):
            env_vars = _secret_env_vars(path)
            if env_vars:
                problems.append((".".join(path), advice.format(" / ".join(env_vars))))
        if problems:
            _fail(problems)
        data = {k: ({} if v is None and k in cls.model_fields else v) for k, v in data.items()}
        token = _CONNECTED.set(_raw_connected(data))
        try:
            return handler({"flows": {}, **data})
        finally:
            _CONNECTED.reset(token)

    def flow(self, flow_id: str) -> FlowSettings:
        """One flow's settings by its FLOWS.md ID (case-insensitive)."""
        key = flow_id.upper()
        if key not in FLOW_CATALOG:
            raise KeyError(f"unknown flow {flow_id!r}; known: {', '.join(FLOW_CATALOG)}")
        return getattr(self.flows, key)

    def enabled_flows(self) -> list[str]:
        """IDs of the flows switched on, in FLOWS.md order."""
        return [flow_id for flow_id, flow in self.flows.items() if flow.enabled]

    def connected_systems(self) -> list[str]:
        """24SO plus every system with `enabled: true`, in SYSTEMS order."""
        return [s for s in SYSTEMS if s == "so24" or getattr(self, s).enabled]

    def systems_in_use(self) -> dict[str, list[str]]:
        """System -> the enabled flows that need it; what preflight checks credentials and URLs for."""
        used: dict[str, list[str]] = {}
        for flow_id in self.enabled_flows():
            for system in FLOW_CATALOG[flow_id].systems:
                used.setdefault(system, []).append(flow_id)
        return {s: used[s] for s in SYSTEMS if s in used}

    def system(self, name: str) -> SystemSettings:
        """A system section (so24, rackbeat, ongoing, lnb, smartdok, netvisor) by name."""
        if name not in SYSTEMS:
            raise KeyError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}")
        return getattr(self, name)

    def staging_path(self, env: Mapping[str, str] | None = None) -> Path:
        """The DuckDB file; resolved at call time so a DAGSTER_HOME set after loading still counts."""
        env = os.environ if env is None else env
        if self.staging.path:
            return Path(os.path.expandvars(self.staging.path)).expanduser()
        home = env.get("DAGSTER_HOME")
        base = Path(home).expanduser() if home else Path.cwd() / ".dagster_home"
        return base / STAGING_FILE_NAME


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice: PyYAML would silently keep the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key) if isinstance(key, str | int | float | bool) else None
        return super().construct_mapping(node, deep=deep)


def describe_validation_error(exc: ValidationError) -> list[tuple[str, str]]:
    """(key path, message) for every error, in the words a data engineer reads in the UI."""
    return settings_messages.describe_validation_error(exc, Settings)


def _resolve_source(path: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise SettingsError(str(source), [("", "settings file not found")])
        return source
    named = env.get(SETTINGS_ENV_VAR)
    if named:
        source = Path(named).expanduser()
        if not source.is_file():
            raise SettingsError(str(source), [("", f"settings file not found (named by {SETTINGS_ENV_VAR})")])
        return source
    local = Path(DEFAULT_SETTINGS_FILE)
    return local if local.is_file() else None


def _read_yaml(source: Path) -> dict[str, Any]:
    try:
        raw = yaml.load(source.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except OSError as exc:
        raise SettingsError(str(source), [("", f"cannot read the file ({exc.strerror})")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SettingsError(str(source), [("", f"not valid YAML: {problem}{where}")]) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(
            str(source),
            [("", f"the top level must be a mapping of sections ({', '.join(Settings.model_fields)})")],
        )
    return raw


def load_settings(path: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> Settings:
    """Load and validate so24.yaml: `path`, else $SO24_SETTINGS, else ./so24.yaml, else defaults.

    Raises SettingsError naming every bad key, so one run of `dagster definitions validate` shows
    all of them.
    """
    env = os.environ if env is None else env
    source = _resolve_source(path, env)
    raw = _read_yaml(source) if source else {}
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        label = str(source) if source else "settings (defaults)"
        raise SettingsError(label, describe_validation_error(exc)) from None


__all__ = [
    "BUILT_FLOWS",
    "CONNECTABLE_SYSTEMS",
    "CREDENTIAL_ENV_VARS",
    "FLOW_CATALOG",
    "SETTINGS_ENV_VAR",
    "STOCK_MASTER_FLOWS",
    "SYSTEMS",
    "SYSTEM_TITLES",
    "FlowInfo",
    "FlowSettings",
    "Settings",
    "SettingsError",
    "default_enabled",
    "describe_validation_error",
    "load_settings",
    "missing_systems",
]
