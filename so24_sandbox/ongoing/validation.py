"""Model validation of PUT bodies, answered the way an ASP.NET Web API service answers.

Ongoing's REST API is an ASP.NET service; its public docs do not show error bodies (a gap in the
reference). Assumption, kept in one place so it is easy to change: HTTP 400 with
`{"message": "The request is invalid.", "modelState": {"<field path>": ["<reason>", ...]}}`,
field paths in the JSON spelling (`orderLines[0].articleNumber`). Unknown JSON fields are ignored,
as ASP.NET model binding ignores them; wrong types and missing required fields are refused.
"""

from __future__ import annotations

from typing import Any

from so24_sandbox.ongoing.times import parse_time

FieldErrors = dict[str, list[str]]

ARTICLE_STRINGS = (
    "articleNumber", "articleName", "productCode", "unitCode", "description", "countryOfOriginCode",
    "statisticsNumber", "customsDescription", "linkToPicture", "purcaseCurrencyCode",
)
ARTICLE_NUMBERS = (
    "weight", "netWeight", "length", "width", "height", "volume", "quantityPerPackage",
    "quantityPerPallet", "purchasePrice", "stockValuationPrice", "customerPrice", "stockLimit",
    "minimumReorderQuantity",
)
ARTICLE_BOOLS = ("isStockArticle", "isActive")
ARTICLE_OBJECTS = (
    "barCodeInfo", "supplierInfo", "articleGroup", "articleCategory", "articleColor", "articleSize",
    "freeValues", "taricNumbersInfo", "storageProperties", "structureDefinition",
)
ARTICLE_LISTS = ("articleNameTranslations",)
ARTICLE_FIELDS = ARTICLE_STRINGS + ARTICLE_NUMBERS + ARTICLE_BOOLS + ARTICLE_OBJECTS + ARTICLE_LISTS
SUPPLIER_INFO_STRINGS = ("supplierArticleNumber", "supplierNumber", "supplierName")

ORDER_STRINGS = (
    "orderNumber", "referenceNumber", "goodsOwnerOrderId", "salesCode", "orderRemark",
    "deliveryInstruction", "consigneeOrderNumber", "warehouseInstruction", "servicePointCode",
    "freeText1", "freeText2", "freeText3", "marketPlace",
)
ORDER_OBJECTS = (
    "consignee", "orderType", "wayOfDelivery", "termsOfDeliveryType", "transporter",
    "emailNotification", "smsNotification", "telephoneNotification", "customsInfo", "advanced",
)
ORDER_NUMBERS = ("customerPrice", "freightPrice", "warehouseId", "pickingPriority")
ORDER_FIELDS = ORDER_STRINGS + ORDER_OBJECTS + ORDER_NUMBERS + ("deliveryDate", "classes", "orderLines")
CONSIGNEE_STRINGS = (
    "customerNumber", "name", "address1", "address2", "address3", "postCode", "city", "countryCode",
    "countryStateCode", "remark", "doorCode", "organisationNumber", "vatNumber",
)
LINE_STRINGS = (
    "articleNumber", "comment", "externalId", "customerArticleNumber", "batchNumber", "serialNumber",
    "warehouseInstruction", "articleItemStatus",
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_types(
    body: dict, errors: FieldErrors, prefix: str, *,
    strings: tuple[str, ...] = (), numbers: tuple[str, ...] = (), bools: tuple[str, ...] = (),
    objects: tuple[str, ...] = (), lists: tuple[str, ...] = (),
) -> None:
    """A null is always accepted (it means "not given"), as in ASP.NET's nullable bindings."""
    checks = (
        (strings, lambda v: isinstance(v, str), "a string"),
        (numbers, _is_number, "a number"),
        (bools, lambda v: isinstance(v, bool), "true or false"),
        (objects, lambda v: isinstance(v, dict), "an object"),
        (lists, lambda v: isinstance(v, list), "an array"),
    )
    for names, ok, expected in checks:
        for name in names:
            value = body.get(name)
            if value is not None and not ok(value):
                errors.setdefault(f"{prefix}{name}", []).append(f"The value is not valid for {name}: expected {expected}.")


def _require(body: dict, name: str, errors: FieldErrors, prefix: str = "") -> None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(f"{prefix}{name}", []).append(f"The {name} field is required.")


def _goods_owner(body: dict, errors: FieldErrors) -> None:
    value = body.get("goodsOwnerId")
    if value is None:
        errors.setdefault("goodsOwnerId", []).append("The goodsOwnerId field is required.")
    elif not isinstance(value, int) or isinstance(value, bool):
        errors.setdefault("goodsOwnerId", []).append("The value is not valid for goodsOwnerId: expected an integer.")


def validate_article(body: Any) -> FieldErrors:
    """Field errors of a PostArticleModel (empty when valid)."""
    if not isinstance(body, dict):
        return {"model": ["A JSON object is required."]}
    errors: FieldErrors = {}
    _goods_owner(body, errors)
    _require(body, "articleNumber", errors)
    _check_types(
        body, errors, "", strings=ARTICLE_STRINGS, numbers=ARTICLE_NUMBERS, bools=ARTICLE_BOOLS,
        objects=ARTICLE_OBJECTS, lists=ARTICLE_LISTS,
    )
    if isinstance(body.get("supplierInfo"), dict):
        _check_types(body["supplierInfo"], errors, "supplierInfo.", strings=SUPPLIER_INFO_STRINGS)
    return errors


def validate_order(body: Any) -> FieldErrors:
    """Field errors of a PostOrderModel (empty when valid). Article existence is the store's job."""
    if not isinstance(body, dict):
        return {"model": ["A JSON object is required."]}
    errors: FieldErrors = {}
    _goods_owner(body, errors)
    for name in ("orderNumber", "deliveryDate", "consignee"):
        _require(body, name, errors)
    _check_types(body, errors, "", strings=ORDER_STRINGS, objects=ORDER_OBJECTS, numbers=ORDER_NUMBERS,
                 lists=("classes", "orderLines"))
    delivery = body.get("deliveryDate")
    if isinstance(delivery, str) and delivery.strip():
        try:
            parse_time(delivery)
        except ValueError:
            errors.setdefault("deliveryDate", []).append("The value is not a valid date.")
    elif delivery is not None and not isinstance(delivery, str):
        errors.setdefault("deliveryDate", []).append("The value is not a valid date.")
    if isinstance(body.get("consignee"), dict):
        _check_types(body["consignee"], errors, "consignee.", strings=CONSIGNEE_STRINGS,
                     objects=("invoiceAddress", "advanced"))
    lines = body.get("orderLines")
    if isinstance(lines, list):
        _validate_lines(lines, errors)
    return errors


def _validate_lines(lines: list, errors: FieldErrors) -> None:
    seen_rows: set[int] = set()
    for index, line in enumerate(lines):
        prefix = f"orderLines[{index}]."
        if not isinstance(line, dict):
            errors.setdefault(f"orderLines[{index}]", []).append("An order line must be an object.")
            continue
        _require(line, "rowNumber", errors, prefix)
        _require(line, "articleNumber", errors, prefix)
        _check_types(line, errors, prefix, strings=LINE_STRINGS, numbers=("numberOfItems", "lineTotalCustomsValue"),
                     bools=("shouldBePicked",), objects=("prices", "lineType", "lineFreeValues"))
        row = line.get("rowNumber")
        if row is not None and (not isinstance(row, int) or isinstance(row, bool)):
            errors.setdefault(f"{prefix}rowNumber", []).append("The value is not valid for rowNumber: expected an integer.")
        elif row is not None:
            if row in seen_rows:
                errors.setdefault(f"{prefix}rowNumber", []).append(f"Row number {row} is used by more than one line.")
            seen_rows.add(row)
        items = line.get("numberOfItems")
        if _is_number(items) and items < 0:
            errors.setdefault(f"{prefix}numberOfItems", []).append("The number of items cannot be negative.")
