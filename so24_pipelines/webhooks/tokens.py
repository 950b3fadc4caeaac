"""Shared webhook tokens: read from env vars, compared in constant time, never shown.

Rackbeat signs nothing (API.md §15): the token header is the only proof a delivery is genuine, so
the comparison must not leak through timing how many leading characters were right, and the token
must not surface in a repr, a log line or an error body where a screenshot or a bug report would
carry it off.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Mapping

from so24_pipelines.webhooks.sources import SOURCES, WebhookSource


def tokens_from_env(
    env: Mapping[str, str] | None = None, sources: Iterable[WebhookSource] = SOURCES.values()
) -> dict[str, str]:
    """{source: token} for every source whose env var (e.g. RACKBEAT_WEBHOOK_TOKEN) is non-blank.

    A blank variable counts as unset: an empty token would otherwise match an empty header.
    """
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    for source in sources:
        value = (env.get(source.token_env) or "").strip()
        if value:
            found[source.name] = value
    return found


class SharedTokens:
    """The configured tokens behind a verify() that fails closed."""

    __slots__ = ("_tokens",)

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = {name: value.encode("utf-8") for name, value in tokens.items() if value}

    def configured(self) -> frozenset[str]:
        return frozenset(self._tokens)

    def verify(self, source: str, presented: str | None) -> bool:
        """True only for a configured source and an exactly equal token.

        A source without a token refuses everything rather than accepting unauthenticated posts.
        """
        expected = self._tokens.get(source)
        if expected is None or not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), expected)

    def __repr__(self) -> str:
        return f"SharedTokens(configured={sorted(self._tokens)})"
