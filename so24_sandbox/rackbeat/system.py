"""RackbeatSystem: the Rackbeat REST API emulator as one sandbox system (prefix "rackbeat").

    API        <sandbox>/rackbeat/...            (real: https://app.rackbeat.com/api/...)
    Auth       Authorization: Bearer sandbox-rackbeat-api-key-so24-hub   (see auth.py)
    Budget     480 requests/minute, 429 + Retry-After past it; POST /_sandbox/rackbeat/limits
    Webhooks   registered through POST webhooks, delivered at least once by a background
               thread with Rackbeat-Webhook-Token / -Event / Rackbeat-Account-Id headers
               (see delivery.py; duplicates and reordering switchable)
    Control    <sandbox>/_sandbox/rackbeat/...   (see control.py; faults at /_sandbox/rackbeat/faults)

The account starts as Rackbeat's 24SO guide wants it before installation (seed.py): groups 1
"Customers" and "Suppliers", one payment term, a product group, a few products and customers.
`reset()` returns to that, forgets every webhook and drops pending deliveries.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from so24_sandbox.faults import FaultInjector
from so24_sandbox.rackbeat.api import RackbeatApi
from so24_sandbox.rackbeat.backend import RackbeatBackend
from so24_sandbox.rackbeat.control import RackbeatControl
from so24_sandbox.system import SandboxOptions


class RackbeatSystem:
    prefix = "rackbeat"

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.faults = FaultInjector()
        self.backend = RackbeatBackend(self.options.base_url, self.options.seed)

    def routes(self) -> list[BaseRoute]:
        return RackbeatApi(self.backend, self.faults).routes()

    def control_routes(self) -> list[BaseRoute]:
        return RackbeatControl(self.backend, self.options.base_url).routes()

    def reset(self) -> None:
        self.backend.reset()
