"""One identity's data: a dict of records per entity, keyed by id, plus its id sequences.

Records are plain dicts keyed by WSDL field names (the serializer writes them in WSDL order and
ignores keys that are not fields, such as `_active`). Nested values (addresses, delivery methods)
may be shared between records to keep 100k-row data sets small, so they are never mutated in
place: an update replaces the nested value as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from so24_sandbox.so24.credentials import IdentityInfo

ENTITIES = (
    "products",
    "categories",
    "companies",
    "orders",
    "projects",
    "work_types",
    "salary_types",
    "persons",
    "hours",
)


@dataclass
class DataSet:
    """Everything one 24SO client (identity) holds, keyed by each entity's id."""

    identity: IdentityInfo
    products: dict[int, dict] = field(default_factory=dict)
    categories: dict[int, dict] = field(default_factory=dict)
    companies: dict[int, dict] = field(default_factory=dict)
    orders: dict[int, dict] = field(default_factory=dict)
    projects: dict[int, dict] = field(default_factory=dict)
    work_types: dict[int, dict] = field(default_factory=dict)
    salary_types: dict[int, dict] = field(default_factory=dict)
    persons: dict[int, dict] = field(default_factory=dict)
    hours: dict[int, dict] = field(default_factory=dict)
    delivery_methods: dict[int, dict] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)  # last id used per sequence
    user_contact_id: int = 0  # the logged-in user's own person (an employee) in this client

    def table(self, entity: str) -> dict[int, dict]:
        if entity not in ENTITIES:
            raise KeyError(entity)
        return getattr(self, entity)

    def next_id(self, sequence: str) -> int:
        """A fresh id; sequences start after the seeded ids, so created records never collide."""
        value = self.counters[sequence] + 1
        self.counters[sequence] = value
        return value

    def employees(self) -> dict[int, dict]:
        return {pid: p for pid, p in self.persons.items() if p.get("_employee")}
