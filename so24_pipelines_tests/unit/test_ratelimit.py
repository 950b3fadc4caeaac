"""TokenBucket on a fake clock: behaviour is asserted from the waits it asks for, never by timing."""

from __future__ import annotations

import threading

import pytest

from so24_pipelines.connectors.ratelimit import TokenBucket


class FakeTime:
    """A clock that only moves when someone sleeps on it (thread-safe)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def _bucket(rate: float, burst: float) -> tuple[TokenBucket, FakeTime]:
    t = FakeTime()
    return TokenBucket(rate, burst, clock=t.clock, sleep=t.sleep), t


def test_burst_is_free_then_each_token_costs_one_interval():
    bucket, t = _bucket(rate=4, burst=2)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits == [0.0, 0.0, 0.25, 0.5, 0.75]
    assert t.sleeps == [0.25, 0.5, 0.75]


def test_refill_is_continuous_and_capped_at_burst():
    bucket, t = _bucket(rate=2, burst=3)
    for _ in range(3):
        bucket.acquire()
    t.advance(0.5)
    assert bucket.available == pytest.approx(1.0)
    t.advance(100)
    assert bucket.available == pytest.approx(3.0)


def test_try_acquire_never_waits_nor_borrows():
    bucket, t = _bucket(rate=1, burst=1)
    assert bucket.try_acquire() is True
    assert bucket.try_acquire() is False
    assert bucket.available == pytest.approx(0.0)
    t.advance(1.0)
    assert bucket.try_acquire() is True
    assert t.sleeps == []


def test_penalize_makes_every_later_caller_wait_out_the_server_pause():
    bucket, t = _bucket(rate=10, burst=5)
    bucket.penalize(2.0)
    assert bucket.acquire() == pytest.approx(2.1)
    t.advance(5.0)
    assert bucket.acquire() == pytest.approx(0.0)
    bucket.penalize(0)
    assert bucket.available > 0


def test_threads_share_one_bucket_without_losing_or_double_counting_tokens():
    bucket, t = _bucket(rate=5, burst=10)
    threads = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(25)]) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert bucket.available == pytest.approx(10 - 200)
    assert sorted(t.sleeps) == pytest.approx([n / 5 for n in range(1, 191)])


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError):
        TokenBucket(0, 1)
    with pytest.raises(ValueError):
        TokenBucket(1, 0)
    bucket, _ = _bucket(1, 1)
    with pytest.raises(ValueError):
        bucket.acquire(0)
    assert "rate_per_second=1" in repr(bucket)
