"""N1's loads: one per register and direction, each with its flow key, spec, sides and target.

The flow keys name the loads in the id map and never change spelling (a renamed key would make
the loader create every record again): `N1.<register>.to_rackbeat` / `.to_netvisor`, and N2's
`N2.customers.overwrite` (the business-ID card overwrite, n2.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from so24_pipelines.flows.netvisor.matching import Register, Side
from so24_pipelines.sync import flow_key

Direction = Literal["netvisor_to_rackbeat", "rackbeat_to_netvisor"]
REGISTERS: tuple[Register, ...] = ("customers", "suppliers", "products")
DIRECTIONS: tuple[Direction, ...] = ("netvisor_to_rackbeat", "rackbeat_to_netvisor")


@dataclass(frozen=True)
class RegisterLoad:
    """One register carried in one direction."""

    register: Register
    direction: Direction
    flow: str
    spec: str
    source: Side
    target: Side
    target_entity: str

    @property
    def counterpart_is_business_key(self) -> bool:
        """Towards Rackbeat a linked record is found again by its counterpart's number (links.py)."""
        return self.target == "rackbeat"


def _load(register: Register, direction: Direction) -> RegisterLoad:
    to_rackbeat = direction == "netvisor_to_rackbeat"
    netvisor_entity = "vendors" if register == "suppliers" else register
    return RegisterLoad(
        register=register, direction=direction,
        flow=flow_key("N1", register, "to_rackbeat" if to_rackbeat else "to_netvisor"),
        spec=f"netvisor_{register}_to_{'rackbeat' if to_rackbeat else 'netvisor'}",
        source="netvisor" if to_rackbeat else "rackbeat", target="rackbeat" if to_rackbeat else "netvisor",
        target_entity=register if to_rackbeat else netvisor_entity,
    )  # fmt: skip


LOADS: dict[tuple[Register, Direction], RegisterLoad] = {
    (register, direction): _load(register, direction) for register in REGISTERS for direction in DIRECTIONS
}
N1_FLOWS: dict[str, str] = {f"{r}.{d}": load.flow for (r, d), load in LOADS.items()}
"""Every N1 loader flow key (for the flow-key grammar test and the failed-records checks)."""
OVERWRITE_FLOW = flow_key("N2", "customers", "overwrite")
OVERWRITE_SPEC = "netvisor_customers_to_netvisor"
