"""How requests to Le New Black carry credentials: the access token as a query parameter.

All three SDKs send the token as `?access_token=` on every call, never as a header (reference
§2), so the secret ends up in URLs. Guards, because URLs are what gets logged:
- the shared REST client names calls without their query string and scrubs URLs out of error
  text (connectors/http.py); it builds the URL without the token, which is added here, at the
  last moment, by `requests` while preparing each attempt (so a retry after a long Retry-After
  sleep carries the token that is current *then*);
- urllib3 logs every request line with its query at DEBUG; `redaction.py` filters that logger;
- the objects here and the token cache print no secrets in repr().

`FormBody` serves the Java-style token endpoint (`oauth/token`), which takes a form, not JSON:
the shared client only sends JSON, so the JSON body it prepared is re-encoded here.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import requests

from so24_pipelines.connectors.session_tokens import SentToken

TOKEN_PARAM = "access_token"  # noqa: S105 - a parameter name


class AccessTokenParam(SentToken):
    """Adds `access_token=<current token>` to each prepared request; remembers, per thread, what it sent."""

    def _attach(self, request: requests.PreparedRequest, value: str) -> None:
        request.prepare_url(request.url, {TOKEN_PARAM: value})


class FormBody(requests.auth.AuthBase):
    """Re-encodes a prepared JSON object body as application/x-www-form-urlencoded."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.body:
            raw = request.body if isinstance(request.body, bytes) else request.body.encode("utf-8")
            fields = json.loads(raw)
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
            request.prepare_body(urlencode({k: "" if v is None else str(v) for k, v in fields.items()}), None)
        return request

    def __repr__(self) -> str:
        return "FormBody()"
