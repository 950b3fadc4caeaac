"""Projects, the S2 target: read, find by number, create, update in place.

- `Id` is Smartdok's int; the hub's key is `ProjectNumber` (a string), which must equal the 24SO
  project id. `GET /Projects` answers active projects only unless `all=true`, and leaves orders
  out unless `includeOrders=true`; it can filter by `projectNumber` (exact), which
  `find_projects_by_number` uses and then checks again locally.
- `POST /Projects` needs ProjectName (<= 70), ProjectNumber (<= 20) and IsActive. Not idempotent:
  after a dropped answer look the number up before creating again.
- Updates go to `PUT /v3/Projects/{id}` (`/Projects/{id}` and `/v2/...` are deprecated) and
  replace the project; `update_project` reads it, applies the changes and PUTs everything else
  back as it came (the vendor's advice), so fields the hub does not own survive. `OrderTypeId`
  must be sent for an order and not for a project; passing the read value back does both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.http import NotFound
from so24_pipelines.connectors.smartdok.base import SmartdokBase
from so24_pipelines.connectors.smartdok.times import format_query_time

PROJECTS = "Projects"


class ProjectCalls(SmartdokBase):
    def list_projects(
        self, *, include_inactive: bool = True, include_orders: bool = False, updated_since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Projects (ProjectOutput), inactive ones included by default, orders only when asked."""
        params: dict[str, Any] = {"all": "true"} if include_inactive else {"all": "false", "active": "true"}
        if include_orders:
            params["includeOrders"] = "true"
        if updated_since is not None:
            params["updatedSince"] = format_query_time(updated_since, self.tz)
        return self.items(PROJECTS, params)[0]

    def get_project(self, project_id: int) -> dict[str, Any] | None:
        return self.one(f"{PROJECTS}/{int(project_id)}")

    def find_projects_by_number(self, number: str) -> list[dict[str, Any]]:
        """Projects (orders and inactive ones included) whose ProjectNumber is exactly `number`."""
        wanted = str(number).strip()
        params = {"projectNumber": wanted, "all": "true", "includeOrders": "true"}
        return [p for p in self.items(PROJECTS, params)[0] if (p.get("ProjectNumber") or "").strip() == wanted]

    def create_project(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST a ProjectInput (ProjectName, ProjectNumber, IsActive required); returns ProjectOutput."""
        return self.write("POST", PROJECTS, payload)

    def update_project(self, project_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Read-modify-write through `PUT /v3/Projects/{id}`, every field not in `changes` kept."""
        current = self.get_project(project_id)
        path = f"v3/{PROJECTS}/{int(project_id)}"
        if current is None:
            raise NotFound(f"no project {project_id}", call=self.call_name("PUT", path))
        return self.write("PUT", path, {**current, **changes})
