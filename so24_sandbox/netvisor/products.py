"""Products: `productlist.nv`, `getproduct.nv` and `product.nv` (reference §5.2).

- `productlist.nv` answers `ProductList/Product*` (capital L, unlike `Customerlist`) with
  `NetvisorKey`, `ProductCode`, `Name`, `UnitPrice` (net) and `UnitGrossPrice` with twelve decimals
  and a comma, `ProductGroupID`, `ProductGroupDescription`, `Uri`; no products -> `<ProductList/>`.
  Filters: `changedsince`, `keyword` (contains, on name or product code), `deleted` (0 leaves
  deleted products out; 1 or omitted keeps them, as documented). `published` / `unpublished` are
  not emulated (ignored): the reference does not say which product property they read.
- `getproduct.nv`: `id`, `idlist` (at most 400), `eancode`, `code`, `codelist` (at most 400);
  several -> root `Products`. Every product asked for must exist, else INVALID_DATA.
- `product.nv?method=add|edit[&id=]`: `unitprice` carries `type="net"` or `"gross"` (`netto` /
  `brutto` accepted too: a client's recorded message writes `brutto`); a gross price is stored as
  net at the product's VAT (25,5 % when none is given). `productgroup` and `unit` are created on
  first use. The deprecated `unitweight` sits where the documentation lists it. Edits are refused
  under `behaviour.extended_product_management` (reference: updates are not supported there).
- The card's VAT element is `DefaultVatPercent`, the import's `defaultvatpercentage`; the import's
  `comissionpercentage` keeps Netvisor's spelling.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from so24_sandbox.netvisor.bodies import Schema, check
from so24_sandbox.netvisor.context import Answer, Call
from so24_sandbox.netvisor.envelope import element
from so24_sandbox.netvisor.fields import Spec, apply, rendered
from so24_sandbox.netvisor.statuses import invalid
from so24_sandbox.netvisor.store import Company, Record
from so24_sandbox.netvisor.values import number, parse_changed_since

DEFAULT_VAT = Decimal("25.5")
PRICE_PLACES = 12
MAX_IDS = 400
BASE = (
    Spec("productcode", "ProductCode", max_len=50),
    Spec("productgroup", "ProductGroup", max_len=100),
    Spec("name", "Name", max_len=200),
    Spec("description", "Description", max_len=500),
    Spec("unitprice", None, "number"),
    Spec("unit", "Unit", max_len=20),
    Spec("unitweight", None, "number"),
    Spec("purchaseprice", "PurchasePrice", "number"),
    Spec("tariffheading", "TariffHeading", max_len=50),
    Spec("comissionpercentage", "ComissionPercentage", "number"),
    Spec("isactive", "IsActive", "flag"),
    Spec("issalesproduct", "IsSalesProduct", "flag"),
    Spec("inventoryenabled", None, "flag"),
    Spec("countryoforigin", None, "country"),
)
BOOKKEEPING = (Spec("defaultvatpercentage", "DefaultVatPercent", "number"),)
ADDITIONAL = (Spec("productnetweight", None, "number"), Spec("productgrossweight", None, "number"))
INVENTORY = ("InventoryAmount", "InventoryMidPrice", "InventoryValue", "InventoryReservedAmount",
             "InventoryOrderedAmount")  # fmt: skip
SCHEMA: Schema = {
    "product": ("productbaseinformation", "productbookkeepingdetails", "productadditionalinformation"),
    "productbaseinformation": tuple(s.name for s in BASE),
    "productbookkeepingdetails": tuple(s.name for s in BOOKKEEPING),
    "productadditionalinformation": tuple(s.name for s in ADDITIONAL),
}
_TYPES = {"net": "net", "netto": "net", "gross": "gross", "brutto": "gross"}


def _vat(record: Record) -> Decimal:
    value = record.get("defaultvatpercentage")
    return DEFAULT_VAT if value is None else value


def _gross(record: Record) -> Decimal:
    return record["unitprice"] * (1 + _vat(record) / 100)


def _group_id(company: Company, record: Record) -> str:
    group = record.get("productgroup")
    return str(company.product_groups[group]) if group else ""


def product_list(call: Call) -> Answer:
    params = call.params
    keyword = params.get("keyword")
    deleted = params.flag("deleted")
    since_text = params.get("changedsince")
    since = parse_changed_since(since_text, call.zone, date_only_ok=False) if since_text else None
    out = etree.Element("ProductList")
    for record in sorted(call.company.tables["products"].values(), key=lambda r: r["netvisorkey"]):
        if keyword is not None and not any(
            keyword.casefold() in str(record.get(f) or "").casefold() for f in ("name", "productcode")
        ):
            continue
        if deleted is False and record.get("deleted"):
            continue
        if since is not None and record["changed_at"] < since:
            continue
        item = element(out, "Product")
        element(item, "NetvisorKey", str(record["netvisorkey"]))
        element(item, "ProductCode", record.get("productcode") or "")
        element(item, "Name", record.get("name") or "")
        element(item, "UnitPrice", number(record["unitprice"], PRICE_PLACES))
        element(item, "UnitGrossPrice", number(_gross(record), PRICE_PLACES))
        element(item, "ProductGroupID", _group_id(call.company, record))
        element(item, "ProductGroupDescription", record.get("productgroup") or "")
        element(item, "Uri", f"{call.api_url}/getproduct.nv?id={record['netvisorkey']}")
    return Answer([out])


def _card(parent: etree._Element, record: Record) -> None:
    card = element(parent, "Product")
    base = element(card, "ProductBaseInformation")
    element(base, "NetvisorKey", str(record["netvisorkey"]))
    for spec in BASE:
        if spec.name == "unitprice":
            continue
        if spec.name == "description":
            element(base, "Description", record.get("description") or "")
            element(base, "UnitPrice", number(record["unitprice"], PRICE_PLACES), type="net")
            element(base, "UnitGrossPrice", number(_gross(record), PRICE_PLACES), type="gross")
            continue
        if spec.out is not None:
            element(base, spec.out, rendered(spec, record.get(spec.name)))
    element(element(card, "ProductBookkeepingDetails"), "DefaultVatPercent", number(_vat(record)))
    inventory = element(card, "ProductInventoryDetails")
    for name in INVENTORY:
        element(inventory, name, number(record.get(name.lower(), Decimal("0.00"))))


def _by(company: Company, field: str, value: object, label: str) -> Record:
    for record in company.tables["products"].values():
        if record.get(field) == value:
            return record
    raise invalid(f"Product not found with {label}: {value}")


def get_product(call: Call) -> Answer:
    params, company = call.params, call.company
    single: Record | None = None
    many: list[Record] | None = None
    if (key := params.key("id")) is not None:
        single = _by(company, "netvisorkey", key, "Netvisor identifier")
    elif (keys := params.key_list("idlist", MAX_IDS)) is not None:
        many = [_by(company, "netvisorkey", k, "Netvisor identifier") for k in keys]
    elif (ean := params.get("eancode")) is not None:
        single = _by(company, "eancode", ean, "EAN code")
    elif (code := params.get("code")) is not None:
        single = _by(company, "productcode", code, "product code")
    elif (codes := params.text_list("codelist", MAX_IDS)) is not None:
        many = [_by(company, "productcode", c, "product code") for c in codes]
    else:
        raise invalid("id, idlist, eancode, code or codelist is required")
    holder = etree.Element("Products")
    for record in [single] if single is not None else many or []:
        _card(holder, record)
    return Answer([holder[0]] if single is not None else [holder])


def import_product(call: Call) -> int | None:
    """Add (returns the new NetvisorKey) or edit (returns None) from the message."""
    method = (call.params.get("method") or "").lower()
    if method not in ("add", "edit"):
        raise invalid("method must be add or edit")
    node = call.body
    if node is None or node.tag != "product":
        raise invalid("the message must hold <product>")
    check(node, SCHEMA, ordered=bool(call.behaviour["enforce_element_order"]))
    company = call.company
    changes: Record = {}
    apply(changes, node.child("productbaseinformation"), BASE)
    apply(changes, node.child("productbookkeepingdetails"), BOOKKEEPING)
    apply(changes, node.child("productadditionalinformation"), ADDITIONAL)
    base = node.child("productbaseinformation")
    price = base.child("unitprice") if base is not None else None
    price_type = None
    if price is not None and price.text is not None:
        price_type = _TYPES.get(price.attrs.get("type", "").lower())
        if price_type is None:
            raise invalid("unitprice: type must be net or gross")
    if method == "edit":
        if call.behaviour["extended_product_management"]:
            raise invalid("product updates are not supported with extended product management")
        key = call.params.key("id")
        if key is None:
            raise invalid("id is required with method=edit")
        record = _by(company, "netvisorkey", key, "Netvisor identifier")
        if "name" in changes and not changes["name"]:
            raise invalid("name cannot be empty")
        merged = {**record, **changes}
    else:
        if not changes.get("name"):
            raise invalid("name is required")
        merged = {"isactive": True, "issalesproduct": True, "deleted": False, **changes}
        record = None
    if merged.get("unitprice") is None:
        merged["unitprice"] = Decimal(0)
    if price_type == "gross":
        merged["unitprice"] = merged["unitprice"] / (1 + _vat(merged) / 100)
    merged["unitprice"] = merged["unitprice"].quantize(Decimal(1).scaleb(-PRICE_PLACES))
    if merged.get("productgroup"):
        company.product_group(merged["productgroup"])
    if record is None:
        return int(company.insert("products", merged, call.at)["netvisorkey"])
    record.update(merged)
    record["changed_at"] = call.at
    return None
