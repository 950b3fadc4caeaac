"""Custom fields and their values: where the hub keeps 24SO ids on Rackbeat records.

Rackbeat's 24SO guide has the user create text fields "24so product id" and "24so row id" (items),
"customer id" (customers) and "customer id" again (suppliers). The hub reads and writes them here:

- Definitions: `fields`, shown by `slug` (made from the name; two fields with one name get
  different slugs, so look fields up by name *and* `available_for`, never by a guessed slug).
  Filters and value writes use the numeric `id`.
- Values: `PUT <resource>/{key}/fields` with `{"custom_fields": [{"id", "value"}]}` (documented
  for orders; the same shape is used for products, customers, suppliers). A null clears it.
- Lookup: `GET <resource>?field_eq[<id>]=<value>` is the exact match that finds "the Rackbeat
  product whose 24SO id is X". Custom fields are a Premium-plan feature: on other plans the
  field calls fail, which preflight should report before a flow depends on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.rackbeat.base import RackbeatBase, path_key
from so24_pipelines.connectors.rackbeat.filters import list_params

FIELD_RESOURCES = {"products": "product", "customers": "customer", "suppliers": "supplier", "orders": "order"}
FIELD_TARGETS = ("item", "customer", "supplier", "order")


def _resource(resource: str) -> str:
    if resource not in FIELD_RESOURCES:
        raise ValueError(f"custom-field values exist on {sorted(FIELD_RESOURCES)}, not {resource!r}")
    return resource


class FieldCalls(RackbeatBase):
    def list_fields(self, *, for_: str | None = None) -> list[dict[str, Any]]:
        """Field definitions; `for_` = item | customer | supplier | order narrows them."""
        params = {"for": for_} if for_ else None
        return list(self.iter_list("fields", "fields", params))

    def get_field(self, slug: str) -> dict[str, Any] | None:
        return self.show(f"fields/{path_key(slug)}", "field")

    def create_field(
        self,
        name: str,
        *,
        available_for: str | Sequence[str],
        type_: str = "text",
        use_in_layouts: bool = False,
        options: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        targets = [available_for] if isinstance(available_for, str) else list(available_for)
        body: dict[str, Any] = {
            "name": name,
            "type": type_,
            "available_for": targets,
            "use_in_layouts": use_in_layouts,
        }
        if options is not None:
            body["options"] = list(options)
        return self.write("POST", "fields", "field", body)

    def find_field(self, name: str, *, available_for: str) -> dict[str, Any] | None:
        """The field with this name (case-insensitive) that may be set on `available_for` records."""
        wanted = name.strip().lower()
        for field in self.list_fields(for_=available_for):
            if str(field.get("name", "")).strip().lower() == wanted and available_for in field.get(
                "available_for", []
            ):
                return field
        return None

    def ensure_field(self, name: str, *, available_for: str, type_: str = "text") -> dict[str, Any]:
        """Find the field or create it: the setup step Rackbeat's guide asks the user to do by hand."""
        return self.find_field(name, available_for=available_for) or self.create_field(
            name, available_for=available_for, type_=type_
        )

    def get_field_values(self, resource: str, key: str | int) -> dict[int, Any]:
        """A record's custom-field values by field id; {} when it holds none."""
        path = f"{_resource(resource)}/{path_key(key)}/fields"
        body = self.get(path)
        values = body.get("field_values") if isinstance(body, dict) else None
        if not isinstance(values, list):
            raise ConnectorError("answer has no 'field_values' list", call=self.call_name("GET", path))
        return {int(v["field_id"]): v.get("value") for v in values if isinstance(v, dict) and "field_id" in v}

    def set_field_value(self, resource: str, key: str | int, field_id: int, value: Any) -> dict[int, Any]:
        """Set (or with None clear) one value; returns the record's values after the write.

        A PUT, so a retry after a lost answer is harmless.
        """
        return self.set_field_values(resource, key, {field_id: value})

    def set_field_values(self, resource: str, key: str | int, values: dict[int, Any]) -> dict[int, Any]:
        path = f"{_resource(resource)}/{path_key(key)}/fields"
        body = self.put(
            path, json_body={"custom_fields": [{"id": int(f), "value": v} for f, v in values.items()]}
        )
        rows = body.get("field_values") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise ConnectorError("answer has no 'field_values' list", call=self.call_name("PUT", path))
        return {int(v["field_id"]): v.get("value") for v in rows if isinstance(v, dict) and "field_id" in v}

    def find_by_field_value(self, resource: str, field_id: int, value: str | int) -> list[dict[str, Any]]:
        """Every record of `resource` whose field `field_id` is exactly `value` (field_eq)."""
        name = _resource(resource)
        params = list_params(field_eq={field_id: str(value)})
        return list(self.iter_list(name, name, params))

    def find_one_by_field_value(
        self, resource: str, field_id: int, value: str | int
    ) -> dict[str, Any] | None:
        """The one record holding `value`, None if none; two holders mean the id map is broken.

        Raises ConnectorError naming both keys rather than picking one: writing to the wrong
        record is worse than stopping.
        """
        found = self.find_by_field_value(resource, field_id, value)
        if len(found) > 1:
            keys = ", ".join(str(r.get("number")) for r in found)
            raise ConnectorError(
                f"{len(found)} {resource} hold field {field_id} = {value!r}: {keys}",
                call=self.call_name("GET", resource),
            )
        return found[0] if found else None
