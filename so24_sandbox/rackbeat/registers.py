"""One generic create / show / update / delete for every register, with one validation per kind.

The kinds live beside it: products.py, parties.py (customers, suppliers), groups.py (product,
customer and supplier groups, payment terms, locations). Rules shared by all of them
(reference/rackbeat/API.md, sections 5 to 9):
- Integer-keyed registers take `number` on create or assign the highest + 1.
- PUT is a partial update; changing `number` renumbers the record (the `updated` webhook
  carries `old_key`, `new_key` and the `changed` attribute names).
- Every create, update and delete fires `<entity>.created|updated|deleted` for registered hooks,
  also when the hub itself made the change through the API: loop prevention is the hub's job.
- Custom-field values (`PUT <register>/{key}/fields`) count as an update (`changed:
  ["field_values"]`; assumption: Rackbeat does not say whether such a write fires a webhook).
"""

from __future__ import annotations

from typing import Any, ClassVar

from so24_sandbox.rackbeat import times
from so24_sandbox.rackbeat.custom_fields import CustomFields
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.validation import Errors, Refused, not_found


class Register:
    table_name: ClassVar[str]
    singular: ClassVar[str]
    plural: ClassVar[str]
    label: ClassVar[str]
    event: ClassVar[str | None] = None
    field_target: ClassVar[str | None] = None
    numeric: ClassVar[bool] = True
    first_number: ClassVar[int] = 1

    def __init__(self, store: RackbeatStore, fields: CustomFields) -> None:
        self.store = store
        self.fields = fields

    @property
    def table(self) -> dict[Any, dict[str, Any]]:
        return self.store.table(self.table_name)

    def parse_key(self, text: str) -> Any:
        if not self.numeric:
            return text
        try:
            return int(text)
        except ValueError:
            raise not_found(self.label) from None

    def get(self, key: Any) -> dict[str, Any]:
        record = self.table.get(key)
        if record is None:
            raise not_found(self.label)
        return record

    def first_key(self) -> Any:
        return min(self.table) if self.table else None

    # ---- hooks per kind ------------------------------------------------------------------------

    def validate(self, errors: Errors, current: dict[str, Any] | None) -> dict[str, Any]:
        raise Refused(405, "Not supported.")

    def defaults(self) -> dict[str, Any]:
        return {}

    def extra_render(self, record: dict[str, Any], out: dict[str, Any]) -> None:
        return None

    def check_delete(self, record: dict[str, Any]) -> None:
        return None

    # ---- generic operations --------------------------------------------------------------------

    def render(self, record: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if not k.startswith("_")}
        out["created_at"] = times.stamp(record["created_at"])
        out["updated_at"] = times.stamp(record["updated_at"])
        out["self"] = self.store.url(self.table_name, record["number"])
        self.extra_render(record, out)
        return out

    def create(self, body: Any, *, at: Any = None) -> dict[str, Any]:
        with self.store.lock:
            errors = Errors(body)
            values = self.validate(errors, None)
            number = values.pop("number", None)
            if number is None and not errors.by_field:
                number = max([self.first_number - 1, *self.table]) + 1 if self.numeric else None
            if number is not None and number in self.table:
                errors.add("number", "The number has already been taken.")
            errors.check()
            moment = at or times.now()
            record = {
                "id": self.store.next_id(self.table_name),
                "number": number,
                **self.defaults(),
                **values,
                "created_at": moment,
                "updated_at": moment,
                "_fields": {},
            }
            self.table[number] = record
            if self.event:
                self.store.emit(f"{self.event}.created", number, "number", {"number": number})
            return record

    def update(self, key: Any, body: Any) -> dict[str, Any]:
        with self.store.lock:
            record = self.get(key)
            errors = Errors(body)
            values = self.validate(errors, record)
            new_key = values.get("number", key)
            if new_key != key and new_key in self.table:
                errors.add("number", "The number has already been taken.")
            errors.check()
            changed = sorted(k for k, v in values.items() if record.get(k) != v)
            record.update(values)
            if not changed:
                return record
            record["updated_at"] = times.now()
            if new_key != key:
                del self.table[key]
                self.table[new_key] = record
            if self.event:
                self.store.emit(
                    f"{self.event}.updated",
                    new_key,
                    "number",
                    {"number": new_key},
                    old_key=key,
                    new_key=new_key,
                    changed=changed,
                )
            return record

    def delete(self, key: Any) -> dict[str, Any]:
        with self.store.lock:
            record = self.get(key)
            self.check_delete(record)
            del self.table[key]
            if self.event:
                self.store.emit(f"{self.event}.deleted", key, "number", {"number": key})
            return record

    def set_field_values(self, key: Any, body: Any) -> dict[str, Any]:
        if self.field_target is None:
            raise not_found(self.label)
        with self.store.lock:
            record = self.get(key)
            changed = self.fields.set_values(self.field_target, record, body)
            if changed:
                record["updated_at"] = times.now()
                if self.event:
                    self.store.emit(
                        f"{self.event}.updated",
                        key,
                        "number",
                        {"number": key},
                        old_key=key,
                        new_key=key,
                        changed=["field_values"],
                    )
            return record

    # ---- shared validation pieces --------------------------------------------------------------

    def _int_number(self, errors: Errors, required: bool = False) -> dict[str, Any]:
        number = errors.integer("number", required=required, minimum=1)
        return {} if number is None else {"number": number}

    def _texts(self, errors: Errors, names: tuple[str, ...], max_len: int = 255) -> dict[str, Any]:
        return {n: errors.text(n, max_len=max_len) for n in names if errors.given(n)}

    def _link(self, errors: Errors, field: str, table: str, *, default_first: bool, creating: bool) -> dict:
        """An integer reference to another register; on create optionally the lowest key there."""
        value = errors.integer(field)
        if value is not None:
            errors.exists(field, value in self.store.table(table))
            return {field: value}
        if creating and default_first:
            rows = self.store.table(table)
            if not rows:
                errors.add(field, f"The {field.replace('_', ' ')} field is required.")
                return {}
            return {field: min(rows)}
        return {}
