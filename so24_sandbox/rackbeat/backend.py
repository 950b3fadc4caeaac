"""The emulated account as one object: the store plus every domain that acts on it.

The API and the control API both go through here, so a change a test makes "as a Rackbeat user"
follows the same rules and fires the same webhooks as one the hub makes through the API.
"""

from __future__ import annotations

from so24_sandbox.rackbeat import seed
from so24_sandbox.rackbeat.auth import ACCOUNT_ID
from so24_sandbox.rackbeat.custom_fields import CustomFields
from so24_sandbox.rackbeat.delivery import Dispatcher
from so24_sandbox.rackbeat.groups import (
    CustomerGroups,
    Locations,
    PaymentTerms,
    ProductGroups,
    SupplierGroups,
)
from so24_sandbox.rackbeat.inventory import Inventory
from so24_sandbox.rackbeat.invoices import Invoices
from so24_sandbox.rackbeat.limits import DEFAULT_PER_MINUTE, RequestBudget
from so24_sandbox.rackbeat.orders import Orders
from so24_sandbox.rackbeat.parties import Customers, Suppliers
from so24_sandbox.rackbeat.products import Products
from so24_sandbox.rackbeat.registers import Register
from so24_sandbox.rackbeat.shipments import Shipments
from so24_sandbox.rackbeat.store import RackbeatStore
from so24_sandbox.rackbeat.webhooks import Webhooks

REGISTER_KINDS: tuple[type[Register], ...] = (
    Products,
    ProductGroups,
    Customers,
    CustomerGroups,
    Suppliers,
    SupplierGroups,
    PaymentTerms,
    Locations,
)


class RackbeatBackend:
    def __init__(self, base_url: str, seed_value: int = 24) -> None:
        self.store = RackbeatStore(base_url)
        self.fields = CustomFields(self.store)
        self.registers: dict[str, Register] = {
            k.table_name: k(self.store, self.fields) for k in REGISTER_KINDS
        }
        self.orders = Orders(self.store, self.fields)
        self.shipments = Shipments(self.store, self.orders)
        self.invoices = Invoices(self.store)
        self.inventory = Inventory(self.store)
        self.dispatcher = Dispatcher(ACCOUNT_ID, seed=seed_value)
        self.webhooks = Webhooks(self.store, self.dispatcher)
        self.budget = RequestBudget()
        self.reset()

    def reset(self) -> None:
        """Back to the seeded account: no hooks, no pending deliveries, the default budget."""
        self.dispatcher.reset()
        with self.store.lock:
            self.store.clear()
            seed.load(self)
        self.budget.configure(DEFAULT_PER_MINUTE)
