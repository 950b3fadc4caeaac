"""SmartdokSystem: the Smartdok API v1 emulator as one sandbox system (prefix "smartdok").

    API        <sandbox>/smartdok/...     (real: https://api.smartdok.no/...)
    Auth       POST /Authorize/ApiToken {"Token": "sandbox-smartdok-api-access-token-so24-hub"} ->
               a session token (JWT, quoted JSON string) sent as `Authorization: Bearer ...`,
               valid behaviour.session_ttl_seconds (3600) (see sessions.py)
    Control    <sandbox>/_sandbox/smartdok/...  (see control.py; faults at /_sandbox/smartdok/faults)

The company starts seeded from the 24SO sandbox's primary company (seed.py): users, projects,
activities and wage types that mostly match 24SO's ids, with deliberate mismatches, and hours in
every attestation and export state. The 24SO side is read once per process (it does not change
between resets); `reset()` reseeds, forgets every session and restores the default behaviour.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from so24_sandbox.faults import FaultInjector
from so24_sandbox.smartdok import seed
from so24_sandbox.smartdok.api import SmartdokApi
from so24_sandbox.smartdok.behaviour import Behaviour
from so24_sandbox.smartdok.control import SmartdokControl
from so24_sandbox.smartdok.sessions import SessionIssuer
from so24_sandbox.smartdok.store import SmartdokStore
from so24_sandbox.system import SandboxOptions


class SmartdokSystem:
    prefix = "smartdok"

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.faults = FaultInjector()
        self.behaviour = Behaviour()
        self.store = SmartdokStore()
        self.sessions = SessionIssuer(self.behaviour, subject="smartdok-api-user")
        self._mirror = seed.mirror_of_so24(self.options.scale, self.options.seed)
        self.reset()

    def routes(self) -> list[BaseRoute]:
        return SmartdokApi(self.store, self.behaviour, self.sessions, self.faults).routes()

    def control_routes(self) -> list[BaseRoute]:
        return SmartdokControl(self.store, self.behaviour, self.sessions, self.options.base_url).routes()

    def reset(self) -> None:
        self.behaviour.reset()
        self.sessions.reset()
        with self.store.lock:
            self.store.clear()
            seed.load(self.store, self._mirror, self.options.scale)
