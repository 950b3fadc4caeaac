"""The emulator's switches for what the Smartdok reference is unsure of (POST /_sandbox/smartdok/behaviour).

The vendor's OpenAPI file fixes paths and shapes; it says nothing of lifetimes, of which
attestation counts, or of what a write does to `LastUpdated`. Where the reference marks a gap
(reference/smartdok/API.md §8) or a guess, the sandbox can play each plausible variant so the
connector is tested against all of them. Defaults follow the reference's emulator notes (§7):

- `session_ttl_seconds` (3600): lifetime of a session token ("about an hour" per one client's
  changelog, not vendor-stated). Tests shorten it to see a real expiry answered 401.
- `attested_level` ("admin"): what `onlyAttested=true` (v1) and `approved=true` (v2) mean: an
  hour attested at this level or above. "foreman" = any attestation flag true, "project_admin"
  = ProjectAdminAttested or AdminAttested, "admin" = AdminAttested (§7, gap §8.1).
- `max_window_days` (93): the most days `GET /WorkHours` accepts between fromDate and toDate.
- `create_status` (201): the status of a successful POST create. The spec's prose says 201 with
  a Location header, its per-operation entries list only 200; a client must accept both.
- `marking_touches_last_updated` (true): whether the export-marking POSTs move an hour's
  `LastUpdated` (when they change something). Undocumented; on by default because a row update
  usually stamps the row, so a hub that watches `lastUpdated` must recognise its own marking.
- `unique_employee_no` (true) / `unique_project_number` (true): whether creating or renaming to
  an EmployeeNo / ProjectNumber already in use is refused (400). Undocumented; the hub must not
  rely on it to avoid duplicates, which is why it can be switched off.
"""

from __future__ import annotations

from typing import Any

from so24_sandbox.system import Switchboard, table_check

DEFAULTS: dict[str, Any] = {
    "session_ttl_seconds": 3600,
    "attested_level": "admin",
    "max_window_days": 93,
    "create_status": 201,
    "marking_touches_last_updated": True,
    "unique_employee_no": True,
    "unique_project_number": True,
}
CHOICES: dict[str, tuple[Any, ...]] = {
    "attested_level": ("foreman", "project_admin", "admin"),
    "create_status": (200, 201),
}
POSITIVE = ("session_ttl_seconds", "max_window_days")
SWITCHES = ("marking_touches_last_updated", "unique_employee_no", "unique_project_number")


class Behaviour(Switchboard):
    """This system's switches on the shared switchboard; `reset` restores §7."""

    def __init__(self) -> None:
        super().__init__(DEFAULTS, table_check(CHOICES, POSITIVE, SWITCHES))
