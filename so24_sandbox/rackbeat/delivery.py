"""Webhook delivery: at least once, possibly twice, possibly out of order, as integrators must expect.

Rackbeat POSTs JSON to each registered URL with the headers

    Rackbeat-Webhook-Token: <the hook's token>     (compare in constant time; there is no HMAC)
    Rackbeat-Webhook-Event: <event>
    Rackbeat-Account-Id:    <account id>
    User-Agent:             Rackbeat Webhook

and a thin body `{"key", "key_name", "event", "data"[, "old_key", "new_key", "changed"]}`.
Its retry policy is not documented (`failures_since_last_success` on the hook suggests retries),
so the sandbox makes the worst case the hub must survive switchable at run time
(POST /_sandbox/rackbeat/webhooks):

- a non-2xx answer, a timeout or a refused connection is retried with doubling backoff from
  `retry_base_ms` up to `max_attempts` attempts;
- `duplicate_rate`: the chance that a delivered event is delivered once more (a lost ack);
- `reorder`: events are not sent in the order they happened (each waits a random part of
  `delay_ms`, and the worker picks at random among those due);
- `delay_ms`: how long an event waits before its first attempt.

One daemon thread sends; it starts with the first event. `reset()` drops every pending delivery
and bumps a generation so an attempt in flight is neither logged nor retried.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

MAX_LOG = 5000
USER_AGENT = "Rackbeat Webhook"

ResultSink = Callable[[int, bool], None]


@dataclass
class DeliveryConfig:
    duplicate_rate: float = 0.0
    reorder: bool = False
    delay_ms: int = 0
    retry_base_ms: int = 1000
    max_attempts: int = 6
    timeout_ms: int = 5000

    def describe(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Job:
    event_id: int
    hook_id: int
    url: str
    token: str
    event: str
    key: Any
    body: bytes
    due: float
    generation: int
    attempt: int = 1
    duplicate: bool = False
    seq: int = 0


class Dispatcher:
    """The sending side: a queue of due attempts, one worker thread, a log of every attempt."""

    def __init__(
        self, account_id: int, *, seed: int = 24, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.account_id = account_id
        self.seed = seed
        self.clock = clock
        self.on_result: ResultSink | None = None
        self.config = DeliveryConfig()
        self._cond = threading.Condition()
        self._jobs: list[Job] = []
        self._log: list[dict[str, Any]] = []
        self._generation = 0
        self._events = 0
        self._seq = 0
        self._rng = random.Random(self.seed)
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self._session.trust_env = False  # never route a local receiver through a proxy

    # ---- control -----------------------------------------------------------------------------

    def configure(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Apply a control body; unknown keys and bad values raise ValueError, nothing changes."""
        known = set(DeliveryConfig.__dataclass_fields__)
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(known)}")
        merged = {**self.config.describe(), **spec}
        rate = float(merged["duplicate_rate"])
        if not 0.0 <= rate <= 1.0:
            raise ValueError("duplicate_rate must be between 0 and 1")
        ints = {k: int(merged[k]) for k in ("delay_ms", "retry_base_ms", "max_attempts", "timeout_ms")}
        if min(ints.values()) < 0 or ints["max_attempts"] < 1 or ints["timeout_ms"] < 1:
            raise ValueError("delays must be >= 0, max_attempts and timeout_ms >= 1")
        if not isinstance(merged["reorder"], bool):
            raise ValueError("reorder must be true or false")
        with self._cond:
            self.config = DeliveryConfig(duplicate_rate=rate, reorder=merged["reorder"], **ints)
            return self.config.describe()

    def reset(self) -> None:
        with self._cond:
            self._generation += 1
            self._jobs.clear()
            self._log.clear()
            self._events = 0
            self._rng = random.Random(self.seed)
            self.config = DeliveryConfig()
            self._cond.notify_all()

    def deliveries(self) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._log)

    def pending(self) -> int:
        with self._cond:
            return len(self._jobs)

    # ---- sending -----------------------------------------------------------------------------

    def enqueue(self, hook: dict[str, Any], event: str, payload: dict[str, Any]) -> int:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        with self._cond:
            self._events += 1
            job = Job(
                event_id=self._events,
                hook_id=hook["id"],
                url=hook["url"],
                token=hook["token"],
                event=event,
                key=payload.get("key"),
                body=body,
                due=self._first_due(),
                generation=self._generation,
            )
            self._push(job)
            self._ensure_worker()
            return job.event_id

    def _first_due(self) -> float:
        delay = self.config.delay_ms / 1000.0
        if self.config.reorder:
            delay = self._rng.uniform(0.0, delay)
        return self.clock() + delay

    def _push(self, job: Job) -> None:
        self._seq += 1
        job.seq = self._seq
        self._jobs.append(job)
        self._cond.notify_all()

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="rackbeat-webhooks", daemon=True)
            self._thread.start()

    def _next_job(self) -> Job:
        with self._cond:
            while True:
                now = self.clock()
                due = [j for j in self._jobs if j.due <= now]
                if due:
                    job = (
                        self._rng.choice(due)
                        if self.config.reorder
                        else min(due, key=lambda j: (j.due, j.seq))
                    )
                    self._jobs.remove(job)
                    return job
                wait = min((j.due for j in self._jobs), default=now + 60.0) - now
                self._cond.wait(timeout=max(0.001, wait))

    def _run(self) -> None:
        while True:
            job = self._next_job()
            status, error = self._send(job)
            ok = status is not None and 200 <= status < 300
            with self._cond:
                if job.generation != self._generation:
                    continue
                self._log.append(
                    {
                        "event_id": job.event_id,
                        "webhook_id": job.hook_id,
                        "event": job.event,
                        "key": job.key,
                        "url": job.url,
                        "attempt": job.attempt,
                        "duplicate": job.duplicate,
                        "status": status,
                        "error": error,
                        "ok": ok,
                        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    }
                )
                del self._log[:-MAX_LOG]
                self._after(job, ok)
            if self.on_result is not None:
                self.on_result(job.hook_id, ok)

    def _after(self, job: Job, ok: bool) -> None:
        now = self.clock()
        if ok:
            if not job.duplicate and self._rng.random() < self.config.duplicate_rate:
                again = Job(**{**job.__dict__, "attempt": 1, "duplicate": True})
                again.due = now + self._rng.uniform(0.0, self.config.delay_ms / 1000.0)
                self._push(again)
            return
        if job.attempt < self.config.max_attempts:
            backoff = self.config.retry_base_ms / 1000.0 * (2 ** (job.attempt - 1))
            retry = Job(**{**job.__dict__, "attempt": job.attempt + 1})
            retry.due = now + min(backoff, 300.0)
            self._push(retry)

    def _send(self, job: Job) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Rackbeat-Webhook-Token": job.token,
            "Rackbeat-Webhook-Event": job.event,
            "Rackbeat-Account-Id": str(self.account_id),
        }
        try:
            timeout = self.config.timeout_ms / 1000.0
            response = self._session.post(job.url, data=job.body, headers=headers, timeout=timeout)
            response.close()
            return response.status_code, None
        except requests.RequestException as exc:
            return None, type(exc).__name__
