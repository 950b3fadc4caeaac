"""What every emulated system provides to the sandbox app.

A system lives under `/<prefix>` (its own API, real paths beneath) and `/_sandbox/<prefix>` (its
control API: act as a user of that system, read its data, switch its faults). The generic fault
routes `/_sandbox/<prefix>/faults` are added by the app for every system.

Below the protocol sit the pieces every control API was writing for itself: the behaviour
switchboard (`Switchboard`), reading a JSON-object body (`json_object`) and turning a route table
into guarded routes (`guarded_routes`). Each system still says in its own package what its
switches are and how its refusals read; only the mechanics are shared.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from so24_sandbox.faults import FaultInjector, Handler


@dataclass(frozen=True)
class SandboxOptions:
    """Options every system is built with (from the `so24 sandbox` command line or a test)."""

    scale: int = 200
    seed: int = 24
    base_url: str = "http://127.0.0.1:8024"


class SandboxSystem(Protocol):
    prefix: str
    faults: FaultInjector

    def routes(self) -> list[BaseRoute]:
        """The system's own API, mounted under /<prefix>."""

    def control_routes(self) -> list[BaseRoute]:
        """The control API, mounted under /_sandbox/<prefix>."""

    def reset(self) -> None:
        """Forget every change and reseed the deterministic data."""


# ---- behaviour switches ------------------------------------------------------------------------

Check = Callable[[str, Any], None]
"""Validates one switch's new value; raises ValueError (with the message the caller sees) if bad."""


class Switchboard:
    """Thread-safe current switches; `configure` validates a partial update, `reset` restores defaults.

    A system subclasses it with its own defaults and check, because which switches exist and what
    they accept is that system's reference gap; the all-or-nothing update is the same everywhere.
    """

    def __init__(self, defaults: Mapping[str, Any], check: Check) -> None:
        self._defaults = dict(defaults)
        self._check = check
        self._lock = threading.Lock()
        self._values = dict(self._defaults)

    def __getitem__(self, name: str) -> Any:
        with self._lock:
            return self._values[name]

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._values)

    def reset(self) -> None:
        with self._lock:
            self._values = dict(self._defaults)

    def configure(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Apply `spec`; ValueError (nothing applied) on an unknown key or a value out of range."""
        unknown = sorted(set(spec) - set(self._defaults))
        if unknown:
            raise ValueError(f"unknown switch(es) {unknown}; known: {sorted(self._defaults)}")
        for name, value in spec.items():
            self._check(name, value)
        with self._lock:
            self._values.update(spec)
            return dict(self._values)


def table_check(
    choices: Mapping[str, Sequence[Any]], positive: Iterable[str] = (), switches: Iterable[str] = ()
) -> Check:
    """The usual check: a value from a fixed list, a positive integer, or a true/false flag."""
    positive, switches = frozenset(positive), frozenset(switches)

    def check(name: str, value: Any) -> None:
        if name in choices and value not in choices[name]:
            raise ValueError(f"{name} must be one of {', '.join(map(str, choices[name]))}")
        if name in positive and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"{name} must be a positive integer")
        if name in switches and not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")

    return check


# ---- control-API plumbing ----------------------------------------------------------------------


async def json_object(
    request: Request,
    refuse: Callable[[str], Exception],
    *,
    not_json: str = "body is not JSON",
    not_object: str = "body must be a JSON object",
) -> dict[str, Any]:
    """The request's JSON object body, {} when empty; otherwise `refuse(message)` is raised.

    `refuse` makes the system's own refusal, so its handler guard renders it in that system's words.
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise refuse(not_json) from None
    if not isinstance(body, dict):
        raise refuse(not_object)
    return body


Rescue = tuple[type[Exception] | tuple[type[Exception], ...], Callable[[Any], Response]]
"""An `except` clause as data: the exception type(s) caught and how to answer one of them."""


def guard(handler: Handler, rescues: Sequence[Rescue]) -> Handler:
    """Wrap `handler` so the exceptions named in `rescues` become answers, tried in order."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as exc:
            for kinds, answer in rescues:
                if isinstance(exc, kinds):
                    return answer(exc)
            raise

    return run


def guarded_routes(
    table: Iterable[tuple[str, Handler, list[str]]], rescues: Sequence[Rescue]
) -> list[BaseRoute]:
    """Routes for a `(path, handler, methods)` table, every handler behind the same `guard`."""
    return [Route(path, guard(handler, rescues), methods=methods) for path, handler, methods in table]
