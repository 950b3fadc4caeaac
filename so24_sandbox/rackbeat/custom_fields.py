"""Custom fields ("fields") and their values: where an integration keeps foreign ids.

Rackbeat's 24SO integration stores the 24SO ids in custom fields ("24so product id" on items,
"customer id" on customers and on suppliers) and finds the Rackbeat record of a 24SO id with
`GET products?field_eq[<field id>]=<24SO id>`. Behaviour (reference/rackbeat/API.md, section 11):

- Definitions: `GET|POST fields`, `GET|PUT|DELETE fields/{slug}`. A field has a numeric `id`
  (used in filters and value writes) and a `slug` (used on show) made from the name. Two fields
  may share a name (the setup guide names both the customer and the supplier field
  "customer id"); the second gets slug "customer-id-2" (assumption: how Rackbeat disambiguates
  is not documented, but a slug must address one field).
- Types text, textarea, checkbox, dropdown; a dropdown value must be one of its `options`.
- `available_for` says which records a field may be set on: item, customer, supplier, order.
- Values: `GET <resource>/{key}/fields` -> `{"field_values": [...]}`;
  `PUT <resource>/{key}/fields` with `{"custom_fields": [{"id": <field id>, "value": ...}]}`
  (documented for orders; the sandbox implements it for products, customers and suppliers
  too). A null or empty value clears it. Items also carry the values as `metadata` ({slug, value}).
"""

from __future__ import annotations

import re
from typing import Any

from so24_sandbox.rackbeat import times
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, not_found, rejected

TYPES = ("text", "textarea", "checkbox", "dropdown")
TARGETS = ("item", "customer", "supplier", "order")
MAX_LENGTH = {"text": 255, "textarea": 65535}


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "field"


class CustomFields:
    def __init__(self, store: RackbeatStore) -> None:
        self.store = store

    @property
    def table(self) -> dict[Any, dict[str, Any]]:
        return self.store.table("fields")

    def get(self, slug_or_id: str) -> dict[str, Any]:
        with self.store.lock:
            for field in self.table.values():
                if field["slug"] == slug_or_id:
                    return field
            if slug_or_id.isdigit() and int(slug_or_id) in self.table:
                return self.table[int(slug_or_id)]
        raise not_found("Field")

    def render(self, field: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in field.items() if not k.startswith("_")}
        out["created_at"] = times.stamp(field["created_at"])
        out["updated_at"] = times.stamp(field["updated_at"])
        out["self"] = self.store.url("fields", field["slug"])
        return out

    def _validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        creating = current is None
        values: dict[str, Any] = {}
        name = errors.text("name", required=creating)
        if name is not None:
            values["name"] = name
        kind = errors.text("type", required=creating)
        if kind is not None:
            if kind not in TYPES:
                errors.add("type", "The selected type is invalid.")
            else:
                values["type"] = kind
        if errors.given("available_for") or creating:
            raw = errors.body.get("available_for")
            targets = [raw] if isinstance(raw, str) else raw
            if not targets or not isinstance(targets, list) or any(t not in TARGETS for t in targets):
                errors.add(
                    "available_for", f"The available for must be one or more of: {', '.join(TARGETS)}."
                )
            else:
                values["available_for"] = sorted(set(targets), key=TARGETS.index)
        in_layouts = errors.boolean("use_in_layouts")
        if in_layouts is not None or creating:
            values["use_in_layouts"] = bool(in_layouts)
        if errors.given("options") or creating:
            options = errors.body.get("options") or []
            if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
                errors.add("options", "The options must be a list of strings.")
            else:
                values["options"] = options
        if "default_value" in errors.body or creating:
            values["default_value"] = errors.body.get("default_value")
        kind_now = values.get("type", (current or {}).get("type"))
        if kind_now == "dropdown" and not values.get("options", (current or {}).get("options")):
            errors.add("options", "The options field is required when type is dropdown.")
        return values

    def create(self, body: Any) -> dict[str, Any]:
        with self.store.lock:
            errors = Errors(body)
            values = self._validate(errors, None)
            errors.check()
            base = slugify(values["name"])
            taken = {f["slug"] for f in self.table.values()}
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            moment = times.now()
            field = {
                "id": self.store.next_id("fields"),
                "slug": slug,
                **values,
                "created_at": moment,
                "updated_at": moment,
            }
            self.table[field["id"]] = field
            return field

    def update(self, slug: str, body: Any) -> dict[str, Any]:
        with self.store.lock:
            field = self.get(slug)
            errors = Errors(body)
            values = self._validate(errors, field)
            errors.check()
            field.update(values)
            field["updated_at"] = times.now()
            return field

    def delete(self, slug: str) -> dict[str, Any]:
        with self.store.lock:
            field = self.get(slug)
            del self.table[field["id"]]
            for name in ("products", "customers", "suppliers", "orders"):
                for record in self.store.table(name).values():
                    record.get("_fields", {}).pop(field["id"], None)
            return field

    # ---- values ------------------------------------------------------------------------------

    def values_of(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """The record's `field_values`, one per field that holds a value, by field id."""
        out = []
        for field_id, value in sorted((record.get("_fields") or {}).items()):
            field = self.table.get(field_id)
            if field is not None:
                out.append(
                    {
                        "field_id": field_id,
                        "slug": field["slug"],
                        "name": field["name"],
                        "type": field["type"],
                        "value": value,
                    }
                )
        return out

    def metadata_of(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"slug": v["slug"], "name": v["name"], "value": v["value"]} for v in self.values_of(record)]

    def set_values(self, target: str, record: dict[str, Any], body: Any) -> list[str]:
        """Apply a `custom_fields` write to one record; returns the slugs whose value changed."""
        with self.store.lock:
            errors = Errors(body)
            items = errors.body.get("custom_fields")
            if not isinstance(items, list) or not items:
                raise rejected("custom_fields", "The custom fields field is required.")
            staged: dict[int, Any] = {}
            for index, item in enumerate(items):
                prefix = f"custom_fields.{index}."
                line = Errors(item, prefix)
                field_id = line.integer("id", required=True)
                field = self.table.get(field_id) if field_id is not None else None
                if field_id is not None:
                    line.exists("id", field is not None)
                if field is not None:
                    if target not in field["available_for"]:
                        line.add("id", f"The field '{field['name']}' is not available for {target}s.")
                    else:
                        staged[field["id"]] = self._value(line, field)
                errors.merge(line)
            errors.check()
            stored = record.setdefault("_fields", {})
            changed = []
            for field_id, value in staged.items():
                if stored.get(field_id) == value:
                    continue
                changed.append(self.table[field_id]["slug"])
                if value is None:
                    stored.pop(field_id, None)
                else:
                    stored[field_id] = value
            return changed

    @staticmethod
    def _value(line: Errors, field: dict[str, Any]) -> Any:
        value = line.body.get("value")
        if value is None or value == "":
            return None
        if field["type"] == "checkbox":
            return line.boolean("value")
        text = line.text("value", max_len=MAX_LENGTH.get(field["type"], 255))
        if text is not None and field["type"] == "dropdown" and text not in field["options"]:
            line.add("value", "The selected value is invalid.")
        return text
