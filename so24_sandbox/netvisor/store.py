"""The emulated Netvisor's state: one book per company (Organisation ID), one lock for all.

A company holds customers, products and vendors keyed by NetvisorKey (an integer the company
assigns in sequence, per register), plus the customer and product groups a write may create. A
record is a dict of its import element names (lower case, as `customer.nv` takes them) with
Python values; `changed_at` (aware UTC) feeds `changedsince`, `created_at` the control dumps.
Domain modules (customers.py, products.py, vendors.py) read and write the tables under `lock`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Record = dict[str, Any]
REGISTERS = ("customers", "products", "vendors")
FIRST_KEY = {"customers": 101, "products": 301, "vendors": 201, "bankaccounts": 901}


@dataclass
class Company:
    organisation_id: str
    name: str
    tables: dict[str, dict[int, Record]] = field(default_factory=lambda: {r: {} for r in REGISTERS})
    customer_groups: dict[str, int] = field(default_factory=dict)
    product_groups: dict[str, int] = field(default_factory=dict)
    _next: dict[str, int] = field(default_factory=dict)

    def next_key(self, register: str) -> int:
        value = self._next.get(register, FIRST_KEY.get(register, 1))
        self._next[register] = value + 1
        return value

    def insert(self, register: str, values: Record, at: datetime) -> Record:
        key = self.next_key(register)
        record = {**values, "netvisorkey": key, "created_at": at, "changed_at": at}
        self.tables[register][key] = record
        return record

    def customer_group(self, name: str) -> int:
        """The group's key, creating it on first use (assumption: Netvisor's rule is not documented)."""
        if name not in self.customer_groups:
            self.customer_groups[name] = len(self.customer_groups) + 1
        return self.customer_groups[name]

    def product_group(self, name: str) -> int:
        """The group's key, created if missing (reference §5.2: `productgroup` is created if missing)."""
        if name not in self.product_groups:
            self.product_groups[name] = len(self.product_groups) + 1
        return self.product_groups[name]


class NetvisorStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.companies: dict[str, Company] = {}

    def clear(self) -> None:
        with self.lock:
            self.companies = {}

    def add_company(self, organisation_id: str, name: str) -> Company:
        with self.lock:
            company = Company(organisation_id, name)
            self.companies[organisation_id] = company
            return company

    def company(self, organisation_id: str) -> Company:
        with self.lock:
            return self.companies[organisation_id]
