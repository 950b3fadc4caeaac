"""What spans systems: X7, the nightly reconciliation across every connected one, and the rule that
each 24SO company's stock has one master.

The other X capabilities of FLOWS.md are properties of every flow (dry_run, identities, ...), not
switches, so they have no entry here.

Stock masters (X9). R8 (Rackbeat) and O5 (Ongoing) both set 24SO stock, each in the company its
system is paired with. Two masters of one company would overwrite each other's figures every tick,
so that is refused; with two companies (the demo: company 1 with Rackbeat, company 2 with Ongoing)
each company has its own master and both flows may be on. The company is read here as the pairing
rule reads it (flows/pairing.py) from what the settings know: `<system>.so24_identity`, else the
first of `so24.identities`; with neither, both systems use the login's default company.
"""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from so24_pipelines.settings.base import FlowInfo, FlowSettings

if TYPE_CHECKING:
    from so24_pipelines.settings.model import Settings

FLOWS: dict[str, FlowInfo] = {
    "X7": FlowInfo("Nightly reconciliation across systems", ("so24",), True),
}
BUILT: frozenset[str] = frozenset({"X7"})
# The systems X7 has a pair with (24SO <-> Rackbeat, 24SO -> Ongoing, 24SO -> LNB, 24SO <-> Smartdok,
# Rackbeat <-> Netvisor, the one pair without 24SO): with none of them connected there is nothing to
# reconcile, so X7's seed default (on) waits for one of them.
PAIRED_SYSTEMS: tuple[str, ...] = ("rackbeat", "ongoing", "lnb", "smartdok", "netvisor")


class X7Settings(FlowSettings):
    hour: int = Field(2, ge=0, le=23, description="Hour of the nightly reconciliation run.")
    minute: int = Field(0, ge=0, le=59, description="Minute of that hour.")
    fail_above: int = Field(
        10,
        ge=0,
        description="Unexplained differences per pair above which its check fails (ERROR); any at all is a WARN.",
    )
    timezone: str = Field("Europe/Oslo", description="IANA time zone of that hour.")

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"must be an IANA time zone such as Europe/Oslo (got {value!r})") from None
        return value


def paired_company(settings: Settings, system: str) -> str | None:
    """The 24SO company `system` writes, as far as the settings say; None: the login's default."""
    chosen = settings.system(system).so24_identity  # type: ignore[attr-defined]
    return chosen or (settings.so24.identities[0] if settings.so24.identities else None)


def stock_master_problems(settings: Settings) -> list[tuple[str, str]]:
    """(key, reason) for each stock-master flow that is on while another one writes the same company."""
    # Imported here: the registry imports this module for its FLOWS.
    from so24_pipelines.settings.registry import FLOW_CATALOG, STOCK_MASTER_FLOWS, SYSTEM_TITLES

    on = [f for f in STOCK_MASTER_FLOWS if settings.flow(f).enabled]
    systems = {f: next(s for s in FLOW_CATALOG[f].systems if s != "so24") for f in on}
    problems: list[tuple[str, str]] = []
    for i, first in enumerate(on):
        for second in on[i + 1 :]:
            company = paired_company(settings, systems[first])
            if company != paired_company(settings, systems[second]):
                continue
            named = f"company {company}" if company else "the login's default company"
            reason = (
                f"24SO stock would be set by both {SYSTEM_TITLES[systems[first]]} ({first}) and "
                f"{SYSTEM_TITLES[systems[second]]} ({second}): switch one off (flows.{first}.enabled or "
                f"flows.{second}.enabled), or pair the two systems with different companies "
                f"({systems[first]}.so24_identity, {systems[second]}.so24_identity); both write {named}"
            )
            problems += [(f"flows.{first}.enabled", reason), (f"flows.{second}.enabled", reason)]
    return problems
