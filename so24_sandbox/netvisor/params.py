"""Query parameters as Netvisor reads them: names case-insensitive, lists comma-separated.

Unknown parameters are ignored (the vendor's pages list what each resource reads; nothing says an
extra one is refused). Keys and lists that break their documented form answer INVALID_DATA, and a
list longer than its documented maximum answers INVALID_DATA_SIZE.
"""

from __future__ import annotations

from starlette.requests import Request

from so24_sandbox.netvisor import statuses
from so24_sandbox.netvisor.statuses import NetvisorFailure, invalid


class Params:
    def __init__(self, request: Request) -> None:
        self._values: dict[str, str] = {}
        for name, value in request.query_params.multi_items():
            self._values.setdefault(name.lower(), value)

    def get(self, name: str) -> str | None:
        value = self._values.get(name)
        return None if value is None or not value.strip() else value.strip()

    def key(self, name: str) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        if not value.isdigit():
            raise invalid(f"{name} '{value}' is not a Netvisor identifier")
        return int(value)

    def text_list(self, name: str, maximum: int) -> list[str] | None:
        value = self.get(name)
        if value is None:
            return None
        items = [v.strip() for v in value.split(",") if v.strip()]
        if len(items) > maximum:
            raise NetvisorFailure(
                statuses.INVALID_DATA_SIZE,
                "size",
                detail=f"{name} holds {len(items)} values, at most {maximum}",
            )
        return items

    def key_list(self, name: str, maximum: int) -> list[int] | None:
        items = self.text_list(name, maximum)
        if items is None:
            return None
        bad = [i for i in items if not i.isdigit()]
        if bad:
            raise invalid(f"{name}: '{bad[0]}' is not a Netvisor identifier")
        return [int(i) for i in items]

    def flag(self, name: str) -> bool | None:
        value = self.get(name)
        if value is None:
            return None
        if value not in ("0", "1"):
            raise invalid(f"{name} must be 1 or 0")
        return value == "1"
