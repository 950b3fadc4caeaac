"""24SevenOffice (24SO) SOAP emulator: zeep cannot tell it from api.24sevenoffice.com.

What it serves, under /24so at the real (case-insensitive) ASMX paths:
- Authenticate (Login, HasSession, GetIdentities, SetIdentityById), ProductService (GetProducts,
  GetCategories, SaveProducts, SetStockQuantity), CompanyService (GetCompanies, GetCompanySyncList,
  SaveCompanies), InvoiceService (GetInvoices, GetOrderSyncList, SaveInvoices), ProjectService
  (GetProjectList, SaveProject), TimeService in its 2018 shape (GetWorkTypeList, GetSalaryTypes,
  GetHours, SaveHour) and PersonService (GetPersons);
- `?WSDL` on each path: a WSDL generated from `services/` (the one description of every type:
  names, element order, minOccurs, nillable as in 24SO's own WSDLs), whose soap:address is the
  sandbox, so a client built for 24SO works unchanged in zeep's strict mode.

How it behaves like 24SO: session id from Login in the ASP.NET_SessionId cookie, faults for calls
without it; two identities (companies) with separate data; 7,200 requests/hour per user with the
"Limit exceeded ... Quarantine ends at" fault and APILimitRemaining/APILimitReset headers;
returnProperties filtering; "changed after" at minute granularity; per-item APIException on bad
saves; DateChanged = now on every save. Seeded data is deterministic from (scale, seed) and fast
at 100k records. Faults from the shared injector (5xx, limit, latency, drop, malformed, html) hit
SOAP POSTs only. Module map: types (type model), services/ (type tables), wsdl, parse, serialize,
values, data (seeding), dataset/store/sessions/limits (state), operations/ (one module per
service), endpoint and wire (HTTP), control and jsonio (control API), system (the mount).
Sandbox credentials are in credentials.py.
"""
