"""What a resource handler gets (Call) and gives back (Answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from so24_sandbox.netvisor.bodies import Node
from so24_sandbox.netvisor.params import Params
from so24_sandbox.netvisor.store import Company


@dataclass(frozen=True)
class Call:
    company: Company
    params: Params
    body: Node | None  # the message of a POST, None for a GET
    at: datetime  # the call's time (UTC), also its ResponseStatus/TimeStamp
    behaviour: dict[str, Any]  # a snapshot of the switches, fixed for the call
    api_url: str  # <sandbox>/netvisor, for the `Uri` elements

    @property
    def zone(self) -> str:
        return str(self.behaviour["timezone"])


@dataclass
class Answer:
    """The elements after ResponseStatus (none for an edit) and any extra response headers."""

    elements: list[etree._Element] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
