"""One Netvisor call at a time per company, across threads *and* processes on this host.

Netvisor allows one call at a time per customer environment; an overlapping call fails (reference
§1, §6). Dagster may run several steps at once, in threads of one process and in separate
processes, each with its own client; a lock inside one client would serialise only that client.
So the lock is keyed by the company (API host + Organisation ID) and has two layers:

- a `threading.Lock` shared by every client of that company in the process (a registry), and
- an exclusive `fcntl.flock` on a file named after the key in `lock_dir` (default: the system temp
  directory), so clients in other processes wait too. Where `fcntl` does not exist (Windows) only
  the thread layer applies.

Waiting is bounded (`wait_seconds`): a call stuck elsewhere longer than that raises TransientError
instead of hanging the run. Holding is per logical call, including that call's own transport
retries, so a company's backoff is not filled by a sibling's request.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from so24_pipelines.connectors.errors import TransientError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_REGISTRY_LOCK = threading.Lock()
_THREAD_LOCKS: dict[str, threading.Lock] = {}
POLL_SECONDS = 0.005


def company_key(host: str, organisation_id: str) -> str:
    return hashlib.sha256(f"{host.lower()}|{organisation_id.strip()}".encode()).hexdigest()[:24]


class CompanyLock:
    """`with lock.hold(call):` around each call to one Netvisor company."""

    def __init__(
        self, key: str, *, lock_dir: str | os.PathLike[str] | None = None, wait_seconds: float = 600.0
    ) -> None:
        self.key = key
        self.wait_seconds = wait_seconds
        with _REGISTRY_LOCK:
            self._thread_lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
        directory = (
            Path(lock_dir) if lock_dir is not None else Path(tempfile.gettempdir()) / "so24-netvisor-locks"
        )
        self.path = directory / f"{key}.lock"

    @contextlib.contextmanager
    def hold(self, call: str | None = None) -> Iterator[None]:
        deadline = time.monotonic() + self.wait_seconds
        if not self._thread_lock.acquire(timeout=self.wait_seconds):
            raise self._timeout(call)
        try:
            with self._file_lock(deadline, call):
                yield
        finally:
            self._thread_lock.release()

    @contextlib.contextmanager
    def _file_lock(self, deadline: float, call: str | None) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise self._timeout(call) from None
                    time.sleep(POLL_SECONDS)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _timeout(self, call: str | None) -> TransientError:
        return TransientError(
            f"another call to this Netvisor company held the lock for over {self.wait_seconds:.0f} s",
            call=call,
        )


class NoLock:
    """Serialises nothing; for tests that must show what overlapping calls do."""

    @contextlib.contextmanager
    def hold(self, call: str | None = None) -> Iterator[None]:
        yield
