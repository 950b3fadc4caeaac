"""LnbSystem: the Le New Black Wholesale API v2 emulator as one sandbox system (prefix "lnb").

    API        <sandbox>/lnb/...   (real: https://www.lenewblack.com/apis/wholesale/v2/...)
    Auth       POST /auth/token (or /oauth/token) with client_id "so24-hub-sandbox" and
               client_secret "sandbox-lnb-client-secret" (see auth.py); then ?access_token= on
               every call, valid for behaviour.token_lifetime_seconds (3600)
    Budget     none by default (LNB publishes none); POST /_sandbox/lnb/limits switches one on
    Control    <sandbox>/_sandbox/lnb/...   (see control.py; faults at /_sandbox/lnb/faults)

The account starts seeded (seed.py): a catalogue mirroring the 24SO sandbox's products, retailers
whose references are 24SO customer ids (two without a valid one) and orders in every status.
`reset()` reseeds, forgets every token, and restores the default behaviour and budget.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from so24_sandbox.faults import FaultInjector
from so24_sandbox.lenewblack import seed
from so24_sandbox.lenewblack.api import LnbApi
from so24_sandbox.lenewblack.auth import TokenIssuer
from so24_sandbox.lenewblack.behaviour import Behaviour
from so24_sandbox.lenewblack.control import LnbControl
from so24_sandbox.lenewblack.limits import RequestBudget
from so24_sandbox.lenewblack.store import LnbStore
from so24_sandbox.system import SandboxOptions


class LnbSystem:
    prefix = "lnb"

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.faults = FaultInjector()
        self.behaviour = Behaviour()
        self.store = LnbStore()
        self.tokens = TokenIssuer(self.behaviour)
        self.budget = RequestBudget()
        self.reset()

    def routes(self) -> list[BaseRoute]:
        return LnbApi(self.store, self.behaviour, self.tokens, self.budget, self.faults).routes()

    def control_routes(self) -> list[BaseRoute]:
        return LnbControl(self.store, self.behaviour, self.tokens, self.budget, self.options.base_url).routes()

    def reset(self) -> None:
        self.behaviour.reset()
        self.tokens.reset()
        self.budget.configure(None)
        with self.store.lock:
            self.store.clear()
            seed.load(self.store, self.options.scale, self.options.seed)
