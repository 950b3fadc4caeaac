"""Smartdok: its section and the settings of flows S1-S4 (24SO <-> Smartdok)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from so24_pipelines.settings.base import (
    ConnectedSystemSettings,
    FlowInfo,
    ScheduledFlowSettings,
    SystemInfo,
    UrlStr,
)

SYSTEM = SystemInfo("smartdok", "Smartdok", credential_env_vars=("SMARTDOK_API_TOKEN",))

_BOTH = ("so24", "smartdok")
FLOWS: dict[str, FlowInfo] = {
    "S1": FlowInfo("Employees 24SO -> Smartdok", _BOTH, True),
    "S2": FlowInfo("Projects 24SO -> Smartdok", _BOTH, True),
    "S3": FlowInfo("Approved hours Smartdok -> 24SO", _BOTH, True),
    "S4": FlowInfo("Smartdok readiness report", _BOTH, True),
}
BUILT: frozenset[str] = frozenset()


class SmartdokSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/smartdok", description="Real Smartdok: https://api.smartdok.no."
    )


class S3Settings(ScheduledFlowSettings):
    only_approved: bool = Field(True, description="Transfer only attested (approved) hours, as payroll does.")
    mark_exported_as: Literal["external", "payroll"] = Field(
        "external",
        description="Smartdok flag set on transferred hours: external leaves Smartdok's payroll export untouched.",
    )
