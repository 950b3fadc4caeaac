"""Contract of the 24SO emulator over real HTTP: zeep (strict) built from the sandbox's own ?WSDL.

Each test starts from the seeded state (the `sandbox` fixture resets it). Expectations come from
24SO's documented behaviour (reference/24so/API.md), not from the emulator's code: session cookie,
identities, returnProperties, minute-granular "changed after", per-item APIException, the hourly
limit fault and the injected network faults.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.transports import Transport

pytestmark = pytest.mark.contract

NS = "http://24sevenOffice.com/webservices"
PATHS = {
    "Authenticate": "/authenticate/v001/authenticate.asmx",
    "ProductService": "/Logistics/Product/V001/ProductService.asmx",
    "CompanyService": "/CRM/Company/V001/CompanyService.asmx",
    "InvoiceService": "/Economy/InvoiceOrder/V001/InvoiceService.asmx",
    "ProjectService": "/Project/V001/ProjectService.asmx",
    "TimeService": "/timesheet/v001/timeservice.asmx",
    "PersonService": "/CRM/Contact/PersonService.asmx",
}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class So24:
    """zeep clients on one HTTP session, as the hub's connector uses them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self._clients: dict[str, zeep.Client] = {}

    def client(self, service: str) -> zeep.Client:
        if service not in self._clients:
            wsdl = f"{self.url}/24so{PATHS[service]}?WSDL"
            self._clients[service] = zeep.Client(
                wsdl, transport=Transport(session=self.http), settings=zeep.Settings(strict=True)
            )
        return self._clients[service]

    def svc(self, service: str):
        return self.client(service).service

    def login(self, creds: dict, identity: str | None = None) -> str:
        credential = {"ApplicationId": creds["application_id"], "Username": creds["username"],
                      "Password": creds["password"]}  # fmt: skip
        if identity:
            credential["IdentityId"] = identity
        sid = self.svc("Authenticate").Login(credential=credential)
        self.http.cookies.clear()
        self.http.headers["Cookie"] = f"ASP.NET_SessionId={sid}"
        return sid


@pytest.fixture
def creds(sandbox) -> dict:
    return sandbox.control("GET", "24so/credentials").json()


@pytest.fixture
def so24(sandbox, creds) -> So24:
    api = So24(sandbox.url)
    api.login(creds)
    return api


def raw_post(
    sandbox, service: str, operation: str, inner: str, cookie: str | None = None
) -> requests.Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap:Body><{operation} xmlns="{NS}">{inner}</{operation}></soap:Body></soap:Envelope>'
    )
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS}/{operation}"'}
    if cookie:
        headers["Cookie"] = f"ASP.NET_SessionId={cookie}"
    return requests.post(
        f"{sandbox.url}/24so{PATHS[service]}", data=body.encode(), headers=headers, timeout=30
    )


def fault_string(response: requests.Response) -> tuple[str, str]:
    root = etree.fromstring(response.content, SAFE)
    return root.findtext(".//faultcode"), root.findtext(".//faultstring")


# --- WSDL and authentication -------------------------------------------------------------------


def test_wsdl_per_service_names_real_address_and_names(sandbox):
    for name, path in PATHS.items():
        for variant in (f"{path}?WSDL", f"{path.lower()}?wsdl"):
            resp = requests.get(f"{sandbox.url}/24so{variant}", timeout=30)
            assert resp.status_code == 200, variant
            root = etree.fromstring(resp.content, SAFE)
            assert root.get("targetNamespace") == NS
            wsdl_ns = {
                "w": "http://schemas.xmlsoap.org/wsdl/",
                "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
            }
            assert root.find("w:service", wsdl_ns).get("name") == name
            address = root.find(".//soap:address", wsdl_ns).get("location")
            assert address == f"{sandbox.url}/24so{path}"
            actions = {o.get("soapAction") for o in root.iterfind(".//soap:operation", wsdl_ns)}
            assert all(a.startswith(f"{NS}/") for a in actions) and actions


def test_login_session_cookie_and_has_session(sandbox, creds):
    api = So24(sandbox.url)
    auth = api.svc("Authenticate")
    assert auth.HasSession() is False
    bad = auth.Login(credential={"ApplicationId": creds["application_id"], "Username": creds["username"],
                                 "Password": "wrong"})  # fmt: skip
    assert not bad
    sid = auth.Login(credential={"ApplicationId": creds["application_id"], "Username": creds["username"],
                                 "Password": creds["password"]})  # fmt: skip
    assert re.fullmatch(r"[a-z0-9]{24}", sid)
    assert api.http.cookies.get("ASP.NET_SessionId") == sid  # Set-Cookie like ASP.NET
    assert auth.HasSession() is True
    api.http.cookies.clear()
    api.http.headers["Cookie"] = f"ASP.NET_SessionId={sid}"
    assert auth.HasSession() is True
    assert sandbox.control("GET", "24so/stats").json()["logins"] == 1


def test_calls_without_session_fault_with_the_reauth_message(sandbox):
    api = So24(sandbox.url)
    with pytest.raises(Fault) as exc:
        api.svc("ProductService").GetProducts(searchParams={}, returnProperties={"string": ["Id"]})
    assert "Client is not authenticated on this identity" in exc.value.message
    api.http.headers["Cookie"] = "ASP.NET_SessionId=abcdefghijklmnopqrstuvwx"
    with pytest.raises(Fault, match="not authenticated"):
        api.svc("InvoiceService").GetOrderSyncList(syncParams={"RegisteredAfter": datetime(2000, 1, 1)})
    resp = raw_post(sandbox, "CompanyService", "GetCompanies", "")
    assert resp.status_code == 500
    assert fault_string(resp) == ("soap:Server", "Client is not authenticated on this identity")


def test_identities_have_separate_data_and_can_be_switched(sandbox, so24, creds):
    auth = so24.svc("Authenticate")
    identities = auth.GetIdentities()
    assert [i.Id for i in identities] == [i["id"] for i in creds["identities"]]
    assert [i.IsCurrent for i in identities] == [True, False]
    assert identities[0].IsDefault and identities[0].Client.Name == creds["identities"][0]["name"]

    def product_ids() -> set[int]:
        return {
            p.Id
            for p in so24.svc("ProductService").GetProducts(
                searchParams={}, returnProperties={"string": ["Id"]}
            )
        }

    first = product_ids()
    assert auth.SetIdentityById(identityId=creds["identities"][1]["id"]) is True
    second = product_ids()
    assert first and second and not first & second
    assert [i.IsCurrent for i in auth.GetIdentities()] == [False, True]
    assert auth.SetIdentityById(identityId="00000000-0000-0000-0000-0000000000ff") is False
    other = So24(sandbox.url)
    other.login(creds, identity=creds["identities"][1]["id"])
    assert {p.Id for p in other.svc("ProductService").GetProducts(
        searchParams={}, returnProperties={"string": ["Id"]})} == second  # fmt: skip
    listed = sandbox.control("GET", "24so/products", params={"identity": creds["identities"][1]["id"]}).json()
    assert {p["Id"] for p in listed} == second


# --- ProductService ----------------------------------------------------------------------------


def test_get_products_filters_and_return_properties(sandbox, so24):
    svc = so24.svc("ProductService")
    seeded = sandbox.control("GET", "24so/products").json()
    everything = svc.GetProducts(searchParams={}, returnProperties={"string": ["Id", "No", "Name"]})
    assert [p.Id for p in everything] == [p["Id"] for p in seeded]
    assert all(p.Price is None and p.EAN1 is None for p in everything)  # not requested -> not sent
    pick = seeded[5]
    props = ["Id", "No", "Name", "EAN1", "Price", "Stock", "Weight", "CategoryId", "DateChanged", "StatusId"]
    [one] = svc.GetProducts(
        searchParams={"ProductIds": {"int": [pick["Id"]]}}, returnProperties={"string": props}
    )
    assert (one.No, one.Name, one.Price) == (pick["No"], pick["Name"], Decimal(pick["Price"]))
    assert one.DateChanged == datetime.fromisoformat(pick["DateChanged"])
    assert re.fullmatch(r"\d{13}", one.EAN1)
    by_no = svc.GetProducts(searchParams={"No": pick["No"]}, returnProperties={"string": ["Id"]})
    assert [p.Id for p in by_no] == [pick["Id"]]
    by_cat = svc.GetProducts(
        searchParams={"CategoryId": pick["CategoryId"]}, returnProperties={"string": ["Id"]}
    )
    assert pick["Id"] in {p.Id for p in by_cat}
    assert {p.Id for p in by_cat} == {p["Id"] for p in seeded if p["CategoryId"] == pick["CategoryId"]}
    assert (
        svc.GetProducts(
            searchParams={"ProductIds": {"int": [987654321]}}, returnProperties={"string": ["Id"]}
        )
        is None
    )
    # the deliberate oddities the flows must report
    assert any(len(p["No"]) > 25 for p in seeded) and any("EAN1" not in p for p in seeded)
    with pytest.raises(Fault, match="NoSuchProperty"):
        svc.GetProducts(searchParams={}, returnProperties={"string": ["NoSuchProperty"]})


def test_changed_after_ignores_seconds(sandbox, so24):
    svc = so24.svc("ProductService")
    target = sandbox.control("GET", "24so/products").json()[3]
    patched = sandbox.control("PATCH", f"24so/products/{target['Id']}", json={"Price": "99.50"}).json()
    changed = datetime.fromisoformat(patched["DateChanged"])
    assert changed > datetime.fromisoformat(target["DateChanged"])

    def ids_after(after: datetime) -> set[int]:
        return {
            p.Id
            for p in svc.GetProducts(searchParams={"DateChanged": after}, returnProperties={"string": ["Id"]})
            or []
        }

    assert ids_after(changed.replace(second=59)) == {target["Id"]}  # same minute, later seconds: included
    assert ids_after(changed.replace(second=0) - timedelta(minutes=1)) == {target["Id"]}
    assert ids_after(changed.replace(second=0) + timedelta(minutes=1)) == set()


def test_categories_and_save_products(sandbox, so24):
    svc = so24.svc("ProductService")
    categories = svc.GetCategories(returnProperties={"string": ["Id", "Name"]})
    assert len(categories) >= 10 and all(c.Name and c.No is None for c in categories)
    created, no_category, unknown = svc.SaveProducts(products={"Product": [
        {"Name": "Sandbox-genser", "CategoryId": categories[0].Id, "No": "SB-1", "Price": Decimal("199.00"),
         "EAN1": "7012345678900"},
        {"Name": "Uten kategori"},
        {"Id": 987654321, "Name": "Finnes ikke"},
    ]})  # fmt: skip
    assert created.APIException is None and created.Id and created.DateChanged
    assert (created.No, created.Price) == ("SB-1", Decimal("199.00"))
    assert no_category.Id is None and "CategoryId" in no_category.APIException.Message
    assert "987654321" in unknown.APIException.Message
    [updated] = svc.SaveProducts(products={"Product": [{"Id": created.Id, "Price": Decimal("149.50")}]})
    assert (
        updated.APIException is None
        and updated.Price == Decimal("149.50")
        and updated.Name == "Sandbox-genser"
    )
    stored = sandbox.control("GET", f"24so/products/{created.Id}").json()
    assert stored["Price"] == "149.50" and stored["EAN1"] == "7012345678900"


def test_set_stock_quantity(sandbox, so24):
    svc = so24.svc("ProductService")
    product = sandbox.control("GET", "24so/products").json()[0]
    assert svc.SetStockQuantity(productId=product["Id"], stockQuantity=Decimal("17.000")) is True
    assert sandbox.control("GET", f"24so/products/{product['Id']}").json()["Stock"] == "17.000"
    assert svc.SetStockQuantity(productId=987654321, stockQuantity=Decimal("1")) is False


def test_exponent_decimals_are_refused_like_dotnet(sandbox, so24):
    sid = so24.http.headers["Cookie"].split("=", 1)[1]
    resp = raw_post(sandbox, "ProductService", "SetStockQuantity",
                    "<productId>1001</productId><stockQuantity>1e-05</stockQuantity>", cookie=sid)  # fmt: skip
    assert resp.status_code == 500
    code, message = fault_string(resp)
    assert code == "soap:Client" and "stockQuantity" in message


# --- CompanyService ----------------------------------------------------------------------------


def test_companies_customers_suppliers_and_sync_list(sandbox, so24):
    svc = so24.svc("CompanyService")
    seeded = sandbox.control("GET", "24so/companies").json()
    props = ["Id", "Name", "Type", "Addresses", "PhoneNumbers", "EmailAddresses", "OrganizationNumber",
             "CurrencyId", "InvoiceLanguage", "DateChanged"]  # fmt: skip
    companies = svc.GetCompanies(searchParams={}, returnProperties={"string": props})
    assert len(companies) == len(seeded)
    assert {c.Type for c in companies} >= {"Business", "Consumer", "Supplier"}
    business = next(c for c in companies if c.Type == "Business" and c.EmailAddresses)
    assert (
        business.Addresses.Post.City and business.OrganizationNumber and business.EmailAddresses.Invoice.Value
    )
    [one] = svc.GetCompanies(
        searchParams={"CompanyIds": {"int": [business.Id]}}, returnProperties={"string": ["Name"]}
    )
    assert one.Name == business.Name and one.Addresses is None
    page = svc.GetCompanySyncList(syncSearchParameters={"Page": 1, "Active": None})
    assert (page.CurrentPage, page.TotalPages, page.TotalItems, page.ItemsPerPage) == (
        1,
        1,
        len(seeded),
        1000,
    )
    assert [i.CompanyId for i in page.Items.SyncCompany] == sorted(c["Id"] for c in seeded)
    active = svc.GetCompanySyncList(syncSearchParameters={"Page": 1, "Active": True})
    assert active.TotalItems == sum(1 for c in seeded if c["Active"])
    empty = svc.GetCompanySyncList(syncSearchParameters={"Page": 2, "Active": None})
    assert empty.CurrentPage == 2 and empty.Items is None


def test_save_companies_create_update_and_refuse(sandbox, so24):
    svc = so24.svc("CompanyService")
    created, nameless = svc.SaveCompanies(companies={"Company": [
        {"Name": "Ny Kunde AS", "Type": "Business", "OrganizationNumber": "912345678",
         "Addresses": {"Post": {"Street": "Testveien 1", "PostalCode": "0150", "City": "OSLO", "Country": "NO"}}},
        {"Type": "Supplier"},
    ]})  # fmt: skip
    assert created.APIException is None and created.Id and created.Type == "Business"
    assert "Name" in nameless.APIException.Message
    [updated] = svc.SaveCompanies(companies={"Company": [
        {"Id": created.Id, "Addresses": {"Delivery": {"Street": "Lagerveien 2", "City": "BERGEN"}}}]})  # fmt: skip
    assert updated.Addresses.Post.Street == "Testveien 1" and updated.Addresses.Delivery.City == "BERGEN"
    changed = svc.GetCompanies(
        searchParams={"ChangedAfter": updated.DateChanged}, returnProperties={"string": ["Id"]}
    )
    assert [c.Id for c in changed] == [created.Id]


# --- InvoiceService ----------------------------------------------------------------------------


def test_get_invoices_rows_only_when_requested_and_batch_limit(sandbox, so24):
    svc = so24.svc("InvoiceService")
    ids = svc.GetOrderSyncList(syncParams={"RegisteredAfter": datetime(2000, 1, 1)})
    seeded = sandbox.control("GET", "24so/orders").json()
    assert ids == sorted(o["OrderId"] for o in seeded)
    heads = svc.GetInvoices(searchParams={"OrderIds": {"int": ids[:10]}},
                            invoiceReturnProperties={"string": ["OrderId", "OrderStatus"]},
                            rowReturnProperties={"string": ["RowId"]})  # fmt: skip
    assert [o.OrderId for o in heads] == ids[:10] and all(o.InvoiceRows is None for o in heads)
    head_props = ["OrderId", "CustomerId", "OrderStatus", "InvoiceRows", "DeliveryMethod", "Addresses",
                  "DateChanged", "OrderTotalIncVat"]  # fmt: skip
    full = svc.GetInvoices(searchParams={"OrderIds": {"int": ids[:10]}},
                           invoiceReturnProperties={"string": head_props},
                           rowReturnProperties={"string": ["ProductId", "RowId", "Quantity", "Price", "ProductNo"]})  # fmt: skip
    for order in full:
        rows = order.InvoiceRows.InvoiceRow
        # the properties asked for are there; Name, not asked for, is left out
        assert 1 <= len(rows) <= 5 and all(r.RowId and r.ProductNo and (r.Name is None) for r in rows)
        assert order.DeliveryMethod.Description and order.IncludeVAT is None
    confirmed = svc.GetInvoices(searchParams={"OrderStates": {"OrderSlipStateType": ["Confirmed"]}},
                                invoiceReturnProperties={"string": ["OrderStatus"]})  # fmt: skip
    assert len(confirmed) == sum(1 for o in seeded if o["OrderStatus"] == "Confirmed") > 0
    with pytest.raises(Fault, match="1000"):
        svc.GetInvoices(searchParams={"OrderIds": {"int": list(range(1, 1002))}},
                        invoiceReturnProperties={"string": ["OrderId"]})  # fmt: skip


def test_save_invoices_create_status_rows_and_refusals(sandbox, so24):
    svc = so24.svc("InvoiceService")
    customer = next(c for c in sandbox.control("GET", "24so/companies").json() if c["Type"] == "Business")
    p1, p2 = sandbox.control("GET", "24so/products").json()[:2]
    created, no_customer, bad_product = svc.SaveInvoices(invoices={"InvoiceOrder": [
        {"CustomerId": customer["Id"], "OrderStatus": "Confirmed", "YourReference": "Ola",
         "InvoiceRows": {"InvoiceRow": [{"ProductId": p1["Id"], "Quantity": Decimal("2"), "Price": Decimal("100")}]}},
        {"CustomerId": 987654321},
        {"CustomerId": customer["Id"], "InvoiceRows": {"InvoiceRow": [{"ProductId": 987654321}]}},
    ]})  # fmt: skip
    assert created.APIException is None and created.OrderId and created.OrderStatus == "Confirmed"
    [row] = created.InvoiceRows.InvoiceRow
    assert row.ProductNo == p1["No"] and row.RowId and created.OrderTotalIncVat == Decimal("250.00")
    assert "CustomerId" in no_customer.APIException.Message
    assert "987654321" in bad_product.APIException.Message
    [edited] = svc.SaveInvoices(invoices={"InvoiceOrder": [{"OrderId": created.OrderId, "InvoiceRows": {"InvoiceRow": [
        {"RowId": row.RowId, "ChangeState": "Edit", "Quantity": Decimal("3")},
        {"ProductId": p2["Id"], "ChangeState": "Add", "Quantity": Decimal("1")},
    ]}}]})  # fmt: skip
    rows = edited.InvoiceRows.InvoiceRow
    assert [(r.ProductId, r.Quantity) for r in rows] == [(p1["Id"], Decimal("3")), (p2["Id"], Decimal("1"))]
    [deleted] = svc.SaveInvoices(invoices={"InvoiceOrder": [{"OrderId": created.OrderId, "InvoiceRows": {
        "InvoiceRow": [{"RowId": rows[0].RowId, "ChangeState": "Delete"}]}}]})  # fmt: skip
    assert [r.ProductId for r in deleted.InvoiceRows.InvoiceRow] == [p2["Id"]]
    [sent] = svc.SaveInvoices(
        invoices={"InvoiceOrder": [{"OrderId": created.OrderId, "OrderStatus": "OrderState_Sent"}]}
    )
    assert sent.OrderStatus == "OrderState_Sent" and sent.YourReference == "Ola"
    [invoiced] = svc.SaveInvoices(
        invoices={"InvoiceOrder": [{"OrderId": created.OrderId, "OrderStatus": "Invoiced"}]}
    )
    assert invoiced.InvoiceId and invoiced.DateInvoiced
    [refused] = svc.SaveInvoices(
        invoices={"InvoiceOrder": [{"OrderId": created.OrderId, "YourReference": "Kari"}]}
    )
    assert "Invoiced" in refused.APIException.Message
    assert sandbox.control("GET", f"24so/orders/{created.OrderId}").json()["YourReference"] == "Ola"


# --- ProjectService, TimeService, PersonService ------------------------------------------------


def test_projects_list_and_save(sandbox, so24):
    svc = so24.svc("ProjectService")
    projects = svc.GetProjectList(Ps={})
    assert projects and all(p.NameDisplay and p.TimeReg for p in projects)
    customer = projects[0].CustomerId
    new_id = svc.SaveProject(project={"Name": "Sandbox-prosjekt", "NameDisplay": "Plain", "TimeReg": "WorkType",
                                      "CustomerId": customer})  # fmt: skip
    [fresh] = svc.GetProjectList(Ps={"ProjectIds": {"int": [new_id]}})
    assert fresh.Name == "Sandbox-prosjekt" and fresh.CustomerName
    changed = svc.GetProjectList(Ps={"ChangedAfter": fresh.DateChanged})
    assert [p.Id for p in changed] == [new_id]
    with pytest.raises(Fault, match="Name"):
        svc.SaveProject(project={"NameDisplay": "Plain", "TimeReg": "WorkType"})


def test_time_work_types_salary_types_and_hours(sandbox, so24):
    svc = so24.svc("TimeService")
    every = svc.GetWorkTypeList(Wts={"Active": "none"})
    active = svc.GetWorkTypeList(Wts={"Active": "True"})
    assert len(every) == 6 and 0 < len(active) < len(every)
    salary = svc.GetSalaryTypes()
    assert len(salary) == 4 and all(s.Name for s in salary)
    employee = svc.GetHours(hs={"ContactId": 0, "ProjectId": 0})[0].ContactId
    all_hours = svc.GetHours(hs={"ContactId": 0, "ProjectId": 0})
    assert all(h.SalaryTypeId is None for h in all_hours)
    mine = svc.GetHours(hs={"ContactId": employee, "ProjectId": 0, "IncludeSalaryType": True})
    assert mine and all(h.ContactId == employee and h.SalaryTypeId for h in mine)
    project = so24.svc("ProjectService").GetProjectList(Ps={})[0].Id
    start = datetime(2026, 9, 1, 8, 0)
    hour_id = svc.SaveHour(Hour={"TypeOfWorkId": active[0].Id, "StartTime": start, "StopTime": start + timedelta(hours=7.5),
                                 "ContactId": employee, "ProjectId": project, "SalaryTypeId": salary[0].Id,
                                 "Description": "Fra Smartdok"})  # fmt: skip
    [saved] = [h for h in svc.GetHours(hs={"ContactId": employee, "ProjectId": project}) if h.Id == hour_id]
    assert saved.TotalHours == 7.5 and saved.Description == "Fra Smartdok"
    with pytest.raises(Fault, match="TypeOfWorkId"):
        svc.SaveHour(Hour={"TypeOfWorkId": 987654, "StartTime": start, "StopTime": start + timedelta(hours=1),
                           "ContactId": employee})  # fmt: skip


def test_persons_employees_and_contacts(sandbox, so24):
    svc = so24.svc("PersonService")
    employees = svc.GetPersons(personSearch={"IsEmployee": "True"})
    contacts = svc.GetPersons(personSearch={"IsEmployee": "False", "GetRelationData": True})
    assert len(employees) == 10 and all(e.EmployeeNumber for e in employees)
    assert contacts and all(c.EmployeeNumber is None for c in contacts)
    assert any(c.RelationData for c in contacts)
    assert all(e.RelationData is None for e in svc.GetPersons(personSearch={"IsEmployee": "none"}))
    patched = sandbox.control(
        "PATCH", f"24so/persons/{employees[0].Id}", json={"WorkPosition": "Formann"}
    ).json()
    changed = svc.GetPersons(personSearch={"ChangedAfter": datetime.fromisoformat(patched["DateChanged"])})
    assert [p.Id for p in changed] == [employees[0].Id] and changed[0].WorkPosition == "Formann"


# --- limits and faults -------------------------------------------------------------------------


def test_hourly_limit_fault_and_headers(sandbox, so24):
    sandbox.control("POST", "24so/limits", json={"per_hour": 3})
    sid = so24.http.headers["Cookie"].split("=", 1)[1]
    remaining = []
    for _ in range(3):
        resp = raw_post(sandbox, "Authenticate", "HasSession", "", cookie=sid)
        assert resp.status_code == 200
        remaining.append(int(resp.headers["APILimitRemaining"]))
    assert remaining == [2, 1, 0]
    resp = raw_post(sandbox, "Authenticate", "HasSession", "", cookie=sid)
    assert resp.status_code == 500
    _code, message = fault_string(resp)
    match = re.fullmatch(r"Limit exceeded by 1\. Request is blocked\. Quarantine ends at (\S+)", message)
    assert match and datetime.fromisoformat(match.group(1).rstrip("Z")) == datetime.fromisoformat(
        resp.headers["APILimitReset"].rstrip("Z"))  # fmt: skip
    with pytest.raises(Fault, match="Limit exceeded by 2"):
        so24.svc("ProductService").GetCategories(returnProperties={"string": ["Id"]})


def test_injected_faults_hit_soap_posts_only(sandbox, so24):
    svc = so24.svc("ProductService")
    args = {"searchParams": {}, "returnProperties": {"string": ["Id"]}}

    def inject(kind: str) -> None:
        sandbox.control("POST", "24so/faults", json={"next": kind, "count": 1, "latency_ms": 5})

    inject("5xx")
    assert requests.get(f"{sandbox.url}/24so{PATHS['ProductService']}?WSDL", timeout=30).ok
    with pytest.raises(Fault, match="Server was unable to process request"):
        svc.GetProducts(**args)
    inject("limit")
    with pytest.raises(Fault, match="Limit exceeded"):
        svc.GetProducts(**args)
    inject("html")
    with so24.client("ProductService").settings(raw_response=True):
        resp = so24.client("ProductService").service.GetProducts(**args)
    assert resp.status_code == 503 and resp.headers["Content-Type"].startswith("text/html")
    inject("malformed")
    with so24.client("ProductService").settings(raw_response=True):
        resp = so24.client("ProductService").service.GetProducts(**args)
    assert resp.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(resp.content, SAFE)
    inject("drop")  # Content-Length promised, half sent, connection closed
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        svc.GetProducts(**args)
    inject("latency")
    assert len(svc.GetProducts(**args)) == len(sandbox.control("GET", "24so/products").json())
    state = sandbox.control("GET", "24so/faults").json()
    assert state["injected"] == {"latency": 1} and state["count"] == 0  # each configure starts a new plan


def test_bad_xml_and_doctype_are_client_faults(sandbox):
    url = f"{sandbox.url}/24so{PATHS['Authenticate']}"
    resp = requests.post(url, data=b"<soap:Envelope", headers={"Content-Type": "text/xml"}, timeout=30)
    assert resp.status_code == 500 and fault_string(resp)[0] == "soap:Client"
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            b'<HasSession xmlns="http://24sevenOffice.com/webservices">&e;</HasSession></soap:Body></soap:Envelope>')  # fmt: skip
    resp = requests.post(url, data=evil, headers={"Content-Type": "text/xml"}, timeout=30)
    code, message = fault_string(resp)
    assert resp.status_code == 500 and code == "soap:Client" and "DOCTYPE" in message
    resp = raw_post(
        sandbox, "ProductService", "GetProducts", "<searchParams><Colour>red</Colour></searchParams>"
    )
    assert fault_string(resp) == ("soap:Client", "ProductSearchParameters has no element named 'Colour'.")


# --- control API -------------------------------------------------------------------------------


def test_control_api_crud_stats_and_errors(sandbox, so24, creds):
    assert creds["username"] == "demo@so24.example" and len(creds["identities"]) == 2
    category = sandbox.control("GET", "24so/categories").json()[0]["Id"]
    created = sandbox.control("POST", "24so/products", json={"Name": "UI-produkt", "CategoryId": category,
                                                             "Price": "10.50", "No": "UI-1"})  # fmt: skip
    assert created.status_code == 201 and created.json()["Price"] == "10.50"
    pid = created.json()["Id"]
    [seen] = so24.svc("ProductService").GetProducts(searchParams={"ProductIds": {"int": [pid]}},
                                                    returnProperties={"string": ["Name", "Price"]})  # fmt: skip
    assert (seen.Name, seen.Price) == ("UI-produkt", Decimal("10.50"))
    bad = requests.post(
        f"{sandbox.url}/_sandbox/24so/products", json={"Name": "x", "Colour": "red"}, timeout=30
    )
    assert bad.status_code == 400 and "Colour" in bad.json()["error"]
    bad = requests.post(f"{sandbox.url}/_sandbox/24so/products", json={"Name": "x"}, timeout=30)
    assert bad.status_code == 400 and "CategoryId" in bad.json()["error"]
    order = sandbox.control("GET", "24so/orders").json()[0]
    assert order["rows"] and order["rows"][0]["RowId"]
    assert requests.get(f"{sandbox.url}/_sandbox/24so/orders/1", timeout=30).status_code == 404
    stats = sandbox.control("GET", "24so/stats").json()
    assert stats["requests"]["GetProducts"] == 1 and stats["requests"]["Login"] == 1 and stats["logins"] == 1
