"""A scripted user in every system: what people do in 24SO, Rackbeat and the WMS between hub ticks."""

from __future__ import annotations

from typing import Any

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines_tests.safety.hub import FAST
from so24_pipelines_tests.sandbox_process import SandboxProcess


class User:
    """Scripted user actions: 24SO and the WMS through their control APIs (the UI and the warehouse
    floor), Rackbeat through its control API and, for edits, its API with the user's own key.

    Faults are paused while the user acts: they are injected into the hub's calls."""

    def __init__(self, sandbox: SandboxProcess) -> None:
        self.sandbox = sandbox
        self._rb: RackbeatClient | None = None

    @property
    def rb(self) -> RackbeatClient:
        if self._rb is None:
            creds = self.sandbox.control("GET", "rackbeat/credentials").json()
            self._rb = RackbeatClient(
                creds["baseUrl"], creds["token"], requests_per_minute=100_000, burst=200, retry=FAST
            )
        return self._rb

    def close(self) -> None:
        if self._rb is not None:
            self._rb.close()

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.sandbox.control(method, path, json=body).json()

    # 24SO's UI
    def so24_product(self, no: str, name: str, category: int = 1, price: str = "100") -> int:
        return int(
            self.control(
                "POST", "24so/products", {"Name": name, "No": no, "CategoryId": category, "Price": price}
            )["Id"]
        )

    def so24_company(self, name: str, kind: str = "Business", city: str = "OSLO") -> int:
        address = {"Street": "Fjordgata 1", "PostalCode": "0150", "City": city, "Country": "NO"}
        body = {"Name": name, "Type": kind, "Addresses": {"Post": address, "Invoice": address}}
        return int(self.control("POST", "24so/companies", body)["Id"])

    def so24_order(self, customer: int, rows: list[tuple[int, int]], status: str = "Confirmed") -> int:
        address = {
            "Street": "Kaigata 2",
            "PostalCode": "5003",
            "PostalArea": "BERGEN",
            "City": "BERGEN",
            "Country": "NO",
        }
        body = {"CustomerId": customer, "OrderStatus": status, "DeliveryDate": "2026-12-01T00:00:00",
                "Addresses": {"Delivery": {"Name": "Mottak", **address}, "Invoice": address},
                "rows": [{"ProductId": p, "Quantity": q} for p, q in rows]}  # fmt: skip
        return int(self.control("POST", "24so/orders", body)["OrderId"])

    def so24_edit(self, entity: str, key: int, **fields: Any) -> None:
        self.control("PATCH", f"24so/{entity}/{key}", fields)

    # Rackbeat
    def rb_create(self, table: str, **body: Any) -> str:
        made = self.control("POST", f"rackbeat/{table}", body)
        return str(next(iter(made.values()))["number"])

    def rb_count(self, number: str, quantity: float) -> None:
        current = self.control("GET", "rackbeat/products")["products"]
        if any(p["number"] == number and p["stock_quantity"] == quantity for p in current):
            return  # Rackbeat refuses a count to the figure it has (with faults, its opening stock may be pending)
        self.control("POST", f"rackbeat/products/{number}/stock", {"quantity": quantity})

    def rb_order(self, number: int, action: str, body: dict[str, Any] | None = None) -> Any:
        return self.control("POST", f"rackbeat/orders/{number}/{action}", body)

    # the warehouse floor
    def wms_count(self, article: str, physical: float) -> None:
        self.control("POST", f"ongoing/articles/{article}/stock", {"physical": physical})

    def wms_order(self, number: int, action: str) -> None:
        self.control("POST", f"ongoing/orders/{number}/{action}")
