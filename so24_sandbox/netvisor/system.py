"""NetvisorSystem: the Visma Netvisor emulator as one sandbox system (prefix "netvisor").

    API        <sandbox>/netvisor/<resource>.nv    (real: https://isvapi.netvisor.fi/<resource>.nv)
    Auth       MAC per request over the URL and X-Netvisor-* headers, keyed by the integration
               user's and the partner's keys (auth.py, mac.py; published keys in credentials.py)
    Companies  Sandbox Tukku Oy 2745291-2 (paired with the Rackbeat sandbox), Toinen Testi Oy 2468013-5
    One call   at a time per company; an overlapping call is refused (serial.py, behaviour switch)
    Control    <sandbox>/_sandbox/netvisor/...   (control.py; faults at /_sandbox/netvisor/faults)

The books start seeded for the N2 matching cascade (seed.py, counterparts.py). `reset()` reseeds,
forgets every TransactionId and the call counters, and restores the default behaviour.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from so24_sandbox.faults import FaultInjector
from so24_sandbox.netvisor import seed
from so24_sandbox.netvisor.api import NetvisorApi
from so24_sandbox.netvisor.behaviour import Behaviour
from so24_sandbox.netvisor.control import NetvisorControl
from so24_sandbox.netvisor.serial import CallGate
from so24_sandbox.netvisor.store import NetvisorStore
from so24_sandbox.netvisor.transactions import TransactionLog
from so24_sandbox.system import SandboxOptions


class NetvisorSystem:
    prefix = "netvisor"

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.faults = FaultInjector()
        self.behaviour = Behaviour()
        self.store = NetvisorStore()
        self.transactions = TransactionLog()
        self.gate = CallGate()
        self.reset()

    def routes(self) -> list[BaseRoute]:
        api_url = f"{self.options.base_url.rstrip('/')}/{self.prefix}"
        return NetvisorApi(
            self.store, self.behaviour, self.transactions, self.gate, self.faults, api_url
        ).routes()

    def control_routes(self) -> list[BaseRoute]:
        return NetvisorControl(
            self.store, self.behaviour, self.transactions, self.gate, self.options.base_url
        ).routes()

    def reset(self) -> None:
        self.behaviour.reset()
        self.transactions.clear()
        self.gate.clear()
        with self.store.lock:
            self.store.clear()
            seed.load(self.store)
