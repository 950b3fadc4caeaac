"""What every emulated system provides to the sandbox app.

A system lives under `/<prefix>` (its own API, real paths beneath) and `/_sandbox/<prefix>` (its
control API: act as a user of that system, read its data, switch its faults). The generic fault
routes `/_sandbox/<prefix>/faults` are added by the app for every system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.routing import BaseRoute

from so24_sandbox.faults import FaultInjector


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
