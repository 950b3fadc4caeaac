"""One call at a time per Netvisor company: across clients, threads and processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from so24_pipelines.connectors.errors import TransientError
from so24_pipelines.connectors.netvisor.lock import CompanyLock, company_key


def run_together(locks: list[CompanyLock], rounds: int = 5, hold: float = 0.01) -> int:
    """Hammer the locks from one thread each; return the most holders seen at once."""
    inside, most = 0, 0
    counter = threading.Lock()
    start = threading.Barrier(len(locks))

    def work(lock: CompanyLock) -> None:
        nonlocal inside, most
        start.wait()
        for _ in range(rounds):
            with lock.hold():
                with counter:
                    inside += 1
                    most = max(most, inside)
                time.sleep(hold)
                with counter:
                    inside -= 1

    threads = [threading.Thread(target=work, args=(lock,)) for lock in locks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return most


def test_two_clients_of_one_company_never_hold_at_once(tmp_path: Path) -> None:
    key = company_key("isvapi.netvisor.fi", "2745291-2")
    assert run_together([CompanyLock(key, lock_dir=tmp_path), CompanyLock(key, lock_dir=tmp_path)]) == 1


def test_two_companies_do_not_wait_for_each_other(tmp_path: Path) -> None:
    a, b = company_key("isvapi.netvisor.fi", "2745291-2"), company_key("isvapi.netvisor.fi", "2468013-5")
    assert a != b and company_key("ISVAPI.netvisor.fi", " 2745291-2 ") == a
    assert (
        run_together([CompanyLock(a, lock_dir=tmp_path), CompanyLock(b, lock_dir=tmp_path)], hold=0.05) == 2
    )


CHILD = """
import sys, time
from so24_pipelines.connectors.netvisor.lock import CompanyLock
lock = CompanyLock(sys.argv[1], lock_dir=sys.argv[2])
with lock.hold():
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def test_another_process_waits_for_the_lock_and_a_long_wait_is_transient(tmp_path: Path) -> None:
    key = company_key("127.0.0.1:8024", "2745291-2")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, key, str(tmp_path), "0.6"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        impatient = CompanyLock(key, lock_dir=tmp_path, wait_seconds=0.1)
        with pytest.raises(TransientError, match="held the lock"):
            with impatient.hold("netvisor GET /customerlist.nv"):
                pass
        started = time.monotonic()
        with CompanyLock(key, lock_dir=tmp_path, wait_seconds=10).hold():
            waited = time.monotonic() - started
        assert waited > 0.2
    finally:
        child.wait(timeout=10)
