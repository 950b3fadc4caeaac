"""What every system module builds its settings from: the strict pydantic base, URL and list checks,
the system and flow section models, and the records a system module hands to the registry.

Every model forbids unknown keys and is frozen: a typo in so24.yaml must stop the code location
from loading with a message that names the key, not be ignored until a sync half-writes an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
)


class _Model(BaseModel):
    # hide_input_in_errors: pydantic's own error text must never echo a value that could be a secret.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    @field_validator("*", mode="before")
    @classmethod
    def _switches_are_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        """A switch takes YAML's true/false only. Pydantic's lax mode would read the text 'yes',
        'on' or '1' as true, so `enabled: 'off '` with a stray space, or a quoted 'no', could switch
        a flow on without anyone noticing; a quoted value is refused with the key named."""
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.annotation is bool and not isinstance(value, bool):
            given = {str: "text", int: "a number", float: "a number"}.get(type(value), type(value).__name__)
            raise ValueError(f"must be a valid boolean: true or false (unquoted YAML), not {given}")
        return value


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


@dataclass(frozen=True)
class SystemInfo:
    """A system as the registry lists it: its settings section, its name in messages, and the env
    vars its auth scheme needs (reference/*/API.md). Identifiers that pick a tenant (goods owner,
    organisation) are env vars too: they differ per deployment like the secrets do."""

    name: str
    title: str
    credential_env_vars: tuple[str, ...]


@dataclass(frozen=True)
class FlowInfo:
    """What FLOWS.md says about a flow: the systems it talks to and the seed's default switch."""

    title: str
    systems: tuple[str, ...]
    seed_on: bool


# --------------------------------------------------------------------------- systems


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

    so24_identity: str | None = Field(
        None,
        description="The 24SO company (identity GUID) this system is paired with (X9); it must be listed in "
        "so24.identities. Empty: the first of so24.identities, else the login's default company.",
    )

    @field_validator("so24_identity")
    @classmethod
    def _check_so24_identity(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(UUID(value))
        except (ValueError, TypeError, AttributeError):
            raise ValueError("must be a GUID like 3fa85f64-5717-4562-b3fc-2c963f66afa6") from None


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
        # Imported here, not at the top: the registry imports the system modules, which import this one.
        from so24_pipelines.settings import registry

        return self._flow_id in registry.BUILT_FLOWS


class ScheduledFlowSettings(FlowSettings):
    """A flow polled on its own schedule (no webhook tells the hub when something changed)."""

    cadence_minutes: int = Field(15, ge=1, le=1440, description="Schedule interval of the flow.")
