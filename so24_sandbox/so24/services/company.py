"""CompanyService: customers (Type Business/Consumer) and suppliers (Type Supplier)."""

from __future__ import annotations

from so24_sandbox.so24.services.common import ADDRESS, ADDRESSES, API_EXCEPTION, ARRAY_OF_INT, ARRAY_OF_STRING
from so24_sandbox.so24.types import build_service, op

COMPANY = (
    "APIException:APIException Id:int~ ExternalId:string~ OrganizationNumber:string~ Name:string~ "
    "FirstName:string~ NickName:string~ Addresses:Addresses PhoneNumbers:PhoneNumbers "
    "EmailAddresses:EmailAddresses Url:string~ Country:string~ Note:string~ InvoiceLanguage:string~ "
    "Type:CompanyType=None Username:string~ Password:string~ IncorporationDate:dateTime~ "
    "DateCreated:dateTime~ Status:int~ PriceList:int~ Owner:int~ BankAccountNo:string~ "
    "BankAccountType:string~ BankAccountCountry:string~ BankAccountBic:string~ TermsOfDeliveryId:int~ "
    "AccountDebit:short=0 AccountCredit:short=0 Discount:decimal=0.0 TypeGroup:int~ ShareCapital:decimal~ "
    "NumberOfEmployees:int~ Turnover:decimal~ Profit:decimal~ IndustryId:int~ MemberNo:int~ "
    "DateChanged:dateTime~ BlockInvoice:boolean=false Relations:ArrayOfRelation Maps:ArrayOfCompanyMap "
    "DistributionMethod:DistributionMethod=Unchanged CurrencyId:CurrencyType=LOCAL PaymentTime:short~ "
    "GlnNumber:string~ Factoring:boolean? LedgerCustomerAccount:short~ LedgerSupplierAccount:short~ "
    "VatNumber:string~ Private:boolean? ExplicitlySpecifyNewCompanyId:boolean?"
)

# ISO 4217 codes as 24SO lists them (LOCAL = the client's own currency), in the service's order.
CURRENCY_TYPE = (
    "LOCAL AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD "
    "BTN BWP BYN BYR BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD "
    "EEK EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD "
    "IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LTL LVL LYD MAD MDL "
    "MGA MKD MMK MNT MOP MRO MTL MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK "
    "PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SKK SLL SOS SRD STD SYP SZL THB "
    "TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VEF VND VUV WST XAF XAG XAU XBA XBB XBC XBD "
    "XCD XDR XFU XOF XPD XPF XPT XTS XXX YER ZAR ZMK ZWL ZWD"
)

SCHEMA = build_service(
    name="CompanyService",
    path="/CRM/Company/V001/CompanyService.asmx",
    doc="Sandbox emulation of the 24SevenOffice CRM company service.",
    types={
        "CompanySearchParameters": "ExternalId:string CompanyId:int~ CompanyIds:ArrayOfInt "
        "CompanyName:string~ ChangedAfter:dateTime~ CompanyEmail:string~ CompanyPhone:string~ "
        "OrganizationNumber:string~",
        "ArrayOfInt": ARRAY_OF_INT,
        "ArrayOfString": ARRAY_OF_STRING,
        "ArrayOfCompany": "Company:Company*?",
        "Company": COMPANY,
        "APIException": API_EXCEPTION,
        "Addresses": ADDRESSES,
        "Address": ADDRESS,
        "PhoneNumbers": "Home:PhoneNumber Fax:PhoneNumber Mobile:PhoneNumber Primary:PhoneNumber "
        "Work:PhoneNumber",
        "PhoneNumber": "Description:string Value:string",
        "EmailAddresses": "Home:EmailAddress Invoice:EmailAddress Primary:EmailAddress "
        "Work:EmailAddress Alternative:EmailAddress",
        "EmailAddress": "Description:string Name:string Value:string",
        "ArrayOfRelation": "Relation:Relation*?",
        "Relation": "ContactId:int~ CompanyId:int~ FirstName:string~ LastName:string~ Role:string~ "
        "RoleId:int~ PhoneNumbers:PhoneNumbers EmailAddresses:EmailAddresses Fax:string~",
        "ArrayOfCompanyMap": "CompanyMap:CompanyMap*?",
        "CompanyMap": "MapType:int! ExternalId:string CompanyId:int!",
        "SyncSearchParameters": "Page:int~ Active:boolean!? ChangedAfter:dateTime~ RegisteredAfter:dateTime~",
        "PageOfSyncCompany": "CurrentPage:long! TotalPages:long! TotalItems:long! ItemsPerPage:long! "
        "Items:ArrayOfSyncCompany Context:any",
        "ArrayOfSyncCompany": "SyncCompany:SyncCompany*?",
        "SyncCompany": "CompanyId:int~ ExternalId:string~ DateChanged:dateTime~ DateRegistered:dateTime! "
        "Active:boolean!",
    },
    enums={
        "CompanyType": "None Lead Consumer Business Supplier",
        "DistributionMethod": "Unchanged Print EMail ElectronicInvoice Default",
        "CurrencyType": CURRENCY_TYPE,
    },
    operations=[
        op(
            "GetCompanySyncList",
            "syncSearchParameters:SyncSearchParameters",
            "GetCompanySyncListResult:PageOfSyncCompany",
            "Company ids for a full sync, 1000 per page (Page counts from 1); details via GetCompanies.",
        ),
        op(
            "GetCompanies",
            "searchParams:CompanySearchParameters returnProperties:ArrayOfString",
            "GetCompaniesResult:ArrayOfCompany",
            "Companies matching every given search field; only the returnProperties are filled.",
        ),
        op(
            "SaveCompanies",
            "companies:ArrayOfCompany",
            "SaveCompaniesResult:ArrayOfCompany",
            "Creates (no Id) or updates (known Id) companies; failures come back in APIException.",
        ),
    ],
)
