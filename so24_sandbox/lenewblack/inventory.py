"""Stock writes by EAN13 or SKU code, one at a time or in bulk (`/multi/inventory/{ean|sku}`).

`in_stock` is the absolute quantity LNB shows (assumption from the field name and the SDKs' docs,
reference §9.5), so writing the same figure twice changes nothing and a repeated batch is harmless.
Each item needs its key as a string and `in_stock` as an integer >= 0; the optional fields
(`is_blocked`, `in_stock_update_time`, `incoming_stock`, `incoming_stock_date`) are checked when
given. An unknown key is `{"ean13": ["not found"]}` (the wording is §6's assumption; the real
message is unknown). A bulk call always answers 200 with one result per request item, in the
order sent, and metadata counts (§3 batch response); only a body that is not `{requests: [...]}`
or holds more than `max_batch_items` is refused as a whole (422).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from so24_sandbox.lenewblack import times
from so24_sandbox.lenewblack.behaviour import Behaviour
from so24_sandbox.lenewblack.catalog import Sku, inventory_json
from so24_sandbox.lenewblack.refusals import invalid, not_found
from so24_sandbox.lenewblack.store import LnbStore

KEYS = {"ean": "ean13", "sku": "sku"}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class Inventory:
    def __init__(self, store: LnbStore, behaviour: Behaviour) -> None:
        self.store = store
        self.behaviour = behaviour

    def render(self, sku: Sku) -> dict[str, Any]:
        return inventory_json(sku, self.behaviour["time_format"])

    def all(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return [self.render(s) for s in sorted(self.store.skus.values(), key=lambda s: s.id)]

    def get(self, key: str, value: str) -> dict[str, Any]:
        with self.store.lock:
            sku = self.store.find_sku(key, value)
            if sku is None:
                raise not_found(f"Inventory item with {key} {value} not found.")
            return self.render(sku)

    def write(self, key: str, item: Any) -> tuple[dict[str, list[str]] | str | None, dict[str, Any] | None]:
        """Apply one item; (errors, None) when refused, (None, stored item) when written."""
        if not isinstance(item, dict):
            return "Each request must be a JSON object.", None
        errors: dict[str, list[str]] = {}
        value = item.get(key)
        if value is None or value == "":
            errors[key] = ["required"]
        elif not isinstance(value, str):
            errors[key] = ["must be a string"]
        if "in_stock" not in item or item["in_stock"] is None:
            errors["in_stock"] = ["required"]
        elif not _whole(item["in_stock"]):
            errors["in_stock"] = ["must be an integer greater than or equal to 0"]
        if "is_blocked" in item and not isinstance(item["is_blocked"], bool):
            errors["is_blocked"] = ["must be true or false"]
        if item.get("incoming_stock") is not None and not _whole(item["incoming_stock"]):
            errors["incoming_stock"] = ["must be an integer greater than or equal to 0"]
        update_time = incoming_date = None
        try:
            if isinstance(item.get("in_stock_update_time"), str):
                update_time = times.parse(item["in_stock_update_time"])
        except ValueError:
            errors["in_stock_update_time"] = ["must be a date-time"]
        try:
            if isinstance(item.get("incoming_stock_date"), str):
                incoming_date = date.fromisoformat(item["incoming_stock_date"][:10])
        except ValueError:
            errors["incoming_stock_date"] = ["must be a date"]
        if errors:
            return errors, None
        with self.store.lock:
            sku = self.store.find_sku(key, value)
            if sku is None:
                return {key: ["not found"]}, None
            changed = sku.in_stock != item["in_stock"]
            sku.in_stock = item["in_stock"]
            sku.in_stock_update_time = update_time or times.now()
            if "is_blocked" in item:
                sku.is_blocked = item["is_blocked"]
            if item.get("incoming_stock") is not None:
                sku.incoming_stock = item["incoming_stock"]
            if incoming_date is not None:
                sku.incoming_stock_date = incoming_date
            self.store.stats.stock_items_written += 1
            self.store.stats.stock_items_changed += int(changed)
            return None, self.render(sku)

    def single(self, key: str, body: Any) -> dict[str, Any]:
        """`POST /inventory/{ean|sku}`: the stored item, or 422 with the item's errors."""
        with self.store.lock:
            self.store.stats.stock_requests += 1
            errors, result = self.write(key, body)
            if errors is not None:
                self.store.stats.stock_items_refused += 1
                raise invalid(errors if isinstance(errors, dict) else {"body": [errors]})
            assert result is not None
            return result

    def batch(self, key: str, body: Any) -> dict[str, Any]:
        """`POST /multi/inventory/{ean|sku}`: the batch response."""
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            raise invalid({"requests": ["required, as an array of items"]})
        requests = body["requests"]
        limit = self.behaviour["max_batch_items"]
        if len(requests) > limit:
            raise invalid({"requests": [f"may not have more than {limit} items"]})
        data = []
        with self.store.lock:
            self.store.stats.stock_requests += 1
            for item in requests:
                errors, result = self.write(key, item)
                if errors is None:
                    data.append({"status": "success", "errors": None, "result": result})
                else:
                    self.store.stats.stock_items_refused += 1
                    data.append({"status": "error", "errors": errors, "result": None})
        failed = sum(1 for d in data if d["status"] == "error")
        return {
            "metadata": {
                "total_requests": len(data),
                "total_successes": len(data) - failed,
                "total_errors": failed,
            },
            "data": data,
        }
