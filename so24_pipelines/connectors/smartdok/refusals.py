"""What Smartdok says when it refuses, read into a message and a machine-readable error name.

Two shapes (reference §1): writes and `GET /WorkHours` answer 400 `{Code, Error, Message}`
("NameIsRequired", ...); `GET /WorkHours/v2` answers RFC 7807 ProblemDetails in PascalCase
(`Title`, `Detail`, maybe per-parameter `Errors`). 404 has no body at all. `SmartdokRefused` is a
RecordRejected (skip the record, keep the batch) that also carries `error`, Smartdok's error
name, so a caller can act on e.g. "EmployeeNoAlreadyExists" (look the record up instead of
creating it again) without parsing prose.
"""

from __future__ import annotations

import json
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected

ERROR_KEY = "Error"  # where `details` puts Smartdok's error name among the field errors


class SmartdokRefused(RecordRejected):
    def __init__(
        self,
        message: str,
        *,
        call: str | None = None,
        error: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.error = error
        super().__init__(message, call=call, field_errors=field_errors)


def details(text: str) -> tuple[str, dict[str, list[str]]] | None:
    """(message, field errors) of a Smartdok error body, or None when it is neither shape."""
    try:
        body: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("Error"), str):
        name = body["Error"]
        message = str(body.get("Message") or name)
        code = body.get("Code")
        prefix = f"{name} (code {code})" if code is not None else name
        return f"{prefix}: {message}", {ERROR_KEY: [name]}
    if "Title" in body or "Detail" in body:
        fields: dict[str, list[str]] = {}
        errors = body.get("Errors") or body.get("errors")
        if isinstance(errors, dict):
            for name, msgs in errors.items():
                fields[str(name)] = [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
        parts = [str(p) for p in (body.get("Title"), body.get("Detail")) if p]
        return " ".join(parts) or "Bad request", fields
    return None


def refused(exc: RecordRejected) -> SmartdokRefused:
    """The same refusal as a SmartdokRefused, its error name lifted out of the field errors."""
    fields = dict(exc.field_errors)
    names = fields.pop(ERROR_KEY, None)
    text = str(exc)
    message = text.removeprefix(f"{exc.call}: ") if exc.call else text
    return SmartdokRefused(message, call=exc.call, error=names[0] if names else None, field_errors=fields)
