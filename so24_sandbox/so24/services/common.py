"""Type lines several services declare identically (each service still gets its own copy)."""

from __future__ import annotations

ARRAY_OF_INT = "int:int*"
ARRAY_OF_STRING = "string:string*?"
API_EXCEPTION = "Type:string Message:string StackTrace:string"

# CompanyService and InvoiceService share this address shape (PersonService has another one).
ADDRESSES = "Post:Address Delivery:Address Visit:Address Invoice:Address"
ADDRESS = (
    "Street:string State:string PostalCode:string PostalArea:string Name:string City:string Country:string"
)

# TriState in ProductService-era services has no "unknown"; TimeService (2018) has it first.
TRISTATE = "none True False"
