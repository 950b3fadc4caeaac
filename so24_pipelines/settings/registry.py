"""The shared registry: which systems and flows exist, assembled from what each system module declares
(SYSTEM, FLOWS, BUILT), plus the rules that decide a flow's default switch.

A deployment connects 24SO to some of the other systems, never to all of them: each non-24SO
system section has `enabled` ("connect this system", off by default). A flow defaults to what its
vendor's guide (seeds/) says, but only once it is built and every system it talks to is connected;
so an empty file runs the 24SO extraction only and asks for no Rackbeat or Ongoing credentials.
Switching on a flow that has no code yet, or whose system is not connected, is refused: the switch
would silently do nothing. A flow is declared finished in its system module's BUILT, and nowhere
else; BUILT_FLOWS here is their union (tests patch it here, where every reader looks it up).

A 24SO company's stock has one master. R8 (Rackbeat) and O5 (Ongoing) both set it, so both on is
refused when the two systems are paired with the same company (cross.stock_master_problems; with
two companies each may have its own); with both systems connected R8 defaults on and O5 off, and
switching O5 on explicitly turns R8's default off (STOCK_MASTER_FLOWS).
"""

from __future__ import annotations

from collections.abc import Collection

from so24_pipelines.settings import cross, lnb, netvisor, ongoing, rackbeat, smartdok, so24
from so24_pipelines.settings.base import FlowInfo

# SYSTEMS order: the settings sections, credential checks and `so24 check` reports follow it.
_SYSTEM_MODULES = (so24, rackbeat, ongoing, lnb, smartdok, netvisor)
# FLOWS.md order, which differs (N before S): the flows section, its docs and enabled_flows() follow it.
_FLOW_MODULES = (so24, rackbeat, ongoing, lnb, netvisor, smartdok, cross)

SYSTEMS: tuple[str, ...] = tuple(m.SYSTEM.name for m in _SYSTEM_MODULES)
# The systems a deployment switches on (<system>.enabled); 24SO is the hub and always on.
CONNECTABLE_SYSTEMS: tuple[str, ...] = SYSTEMS[1:]
SYSTEM_TITLES: dict[str, str] = {m.SYSTEM.name: m.SYSTEM.title for m in _SYSTEM_MODULES}
CREDENTIAL_ENV_VARS: dict[str, tuple[str, ...]] = {
    m.SYSTEM.name: m.SYSTEM.credential_env_vars for m in _SYSTEM_MODULES
}
FLOW_CATALOG: dict[str, FlowInfo] = {
    flow_id: info for m in _FLOW_MODULES for flow_id, info in m.FLOWS.items()
}
# Flows whose code exists. A flow goes into its system module's BUILT when its issue lands (and in
# so24.example.yaml drops its "not built yet" mark, and its `enabled` if it needs a system other than 24SO).
BUILT_FLOWS: frozenset[str] = frozenset().union(*(m.BUILT for m in _FLOW_MODULES))

# Flows that both set 24SO stock, in order of preference: the first defaults on, the second only
# defaults on while the first is off.
STOCK_MASTER_FLOWS: tuple[str, str] = ("R8", "O5")


def _check_declarations() -> None:
    """Fail at import on a slip in a system module: a flow id declared twice would silently shadow the
    other, and a misspelt system would leave its flows waiting for a connection that never comes."""
    ids = [flow_id for m in _FLOW_MODULES for flow_id in m.FLOWS]
    problems = [f"flow {f} is declared twice" for f in sorted({f for f in ids if ids.count(f) > 1})]
    used = {s for info in FLOW_CATALOG.values() for s in info.systems}
    problems += [f"a flow names unknown system {s!r}" for s in sorted(used - set(SYSTEMS))]
    problems += [f"{f} is built but not a declared flow" for f in sorted(BUILT_FLOWS - set(FLOW_CATALOG))]
    if problems:
        raise RuntimeError("settings registry: " + "; ".join(problems))


_check_declarations()


def missing_systems(flow_id: str, connected: Collection[str]) -> tuple[str, ...]:
    """The non-24SO systems of a flow that are not connected (24SO always is)."""
    return tuple(s for s in FLOW_CATALOG[flow_id].systems if s != "so24" and s not in connected)


def default_enabled(flow_id: str, connected: Collection[str] = ()) -> bool:
    """The seed's default switch, held off while the flow has no code or a system is not connected.

    `connected` names the systems with `<system>.enabled: true` (24SO counts as always connected).
    The R8/O5 stock-master preference is applied on top of this by the flows section.
    """
    info = FLOW_CATALOG[flow_id]
    return info.seed_on and flow_id in BUILT_FLOWS and not missing_systems(flow_id, connected)
