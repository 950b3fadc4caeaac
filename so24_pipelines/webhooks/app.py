"""HTTP face of the inbox: POST /webhooks/{source} verifies, stores and answers 202 at once.

The order of checks is deliberate. The source and token are checked before a byte of body is
read, so an unauthenticated client cannot make us buffer anything. The size cap is enforced from
Content-Length up front and again while streaming (chunked bodies declare no length), so an
oversized body is refused without reading it all, and a body that stalls halfway is refused
(408) after `body_timeout_seconds`. Only then is the body parsed and stored.

No downstream work happens in the request: senders time out and retry (Rackbeat counts
`failures_since_last_success` and may disable a webhook), so the answer must not depend on 24SO.
A storage failure answers 503 with Retry-After, which asks the sender to deliver again rather
than to forget the event.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from so24_pipelines.webhooks.envelope import EventNameError, describe
from so24_pipelines.webhooks.inbox import Inbox, token_digest
from so24_pipelines.webhooks.sources import GENERIC_TOKEN_HEADER, SOURCES, WebhookSource
from so24_pipelines.webhooks.tokens import SharedTokens

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 256 * 1024
# A sender that stops halfway through its body would otherwise hold a connection (and a worker's
# memory) for as long as the socket stays open; real webhook bodies arrive in milliseconds.
DEFAULT_BODY_TIMEOUT_SECONDS = 10.0
RETRY_AFTER_SECONDS = 5


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _read_capped(request: Request, max_bytes: int) -> bytes | None:
    """The body, or None as soon as it grows past max_bytes (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _declared_length(request: Request) -> int | None:
    """Content-Length as an int; -1 when present but not a number."""
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    declared = declared.strip()
    return int(declared) if declared.isdigit() else -1


def build_receiver(
    inbox: Inbox,
    tokens: Mapping[str, str],
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    sources: Mapping[str, WebhookSource] = SOURCES,
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS,
) -> Starlette:
    """The receiver app. `tokens` is {source: shared token}, usually `tokens_from_env()`.

    A known source without a token (neither in `tokens` nor registered as a digest in the inbox)
    answers 401 to everything: refusing is safer than accepting unauthenticated events that would
    drive writes into 24SO.
    """
    unknown = sorted(set(tokens) - set(sources))
    if unknown:
        raise ValueError(f"tokens given for unknown webhook sources {unknown}; known: {sorted(sources)}")
    if max_body_bytes <= 0:
        raise ValueError("max_body_bytes must be positive")
    if body_timeout_seconds <= 0:
        raise ValueError("body_timeout_seconds must be positive")
    shared = SharedTokens(tokens)
    for name in sorted(set(sources) - shared.configured()):
        log.warning(
            "webhook source %r has no token in %s: only tokens registered in the inbox are accepted",
            name,
            sources[name].token_env,
        )

    def _registered(name: str, presented: str | None) -> bool:
        """A token the sender generated at registration, checked against its stored digest."""
        if not presented:
            return False
        offered = token_digest(presented).encode()
        return any(hmac.compare_digest(offered, d.encode()) for d in inbox.token_digests(name))

    async def receive(request: Request) -> JSONResponse:
        name = request.path_params["source"]
        source = sources.get(name)
        if source is None:
            return _error(404, "unknown webhook source")
        presented = request.headers.get(source.token_header) or request.headers.get(GENERIC_TOKEN_HEADER)
        if not shared.verify(name, presented) and not await run_in_threadpool(_registered, name, presented):
            client = request.client.host if request.client else "?"
            log.warning("webhook %s refused: missing or wrong token (client %s)", name, client)
            return _error(401, "missing or wrong webhook token")

        declared = _declared_length(request)
        if declared == -1:
            return _error(400, "invalid Content-Length")
        if declared is not None and declared > max_body_bytes:
            return _error(413, f"body larger than {max_body_bytes} bytes")
        try:
            body = await asyncio.wait_for(_read_capped(request, max_body_bytes), body_timeout_seconds)
        except TimeoutError:
            log.warning("webhook %s: body not complete within %.0f s; refused", name, body_timeout_seconds)
            return _error(408, f"body not received within {body_timeout_seconds:g} s")
        if body is None:
            return _error(413, f"body larger than {max_body_bytes} bytes")

        try:
            payload: Any = json.loads(body)
        except (ValueError, RecursionError):
            return _error(400, "body is not valid JSON")
        if not isinstance(payload, dict):
            return _error(400, "body must be a JSON object")
        try:
            envelope = describe(source, body, payload, request.headers, request.query_params)
        except EventNameError as exc:
            return _error(400, str(exc))

        try:
            stored = await run_in_threadpool(
                inbox.add,
                name,
                envelope.event_id,
                envelope.event,
                envelope.entity_key,
                envelope.occurred_at,
                payload,
            )
        except sqlite3.Error:
            log.exception("webhook %s %s: inbox write failed", name, envelope.event)
            return _error(503, "inbox unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        log.info(
            "webhook %s %s key=%s %s",
            name,
            envelope.event,
            envelope.entity_key,
            "stored" if stored else "duplicate",
        )
        return JSONResponse({"stored": stored, "event_id": envelope.event_id}, status_code=202)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "accepting": sorted(shared.configured())})

    return Starlette(
        routes=[
            Route("/webhooks/{source}", receive, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
