"""Operation handlers per service (one module each), looked up by service name and operation."""

from __future__ import annotations

from so24_sandbox.so24.operations import (
    authenticate,
    companies,
    invoices,
    persons,
    products,
    projects,
    timesheet,
)
from so24_sandbox.so24.operations.common import Handler

HANDLERS: dict[str, dict[str, Handler]] = {
    "Authenticate": authenticate.HANDLERS,
    "ProductService": products.HANDLERS,
    "CompanyService": companies.HANDLERS,
    "InvoiceService": invoices.HANDLERS,
    "ProjectService": projects.HANDLERS,
    "TimeService": timesheet.HANDLERS,
    "PersonService": persons.HANDLERS,
}

# Operations that answer without a logged-in session (everything else faults without one).
PUBLIC: dict[str, frozenset[str]] = {"Authenticate": authenticate.PUBLIC}
