"""The whole sandbox as one Starlette app on one port: every system under its own prefix.

Add a system by appending its factory to SYSTEM_FACTORIES; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from so24_sandbox.system import SandboxOptions, SandboxSystem


def _factories() -> list[Callable[[SandboxOptions], SandboxSystem]]:
    from so24_sandbox.so24.system import So24System

    factories: list[Callable[[SandboxOptions], SandboxSystem]] = [So24System]
    try:  # while a system is being built its module may not exist yet
        from so24_sandbox.ongoing.system import OngoingSystem

        factories.append(OngoingSystem)
    except ModuleNotFoundError:
        pass
    try:
        from so24_sandbox.rackbeat.system import RackbeatSystem

        factories.append(RackbeatSystem)
    except ModuleNotFoundError:
        pass
    try:
        from so24_sandbox.lenewblack.system import LnbSystem

        factories.append(LnbSystem)
    except ModuleNotFoundError:
        pass
    try:
        from so24_sandbox.smartdok.system import SmartdokSystem

        factories.append(SmartdokSystem)
    except ModuleNotFoundError:
        pass
    try:
        from so24_sandbox.netvisor.system import NetvisorSystem

        factories.append(NetvisorSystem)
    except ModuleNotFoundError:
        pass
    return factories


def _fault_routes(system: SandboxSystem) -> list[Route]:
    async def faults(request: Request) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse(system.faults.describe())
        if request.method == "DELETE":
            system.faults.clear()
            return JSONResponse(system.faults.describe())
        try:
            spec = await request.json()
            return JSONResponse(system.faults.configure(spec if isinstance(spec, dict) else {}))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return [Route("/faults", faults, methods=["GET", "POST", "DELETE"])]


def build_app(options: SandboxOptions | None = None) -> Starlette:
    options = options or SandboxOptions()
    systems = [factory(options) for factory in _factories()]

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "systems": [s.prefix for s in systems], "scale": options.scale})

    async def reset_all(_: Request) -> JSONResponse:
        for s in systems:
            s.reset()
            s.faults.clear()
        return JSONResponse({"ok": True})

    routes: list = [
        Route("/_sandbox/health", health),
        Route("/_sandbox/reset", reset_all, methods=["POST"]),
    ]
    for s in systems:
        routes.append(Mount(f"/_sandbox/{s.prefix}", routes=_fault_routes(s) + s.control_routes()))
        routes.append(Mount(f"/{s.prefix}", routes=s.routes()))
    app = Starlette(routes=routes)
    app.state.systems = {s.prefix: s for s in systems}
    return app
