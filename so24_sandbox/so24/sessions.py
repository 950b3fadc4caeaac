"""Sessions: the Login result is an ASP.NET session id, sent back as cookie ASP.NET_SessionId.

ASP.NET session ids are 24 characters of lowercase letters and digits; clients (and the hub's
connector) sometimes check that shape, so the emulator produces the same.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass

_ALPHABET = string.ascii_lowercase + string.digits
COOKIE = "ASP.NET_SessionId"


@dataclass
class Session:
    id: str
    username: str
    identity_id: str


class SessionTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def create(self, username: str, identity_id: str) -> Session:
        session = Session("".join(secrets.choice(_ALPHABET) for _ in range(24)), username, identity_id)
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            return self._sessions.get(session_id)


def session_id_from_cookie(header: str | None) -> str | None:
    """The ASP.NET_SessionId value from a Cookie header (clients also send other cookies)."""
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value.strip().strip('"')
    return None
