"""ProductService: products, product categories and stock on hand."""

from __future__ import annotations

from so24_sandbox.so24.services.common import API_EXCEPTION, ARRAY_OF_INT, ARRAY_OF_STRING
from so24_sandbox.so24.types import build_service, op

PRODUCT = (
    "CashPriceIncTax:double~ WebPrice:decimal~ SupplierId:int~ Id:int~ Name:string~ TaxRate:decimal~ "
    "Stock:decimal~ StatusId:int~ CategoryId:int~ PriceGroupID:int~ InPrice:decimal~ Description:string~ "
    "DescriptionLong:string~ Cost:decimal~ EAN1:string~ Price:decimal~ No:string~ DateChanged:dateTime~ "
    "APIException:APIException Weight:decimal~ MinimumStock:decimal~ OrderProposal:decimal~ "
    "StockLocation:string~ SupplierProductCode:string~ SupplierProductName:string~ Web:boolean? "
    "ProductCode:string~ StockControlled:boolean? NewOffer:boolean? NewProduct:boolean?"
)

SCHEMA = build_service(
    name="ProductService",
    path="/Logistics/Product/V001/ProductService.asmx",
    doc="Sandbox emulation of the 24SevenOffice product service.",
    types={
        "ProductSearchParameters": "Id:int~ CategoryId:int~ No:string~ EAN1:string~ Name:string~ "
        "Price:decimal~ DateChanged:dateTime~ ProductIds:ArrayOfInt",
        "ArrayOfInt": ARRAY_OF_INT,
        "ArrayOfString": ARRAY_OF_STRING,
        "ArrayOfProduct": "Product:Product*?",
        "Product": PRODUCT,
        "APIException": API_EXCEPTION,
        "ArrayOfCategory": "Category:Category*?",
        "Category": "Id:int~ Name:string~ No:string~ ParentId:int~ APIException:APIException",
    },
    enums={},
    operations=[
        op(
            "SetStockQuantity",
            "productId:int! stockQuantity:decimal!",
            "SetStockQuantityResult:boolean!",
            "Sets a product's stock on hand; true when no error occurred.",
        ),
        op(
            "GetProducts",
            "searchParams:ProductSearchParameters returnProperties:ArrayOfString",
            "GetProductsResult:ArrayOfProduct",
            "Products matching every given search field (DateChanged = changed after); only the "
            "returnProperties are filled.",
        ),
        op(
            "SaveProducts",
            "products:ArrayOfProduct",
            "SaveProductsResult:ArrayOfProduct",
            "Creates (no Id) or updates (known Id) products; failures come back in APIException.",
        ),
        op(
            "GetCategories",
            "returnProperties:ArrayOfString",
            "GetCategoriesResult:ArrayOfCategory",
            "All product categories; only the returnProperties are filled.",
        ),
    ],
)
