"""InvoiceService: invoice orders (sales orders that become invoices) and their rows."""

from __future__ import annotations

from so24_sandbox.so24.services.common import ADDRESS, ADDRESSES, API_EXCEPTION, ARRAY_OF_INT, ARRAY_OF_STRING
from so24_sandbox.so24.types import build_service, op

INVOICE_ORDER = (
    "OrderId:int~ CustomerId:int~ CustomerName:string~ CustomerDeliveryName:string "
    "CustomerDeliveryPhone:string~ Addresses:Addresses OrderStatus:OrderSlipStateType=Web InvoiceId:int~ "
    "DateOrdered:dateTime~ DateInvoiced:dateTime~ DateChanged:dateTime~ PaymentTime:int~ "
    "CustomerReferenceNo:string~ ProjectId:int~ OurReference:int~ IncludeVAT:boolean!? "
    "YourReference:string~ OrderTotalIncVat:decimal~ OrderTotalVat:decimal~ InvoiceTitle:string~ "
    "InvoiceText:string~ Paid:dateTime~ OCR:string~ CustomerOrgNo:string~ Currency:Currency "
    "PaymentMethodId:int~ PaymentAmount:decimal~ ProductionManagerId:int~ SalesOpportunityId:int~ "
    "TypeOfSaleId:int~ Distributor:Distributor=Default DistributionMethod:DistributionMethod=Unchanged "
    "DepartmentId:int~ ExternalStatus:int~ InvoiceEmailAddress:string~ InvoiceRows:ArrayOfInvoiceRow "
    "APIException:APIException ProductionNumber:string~ DeliveryDate:dateTime~ ReferenceInvoiceId:int~ "
    "ReferenceOrderId:int~ ReferenceNumber:string~ SkipStock:boolean=false AccrualDate:dateTime~ "
    "AccrualLength:int~ RoundFactor:decimal~ InvoiceTemplateId:guid~ VippsNumber:string~ "
    "DeliveryMethod:DeliveryMethod DeliveryAlternative:string~ SendToFactoring:boolean? "
    "Commission:decimal~ UserDefinedDimensions:ArrayOfUserDefinedDimension GLNNumber:string~ "
    "CustomerDeliveryId:int~"
)

INVOICE_ROW = (
    "ProductId:int~ RowId:int~ VatRate:decimal~ Price:decimal~ Name:string~ DiscountRate:decimal~ "
    "Quantity:decimal~ QuantityDelivered:decimal~ QuantityOrdered:decimal~ QuantityRest:decimal~ "
    "Cost:decimal~ ChangeState:ChangeState=None TypeGroupId:int~ SequenceNumber:short~ "
    "Hidden:boolean=false Type:RowType=Normal InPrice:decimal~ AccrualDate:dateTime~ AccrualLength:int~ "
    "AccountProject:boolean? ProjectId:int~ DepartmentId:int~ ProductNo:string~ TaxSettings:TaxSettings "
    "UserDefinedDimensions:ArrayOfUserDefinedDimension SerialNumber:string"
)

ORDER_STATES = (
    "None Offer Pack Invoiced Web Repeating CollectingOrder Return Distribution Rest ForInvoicing "
    "OvertimeRent Confirmed OrderState_Sent Production PaymentReminder OnAccount Lending "
    "InvoicedCashAccount InvoicedPack Inactive Hours OrderState_SuperStore Draft"
)

SCHEMA = build_service(
    name="InvoiceService",
    path="/Economy/InvoiceOrder/V001/InvoiceService.asmx",
    doc="Sandbox emulation of the 24SevenOffice invoice order service.",
    types={
        "InvoiceSearchParameters": "CustomerIds:ArrayOfInt ChangedAfter:dateTime~ "
        "OrderStates:ArrayOfOrderSlipStateType InvoiceIds:ArrayOfInt OrderIds:ArrayOfInt "
        "ExternalStatus:ArrayOfInt",
        "ArrayOfInt": ARRAY_OF_INT,
        "ArrayOfOrderSlipStateType": "OrderSlipStateType:OrderSlipStateType*",
        "ArrayOfString": ARRAY_OF_STRING,
        "ArrayOfInvoiceOrder": "InvoiceOrder:InvoiceOrder*?",
        "InvoiceOrder": INVOICE_ORDER,
        "Addresses": ADDRESSES,
        "Address": ADDRESS,
        "Currency": "Rate:decimal=1 Unit:short=1 Symbol:string~",
        "ArrayOfInvoiceRow": "InvoiceRow:InvoiceRow*?",
        "InvoiceRow": INVOICE_ROW,
        "TaxSettings": "TaxAccount:int~ TaxCode:int~ TaxRate:decimal~",
        "ArrayOfUserDefinedDimension": "UserDefinedDimension:UserDefinedDimension*?",
        "UserDefinedDimension": "TypeId:int~ Name:string~ Value:string~",
        "APIException": API_EXCEPTION,
        "DeliveryMethod": "Id:int~ Description:string~",
        "InvoiceSyncParameters": "ChangedAfter:dateTime~ RegisteredAfter:dateTime!",
    },
    enums={
        "OrderSlipStateType": ORDER_STATES,
        "Distributor": "Default Manual Auto",
        "DistributionMethod": "Unchanged Print EMail ElectronicInvoice",
        "ChangeState": "None Add Edit Delete",
        "RowType": "Normal Text TextBold",
    },
    operations=[
        op(
            "GetOrderSyncList",
            "syncParams:InvoiceSyncParameters",
            "GetOrderSyncListResult:ArrayOfInt",
            "OrderIds changed/registered after the given times, for GetInvoices in batches of 1000.",
        ),
        op(
            "GetInvoices",
            "searchParams:InvoiceSearchParameters invoiceReturnProperties:ArrayOfString "
            "rowReturnProperties:ArrayOfString",
            "GetInvoicesResult:ArrayOfInvoiceOrder",
            "Orders matching every given search field (at most 1000 OrderIds); rows only when "
            "InvoiceRows is among the invoiceReturnProperties.",
        ),
        op(
            "SaveInvoices",
            "invoices:ArrayOfInvoiceOrder",
            "SaveInvoicesResult:ArrayOfInvoiceOrder",
            "Creates (no OrderId) or updates (known OrderId) orders, rows by RowId + ChangeState; "
            "failures come back in APIException.",
        ),
    ],
)
