from lxml import etree

from so24_pipelines.connectors.so24.fastparse import records_to_columns
from so24_pipelines.flows.so24.tables import ORDER_SHAPE, PRODUCTS

NS = "http://24sevenOffice.com/webservices"


def _result(inner: str) -> etree._Element:
    return etree.fromstring(f'<R xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{inner}</R>')


def test_products_columns_keep_raw_text_for_the_casts():
    result = _result(
        "<Product><Id>7</Id><Name>Bolt &amp; nut</Name><Stock>12.5000</Stock><EAN1>7040000000017</EAN1>"
        "<DateChanged>2026-01-02T03:04:05</DateChanged><CategoryId>-2147483648</CategoryId></Product>"
        "<Product><Id>8</Id><Name>Washer</Name><DateChanged>0001-01-01T00:00:00</DateChanged></Product>"
    )
    cols, children = records_to_columns(result, PRODUCTS.shape())
    assert cols["id"] == ["7", "8"]
    assert cols["name"] == ["Bolt & nut", "Washer"]
    assert cols["stock"] == ["12.5000", None]
    assert cols["category_id"] == ["-2147483648", None]  # sentinels are dropped by the staging casts
    assert cols["date_changed"] == ["2026-01-02T03:04:05", "0001-01-01T00:00:00"]
    assert children == {}


def test_order_rows_carry_their_order_id_and_nested_paths_resolve():
    result = _result(
        "<InvoiceOrder><OrderId>100</OrderId><CustomerId>5</CustomerId>"
        "<Addresses><Delivery><Street>Storgata 1</Street><City>Oslo</City></Delivery><Invoice xsi:nil='true'/></Addresses>"
        "<OrderStatus>Confirmed</OrderStatus><IncludeVAT xsi:nil='true'/>"
        "<InvoiceRows><InvoiceRow><ProductId>7</ProductId><RowId>1</RowId><Quantity>2</Quantity></InvoiceRow>"
        "<InvoiceRow><ProductId>8</ProductId><RowId>2</RowId><Quantity>1.5</Quantity></InvoiceRow></InvoiceRows>"
        "<DeliveryMethod><Id>3</Id><Description>Pickup</Description></DeliveryMethod></InvoiceOrder>"
        "<InvoiceOrder><OrderId>101</OrderId><CustomerId>6</CustomerId><OrderStatus>Offer</OrderStatus></InvoiceOrder>"
    )
    cols, children = records_to_columns(result, ORDER_SHAPE)
    assert cols["order_id"] == ["100", "101"]
    assert cols["delivery_street"] == ["Storgata 1", None]
    assert cols["invoice_street"] == [None, None]
    assert cols["delivery_method_description"] == ["Pickup", None]
    rows = children["rows"]
    assert rows["order_id"] == ["100", "100"]
    assert rows["row_id"] == ["1", "2"]
    assert rows["quantity"] == ["2", "1.5"]


def test_empty_result_gives_empty_columns():
    cols, children = records_to_columns(None, ORDER_SHAPE)
    assert cols["order_id"] == [] and children["rows"]["row_id"] == []


def test_return_properties_name_each_top_level_element_once():
    props = ORDER_SHAPE.return_properties
    assert props.count("Addresses") == 1
    assert "InvoiceRows" in props and "DeliveryMethod" in props
    assert ORDER_SHAPE.children["rows"].shape.return_properties[:2] == ["RowId", "ProductId"]
