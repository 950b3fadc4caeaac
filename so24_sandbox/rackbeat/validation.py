"""Refusals and Laravel-style validation, the way Rackbeat answers a bad write.

A refused write is 422 with `{"errors": {"<field path>": ["message", ...]}}`; field paths use dot
notation for nested input (`lines.0.item_id`). Messages follow Laravel's wording ("The selected
customer id is invalid.", "The number may not be greater than 25 characters."), because
Rackbeat's backend is Laravel and integrators match on those texts.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """An answer other than success: 422 with field errors, or 404/400 with a message."""

    def __init__(self, status: int, message: str = "", errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in (errors or {}).items()))
        self.status = status
        self.message = message
        self.errors = errors or {}

    def body(self) -> dict[str, Any]:
        if self.errors:
            return {"errors": self.errors}
        return {"message": self.message}


def rejected(field: str, message: str) -> Refused:
    return Refused(422, errors={field: [message]})


def not_found(what: str) -> Refused:
    return Refused(404, f"{what} not found.")


def _attr(field: str) -> str:
    return field.replace("_", " ")


class Errors:
    """Collects field errors for one request body; `check()` raises them as one 422."""

    def __init__(self, body: Any, prefix: str = "") -> None:
        self.body = body if isinstance(body, dict) else {}
        self.prefix = prefix
        self.by_field: dict[str, list[str]] = {}
        if not isinstance(body, dict):
            self.add("body", "The request body must be a JSON object.")

    def path(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(self.path(field), []).append(message)

    def merge(self, other: Errors) -> None:
        for field, messages in other.by_field.items():
            self.by_field.setdefault(field, []).extend(messages)

    def check(self) -> None:
        if self.by_field:
            raise Refused(422, errors=self.by_field)

    def given(self, field: str) -> bool:
        return self.body.get(field) is not None

    def required(self, field: str) -> bool:
        value = self.body.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(field, f"The {_attr(self.path(field))} field is required.")
            return False
        return True

    def text(self, field: str, *, required: bool = False, max_len: int = 255) -> str | None:
        if required and not self.required(field):
            return None
        value = self.body.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(field, f"The {_attr(self.path(field))} must be a string.")
            return None
        text = str(value)
        if len(text) > max_len:
            self.add(field, f"The {_attr(self.path(field))} may not be greater than {max_len} characters.")
            return None
        return text

    def number(
        self,
        field: str,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        if required and not self.required(field):
            return None
        value = self.body.get(field)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(field, f"The {_attr(self.path(field))} must be a number.")
            return None
        if minimum is not None and value < minimum:
            self.add(field, f"The {_attr(self.path(field))} must be at least {minimum:g}.")
            return None
        if maximum is not None and value > maximum:
            self.add(field, f"The {_attr(self.path(field))} may not be greater than {maximum:g}.")
            return None
        return float(value)

    def integer(
        self, field: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        if required and not self.required(field):
            return None
        value = self.body.get(field)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, f"The {_attr(self.path(field))} must be an integer.")
            return None
        if minimum is not None and value < minimum:
            self.add(field, f"The {_attr(self.path(field))} must be at least {minimum}.")
            return None
        if maximum is not None and value > maximum:
            self.add(field, f"The {_attr(self.path(field))} may not be greater than {maximum}.")
            return None
        return value

    def boolean(self, field: str) -> bool | None:
        value = self.body.get(field)
        if value is None:
            return None
        if value in (True, False, 0, 1, "0", "1", "true", "false"):
            return value in (True, 1, "1", "true")
        self.add(field, f"The {_attr(self.path(field))} field must be true or false.")
        return None

    def mapping(self, field: str) -> dict[str, Any] | None:
        value = self.body.get(field)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add(field, f"The {_attr(self.path(field))} must be an object.")
            return None
        return value

    def exists(self, field: str, found: bool) -> None:
        if not found:
            self.add(field, f"The selected {_attr(self.path(field))} is invalid.")
