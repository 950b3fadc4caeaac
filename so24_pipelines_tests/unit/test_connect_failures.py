"""Fast, clear failure: a system that cannot be connected to fails within its connect budget (well
under 30 s), with the URL (no query string, no user info) and the setting to check.

Real sockets against a closed local port for the wall-clock budget; a scripted transport with a
fake clock for the arithmetic of connect timeouts; a read timeout on a service that answers keeps
the longer retries.
"""

from __future__ import annotations

import random
import time

import dagster as dg
import pytest
import requests
import urllib3.exceptions

from so24_pipelines.connectors.errors import TransientError, UnreachableError, url_for_message
from so24_pipelines.connectors.http import RestClient, RetryPolicy, connect_failure, split_timeout
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.defs.flow_asset import told_to_user
from so24_pipelines_tests.sandbox_process import free_port

BUDGET_SECONDS = 30.0


def test_url_for_message_keeps_scheme_host_port_path_only():
    assert url_for_message("https://u:pw@lnb.example:8443/api/v1/orders?token=s3cret#x") == (
        "https://lnb.example:8443/api/v1/orders"
    )
    assert url_for_message("http://[::1]:8024/24so?WSDL") == "http://[::1]:8024/24so"
    assert url_for_message("http://127.0.0.1:8024") == "http://127.0.0.1:8024"


def test_a_single_timeout_number_keeps_the_connect_part_small():
    assert split_timeout(60.0) == (5.0, 60.0)
    assert split_timeout(2.0) == (2.0, 2.0)
    assert split_timeout((3.0, 90.0)) == (3.0, 90.0)


def _wrapped(reason: Exception) -> requests.ConnectionError:
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", reason))


def test_connect_failure_names_the_kind_and_ignores_failures_after_connecting():
    name = urllib3.exceptions.NameResolutionError("nope.invalid", None, OSError("Name or service not known"))
    assert connect_failure(_wrapped(name)) == "ConnectionError: host name not found"
    refused = urllib3.exceptions.NewConnectionError(None, "Failed to establish: [Errno 111] Connection refused")
    assert connect_failure(_wrapped(refused)) == "ConnectionError: connection refused"
    assert "TLS" in connect_failure(requests.exceptions.SSLError("handshake"))
    assert "connect timeout" in connect_failure(requests.ConnectTimeout("slow"))
    assert connect_failure(requests.ReadTimeout("slow answer")) is None
    dropped = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
    assert connect_failure(requests.ConnectionError(dropped)) is None


def test_rest_client_at_a_closed_port_fails_within_the_budget_with_the_url_and_setting():
    base = f"http://127.0.0.1:{free_port()}/rackbeat"
    retry = RetryPolicy(connect_budget=4.0)  # real sleeps and clock; a small budget keeps the test short
    client = RestClient(base, name="rackbeat", retry=retry, timeout=(0.5, 10.0))
    started = time.monotonic()
    with pytest.raises(UnreachableError) as info:
        client.get("products", params={"api_key": "query-secret"})
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert elapsed <= retry.connect_budget + 1
    assert f"{base}/products" in message and "rackbeat.base_url" in message and "connection refused" in message
    assert "query-secret" not in message and "is rackbeat up" in message
    assert info.value.setting == "rackbeat.base_url" and isinstance(info.value, TransientError)

    started = time.monotonic()
    with pytest.raises(UnreachableError) as again:  # a second call right after: no second budget
        client.get("orders")
    assert time.monotonic() - started < 1.0
    assert "not tried again" in str(again.value) and "rackbeat GET /orders" in str(again.value)


class _Scripted(requests.adapters.BaseAdapter):
    """A transport that raises `error` after `cost` seconds of a fake clock, counting sends."""

    def __init__(self, clock: list[float], error: Exception, cost: float) -> None:
        super().__init__()
        self.clock, self.error, self.cost, self.sends = clock, error, cost, 0

    def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201 - requests' adapter API
        self.sends += 1
        self.clock[0] += self.cost
        raise self.error

    def close(self) -> None:
        pass


def _scripted_client(error: Exception, cost: float, retry: RetryPolicy) -> tuple[RestClient, _Scripted, list[float]]:
    clock = [0.0]
    adapter = _Scripted(clock, error, cost)
    session = requests.Session()
    session.mount("http://", adapter)

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    client = RestClient(
        "http://ongoing.example/sandbox", name="ongoing", timeout=(5.0, 120.0), retry=retry,
        session=session, sleep=sleep, clock=lambda: clock[0], rng=random.Random(3),
    )  # fmt: skip
    return client, adapter, clock


def test_connect_timeouts_stop_before_the_budget_would_be_exceeded():
    client, adapter, clock = _scripted_client(requests.ConnectTimeout("no SYN-ACK"), 5.0, RetryPolicy(attempts=10))
    with pytest.raises(UnreachableError) as info:
        client.put("api/v1/articles", json_body={})
    assert clock[0] <= RetryPolicy().connect_budget
    assert 1 < adapter.sends < 10, "retried, and stopped by the connect budget before all 10 attempts"
    assert "ongoing.base_url" in str(info.value) and "http://ongoing.example/sandbox/api/v1/articles" in str(info.value)


def test_a_read_timeout_on_a_service_that_answers_keeps_the_full_retries():
    client, adapter, _ = _scripted_client(requests.ReadTimeout("slow answer"), 60.0, RetryPolicy(attempts=4))
    with pytest.raises(TransientError) as info:
        client.get("api/v1/orders")
    assert not isinstance(info.value, UnreachableError)
    assert adapter.sends == 4


def test_so24_client_at_a_closed_port_fails_within_the_budget_naming_url_and_setting():
    base = f"http://127.0.0.1:{free_port()}/24so"
    client = So24Client(base_url=base, credentials=So24Credentials("2b4e0f6a-0000-4000-8000-00000000abcd", "demo@so24.example", "pw-secret-1"))
    started = time.monotonic()
    with pytest.raises(UnreachableError) as info:
        client.ensure_session()
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert elapsed < BUDGET_SECONDS and elapsed <= client.connect_budget + 1
    assert f"{base}/authenticate/v001/authenticate.asmx" in message
    assert "so24.base_url" in message and "24SO" in message and "Authenticate.Login" in message
    assert "pw-secret-1" not in message and "2b4e0f6a" not in message

    started = time.monotonic()
    with pytest.raises(UnreachableError):
        client.ensure_session()
    assert time.monotonic() - started < 1.0


def test_an_unreachable_system_fails_the_step_once_without_dagster_retries():
    err = UnreachableError.after(
        call="x", url="http://h:1/p?token=t", reason="ConnectionError: connection refused", system="24SO",
        setting="so24.base_url", configured="http://h:1", attempts=3, seconds=9.0,
    )  # fmt: skip
    with pytest.raises(dg.Failure) as info, told_to_user():
        raise err
    assert info.value.allow_retries is False
    assert "http://h:1/p" in info.value.description and "token" not in info.value.description


@pytest.fixture
def wsdl_status():
    """A live HTTP server answering every GET with the status in `answer[0]`: not a 24SO service."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    answer = [404]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(answer[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/not-24so", answer
    finally:
        server.shutdown()
        server.server_close()


def test_a_wsdl_url_that_answers_404_is_a_setting_problem_told_at_once(wsdl_status):
    from so24_pipelines.connectors.errors import ConfigError

    base, answer = wsdl_status
    creds = So24Credentials("2b4e0f6a-0000-4000-8000-00000000abcd", "demo@so24.example", "pw")
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        So24Client(base_url=base, credentials=creds).ensure_session()
    assert time.monotonic() - started < 2.0
    assert "HTTP 404" in str(info.value) and "so24.base_url" in str(info.value) and base in str(info.value)

    answer[0] = 503  # a passing failure: retried, then named with its status and what to check
    with pytest.raises(TransientError) as info:
        So24Client(base_url=base, credentials=creds, max_retries=1, backoff_base=0.01).ensure_session()
    assert "HTTP 503" in str(info.value) and "so24.base_url" in str(info.value)


def test_an_application_id_that_is_not_a_guid_is_refused_before_any_call():
    from so24_pipelines.connectors.errors import ConfigError

    with pytest.raises(ConfigError, match="SO24_APPLICATION_ID is not a GUID"):
        So24Client(base_url="http://127.0.0.1:1/24so", credentials=So24Credentials("my-app", "u", "p"))
