"""The 24SO emulator as a sandbox system: mounted at /24so, control API at /_sandbox/24so."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from so24_sandbox.faults import FaultInjector
from so24_sandbox.so24.control import Control
from so24_sandbox.so24.endpoint import So24Endpoint
from so24_sandbox.so24.store import Store
from so24_sandbox.system import SandboxOptions


class So24System:
    """24SevenOffice: seven SOAP services at their real paths, two identities of seeded data."""

    prefix = "24so"

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.faults = FaultInjector()
        self.store = Store(options.scale, options.seed)
        self.endpoint = So24Endpoint(self.store, self.faults, options.base_url)
        self.control = Control(self.store)

    def routes(self) -> list[BaseRoute]:
        return [Route("/{path:path}", self.endpoint.handle, methods=["GET", "POST"])]

    def control_routes(self) -> list[BaseRoute]:
        return list(self.control.routes())

    def reset(self) -> None:
        self.store.reset()
