"""The webhook receiver over real HTTP: a uvicorn server on a free port in front of a real inbox."""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from so24_pipelines.webhooks.app import build_receiver
from so24_pipelines.webhooks.inbox import Inbox
from so24_pipelines_tests.sandbox_process import free_port

pytestmark = pytest.mark.contract

TOKEN = "rb-5f0c9e1d7a3b4c2e8f6a1d0b9c7e3a2f"
CAP = 4096
SHIPPED = {"key": 1001, "key_name": "number", "event": "order.shipped", "data": {}}


@dataclass
class Receiver:
    url: str
    port: int
    inbox: Inbox

    def post(
        self, body: bytes | dict, headers: dict[str, str] | None = None, source: str = "rackbeat", **kw: Any
    ) -> requests.Response:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        return requests.post(
            f"{self.url}/webhooks/{source}", data=data, headers=headers or {}, timeout=10, **kw
        )


@contextmanager
def _serve(inbox: Inbox, tokens: dict[str, str], body_timeout: float = 10.0) -> Iterator[Receiver]:
    port = free_port()
    # log_config=None: records propagate to the root logger, where caplog can check them for secrets
    config = uvicorn.Config(
        build_receiver(inbox, tokens, max_body_bytes=CAP, body_timeout_seconds=body_timeout),
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="info",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("receiver did not start")
        time.sleep(0.01)
    try:
        yield Receiver(url=f"http://127.0.0.1:{port}", port=port, inbox=inbox)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with _serve(Inbox(tmp_path / "inbox.sqlite"), {"rackbeat": TOKEN}) as r:
        yield r


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"Rackbeat-Webhook-Token": token, "Content-Type": "application/json"}


def _raw_request(port: int, head: str, body: bytes) -> tuple[int, bytes]:
    """Send exactly these bytes and read one response; the server must answer without more."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        status_line, _, rest = data.partition(b"\r\n")
        headers_blob, _, payload = rest.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in headers_blob.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(payload) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            payload += chunk
    return int(status_line.split()[1]), payload


# --- authentication -------------------------------------------------------------------------------


def test_health_names_the_sources_that_accept_posts(receiver: Receiver) -> None:
    resp = requests.get(f"{receiver.url}/health", timeout=10)
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "accepting": ["rackbeat"]}


def test_missing_or_wrong_token_is_401_and_nothing_is_stored(receiver: Receiver) -> None:
    refused = [
        receiver.post(SHIPPED, headers={"Content-Type": "application/json"}),
        receiver.post(SHIPPED, headers=_auth(TOKEN[:-1] + "x")),
        receiver.post(SHIPPED, headers=_auth(TOKEN + "x")),
        receiver.post(SHIPPED, headers=_auth("")),
        receiver.post(SHIPPED, headers={"Authorization": f"Bearer {TOKEN}"}),
    ]
    assert [r.status_code for r in refused] == [401] * 5
    assert all(TOKEN not in r.text for r in refused)
    assert receiver.inbox.counts()["total"] == 0


def test_generic_token_header_is_accepted(receiver: Receiver) -> None:
    resp = receiver.post(SHIPPED, headers={"X-Webhook-Token": TOKEN})
    assert resp.status_code == 202
    assert resp.json()["stored"] is True


def test_a_source_without_a_configured_token_refuses_everything(receiver: Receiver) -> None:
    for headers in ({}, {"X-Auth-Token": ""}, {"X-Auth-Token": TOKEN}, {"X-Webhook-Token": TOKEN}):
        resp = receiver.post(
            {"orderId": 5}, headers=headers, source="ongoing", params={"event": "order.picked"}
        )
        assert resp.status_code == 401
    assert receiver.inbox.counts()["total"] == 0


def test_a_token_registered_as_a_digest_is_accepted_and_never_stored_in_clear(tmp_path: Path) -> None:
    hook_token = "generated-by-rackbeat-0123456789abcdef"
    inbox = Inbox(tmp_path / "inbox.sqlite")
    inbox.remember_token("rackbeat", "order.shipped", hook_token)
    with _serve(inbox, {}) as r:
        assert r.post(SHIPPED, headers=_auth(hook_token)).status_code == 202
        assert r.post(SHIPPED, headers=_auth(hook_token[:-1])).status_code == 401
        assert r.post(SHIPPED, headers={"Content-Type": "application/json"}).status_code == 401
    for path in tmp_path.iterdir():
        assert hook_token.encode() not in path.read_bytes(), path


def test_unknown_source_is_404_and_wrong_method_405(receiver: Receiver) -> None:
    assert receiver.post(SHIPPED, headers=_auth(), source="shopify").status_code == 404
    assert requests.get(f"{receiver.url}/webhooks/rackbeat", timeout=10).status_code == 405
    assert receiver.inbox.counts()["total"] == 0


# --- body checks ----------------------------------------------------------------------------------


def test_declared_oversized_body_is_refused_before_it_is_sent(receiver: Receiver) -> None:
    head = (
        "POST /webhooks/rackbeat HTTP/1.1\nHost: localhost\n"
        f"Rackbeat-Webhook-Token: {TOKEN}\nContent-Type: application/json\n"
        "Content-Length: 10485760\n"
    )
    # only 9 of the 10 MiB promised: a server that waited for the body would never answer
    status, body = _raw_request(receiver.port, head, b'{"event":')
    assert status == 413
    assert b"larger than 4096" in body
    assert receiver.inbox.counts()["total"] == 0


def test_streamed_oversized_body_is_refused_while_counting(receiver: Receiver) -> None:
    head = (
        "POST /webhooks/rackbeat HTTP/1.1\nHost: localhost\n"
        f"Rackbeat-Webhook-Token: {TOKEN}\nContent-Type: application/json\n"
        "Transfer-Encoding: chunked\n"
    )
    chunk = b"x" * 1024
    # five 1 KiB chunks and no terminating chunk: the cap must trip on the count, not at the end
    status, _ = _raw_request(receiver.port, head, b"".join(b"400\r\n" + chunk + b"\r\n" for _ in range(5)))
    assert status == 413
    assert receiver.inbox.counts()["total"] == 0


def test_body_of_exactly_the_cap_is_accepted(receiver: Receiver) -> None:
    template = dict(SHIPPED, pad="")
    pad = CAP - len(json.dumps(template).encode())
    body = json.dumps(dict(template, pad="p" * pad)).encode()
    assert len(body) == CAP
    assert receiver.post(body, headers=_auth()).status_code == 202
    assert receiver.post(body + b" ", headers=_auth()).status_code == 413


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b'["order.shipped"]', b'"order.shipped"', b"\xff\xfe{}", b"[" * 2000 + b"]" * 2000],
)
def test_invalid_or_non_object_json_is_400_and_not_stored(receiver: Receiver, body: bytes) -> None:
    resp = receiver.post(body, headers=_auth())
    assert resp.status_code == 400
    assert receiver.inbox.counts()["total"] == 0


def test_event_name_from_header_and_400_when_none_is_given(receiver: Receiver) -> None:
    thin = {"key": 77, "key_name": "number", "data": {}}
    resp = receiver.post(thin, headers=dict(_auth(), **{"Rackbeat-Webhook-Event": "inventory.changed"}))
    assert resp.status_code == 202
    missing = receiver.post(dict(thin, key=78), headers=_auth())
    assert missing.status_code == 400
    assert "event" in missing.json()["error"]
    [event] = receiver.inbox.pending()
    assert (event.event, event.entity_key) == ("inventory.changed", "77")


# --- storage --------------------------------------------------------------------------------------


def test_redelivered_body_is_202_with_stored_false(receiver: Receiver) -> None:
    first = receiver.post(SHIPPED, headers=_auth())
    again = receiver.post(SHIPPED, headers=_auth())
    assert (first.status_code, first.json()["stored"]) == (202, True)
    assert (again.status_code, again.json()["stored"]) == (202, False)
    assert first.json()["event_id"] == again.json()["event_id"]

    # the sender's own id wins over the body: a changed body with the same id is still a redelivery
    with_id = dict(SHIPPED, event_id="delivery-9")
    assert receiver.post(with_id, headers=_auth()).json() == {
        "stored": True,
        "event_id": "rackbeat:delivery-9",
    }
    changed = dict(with_id, data={"note": "resent"})
    assert receiver.post(changed, headers=_auth()).json() == {
        "stored": False,
        "event_id": "rackbeat:delivery-9",
    }
    assert receiver.inbox.counts()["total"] == 2


def test_burst_of_200_events_from_8_threads_is_stored_exactly_once(receiver: Receiver) -> None:
    bodies = [
        json.dumps(
            {"key": f"P-{i}", "key_name": "number", "event": "inventory.changed", "data": {"n": i}}
        ).encode()
        for i in range(200)
    ]
    results: list[tuple[int, int, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def sender(n: int) -> None:
        try:
            session = requests.Session()
            start.wait(timeout=30)
            # each body goes out twice, from two different threads, as a retrying sender would
            for i in list(range(n, 200, 8)) + list(range((n + 1) % 8, 200, 8)):
                resp = session.post(
                    f"{receiver.url}/webhooks/rackbeat", data=bodies[i], headers=_auth(), timeout=30
                )
                with lock:
                    results.append((i, resp.status_code, resp.json()["stored"]))
        except BaseException as exc:  # surfaced below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert len(results) == 400
    assert {status for _, status, _ in results} == {202}
    assert sorted(i for i, _, stored in results if stored) == list(range(200))
    pending = receiver.inbox.pending(limit=1000)
    assert len(pending) == 200
    assert sorted(e.entity_key for e in pending) == sorted(f"P-{i}" for i in range(200))
    assert len({e.seq for e in pending}) == 200


def test_reordered_deliveries_keep_the_senders_time(receiver: Receiver) -> None:
    newer = {
        "key": 7,
        "key_name": "number",
        "event": "product.updated",
        "data": {"updated_at": "2026-03-02 10:05:00"},
    }
    older = {
        "key": 7,
        "key_name": "number",
        "event": "product.updated",
        "data": {"updated_at": "2026-03-02 10:00:00"},
    }
    assert receiver.post(newer, headers=_auth()).status_code == 202
    assert receiver.post(older, headers=_auth()).status_code == 202

    by_arrival = receiver.inbox.pending()
    assert [e.occurred_at for e in by_arrival] == ["2026-03-02T10:05:00.000000", "2026-03-02T10:00:00.000000"]
    by_occurrence = sorted(by_arrival, key=lambda e: (e.occurred_at, e.seq))
    assert [e.payload["data"]["updated_at"] for e in by_occurrence] == [
        "2026-03-02 10:00:00",
        "2026-03-02 10:05:00",
    ]


def test_storage_failure_is_503_with_retry_after_and_the_retry_is_stored(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite", busy_timeout=0.1)
    with _serve(inbox, {"rackbeat": TOKEN}) as receiver:
        blocker = sqlite3.connect(inbox.path, isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the file for the whole request
            resp = receiver.post(SHIPPED, headers=_auth())
            assert resp.status_code == 503
            assert resp.headers["Retry-After"] == "5"
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert receiver.post(SHIPPED, headers=_auth()).json()["stored"] is True


def test_token_never_reaches_the_inbox_or_the_logs(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.post(SHIPPED, headers=_auth())
    receiver.post(dict(SHIPPED, key=2), headers=_auth(TOKEN + "-wrong"))
    receiver.post(b"{bad", headers=_auth())
    assert "order.shipped" in caplog.text  # the log did record the stored event
    assert TOKEN not in caplog.text

    files = [p for p in receiver.inbox.path.parent.iterdir() if p.name.startswith(receiver.inbox.path.name)]
    assert files  # the database and its WAL
    for path in files:
        assert TOKEN.encode() not in path.read_bytes()


# --- entry point ----------------------------------------------------------------------------------


def test_module_entry_point_serves_a_real_inbox(tmp_path: Path) -> None:
    port = free_port()
    inbox_path = tmp_path / "cli" / "inbox.sqlite"
    env = dict(os.environ, RACKBEAT_WEBHOOK_TOKEN=TOKEN)
    env.pop("ONGOING_WEBHOOK_TOKEN", None)
    log_path = tmp_path / "receiver.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "so24_pipelines.webhooks",
                "--port",
                str(port),
                "--inbox",
                str(inbox_path),
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, "receiver exited early"
                assert time.monotonic() < deadline, "receiver did not answer"
                try:
                    if requests.get(f"{url}/health", timeout=2).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.05)
            resp = requests.post(f"{url}/webhooks/rackbeat", json=SHIPPED, headers=_auth(), timeout=10)
            assert (resp.status_code, resp.json()["stored"]) == (202, True)
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    [event] = Inbox(inbox_path).pending()
    assert (event.source, event.event, event.entity_key) == ("rackbeat", "order.shipped", "1001")
    output = log_path.read_text()
    assert "ongoing" in output  # warned that the unconfigured source refuses posts
    assert TOKEN not in output


def test_a_body_that_stalls_halfway_is_refused_after_the_body_timeout(tmp_path: Path) -> None:
    """A sender that declares 200 bytes and sends 20 gets 408 once the timeout passes; nothing stored."""
    with _serve(Inbox(tmp_path / "inbox.sqlite"), {"rackbeat": TOKEN}, body_timeout=1.0) as r:
        head = (
            f"POST /webhooks/rackbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nRackbeat-Webhook-Token: {TOKEN}\r\n"
            "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", r.port), timeout=15) as sock:
            started = time.monotonic()
            sock.sendall(head.encode() + b'{"key": 1001, "ev')
            answer = sock.recv(4096).decode(errors="replace")
            waited = time.monotonic() - started
        assert answer.startswith("HTTP/1.1 408"), answer
        assert 0.9 <= waited < 10
        assert r.inbox.pending() == []
