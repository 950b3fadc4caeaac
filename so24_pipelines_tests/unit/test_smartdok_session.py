"""The Smartdok session token: lifetime, renewal before expiry, one retry after a 401, early failure.

The cache is driven by injected clocks; the 401 handling runs against a tiny scripted HTTP server
on localhost (real sockets), so what the client sends and how often is counted, not assumed.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from so24_pipelines.connectors.errors import AuthError, ConfigError
from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.connectors.smartdok.tokens import SessionCache, jwt_expiry, lifetime_of, reuse_for

API_TOKEN = "api-access-token-under-test"  # noqa: S105 - a test value


def _jwt(exp: float | None) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    claims = {"sub": "api"} if exp is None else {"sub": "api", "exp": exp}
    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


# ---- lifetime ------------------------------------------------------------------------------------


def test_a_jwt_exp_is_read_and_anything_else_is_not() -> None:
    assert jwt_expiry(_jwt(1_900_000_000)) == 1_900_000_000.0
    assert jwt_expiry(_jwt(None)) is None
    assert jwt_expiry("opaque-session-token") is None
    assert jwt_expiry("a.!!!.c") is None


def test_the_shorter_of_exp_and_the_setting_wins() -> None:
    now = 1_800_000_000.0
    assert lifetime_of(_jwt(now + 600), assumed=3600, now=now) == 600
    assert lifetime_of(_jwt(now + 7200), assumed=3600, now=now) == 3600
    assert lifetime_of("opaque", assumed=3600, now=now) == 3600


def test_renewal_comes_a_margin_early_but_never_under_a_second() -> None:
    assert reuse_for(3600, 60) == 3540
    assert reuse_for(10, 60) == 5
    assert reuse_for(-5, 60) == 1


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_reuses_then_renews_before_expiry() -> None:
    clock, tokens = Clock(), iter(["t1", "t2", "t3"])
    cache = SessionCache(lambda: next(tokens), assumed_lifetime=3600, margin=60, clock=clock, wall=lambda: 0.0)
    assert cache.current() == "t1"
    clock.now += 3539
    assert cache.current() == "t1"
    clock.now += 1
    assert cache.current() == "t2"
    assert cache.fetched == 2


def test_invalidate_drops_only_the_refused_token() -> None:
    tokens = iter(["t1", "t2", "t3"])
    cache = SessionCache(lambda: next(tokens), clock=Clock())
    assert cache.current() == "t1"
    cache.invalidate("t1")
    assert cache.current() == "t2"
    cache.invalidate("t1")  # a thread that sent the old token must not drop the new one
    assert cache.current() == "t2"


def test_threads_that_find_no_token_buy_one_together() -> None:
    calls = []

    def slow_fetch() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "shared"

    cache = SessionCache(slow_fetch)
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(cache.current())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["shared"] * 8 and len(calls) == 1


# ---- against a scripted server -------------------------------------------------------------------


@dataclass
class Script:
    """`token_status`: status of the token call; `refuse(token, n)`: whether the n-th GET gets 401."""

    token_status: int = 200
    refuse: Callable[[str, int], int | None] = lambda token, n: None
    tokens_issued: int = 0
    gets: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def _send(self, status: int, body: Any = None) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            assert json.loads(raw) == {"Token": API_TOKEN}
            if script.token_status != 200:
                self._send(script.token_status)
                return
            with script.lock:
                script.tokens_issued += 1
                token = f"session-{script.tokens_issued}"
            self._send(200, token)

        def do_GET(self) -> None:  # noqa: N802
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with script.lock:
                script.gets.append(token)
                n = len(script.gets)
            status = script.refuse(token, n)
            if status:
                self._send(status)
            else:
                self._send(200, {"Count": 0, "Offset": 0, "TotalCount": 0, "Items": []})

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    finally:
        httpd.shutdown()
        httpd.server_close()


def _client(url: str) -> SmartdokClient:
    return SmartdokClient(url, API_TOKEN, retry=RetryPolicy(attempts=3, backoff_base=0.01, backoff_max=0.02))


def test_a_401_buys_a_new_session_and_repeats_the_call_once(server) -> None:
    url, script = server
    script.refuse = lambda token, n: 401 if token == "session-1" else None
    with _client(url) as client:
        assert client.list_users() == []
    assert script.gets == ["session-1", "session-2"]
    assert script.tokens_issued == 2


@pytest.mark.parametrize("status", [401, 403])
def test_refused_again_with_a_fresh_session_is_an_auth_error(server, status: int) -> None:
    url, script = server
    script.refuse = lambda token, n: status
    with _client(url) as client, pytest.raises(AuthError) as failure:
        client.list_users()
    assert script.gets == ["session-1", "session-2"]
    assert "again with a fresh session token" in str(failure.value)
    assert "SMARTDOK_API_TOKEN" in str(failure.value)


def test_a_refused_api_token_fails_the_first_call_before_any_data_call(server) -> None:
    url, script = server
    script.token_status = 401
    with _client(url) as client, pytest.raises(AuthError) as failure:
        client.list_users()
    message = str(failure.value)
    assert "SMARTDOK_API_TOKEN" in message and API_TOKEN not in message
    assert script.gets == []


def test_missing_token_env_var_is_named() -> None:
    for environ in ({}, {"SMARTDOK_API_TOKEN": "   "}):
        with pytest.raises(ConfigError, match="SMARTDOK_API_TOKEN"):
            SmartdokClient.from_env(environ)


def test_the_token_shows_in_no_repr(server) -> None:
    url, _ = server
    with SmartdokClient.from_env({"SMARTDOK_API_TOKEN": API_TOKEN}, base_url=url) as client:
        client.authenticate()
        shown = " ".join(repr(x) for x in (client, client.sessions, client._bearer, client._endpoint))
    assert API_TOKEN not in shown and "session-1" not in shown
