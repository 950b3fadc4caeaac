"""Smartdok: its section and the settings of flows S1-S4 (24SO <-> Smartdok).

Where the Smartdok reference is unsure (reference/smartdok/API.md §8), the choice is a setting
here rather than a constant in the connector: the session lifetime, the time zone of its times,
the 93-day window's counting, how fast to call (no published limit), how many ids one marking
call may carry, and which attestation makes an hour approved.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

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
BUILT: frozenset[str] = frozenset({"S1", "S2", "S3", "S4"})


class SmartdokSettings(ConnectedSystemSettings):
    base_url: UrlStr = Field(
        "http://127.0.0.1:8024/smartdok", description="Real Smartdok: https://api.smartdok.no."
    )
    session_lifetime_seconds: int = Field(
        3600,
        ge=60,
        le=86400,
        description="Assumed session-token lifetime when the token carries no readable expiry; Smartdok "
        "does not state it (about an hour per one client). The shorter of this and the token's own wins.",
    )
    timezone: str = Field(
        "Europe/Oslo",
        min_length=1,
        description="IANA time zone of Smartdok's offset-less times (dates, lastUpdated); not documented.",
    )
    max_window_days: int = Field(
        93,
        ge=1,
        le=93,
        description="Days per GET /WorkHours window (Smartdok refuses more than 93 days apart); lower it "
        "if Smartdok counts the 93 days differently.",
    )
    requests_per_minute: int = Field(
        300, ge=1, le=10000, description="Client-side throttle; Smartdok publishes no rate limit."
    )
    mark_batch_size: int = Field(
        500,
        ge=1,
        le=10000,
        description="Work-hour ids per export-marking call; Smartdok documents no limit.",
    )

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"must be an IANA time zone such as Europe/Oslo (got {value!r})") from None
        return value


class S3Settings(ScheduledFlowSettings):
    only_approved: bool = Field(True, description="Transfer only attested (approved) hours, as payroll does.")
    attestation_level: Literal["foreman", "project_admin", "admin"] = Field(
        "admin",
        description="Attestation that makes an hour approved: this level or a higher one. Smartdok does "
        "not define it; the reference suggests the administrator's.",
    )
    mark_exported_as: Literal["external", "payroll"] = Field(
        "external",
        description="Smartdok flag set on transferred hours: external leaves Smartdok's payroll export untouched.",
    )
    send_matching_while_mismatched: bool = Field(
        False,
        description="False: S3 waits (does not start) while S4 lists a blocking mismatch (an approved hour held "
        "for a code that is no 24SO id): nothing goes to 24SO, the run says why. True: the matching hours go "
        "and each mismatching one is held with its reason.",
    )
    lookback_days: int = Field(
        31,
        ge=1,
        le=366,
        description="Days back (to today) a scheduled S3 tick reads for approved hours not yet transferred; "
        "older hours come in by a backfill run (from_date/to_date in the launchpad), 93-day windows.",
    )
    edit_lookback_days: int = Field(
        366,
        ge=1,
        le=3660,
        description="Days back a tick looks for edits of hours S3 already transferred (Smartdok's lastUpdated "
        "keeps the read small); an edit of an older hour is not seen.",
    )
