"""One call at a time per company: the sandbox counts overlaps, so it can prove the client never makes one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.connectors.netvisor.lock import NoLock
from so24_pipelines_tests.contract.test_netvisor_client import MAIN, make_client

pytestmark = pytest.mark.contract

ROUNDS = 6


@pytest.fixture
def creds(sandbox) -> dict[str, Any]:
    sandbox.control("POST", "netvisor/behaviour", json={"call_duration_ms": 40})
    return sandbox.control("GET", "netvisor/credentials").json()


def side_by_side(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run the jobs in threads released together; return what they raised."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def reads(client: NetvisorClient) -> Callable[[], None]:
    def job() -> None:
        for _ in range(ROUNDS):
            client.list_customers()

    return job


def writes(client: NetvisorClient, tag: str) -> Callable[[], None]:
    def job() -> None:
        for n in range(ROUNDS):
            client.add_customer({"customerbaseinformation": {"name": f"{tag} {n}"}})

    return job


def company_stats(sandbox) -> dict[str, int]:
    return sandbox.control("GET", "netvisor/stats").json()["companies"][MAIN]


def test_two_threads_and_two_clients_never_overlap(creds, tmp_path, sandbox):
    one, other = make_client(creds, tmp_path), make_client(creds, tmp_path)
    assert side_by_side(reads(one), writes(other, "Rinnakkain"), reads(other)) == []
    stats = company_stats(sandbox)
    assert stats["calls"] == 3 * ROUNDS and stats["overlaps"] == 0 and stats["max_in_flight"] == 1
    names = [c["name"] for c in sandbox.control("GET", "netvisor/customers").json()["customers"]]
    assert sum(n.startswith("Rinnakkain") for n in names) == ROUNDS


def test_without_the_lock_the_same_load_overlaps(creds, tmp_path, sandbox):
    """The control for the test above: the sandbox sees overlaps when the client does not prevent them."""
    sandbox.control("POST", "netvisor/behaviour", json={"refuse_overlapping_calls": False})
    one = make_client(creds, tmp_path, company_lock=NoLock())
    other = make_client(creds, tmp_path, company_lock=NoLock())
    assert side_by_side(reads(one), reads(other)) == []
    stats = company_stats(sandbox)
    assert stats["overlaps"] > 0 and stats["max_in_flight"] == 2 and stats["refused"] == 0


def test_an_overlapping_call_netvisor_refuses_is_retried(creds, tmp_path, sandbox):
    patient = RetryPolicy(attempts=40, backoff_base=0.02, backoff_max=0.05)
    one = make_client(creds, tmp_path, company_lock=NoLock(), retry=patient)
    other = make_client(creds, tmp_path, company_lock=NoLock(), retry=patient)
    assert side_by_side(reads(one), reads(other)) == []
    stats = company_stats(sandbox)
    assert stats["refused"] > 0 and stats["calls"] == 2 * ROUNDS
