"""24SO, the hub: its section (always connected, so no `enabled`), its order states, and the
extraction flows E1-E7 that every deployment runs."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, field_validator

from so24_pipelines.settings.base import FlowInfo, SystemInfo, SystemSettings, UrlStr, _unique

SYSTEM = SystemInfo(
    "so24", "24SO", credential_env_vars=("SO24_APPLICATION_ID", "SO24_USERNAME", "SO24_PASSWORD")
)

FLOWS: dict[str, FlowInfo] = {
    "E1": FlowInfo("Extract products from 24SO", ("so24",), True),
    "E2": FlowInfo("Extract product categories from 24SO", ("so24",), True),
    "E3": FlowInfo("Extract companies (customers, suppliers) from 24SO", ("so24",), True),
    "E4": FlowInfo("Extract invoice orders with rows from 24SO", ("so24",), True),
    "E5": FlowInfo("Extract projects from 24SO", ("so24",), True),
    "E6": FlowInfo("Extract work types and salary types from 24SO", ("so24",), True),
    "E7": FlowInfo("Extract persons (employees) from 24SO", ("so24",), True),
}
BUILT: frozenset[str] = frozenset({"E1", "E2", "E3", "E4", "E5", "E6", "E7"})

# OrderSlipStateType from InvoiceService's WSDL, without None (never a meaningful target).
So24OrderState = Literal[
    "Offer", "Pack", "Invoiced", "Web", "Repeating", "CollectingOrder", "Return", "Distribution", "Rest",
    "ForInvoicing", "OvertimeRent", "Confirmed", "OrderState_Sent", "Production", "PaymentReminder",
    "OnAccount", "Lending", "InvoicedCashAccount", "InvoicedPack", "Inactive", "Hours",
    "OrderState_SuperStore", "Draft",
]  # fmt: skip


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
