"""Which hours count as approved: a level of attestation, because Smartdok has three.

A v1 hour row carries `ForemanAttested`, `ProjectAdminAttested` and `AdminAttested`, each a
nullable boolean (null: not handled at that level yet; true: attested; false: rejected). The
spec does not say which of them "attested" (`onlyAttested`) means (reference §8.1), so the hub
decides with a setting (`flows.S3.attestation_level`, default "admin" as the reference suggests)
and checks the flags itself rather than trusting the server's reading. A level is met when the
hour is attested at that level *or above*: an administrator's attestation also covers the
foreman's, whether or not the foreman clicked first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

AttestationLevel = Literal["foreman", "project_admin", "admin"]
LEVELS: tuple[AttestationLevel, ...] = ("foreman", "project_admin", "admin")
FLAGS: dict[str, str] = {
    "foreman": "ForemanAttested",
    "project_admin": "ProjectAdminAttested",
    "admin": "AdminAttested",
}


def is_attested(row: Mapping[str, Any], level: AttestationLevel) -> bool:
    """True when `row` is attested at `level` or a higher one."""
    if level not in LEVELS:
        raise ValueError(f"attestation level must be one of {', '.join(LEVELS)}")
    return any(row.get(FLAGS[lvl]) is True for lvl in LEVELS[LEVELS.index(level) :])


def highest_level(row: Mapping[str, Any]) -> AttestationLevel | None:
    """The highest level at which `row` is attested, or None (for reports: "attested by foreman")."""
    for level in reversed(LEVELS):
        if row.get(FLAGS[level]) is True:
            return level
    return None
