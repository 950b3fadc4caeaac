"""RestClient against a tiny scripted HTTP server on localhost: real sockets, no mocked transport."""

from __future__ import annotations

import json
import random
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from so24_pipelines.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimited,
    RecordRejected,
    TransientError,
)
from so24_pipelines.connectors.http import NotFound, RestClient, RetryPolicy, parse_retry_after
from so24_pipelines.connectors.ratelimit import TokenBucket

DROP = "drop"


@dataclass
class Script:
    """Responses per path, served in order; the last one repeats. Records every request."""

    answers: dict[str, list] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_for(self, path: str):
        with self.lock:
            queue = self.answers.get(path) or [(404, {}, b'{"message": "no such thing"}')]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def count(self, path: str) -> int:
        return sum(1 for _, p, _, _ in self.seen if p.split("?")[0] == path)


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with script.lock:
                script.seen.append((self.command, self.path, dict(self.headers), body))
            answer = script.next_for(self.path.split("?")[0])
            if answer == DROP:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "500")
                self.end_headers()
                self.wfile.write(b'{"partial": ')
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, headers, payload = answer
            self.send_response(status)
            headers = {"Content-Type": "application/json", **headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = _serve

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api", script
    finally:
        httpd.shutdown()
        httpd.server_close()


class Sleeps:
    """Records requested sleeps instead of waiting: retries are asserted by count, not by clock."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _client(base: str, sleeps: Sleeps | None = None, **kwargs) -> RestClient:
    kwargs.setdefault("retry", RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05))
    return RestClient(
        base,
        name="test",
        auth=requests.auth.HTTPBasicAuth("hub-user", "pa55word-secret"),
        sleep=sleeps or Sleeps(),
        rng=random.Random(7),
        **kwargs,
    )


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> tuple:
    return status, headers or {}, json.dumps(body).encode()


def test_returns_decoded_json_and_sends_auth_and_repeated_params(server):
    base, script = server
    script.answers["/api/things"] = [_json(200, [{"id": 1}])]
    result = _client(base).get("things", params={"goodsOwnerId": 3, "articleNumbers": ["A", "B"]})
    assert result == [{"id": 1}]
    method, path, headers, _ = script.seen[0]
    assert (method, path) == ("GET", "/api/things?goodsOwnerId=3&articleNumbers=A&articleNumbers=B")
    assert headers["Authorization"].startswith("Basic ")


def test_empty_2xx_body_is_none(server):
    base, script = server
    script.answers["/api/empty"] = [(204, {}, b"")]
    assert _client(base).delete("empty") is None


def test_5xx_then_success_is_retried_with_growing_backoff(server):
    base, script = server
    script.answers["/api/flaky"] = [_json(503, {"message": "busy"}), _json(500, {}), _json(200, {"ok": True})]
    sleeps = Sleeps()
    assert _client(base, sleeps).get("flaky") == {"ok": True}
    assert script.count("/api/flaky") == 3
    assert len(sleeps.calls) == 2 and all(s > 0 for s in sleeps.calls)
    assert 0.005 <= sleeps.calls[0] <= 0.01 and 0.01 <= sleeps.calls[1] <= 0.02


def test_5xx_exhausts_attempts_into_transient_error_naming_the_call(server):
    base, script = server
    script.answers["/api/down"] = [_json(502, {"message": "bad gateway"})]
    with pytest.raises(TransientError) as info:
        _client(base).get("down", params={"apiKey": "query-secret"})
    assert not isinstance(info.value, RateLimited)
    assert info.value.call == "test GET /down"
    assert "bad gateway" in str(info.value) and "query-secret" not in str(info.value)
    assert script.count("/api/down") == 4


def test_post_is_not_repeated_after_a_5xx_unless_declared_idempotent(server):
    base, script = server
    script.answers["/api/create"] = [_json(500, {"message": "oops"})]
    with pytest.raises(TransientError):
        _client(base).post("create", json_body={"a": 1})
    assert script.count("/api/create") == 1
    with pytest.raises(TransientError):
        _client(base).post("create", json_body={"a": 1}, idempotent=True)
    assert script.count("/api/create") == 1 + 4


def test_429_honours_retry_after_seconds(server):
    base, script = server
    script.answers["/api/busy"] = [_json(429, {"message": "slow down"}, {"Retry-After": "3"}), _json(200, [])]
    sleeps = Sleeps()
    assert _client(base, sleeps).get("busy") == []
    assert sleeps.calls and sleeps.calls[0] >= 3.0


def test_429_honours_retry_after_http_date(server):
    base, script = server
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    script.answers["/api/busy"] = [_json(429, {}, {"Retry-After": when}), _json(200, {"ok": 1})]
    sleeps = Sleeps()
    assert _client(base, sleeps).get("busy") == {"ok": 1}
    assert 25.0 <= sleeps.calls[0] <= 31.0


def test_429_after_all_attempts_is_rate_limited_with_retry_after(server):
    base, script = server
    script.answers["/api/busy"] = [_json(429, {"message": "quota"}, {"Retry-After": "2"})]
    with pytest.raises(RateLimited) as info:
        _client(base).get("busy")
    assert info.value.retry_after == 2.0 and info.value.call == "test GET /busy"
    assert script.count("/api/busy") == 4


def test_retry_after_beyond_the_cap_is_not_slept_inside_the_step(server):
    base, script = server
    script.answers["/api/busy"] = [_json(429, {}, {"Retry-After": "3600"})]
    sleeps = Sleeps()
    with pytest.raises(RateLimited) as info:
        _client(base, sleeps).get("busy")
    assert info.value.retry_after == 3600.0
    assert sleeps.calls == [] and script.count("/api/busy") == 1


def test_post_is_repeated_after_429_because_the_server_did_no_work(server):
    base, script = server
    script.answers["/api/create"] = [_json(429, {}, {"Retry-After": "0"}), _json(201, {"id": 9})]
    assert _client(base).post("create", json_body={"a": 1}) == {"id": 9}
    assert script.count("/api/create") == 2


def test_auth_failure_is_not_retried_and_leaks_no_secret(server):
    base, script = server
    script.answers["/api/private"] = [_json(401, {"message": "Invalid credentials"})]
    client = _client(base)
    with pytest.raises(AuthError) as info:
        client.get("private", params={"token": "query-secret"})
    text = f"{info.value} {info.value!r} {client!r}"
    assert info.value.call == "test GET /private" and "Invalid credentials" in text
    for secret in ("pa55word-secret", "hub-user", "query-secret", "Basic "):
        assert secret not in text
    assert script.count("/api/private") == 1


def test_forbidden_is_auth_error(server):
    base, script = server
    script.answers["/api/private"] = [(403, {"Content-Type": "text/html"}, b"<html><title>Forbidden</title></html>")]
    with pytest.raises(AuthError, match="Forbidden"):
        _client(base).get("private")


def test_validation_errors_become_record_rejected_with_field_errors(server):
    base, script = server
    script.answers["/api/items"] = [
        _json(422, {"message": "The given data was invalid.", "errors": {"number": ["too long"]}})
    ]
    with pytest.raises(RecordRejected) as info:
        _client(base).put("items", json_body={"number": "x" * 30})
    assert info.value.field_errors == {"number": ["too long"]}
    assert "The given data was invalid." in str(info.value)
    assert script.count("/api/items") == 1


def test_model_state_400_without_message_builds_one_from_fields(server):
    base, script = server
    script.answers["/api/items"] = [_json(400, {"modelState": {"articleNumber": ["is required"]}})]
    with pytest.raises(RecordRejected) as info:
        _client(base).put("items", json_body={})
    assert info.value.field_errors == {"articleNumber": ["is required"]}
    assert "articleNumber: is required" in str(info.value)


def test_404_is_not_found_or_none_on_request(server):
    base, _ = server
    client = _client(base)
    with pytest.raises(NotFound) as info:
        client.get("missing/42")
    assert info.value.call == "test GET /missing/42"
    assert client.get("missing/42", not_found_ok=True) is None


def test_other_4xx_is_a_plain_connector_error(server):
    base, script = server
    script.answers["/api/x"] = [_json(405, {"message": "Method not allowed"})]
    with pytest.raises(ConnectorError) as info:
        _client(base).get("x")
    assert type(info.value) is ConnectorError and "405" in str(info.value)


def test_malformed_json_is_retried(server):
    base, script = server
    script.answers["/api/odd"] = [
        (200, {}, b'{"truncated": [1, 2'),
        (200, {"Content-Type": "text/html"}, b"<html>upstream timeout</html>"),
        _json(200, {"ok": True}),
    ]
    assert _client(base).get("odd") == {"ok": True}
    assert script.count("/api/odd") == 3


def test_dropped_connection_is_retried_for_put(server):
    base, script = server
    script.answers["/api/put"] = [DROP, _json(200, {"id": 1})]
    assert _client(base).put("put", json_body={"n": 1}) == {"id": 1}
    assert script.count("/api/put") == 2


def test_dropped_connection_is_not_repeated_for_post(server):
    base, script = server
    script.answers["/api/post"] = [DROP, _json(200, {"id": 1})]
    with pytest.raises(TransientError):
        _client(base).post("post", json_body={"n": 1})
    assert script.count("/api/post") == 1


def test_refused_connection_is_retried_even_for_post_and_scrubs_the_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    client = _client(f"http://127.0.0.1:{port}/api", sleeps)
    with pytest.raises(TransientError) as info:
        client.post("things", params={"key": "query-secret"}, json_body={})
    assert len(sleeps.calls) == 3
    assert "ConnectionError" in str(info.value) and "query-secret" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_json_body_encodes_decimals_and_dates(server):
    from decimal import Decimal

    base, script = server
    script.answers["/api/put"] = [_json(200, {})]
    _client(base).put("put", json_body={"price": Decimal("12.50"), "day": datetime(2024, 5, 1).date()})
    assert json.loads(script.seen[0][3]) == {"price": 12.5, "day": "2024-05-01"}


def test_rate_limiter_is_shared_by_all_threads_of_a_client(server):
    base, script = server
    script.answers["/api/t"] = [_json(200, {})]
    frozen = [0.0]
    waits: list[float] = []
    bucket = TokenBucket(10, 3, clock=lambda: frozen[0], sleep=waits.append)
    client = _client(base, rate_limiter=bucket, max_concurrent=2)
    threads = [threading.Thread(target=lambda: [client.get("t") for _ in range(5)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert script.count("/api/t") == 20
    assert bucket.available == pytest.approx(3 - 20)
    assert sorted(waits) == pytest.approx([n / 10 for n in range(1, 18)])


def test_paginate_follows_cursors_and_refuses_a_stuck_cursor(server):
    base, _ = server
    client = _client(base)
    pages = {None: ([1, 2], 3), 3: ([3, 4], 5), 5: ([], None)}
    assert list(client.paginate(lambda c: pages[c])) == [1, 2, 3, 4]
    stuck = {None: ([1], 2), 2: ([2], 2)}
    with pytest.raises(ConnectorError, match="did not advance"):
        list(client.paginate(lambda c: stuck[c]))


def test_base_url_with_credentials_is_refused():
    with pytest.raises(ConfigError) as info:
        RestClient("https://user:pw@example.test/api", name="x")
    assert "pw" not in str(info.value)


def test_parse_retry_after():
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None and parse_retry_after("") is None
