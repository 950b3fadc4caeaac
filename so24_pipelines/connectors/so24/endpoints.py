"""Where each 24SO SOAP service lives.

24SO splits its services over two hosts (api.* and webservices.*); the session cookie must reach
both, so the client sends it as an explicit header rather than through a host-scoped cookie jar.
All services share one target namespace, so same-named types differ per service: every service
gets its own zeep Client and nothing is shared between them.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "http://24sevenOffice.com/webservices"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    on_webservices_host: bool

    @property
    def binding(self) -> str:
        return f"{{{NAMESPACE}}}{self.name}Soap"


ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("Authenticate", "/authenticate/v001/authenticate.asmx", False),
        Endpoint("ProductService", "/Logistics/Product/V001/ProductService.asmx", False),
        Endpoint("CompanyService", "/CRM/Company/V001/CompanyService.asmx", False),
        Endpoint("InvoiceService", "/Economy/InvoiceOrder/V001/InvoiceService.asmx", False),
        Endpoint("ProjectService", "/Project/V001/ProjectService.asmx", True),
        Endpoint("TimeService", "/timesheet/v001/timeservice.asmx", True),
        Endpoint("PersonService", "/CRM/Contact/PersonService.asmx", True),
    )
}
