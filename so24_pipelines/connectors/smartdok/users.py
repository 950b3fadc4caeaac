"""Users (employees), the S1 target: read, find by EmployeeNo, create, update in place.

- Ids are UUIDs Smartdok makes; the hub's key is `EmployeeNo` ("Ansattnummer"), which must equal
  the 24SO contact id. `GET /Users` has no EmployeeNo filter and no paging: read everything
  (`all=true` includes ended users, whose numbers are still taken) and match locally.
- `POST /Users` needs UserName, Name, Email, EmployeeNo and Password. A create is not idempotent:
  after a dropped answer the user may exist, so `create_user` is never repeated blindly by the
  shared client (POST), and the caller looks the EmployeeNo up before creating again.
- `PUT /Users/{id}` replaces the whole user: an optional field left out is cleared and `Role`
  falls back to "User". `update_user` therefore reads the user, applies only the changes the flow
  owns, and PUTs back everything else as it came, unknown fields included (the vendor's own advice
  for every PUT). `UserName` cannot be changed through the API since 1 Sep 2025 (Smartdok ignores
  it), so a change to it is refused here rather than silently lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.http import NotFound
from so24_pipelines.connectors.smartdok.base import SmartdokBase

USERS = "Users"


class UserCalls(SmartdokBase):
    def list_users(self, *, include_ended: bool = True) -> list[dict[str, Any]]:
        """Every user (UserOutput); `include_ended=False` gives active users only."""
        params = {"all": "true"} if include_ended else {"all": "false", "active": "true"}
        return self.items(USERS, params)[0]

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        return self.one(f"{USERS}/{quote(str(user_id), safe='')}")

    def current_user(self) -> dict[str, Any]:
        """The API user itself: a cheap check that the session works (for `so24 check`)."""
        user = self.one(f"{USERS}/current")
        if user is None:
            raise ConnectorError("no current user", call=self.call_name("GET", f"{USERS}/current"))
        return user

    def find_users_by_employee_no(self, employee_no: str) -> list[dict[str, Any]]:
        """Users whose EmployeeNo is exactly `employee_no` (ended ones included); usually 0 or 1."""
        wanted = str(employee_no).strip()
        return [u for u in self.list_users() if (u.get("EmployeeNo") or "").strip() == wanted]

    def create_user(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST a UserInput (UserName, Name, Email, EmployeeNo, Password required); returns UserOutput."""
        return self.write("POST", USERS, payload)

    def update_user(self, user_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Read-modify-write: PUT the user back with `changes` applied and every other field kept."""
        path = f"{USERS}/{quote(str(user_id), safe='')}"
        current = self.one(path)
        if current is None:
            raise NotFound(f"no user {user_id}", call=self.call_name("PUT", path))
        if "UserName" in changes and changes["UserName"] != current.get("UserName"):
            raise ValueError("Smartdok ignores UserName changes through the API (since 1 Sep 2025)")
        return self.write("PUT", path, {**current, **changes})
