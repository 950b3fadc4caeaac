"""OngoingSystem: the Ongoing WMS emulator as one sandbox system (prefix "ongoing").

    API        <sandbox>/ongoing/sandbox/api/v1/...   (real: https://api.ongoingsystems.se/<warehouse>/api/v1/...)
    Auth       HTTP Basic, user "so24-hub-api", password "sandbox-ongoing-pw" (see auth.py)
    Goods owners 1 and 2; list calls require ?goodsOwnerId=
    Control    <sandbox>/_sandbox/ongoing/...  (see control.py; faults at /_sandbox/ongoing/faults)

The warehouse starts empty: in production the hub fills it (articles, then orders), so seeding
data here would only hide a missing first sync. `reset()` empties it again.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from so24_sandbox.faults import FaultInjector
from so24_sandbox.ongoing.api import OngoingApi
from so24_sandbox.ongoing.control import OngoingControl
from so24_sandbox.ongoing.store import OngoingStore
from so24_sandbox.system import SandboxOptions


class OngoingSystem:
    prefix = "ongoing"

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.faults = FaultInjector()
        self.store = OngoingStore()

    def routes(self) -> list[BaseRoute]:
        return OngoingApi(self.store, self.faults).routes()

    def control_routes(self) -> list[BaseRoute]:
        return OngoingControl(self.store, self.options.base_url).routes()

    def reset(self) -> None:
        self.store.reset()
