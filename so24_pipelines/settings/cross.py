"""Flows that belong to no single system: X7, the nightly reconciliation across every connected one.

The other X capabilities of FLOWS.md are properties of every flow (dry_run, identities, ...), not
switches, so they have no entry here.
"""

from __future__ import annotations

import zoneinfo

from pydantic import Field, field_validator

from so24_pipelines.settings.base import FlowInfo, FlowSettings

FLOWS: dict[str, FlowInfo] = {
    "X7": FlowInfo("Nightly reconciliation across systems", ("so24",), True),
}
BUILT: frozenset[str] = frozenset()


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
