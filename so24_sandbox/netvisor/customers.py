"""Customers: `customerlist.nv`, `getcustomer.nv` and `customer.nv` (reference §4, §5.1).

- The list's key element is `Netvisorkey` (lower-case k) under `Customerlist` (lower-case l); the
  card's is `NetvisorKey`. The customer code is `Code` in the list and `InternalIdentifier` on the
  card; the business ID (Y-tunnus) `OrganisationIdentifier` and `ExternalIdentifier`.
- `customerlist.nv`: `keyword` (contains, case-insensitive, on name, code, business ID and name
  extension; when given, `changedsince` is ignored), `changedsince`, `customercodelist` (exact
  codes, at most 100; combined with `keyword` as AND), `emailkeyword` (contains, on the e-mail).
  Not paginated.
- `getcustomer.nv`: `id`, or `idlist` (at most 500; root `Customers`). An unknown id fails the call
  with INVALID_DATA "Customer not found with Netvisor identifier: N". `replyoption` is not emulated
  (ignored: its extra blocks are not modelled).
- `customer.nv?method=add|edit[&id=]`: an edit changes only the elements sent, an empty element
  blanks the field. `internalidentifier type="automatic"` left empty takes the next free numeric
  code. No upsert by code: a client looks the code up first (reference §5.1). Duplicate codes are
  accepted unless `behaviour.unique_customer_codes`.
"""

from __future__ import annotations

from lxml import etree

from so24_sandbox.netvisor import statuses
from so24_sandbox.netvisor.bodies import Node, Schema, check
from so24_sandbox.netvisor.context import Answer, Call
from so24_sandbox.netvisor.envelope import element
from so24_sandbox.netvisor.fields import Spec, apply, render_block, rendered
from so24_sandbox.netvisor.statuses import NetvisorFailure, invalid
from so24_sandbox.netvisor.store import Company, Record
from so24_sandbox.netvisor.values import parse_changed_since

BASE = (  # import order: the documentation's, then a client's recorded message after `country`
    Spec("internalidentifier", "InternalIdentifier", max_len=50),
    Spec("externalidentifier", "ExternalIdentifier", max_len=50),
    Spec("organizationunitnumber", "OrganizationUnitNumber", max_len=50),
    Spec("name", "Name", max_len=250),
    Spec("nameextension", "NameExtension", max_len=250),
    Spec("streetaddress", "StreetAddress", max_len=100),
    Spec("additionaladdressline", "AdditionalStreetAddress", max_len=100),
    Spec("city", "City", max_len=50),
    Spec("postnumber", "PostNumber", max_len=50),
    Spec("country", "Country", "country"),
    Spec("customergroupname", "CustomerGroupName", max_len=100),
    Spec("phonenumber", "PhoneNumber", max_len=80),
    Spec("faxnumber", "FaxNumber", max_len=80),
    Spec("email", "Email", max_len=80),
    Spec("homepageuri", "HomePageUri", max_len=100),
    Spec("isactive", "IsActive", "flag"),
    Spec("emailinvoicingaddress", "EmailInvoicingAddress", max_len=80),
)
# The card renders the same fields in another order (a client's recorded getcustomer.nv answer).
CARD_ORDER = (
    "internalidentifier", "externalidentifier", "organizationunitnumber", "customergroupname", "name",
    "nameextension", "streetaddress", "additionaladdressline", "city", "postnumber", "country",
    "phonenumber", "faxnumber", "email", "emailinvoicingaddress", "homepageuri", "isactive",
)  # fmt: skip
FINVOICE = (Spec("finvoiceaddress", "FinvoiceAddress"), Spec("finvoiceroutercode", "FinvoiceRouterCode"))
DELIVERY = (
    Spec("deliveryname", "DeliveryName", max_len=250),
    Spec("deliverystreetaddress", "DeliveryStreetAddress", max_len=100),
    Spec("deliverycity", "DeliveryCity", max_len=50),
    Spec("deliverypostnumber", "DeliveryPostNumber", max_len=50),
    Spec("deliverycountry", "DeliveryCountry", "country"),
)
CONTACT = (
    Spec("contactperson", "ContactPerson", max_len=250),
    Spec("contactpersonemail", "ContactPersonEmail", max_len=80),
    Spec("contactpersonphone", "ContactPersonPhone", max_len=80),
)
ADDITIONAL = (
    Spec("comment", "Comment", max_len=255),
    Spec("customerreferencenumber", "ReferenceNumber", max_len=50),
    Spec("balancelimit", "BalanceLimit", "number"),
    Spec("invoicinglanguage", None),
    Spec("yourdefaultreference", "YourDefaultReference", max_len=70),
    Spec("defaulttextbeforeinvoicelines", "DefaultTextBeforeInvoiceLines", max_len=500),
    Spec("defaulttextafterinvoicelines", "DefaultTextAfterInvoiceLines", max_len=500),
)
BLOCKS = (
    ("customerbaseinformation", "CustomerBaseInformation", BASE),
    ("customerfinvoicedetails", "CustomerFinvoiceDetails", FINVOICE),
    ("customerdeliverydetails", "CustomerDeliveryDetails", DELIVERY),
    ("customercontactdetails", "CustomerContactDetails", CONTACT),
    ("customeradditionalinformation", "CustomerAdditionalInformation", ADDITIONAL),
)
SCHEMA: Schema = {
    "customer": tuple(b[0] for b in BLOCKS),
    **{b[0]: tuple(s.name for s in b[2]) for b in BLOCKS},
}
MAX_CODES = 100
MAX_IDS = 500


def _contains(needle: str, *values: object) -> bool:
    folded = needle.casefold()
    return any(folded in str(v or "").casefold() for v in values)


def customer_list(call: Call) -> Answer:
    params = call.params
    keyword = params.get("keyword")
    codes = params.text_list("customercodelist", MAX_CODES)
    email = params.get("emailkeyword")
    since_text = params.get("changedsince")
    since = None
    if since_text is not None and keyword is None:
        since = parse_changed_since(since_text, call.zone, date_only_ok=False)
    out = etree.Element("Customerlist")
    for record in sorted(call.company.tables["customers"].values(), key=lambda r: r["netvisorkey"]):
        if keyword is not None and not _contains(
            keyword, record.get("name"), record.get("internalidentifier"),
            record.get("externalidentifier"), record.get("nameextension"),
        ):  # fmt: skip
            continue
        if codes is not None and (record.get("internalidentifier") or "") not in codes:
            continue
        if email is not None and not _contains(email, record.get("email")):
            continue
        if since is not None and record["changed_at"] < since:
            continue
        _list_item(out, record, call)
    return Answer([out])


def _list_item(parent: etree._Element, record: Record, call: Call) -> None:
    item = element(parent, "Customer")
    group = record.get("customergroupname")
    element(item, "Netvisorkey", str(record["netvisorkey"]))
    element(item, "Name", record.get("name") or "")
    element(item, "Code", record.get("internalidentifier") or "")
    element(item, "OrganisationIdentifier", record.get("externalidentifier") or "")
    element(item, "CustomerGroupID", str(call.company.customer_groups[group]) if group else "")
    element(item, "CustomerGroupName", group or "")
    element(item, "Uri", f"{call.api_url}/getcustomer.nv?id={record['netvisorkey']}")


def _find(company: Company, key: int) -> Record:
    record = company.tables["customers"].get(key)
    if record is None:
        raise invalid(f"Customer not found with Netvisor identifier: {key}")
    return record


def _card(parent: etree._Element, record: Record, company: Company) -> None:
    card = element(parent, "Customer")
    base = element(card, "CustomerBaseInformation")
    element(base, "NetvisorKey", str(record["netvisorkey"]))
    specs = {s.name: s for s in BASE}
    for name in CARD_ORDER:
        spec = specs[name]
        if name == "customergroupname":
            group = record.get(name)
            element(base, "CustomerGroupNetvisorKey", str(company.customer_groups[group]) if group else "")
        attrs = {"type": "ISO-3166"} if spec.kind == "country" else {}
        element(base, str(spec.out), rendered(spec, record.get(name)), **attrs)
    for _, out, block_specs in BLOCKS[1:]:
        render_block(card, out, record, block_specs)


def get_customer(call: Call) -> Answer:
    params = call.params
    key = params.key("id")
    keys = params.key_list("idlist", MAX_IDS)
    holder = etree.Element("Holder")
    if key is not None:
        _card(holder, _find(call.company, key), call.company)
        return Answer([holder[0]])
    if keys is None:
        raise invalid("id or idlist is required")
    records = [_find(call.company, k) for k in keys]
    out = etree.Element("Customers")
    for record in records:
        _card(out, record, call.company)
    return Answer([out])


def _next_code(company: Company) -> str:
    numeric = [
        int(c)
        for r in company.tables["customers"].values()
        if (c := r.get("internalidentifier")) and c.isdigit()
    ]
    return str(max(numeric, default=0) + 1)


def _duplicate_code(company: Company, code: str | None, key: int | None) -> None:
    if not code:
        return
    for record in company.tables["customers"].values():
        if record["netvisorkey"] != key and record.get("internalidentifier") == code:
            raise NetvisorFailure(statuses.DUPLICATE_DATA, "duplicate", detail=f"customer code {code}")


def import_customer(call: Call) -> int | None:
    """Add (returns the new NetvisorKey) or edit (returns None) from the message."""
    method = (call.params.get("method") or "").lower()
    if method not in ("add", "edit"):
        raise invalid("method must be add or edit")
    node = call.body
    if node is None or node.tag != "customer":
        raise invalid("the message must hold <customer>")
    check(node, SCHEMA, ordered=bool(call.behaviour["enforce_element_order"]))
    company = call.company
    if method == "edit":
        key = call.params.key("id")
        if key is None:
            raise invalid("id is required with method=edit")
        record = _find(company, key)
        changes: Record = {}
        _apply_blocks(changes, node, company)
        if "name" in changes and not changes["name"]:
            raise invalid("name cannot be empty")
        if call.behaviour["unique_customer_codes"]:
            _duplicate_code(company, changes.get("internalidentifier"), key)
        record.update(changes)
        record["changed_at"] = call.at
        return None
    base = node.child("customerbaseinformation")
    values: Record = {"isactive": True}
    _apply_blocks(values, node, company)
    if not values.get("name"):
        raise invalid("name is required")
    identifier = base.child("internalidentifier") if base is not None else None
    if (
        identifier is not None
        and identifier.attrs.get("type", "").lower() == "automatic"
        and not identifier.text
    ):
        values["internalidentifier"] = _next_code(company)
    if call.behaviour["unique_customer_codes"]:
        _duplicate_code(company, values.get("internalidentifier"), None)
    return int(company.insert("customers", values, call.at)["netvisorkey"])


def _apply_blocks(values: Record, node: Node, company: Company) -> None:
    for tag, _, specs in BLOCKS:
        apply(values, node.child(tag), specs)
    group = values.get("customergroupname")
    if group:
        company.customer_group(group)
