"""N2 and N1 as assets (group "netvisor"), built from the shared flow template.

- `n2_matches` (N2): reads every register of both systems, stages them, runs the cascade and shows
  the link list as its `preview` (each link's rule, both records, what the business-ID links
  overwrite on the Netvisor card; each hold's reason), then writes the business-ID overwrites
  through the loader (flow N2.customers.overwrite). Its registers are flows.N1.registers.
- `n1_customers`, `n1_suppliers`, `n1_products` (N1): one register each, in flows.N1.direction,
  after `n2_matches`. A register not in flows.N1.registers does nothing and says so (`idle`).

Both need the "netvisor" resource (this room's) and "rackbeat" (the Rackbeat account's, from the
main Definitions: Netvisor is paired with Rackbeat) besides "staging". The pool `netvisor_api`
bounds them; the connector serialises the Netvisor calls of every step on this host anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from so24_pipelines.defs.flow_asset import FlowAsset, FlowBody, flow_asset
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor import n1, n2
from so24_pipelines.flows.netvisor.matching import Register
from so24_pipelines.flows.netvisor.registers import LOADS, OVERWRITE_FLOW, OVERWRITE_SPEC, REGISTERS
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings

GROUP = "netvisor"
SYSTEM = "netvisor"
KINDS = frozenset({"netvisor", "rackbeat", "duckdb"})
MATCHES = "n2_matches"
RESOURCES = ("netvisor", "rackbeat")


def n1_asset_name(register: str) -> str:
    return f"n1_{register}"


def specs(settings: Settings) -> dict[str, FlowAsset]:
    """Every N-flow asset; the N1 ones show the mapping of the configured direction."""
    direction = settings.flows.N1.direction
    assets = {
        MATCHES: FlowAsset(
            name=MATCHES,
            flow="N2",
            system=SYSTEM,
            group=GROUP,
            kinds=KINDS,
            resources=RESOURCES,
            owns=(OVERWRITE_FLOW,),
            specs=(OVERWRITE_SPEC,),
            description="N2 - matches Netvisor's and Rackbeat's registers (products by code; customers and "
            "suppliers by a digits-only code, else business ID, else name; ambiguous ones held) and shows the "
            "links before anything is written; a business-ID link overwrites the Netvisor customer card with "
            "Rackbeat's data (seed 003).",
        ),  # fmt: skip
    }
    for register in REGISTERS:
        load = LOADS[(register, direction)]
        name = n1_asset_name(register)
        assets[name] = FlowAsset(
            name=name, flow="N1", system=SYSTEM, group=GROUP, kinds=KINDS, resources=RESOURCES,
            deps=(MATCHES,), owns=tuple(LOADS[(register, d)].flow for d in ("netvisor_to_rackbeat",
                                                                         "rackbeat_to_netvisor")),
            specs=(load.spec,),
            description=f"N1 - initial sync of the {register}: what is missing on the other side is created "
            f"(flows.N1.direction, now {direction}), what N2 linked is linked, what it held is skipped.",
        )  # fmt: skip
    return assets


def _clients(context: dg.AssetExecutionContext, work: Callable[[Any, Any], FlowRun]) -> list[FlowRun]:
    with context.resources.netvisor.client() as nv, context.resources.rackbeat.client() as rb:
        return [work(nv, rb)]


def _n2_body(settings: Settings) -> FlowBody:
    registers: list[Register] = list(settings.flows.N1.registers)

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        return _clients(
            context, lambda nv, rb: n2.match_registers(run, nv, rb, nv.organisation_id, registers)
        )

    return body


def _n1_body(settings: Settings, register: Register) -> FlowBody:
    n1_settings = settings.flows.N1
    load = LOADS[(register, n1_settings.direction)]

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        if register not in n1_settings.registers:
            return [run.idle(load.flow, f"the {register} are not in flows.N1.registers")]
        return _clients(
            context,
            lambda nv, rb: n1.sync_register(
                run, nv, rb, nv.organisation_id, register, n1_settings.direction,
                product_group=n1_settings.rackbeat_product_group,
            ),
        )  # fmt: skip

    return body


def build_netvisor_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    assets = []
    for name, spec in specs(settings).items():
        flow = settings.flow(spec.flow)
        body = _n2_body(settings) if name == MATCHES else _n1_body(settings, name.removeprefix("n1_"))  # type: ignore[arg-type]
        assets.append(flow_asset(spec, body, enabled=flow.enabled, dry_run=flow.dry_run))
    return assets
