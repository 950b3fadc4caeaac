"""How the emulated LNB says no: one exception, rendered as the reference describes (§3).

401 auth, 404 not found, 422 validation: a JSON body with `message` and, for validation, the
field details under `errors` (`{"field": ["reason", ...]}`). The wording of the messages is ours
(the reference quotes none); clients must key on the status and the field names, not the text.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors:
            out["errors"] = self.errors
        return out


def invalid(errors: dict[str, list[str]], message: str = "The given data was invalid.") -> Refused:
    return Refused(422, message, errors)


def not_found(message: str) -> Refused:
    return Refused(404, message)
