"""Every emulated 24SO service, found by its real path (ASMX paths are case-insensitive)."""

from __future__ import annotations

from so24_sandbox.so24.services import authenticate, company, invoice, person, product, project, timesheet
from so24_sandbox.so24.types import ServiceSchema

SCHEMAS: tuple[ServiceSchema, ...] = (
    authenticate.SCHEMA,
    product.SCHEMA,
    company.SCHEMA,
    invoice.SCHEMA,
    project.SCHEMA,
    timesheet.SCHEMA,
    person.SCHEMA,
)

BY_PATH: dict[str, ServiceSchema] = {s.path.lower(): s for s in SCHEMAS}
BY_NAME: dict[str, ServiceSchema] = {s.name: s for s in SCHEMAS}


def find_service(path: str) -> ServiceSchema | None:
    """The service at `path` (relative to the /24so mount, leading slash optional), any letter case."""
    return BY_PATH.get("/" + path.strip("/").lower())
