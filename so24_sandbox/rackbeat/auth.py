"""The sandbox API key and the bearer gate of the emulated API.

Rackbeat API keys are long JWT-like strings a user creates under Company settings -> API and
sees once; the key acts as that user's account. The sandbox accepts exactly one published key:

    Authorization: Bearer sandbox-rackbeat-api-key-so24-hub

(GET /_sandbox/rackbeat/credentials returns it with the base URL). Anything else answers 401
with Laravel's standard body, as Rackbeat's Laravel backend does.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse

API_TOKEN = "sandbox-rackbeat-api-key-so24-hub"  # noqa: S105 - published sandbox credential
ACCOUNT_ID = 24001
COMPANY_NAME = "Sandbox Lager AS"


def denied(request: Request) -> JSONResponse | None:
    """None for the sandbox key, else the 401 answer (missing, wrong scheme or unknown key)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secrets.compare_digest(token.strip().encode(), API_TOKEN.encode()):
        return None
    return JSONResponse({"message": "Unauthenticated."}, status_code=401)
