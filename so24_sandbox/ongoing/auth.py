"""Sandbox credentials and the Basic-auth gate of the emulated API.

Ongoing issues one API user per integration (by the warehouse administrator); the same user may
reach several goods owners. The sandbox has one fixed user that reaches goods owners 1 and 2:

    warehouse  sandbox            (URL: <sandbox>/ongoing/sandbox/api/v1/...)
    username   so24-hub-api
    password   sandbox-ongoing-pw
    goods owners 1 (main), 2 (second brand)

These are test values for a local emulator, published on purpose (GET /_sandbox/ongoing/credentials).
"""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse

from so24_sandbox.ongoing.store import GOODS_OWNERS

WAREHOUSE_NAME = "sandbox"
USERNAME = "so24-hub-api"
PASSWORD = "sandbox-ongoing-pw"  # noqa: S105 - published sandbox credential
DEFAULT_GOODS_OWNER_ID = 1
ACCESSIBLE_GOODS_OWNERS = tuple(GOODS_OWNERS)


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def denied(request: Request) -> JSONResponse | None:
    """None when the request carries the sandbox user's Basic credentials, else the 401 answer.

    The status is an assumption (the vendor documents none); the body is ASP.NET's default text.
    """
    given = _credentials(request)
    if given is not None:
        user_ok = secrets.compare_digest(given[0].encode(), USERNAME.encode())
        password_ok = secrets.compare_digest(given[1].encode(), PASSWORD.encode())
        if user_ok and password_ok:
            return None
    return JSONResponse(
        {"message": "Authorization has been denied for this request."},
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="Ongoing WMS"'},
    )


def goods_owner_refused(goods_owner_id: int) -> JSONResponse | None:
    """403 when the user may not act for this goods owner (assumption: status not documented)."""
    if goods_owner_id in ACCESSIBLE_GOODS_OWNERS:
        return None
    return JSONResponse(
        {"message": f"The user does not have access to goods owner {goods_owner_id}."}, status_code=403
    )
