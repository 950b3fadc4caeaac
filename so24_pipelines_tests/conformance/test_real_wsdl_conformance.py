"""The emulator against 24SO's REAL WSDLs (reference/24so/wsdl, read at test time, never copied).

Three checks, each failing on a different kind of drift:
1. every schema component the sandbox SERVES (each top-level element, complexType and simpleType,
   and each wsdl:message, the Authentication header's included) is declared exactly as in the real
   WSDL: child elements, their order, minOccurs/maxOccurs, types, nillable, default values,
   attributes and the any/anyAttribute wildcards. The served document is compared, not the type
   table, so a drift in the generator counts as much as a drift in the table;
2. a zeep client built from the REAL WSDL (strict mode) and pointed at the sandbox with
   create_service completes every emulated call and a save of each kind;
3. each raw answer (the SOAP Body's child) validates against the xs:schema embedded in the real
   WSDL, loaded with lxml (the GUID types live in a second schema the main one imports).
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import zeep
from lxml import etree
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport

from so24_pipelines.connectors.so24.envelope import parse_xml
from so24_pipelines_tests.conftest import SHARED_WSDL_DIR
from so24_sandbox.so24.services import BY_NAME

pytestmark = pytest.mark.conformance

if not SHARED_WSDL_DIR.exists():
    pytest.skip(f"real 24SO WSDLs not present at {SHARED_WSDL_DIR}", allow_module_level=True)

NS = "http://24sevenOffice.com/webservices"
XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
FILES = {
    "Authenticate": "AuthenticateService.wsdl",
    "ProductService": "ProductService.wsdl",
    "CompanyService": "CompanyService.wsdl",
    "InvoiceService": "InvoiceService.wsdl",
    "ProjectService": "ProjectService.wsdl",
    "TimeService": "TimeService.wsdl",
    "PersonService": "PersonService.wsdl",
}


def _parse_real(name: str) -> etree._Element:
    """The real WSDL through the connector's own parser, which refuses DTDs and entities."""
    return parse_xml((SHARED_WSDL_DIR / FILES[name]).read_bytes(), call=f"real {FILES[name]}")


# What XML Schema assumes when an attribute is left out: both sides are compared with these filled in,
# so `minOccurs="1"` written out and `minOccurs` omitted count as the same declaration.
_XS_DEFAULTS: dict[str, dict[str, str]] = {
    "element": {"minOccurs": "1", "maxOccurs": "1", "nillable": "false"},
    "any": {"minOccurs": "1", "maxOccurs": "1", "namespace": "##any", "processContents": "strict"},
    "anyAttribute": {"namespace": "##any", "processContents": "strict"},
    "attribute": {"use": "optional"},
    "sequence": {"minOccurs": "1", "maxOccurs": "1"},
}
# Attributes whose value is a QName: the prefix is resolved, since either side may pick its own.
_QNAME_ATTRIBUTES = {"type", "base", "ref", "element", "message", "binding"}
_SHORT = {XS: "xs", NS: "tns", "http://microsoft.com/wsdl/types/": "ms"}
_SKIPPED = {"annotation", "documentation"}


def _qname(node: etree._Element, value: str) -> str:
    prefix, _, local = value.rpartition(":")
    namespace = node.nsmap.get(prefix or None)
    return f"{_SHORT.get(namespace, namespace)}:{local}"


def _shape(node: etree._Element, path: str = "") -> list[str]:
    """One line per declaration in and below `node`, in document order, with every attribute.

    Lines rather than a nested structure so a mismatch reads as a diff of the declarations."""
    tag = etree.QName(node)
    here = f"{path}/{tag.localname}" + (f"[{node.get('name')}]" if node.get("name") else "")
    attributes = dict(_XS_DEFAULTS.get(tag.localname, {})) if tag.namespace == XS else {}
    for key, value in node.attrib.items():
        if key != "name":
            attributes[key] = _qname(node, value) if key in _QNAME_ATTRIBUTES else value
    lines = [here + "".join(f" {k}={v!r}" for k, v in sorted(attributes.items()))]
    for child in node:
        if isinstance(child.tag, str) and etree.QName(child).localname not in _SKIPPED:
            lines += _shape(child, here)
    return lines


def _components(root: etree._Element) -> dict[str, etree._Element]:
    """Every named schema component and message of a WSDL, keyed by kind, namespace and name."""
    found: dict[str, etree._Element] = {}
    for schema in root.iterfind(f"{{{WSDL}}}types/{{{XS}}}schema"):
        namespace = _SHORT.get(schema.get("targetNamespace"), schema.get("targetNamespace"))
        for child in schema:
            if isinstance(child.tag, str) and child.get("name"):
                found[f"{etree.QName(child).localname} {namespace}:{child.get('name')}"] = child
    for message in root.iterfind(f"{{{WSDL}}}message"):
        found[f"message {message.get('name')}"] = message
    return found


def test_every_served_service_has_its_real_wsdl():
    assert set(BY_NAME) == set(FILES), "a service the sandbox serves has no real WSDL to check against"


@pytest.mark.parametrize("service", list(FILES))
def test_served_wsdl_declares_every_type_as_the_real_one(sandbox_server, service):
    schema = BY_NAME[service]
    answer = requests.get(f"{sandbox_server.url}/24so{schema.path}?WSDL", timeout=30)
    answer.raise_for_status()
    ours = _components(parse_xml(answer.content, call=f"sandbox {service} WSDL"))
    real = _components(_parse_real(service))
    assert any(key.startswith("complexType ") for key in ours), "the served WSDL declares no types"
    assert not set(ours) - set(real), f"{service}: declared by the sandbox, absent from the real WSDL"
    differing = {key: node for key, node in ours.items() if _shape(node) != _shape(real[key])}
    report = "\n".join(
        line
        for key, node in differing.items()
        for line in difflib.unified_diff(
            _shape(real[key]), _shape(node), f"real {key}", f"sandbox {key}", lineterm=""
        )
    )
    if differing:
        pytest.fail(f"{service}: {len(differing)} declarations differ from the real WSDL\n{report}")


@pytest.mark.parametrize("service", list(FILES))
def test_generated_wsdl_gives_zeep_the_same_signatures(sandbox, service):
    schema = BY_NAME[service]
    real = zeep.Client(str(SHARED_WSDL_DIR / FILES[service]))
    ours = zeep.Client(f"{sandbox.url}/24so{schema.path}?WSDL")
    real_ops = real.wsdl.bindings[f"{{{NS}}}{schema.port}"]._operations
    our_ops = ours.wsdl.bindings[f"{{{NS}}}{schema.port}"]._operations
    assert set(our_ops) == set(schema.operations)
    for name, ours_op in our_ops.items():
        assert ours_op.input.signature() == real_ops[name].input.signature(), name
        assert ours_op.output.signature() == real_ops[name].output.signature(), name
        assert ours_op.soapaction == real_ops[name].soapaction == f"{NS}/{name}"


class RealClients:
    """zeep clients from the REAL WSDLs, bound to the sandbox, recording every raw answer."""

    def __init__(self, url: str, schema_dir: Path) -> None:
        self.http = requests.Session()
        self.history = HistoryPlugin(maxlen=1)
        self.url = url
        self.schema_dir = schema_dir
        self.services: dict[str, object] = {}
        self.schemas: dict[str, etree.XMLSchema] = {}
        self.validated: list[str] = []

    def svc(self, name: str):
        if name not in self.services:
            client = zeep.Client(
                str(SHARED_WSDL_DIR / FILES[name]),
                transport=Transport(session=self.http),
                plugins=[self.history],
                settings=zeep.Settings(strict=True),
            )
            address = f"{self.url}/24so{BY_NAME[name].path}"
            self.services[name] = client.create_service(f"{{{NS}}}{name}Soap", address)
            self.schemas[name] = self._schema(name)
        return self.services[name]

    def _schema(self, name: str) -> etree.XMLSchema:
        """The real WSDL's schemas as files, the main one importing the GUID schema by location."""
        schemas = _parse_real(name).findall(f".//{{{XS}}}schema")
        folder = self.schema_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        locations = {s.get("targetNamespace"): folder / f"schema{i}.xsd" for i, s in enumerate(schemas)}
        main = None
        for schema in schemas:
            doc = etree.fromstring(etree.tostring(schema), SAFE)
            for imported in doc.iterfind(f"{{{XS}}}import"):
                imported.set("schemaLocation", locations[imported.get("namespace")].name)
            path = locations[schema.get("targetNamespace")]
            path.write_bytes(etree.tostring(doc))
            if schema.get("targetNamespace") == NS:
                main = path
        assert main is not None
        return etree.XMLSchema(etree.parse(str(main), SAFE))

    def call(self, service: str, operation: str, **kwargs):
        result = getattr(self.svc(service), operation)(**kwargs)
        envelope = self.history.last_received["envelope"]
        [answer] = [c for c in envelope.find(f"{{{SOAP_ENV}}}Body") if isinstance(c.tag, str)]
        assert etree.QName(answer).localname == f"{operation}Response"
        standalone = etree.fromstring(etree.tostring(answer), SAFE)
        self.schemas[service].assertValid(standalone)
        self.validated.append(f"{service}.{operation}")
        return result

    def properties(self, service: str, type_name: str) -> list[str]:
        """Every returnable property of a type, as the REAL WSDL names it."""
        client = self.svc(service)._binding.wsdl.types
        return [n for n, _el in client.get_type(f"{{{NS}}}{type_name}").elements if n != "APIException"]


@pytest.fixture
def real(sandbox, tmp_path) -> RealClients:
    clients = RealClients(sandbox.url, tmp_path)
    creds = sandbox.control("GET", "24so/credentials").json()
    sid = clients.call("Authenticate", "Login", credential={
        "ApplicationId": creds["application_id"], "Username": creds["username"], "Password": creds["password"]})  # fmt: skip
    assert len(sid) == 24
    clients.http.headers["Cookie"] = f"ASP.NET_SessionId={sid}"
    return clients


def test_authenticate_answers_validate(real, sandbox):
    assert real.call("Authenticate", "HasSession") is True
    identities = real.call("Authenticate", "GetIdentities")
    assert len(identities) == 2
    assert real.call("Authenticate", "SetIdentityById", identityId=identities[1].Id) is True
    assert real.call("Authenticate", "SetIdentityById", identityId=identities[0].Id) is True


def test_product_service_answers_validate(real, sandbox):
    props = real.properties("ProductService", "Product")
    products = real.call("ProductService", "GetProducts", searchParams={}, returnProperties={"string": props})
    assert products and any(p.EAN1 is None for p in products)
    categories = real.call("ProductService", "GetCategories",
                           returnProperties={"string": real.properties("ProductService", "Category")})  # fmt: skip
    saved = real.call("ProductService", "SaveProducts", products={"Product": [
        {"Name": "Konformitet", "CategoryId": categories[0].Id, "Price": Decimal("10.00"), "Web": True},
        {"Name": "Uten kategori"},
    ]})  # fmt: skip
    assert saved[0].Id and saved[1].APIException.Message
    assert (
        real.call("ProductService", "SetStockQuantity", productId=saved[0].Id, stockQuantity=Decimal("3"))
        is True
    )


def test_company_service_answers_validate(real, sandbox):
    props = real.properties("CompanyService", "Company")
    companies = real.call(
        "CompanyService", "GetCompanies", searchParams={}, returnProperties={"string": props}
    )
    assert {c.Type for c in companies} >= {"Business", "Supplier"}
    page = real.call("CompanyService", "GetCompanySyncList", syncSearchParameters={"Page": 1, "Active": None})
    assert page.TotalItems == len(companies)
    saved = real.call("CompanyService", "SaveCompanies", companies={"Company": [
        {"Name": "Konform AS", "Type": "Supplier", "CurrencyId": "EUR", "Private": False,
         "EmailAddresses": {"Invoice": {"Value": "faktura@konform.example"}}},
        {"Id": 987654321, "Name": "Finnes ikke"},
    ]})  # fmt: skip
    assert saved[0].Id and saved[1].APIException.Message


def test_invoice_service_answers_validate(real, sandbox):
    ids = real.call(
        "InvoiceService", "GetOrderSyncList", syncParams={"RegisteredAfter": datetime(2000, 1, 1)}
    )
    orders = real.call(
        "InvoiceService",
        "GetInvoices",
        searchParams={"OrderIds": {"int": ids[:50]}},
        invoiceReturnProperties={"string": real.properties("InvoiceService", "InvoiceOrder")},
        rowReturnProperties={"string": real.properties("InvoiceService", "InvoiceRow")},
    )
    assert len(orders) == min(50, len(ids)) and all(o.InvoiceRows.InvoiceRow for o in orders)
    customer, product = orders[0].CustomerId, orders[0].InvoiceRows.InvoiceRow[0].ProductId
    saved = real.call("InvoiceService", "SaveInvoices", invoices={"InvoiceOrder": [
        {"CustomerId": customer, "OrderStatus": "Confirmed", "DeliveryMethod": {"Id": orders[0].DeliveryMethod.Id},
         "InvoiceRows": {"InvoiceRow": [{"ProductId": product, "Quantity": Decimal("2")}]}},
        {"CustomerId": customer, "InvoiceRows": {"InvoiceRow": [{"ProductId": 987654321}]}},
    ]})  # fmt: skip
    assert saved[0].OrderId and saved[1].APIException.Message
    status = real.call("InvoiceService", "SaveInvoices", invoices={"InvoiceOrder": [
        {"OrderId": saved[0].OrderId, "OrderStatus": "OrderState_Sent"}]})  # fmt: skip
    assert status[0].OrderStatus == "OrderState_Sent"


def test_project_time_and_person_answers_validate(real, sandbox):
    projects = real.call("ProjectService", "GetProjectList", Ps={})
    new_id = real.call("ProjectService", "SaveProject", project={
        "Name": "Konformitet", "NameDisplay": "Plain", "TimeReg": "WorkType", "CustomerId": projects[0].CustomerId})  # fmt: skip
    assert new_id > 0
    work_types = real.call("TimeService", "GetWorkTypeList", Wts={"Active": "True"})
    salary_types = real.call("TimeService", "GetSalaryTypes")
    hours = real.call(
        "TimeService", "GetHours", hs={"ContactId": 0, "ProjectId": 0, "IncludeSalaryType": True}
    )
    start = datetime(2026, 9, 2, 7, 0)
    hour_id = real.call("TimeService", "SaveHour", Hour={
        "TypeOfWorkId": work_types[0].Id, "StartTime": start, "StopTime": start + timedelta(hours=2),
        "ContactId": hours[0].ContactId, "ProjectId": new_id, "SalaryTypeId": salary_types[0].Id})  # fmt: skip
    assert hour_id > 0
    persons = real.call(
        "PersonService", "GetPersons", personSearch={"IsEmployee": "none", "GetRelationData": True}
    )
    assert any(p.EmployeeNumber for p in persons) and any(p.RelationData for p in persons)
    assert real.validated[-1] == "PersonService.GetPersons"
