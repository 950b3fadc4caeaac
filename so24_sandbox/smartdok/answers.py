"""How the emulated Smartdok says no, in the shapes its documentation gives.

- 400 on a write or on `GET /WorkHours`: `{Code, Error, Message}` (the spec's prose: "Bad request
  errors include a JSON object with ... Code, Error (e.g. "NameIsRequired"), Message"). The
  numeric codes are not published; the sandbox numbers its error names itself (`CODES`).
- 400 on `GET /WorkHours/v2`: RFC 7807 ProblemDetails in Smartdok's PascalCase (`Type`, `Title`,
  `Status`, `Detail`, `Instance`, plus `Errors` per parameter, as ASP.NET's validation answer).
- 404: no body ("Not found simply means that the URL does not point to a valid resource, and no
  additional information is provided").
- 401: no body and a `WWW-Authenticate: Bearer ...` challenge, as ASP.NET's JWT handler answers a
  missing, unknown or expired token.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

# The sandbox's own numbering of Smartdok's error names (the real numbers are not published).
CODES: dict[str, int] = {
    "InvalidJson": 1000,
    "IsRequired": 1001,  # suffixes: "NameIsRequired", "EmailIsTooLong", "RoleIsInvalid", ...
    "IsTooLong": 1002,
    "IsInvalid": 1003,
    "UserNameAlreadyExists": 1101,
    "EmployeeNoAlreadyExists": 1102,
    "ProjectNumberAlreadyExists": 1201,
    "OrderTypeIdIsRequired": 1202,
    "OrderTypeIdIsNotAllowed": 1203,
    "NotFound": 1300,
    "DateRangeTooLarge": 1401,
    "ToDateBeforeFromDate": 1402,
    "ExportedExternalMustBeTrue": 1403,
    "ApiTokenIsInvalid": 1501,
}


class Refused(Exception):
    """A refusal a handler raises; `response()` renders it."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        super().__init__(f"HTTP {status}: {body!r}")

    def response(self) -> Response:
        if self.body is None:
            return Response(b"", status_code=self.status, headers=self.headers)
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def bad_request(error: str, message: str) -> Refused:
    """400 `{Code, Error, Message}`; `error` is a name in CODES or a field name + one of its suffixes."""
    code = CODES.get(error)
    if code is None:
        code = next((CODES[s] for s in ("IsRequired", "IsTooLong", "IsInvalid") if error.endswith(s)), 1003)
    return Refused(400, {"Code": code, "Error": error, "Message": message})


def required(field: str) -> Refused:
    return bad_request(f"{field}IsRequired", f"{field} is required.")


def too_long(field: str, limit: int) -> Refused:
    return bad_request(f"{field}IsTooLong", f"{field} must be at most {limit} characters.")


def invalid(field: str, why: str) -> Refused:
    return bad_request(f"{field}IsInvalid", f"{field} {why}.")


def problem(instance: str, errors: dict[str, list[str]]) -> Refused:
    """400 ProblemDetails, as `GET /WorkHours/v2` documents for bad parameters."""
    detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
    return Refused(
        400,
        {
            "Type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "Title": "One or more validation errors occurred.",
            "Status": 400,
            "Detail": detail,
            "Instance": instance,
            "Errors": errors,
        },
    )


def not_found() -> Refused:
    return Refused(404)


def unauthorized(description: str) -> Refused:
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    return Refused(401, headers={"WWW-Authenticate": challenge})
