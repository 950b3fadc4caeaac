"""Vendors (suppliers): `getvendor.nv` and `vendor.nv`, the only two vendor resources (reference §5.3).

- The key parameter is `netvisorkey` (not `id` as for customers and products), the list one
  `netvisorkeylist`; one vendor answers root `Vendor`, a list `Vendors`. Every key in a list must
  exist or the whole call fails.
- `changedsince` (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss`; `1970-01-01` gives every vendor) answers
  `Vendors` (empty when nothing changed), in pages of `behaviour.vendor_page_size` (500) chosen by
  `page` (from 1), with the `X-Netvisor-Pagination-*` headers Current-Page, Previous-Page,
  Next-Page, Limit and Total-Count (a missing neighbour page is sent empty; assumption).
- The answer's element names below `VendorBaseInformation/Country` are a gap in the reference;
  the sandbox renders `OrganizationId` and `GroupName` (inferred from the import schema) and the
  bank accounts under `VendorBankAccounts` with the import's names in Netvisor's casing.
- `vendor.nv?method=add|edit[&netvisorkey=]`: `name` and `organizationid` (the business ID) are
  required on add; at most 8 domestic bank accounts; sending `vendorbankaccounts` on an edit
  replaces the accounts.
"""

from __future__ import annotations

from lxml import etree

from so24_sandbox.netvisor import statuses
from so24_sandbox.netvisor.bodies import Node, Schema, check
from so24_sandbox.netvisor.context import Answer, Call
from so24_sandbox.netvisor.envelope import element
from so24_sandbox.netvisor.fields import Spec, apply, read_value, rendered
from so24_sandbox.netvisor.statuses import NetvisorFailure, invalid
from so24_sandbox.netvisor.store import Company, Record
from so24_sandbox.netvisor.values import parse_changed_since

BASE = (
    Spec("code", "Code", max_len=50),
    Spec("name", "Name", max_len=250),
    Spec("address", "Address", max_len=100),
    Spec("postcode", "PostCode", max_len=50),
    Spec("city", "City", max_len=50),
    Spec("country", "Country", "country"),
    Spec("organizationid", "OrganizationId", max_len=50),
    Spec("groupname", "GroupName", max_len=100),
)
DOMESTIC = (Spec("netvisorkey", "NetvisorKey"), Spec("iban", "IBAN", max_len=34),
            Spec("bankname", "BankName", max_len=100), Spec("isdefault", "IsDefault", "flag"))  # fmt: skip
FOREIGN = (Spec("netvisorkey", "NetvisorKey"), Spec("bban", "BBAN", max_len=50),
           Spec("bicswift", "BicSwift", max_len=11), Spec("bankname", "BankName", max_len=100),
           Spec("isdefault", "IsDefault", "flag"))  # fmt: skip
SCHEMA: Schema = {
    "vendor": ("vendorbaseinformation",),
    "vendorbaseinformation": (*(s.name for s in BASE), "vendorbankaccounts"),
    "vendorbankaccounts": ("vendordomesticbankaccounts", "vendorforeignbankaccounts"),
    "vendordomesticbankaccounts": ("vendordomesticbankaccount",),
    "vendorforeignbankaccounts": ("vendorforeignbankaccount",),
    "vendordomesticbankaccount": tuple(s.name for s in DOMESTIC),
    "vendorforeignbankaccount": tuple(s.name for s in FOREIGN),
}
REPEATABLE = frozenset({"vendordomesticbankaccount", "vendorforeignbankaccount"})
MAX_DOMESTIC = 8
MAX_KEYS = 500
PAGE_HEADER = "X-Netvisor-Pagination-"


def _find(company: Company, key: int) -> Record:
    record = company.tables["vendors"].get(key)
    if record is None:
        raise invalid(f"Vendor not found with Netvisor identifier: {key}")
    return record


def _render(parent: etree._Element, record: Record) -> None:
    vendor = element(parent, "Vendor")
    element(vendor, "NetvisorKey", str(record["netvisorkey"]))
    base = element(vendor, "VendorBaseInformation")
    for spec in BASE:
        attrs = {"type": "ISO-3166"} if spec.kind == "country" else {}
        element(base, str(spec.out), rendered(spec, record.get(spec.name)), **attrs)
    accounts = element(vendor, "VendorBankAccounts")
    for tag, specs, key in (("VendorDomesticBankAccount", DOMESTIC, "domestic"),
                            ("VendorForeignBankAccount", FOREIGN, "foreign")):  # fmt: skip
        for account in record.get(key, []):
            block = element(accounts, tag)
            for spec in specs:
                element(block, str(spec.out), rendered(spec, account.get(spec.name)))


def get_vendor(call: Call) -> Answer:
    params, company = call.params, call.company
    key = params.key("netvisorkey")
    if key is not None:
        holder = etree.Element("Holder")
        _render(holder, _find(company, key))
        return Answer([holder[0]])
    keys = params.key_list("netvisorkeylist", MAX_KEYS)
    out = etree.Element("Vendors")
    if keys is not None:
        for record in [_find(company, k) for k in keys]:
            _render(out, record)
        return Answer([out])
    since_text = params.get("changedsince")
    if since_text is None:
        raise invalid("netvisorkey, netvisorkeylist or changedsince is required")
    since = parse_changed_since(since_text, call.zone, date_only_ok=True)
    page = params.key("page") or 1
    size = int(call.behaviour["vendor_page_size"])
    changed = [r for _, r in sorted(company.tables["vendors"].items()) if r["changed_at"] >= since]
    for record in changed[(page - 1) * size : page * size]:
        _render(out, record)
    pages = max(1, -(-len(changed) // size))
    headers = {
        f"{PAGE_HEADER}Current-Page": str(page),
        f"{PAGE_HEADER}Previous-Page": str(page - 1) if page > 1 else "",
        f"{PAGE_HEADER}Next-Page": str(page + 1) if page < pages else "",
        f"{PAGE_HEADER}Limit": str(size),
        f"{PAGE_HEADER}Total-Count": str(len(changed)),
    }
    return Answer([out], headers)


def number_accounts(company: Company, record: Record) -> None:
    """Give every bank account without a NetvisorKey the company's next one."""
    for account in [*record.get("domestic", []), *record.get("foreign", [])]:
        if not account.get("netvisorkey"):
            account["netvisorkey"] = str(company.next_key("bankaccounts"))


def _accounts(node: Node, tag: str, specs: tuple[Spec, ...]) -> list[Record]:
    accounts = []
    for item in node.all(tag):
        account: Record = {}
        for child in item.children:
            spec = next(s for s in specs if s.name == child.tag)
            account[spec.name] = read_value(spec, child)
        accounts.append(account)
    return accounts


def import_vendor(call: Call) -> int | None:
    """Add (returns the new NetvisorKey) or edit (returns None) from the message."""
    method = (call.params.get("method") or "").lower()
    if method not in ("add", "edit"):
        raise invalid("method must be add or edit")
    node = call.body
    if node is None or node.tag != "vendor":
        raise invalid("the message must hold <vendor>")
    check(node, SCHEMA, ordered=bool(call.behaviour["enforce_element_order"]), repeatable=REPEATABLE)
    base = node.child("vendorbaseinformation")
    changes: Record = {}
    apply(changes, base, BASE)
    banks = base.child("vendorbankaccounts") if base is not None else None
    if banks is not None:
        domestic_node = banks.child("vendordomesticbankaccounts")
        foreign_node = banks.child("vendorforeignbankaccounts")
        changes["domestic"] = (
            _accounts(domestic_node, "vendordomesticbankaccount", DOMESTIC) if domestic_node else []
        )
        changes["foreign"] = (
            _accounts(foreign_node, "vendorforeignbankaccount", FOREIGN) if foreign_node else []
        )
        if len(changes["domestic"]) > MAX_DOMESTIC:
            raise NetvisorFailure(
                statuses.INVALID_DATA_SIZE, "size", detail=f"at most {MAX_DOMESTIC} domestic bank accounts"
            )
    company = call.company
    if method == "edit":
        key = call.params.key("netvisorkey")
        if key is None:
            raise invalid("netvisorkey is required with method=edit")
        record = _find(company, key)
        for required in ("name", "organizationid"):
            if required in changes and not changes[required]:
                raise invalid(f"{required} cannot be empty")
        record.update(changes)
        number_accounts(company, record)
        record["changed_at"] = call.at
        return None
    for required in ("name", "organizationid"):
        if not changes.get(required):
            raise invalid(f"{required} is required")
    record = company.insert("vendors", {"domestic": [], "foreign": [], **changes}, call.at)
    number_accounts(company, record)
    return int(record["netvisorkey"])
