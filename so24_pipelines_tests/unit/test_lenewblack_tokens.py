"""LNB token lifetimes and the cache's renewal, on a driven clock (no network)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from so24_pipelines.connectors.lnb.tokens import (
    DEFAULT_LIFETIME,
    TokenCache,
    lifetime_of,
    reuse_for,
)

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("answer", "seconds"),
    [
        ({"expire_on": "2026-05-01T09:00:00+00:00"}, 3600),
        ({"expire_on": "2026-05-01T09:00:00Z"}, 3600),
        ({"expire_on": "2026-05-01 09:00:00"}, 3600),  # PHP mock format, read as UTC
        ({"expire_on": int((NOW + timedelta(hours=1)).timestamp())}, 3600),  # Unix seconds (Java)
        ({"expire_on": str(int((NOW + timedelta(minutes=30)).timestamp()))}, 1800),
        ({"expires_in": 1200}, 1200),
        ({"expire_on": "2026-05-01T09:00:00+00:00", "expires_in": 600}, 600),  # the shorter wins
        ({"expire_on": "2026-05-01T08:05:00+00:00", "expires_in": 3600}, 300),
        ({"expire_on": "not a time", "expires_in": 900}, 900),
        ({}, DEFAULT_LIFETIME),
    ],
)
def test_lifetime_is_read_from_whatever_the_answer_carries(answer: dict, seconds: float) -> None:
    assert lifetime_of(answer, NOW) == pytest.approx(seconds)


def test_reuse_renews_a_minute_early_but_never_sooner_than_a_second() -> None:
    assert reuse_for(3600) == 3540
    assert reuse_for(90) == 45  # half the lifetime when the margin would eat most of it
    assert reuse_for(1) == 1.0
    assert reuse_for(-500) == 1.0  # LNB's clock ahead of ours: still no token per call


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _cache(clock: Clock, lifetime: int = 3600) -> tuple[TokenCache, list[str]]:
    issued: list[str] = []

    def fetch() -> dict:
        issued.append(f"token-{len(issued) + 1}")
        return {"access_token": issued[-1], "expires_in": lifetime}

    return TokenCache(fetch, clock=clock, now=lambda: NOW), issued


def test_the_token_is_reused_until_a_minute_before_expiry() -> None:
    clock = Clock()
    cache, issued = _cache(clock)
    assert cache.current() == "token-1" and cache.current() == "token-1"
    clock.now += 3539
    assert cache.current() == "token-1"
    clock.now += 1
    assert cache.current() == "token-2"
    assert issued == ["token-1", "token-2"] and cache.lifetime == 3600


def test_invalidate_drops_only_the_token_that_was_refused() -> None:
    clock = Clock()
    cache, issued = _cache(clock)
    first = cache.current()
    cache.invalidate("some-older-token")
    assert cache.current() == first
    cache.invalidate(first)
    assert cache.current() == "token-2"
    cache.invalidate(first)  # a late report about the old token keeps the new one
    assert cache.current() == "token-2" and len(issued) == 2


def test_threads_that_find_no_token_wait_for_one_fetch() -> None:
    calls: list[int] = []

    def slow_fetch() -> dict:
        calls.append(1)
        time.sleep(0.05)
        return {"access_token": "shared", "expires_in": 3600}

    cache = TokenCache(slow_fetch)
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(cache.current())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["shared"] * 8 and len(calls) == 1


def test_repr_shows_no_token() -> None:
    cache, _ = _cache(Clock())
    value = cache.current()
    assert value not in repr(cache) and value not in repr(cache._token)
