"""Bearer authentication for Rackbeat, with a repr that cannot leak the API key.

A Rackbeat API key acts as the user who created it, with that user's rights, until someone
deletes it in Company settings -> API; it is shown once when made. Treat it like a password:
it reaches this object from the environment and leaves it only in the Authorization header.
"""

from __future__ import annotations

import requests


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"
