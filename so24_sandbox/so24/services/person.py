"""PersonService: persons (contacts) and employees (IsEmployee); employees are read-only here."""

from __future__ import annotations

from so24_sandbox.so24.types import build_service, op

PERSON_ITEM = (
    "Comment:string ConsumerPersonNo:string Country:string CustomerId:int~ DateRegistered:dateTime~ "
    "DateChanged:dateTime~ DateOfBirth:dateTime~ Department:string EmailAddresses:ArrayOfEmailAddress "
    "EmployeeNumber:int~ FaxNumber:FaxNumber FirstName:string Gender:Gender=NoChange Id:long=0 "
    "LastName:string Nickname:string PersonalStatus:string PhoneNumbers:ArrayOfPhoneNumber "
    "PostAddress:Address RelationData:ArrayOfRelationData Url:string WebPassword:string WebUserName:string "
    "Workplace:string WorkPosition:string IsPrivate:boolean? HourCost:decimal? EmployeeId:int?"
)

SCHEMA = build_service(
    name="PersonService",
    path="/CRM/Contact/PersonService.asmx",
    doc="Sandbox emulation of the 24SevenOffice person service.",
    types={
        "Authentication": "Username:string Password:string UserId:string EmployeeId:string ConsumerId:long!",
        "PersonSearchParameters": "ChangedAfter:dateTime~ ConsumerPersonNo:string CustomerId:long=0 "
        "Email:string EmployeeId:int=0 GetRelationData:boolean=false Id:long=0 IsEmployee:TriState=none "
        "Name:string Role:string Phone:string",
        "ArrayOfPersonItem": "PersonItem:PersonItem*?",
        "PersonItem": PERSON_ITEM,
        "ArrayOfEmailAddress": "EmailAddress:EmailAddress*?",
        "EmailAddress": "Description:string Type:EmailAddressType! Value:string",
        "FaxNumber": "Description:string Type:FaxNumberType! Value:string",
        "ArrayOfPhoneNumber": "PhoneNumber:PhoneNumber*?",
        "PhoneNumber": "Description:string Type:PhoneNumberType! Value:string",
        "Address": "City:string Country:string County:string Description:string PostalArea:string "
        "PostalCode:string State:string Street:string Type:AddressType!",
        "ArrayOfRelationData": "RelationData:RelationData*?",
        "RelationData": "ContactId:long! CustomerId:long! Email:string Mobile:string Phone:string "
        "Title:string",
    },
    enums={
        "TriState": "none True False",
        "EmailAddressType": "Home Primary Alternative",
        "FaxNumberType": "Primary",
        "Gender": "NoChange Unknown Female Male",
        "PhoneNumberType": "Primary Mobile",
        "AddressType": "Post",
    },
    operations=[
        op(
            "GetPersons",
            "personSearch:PersonSearchParameters",
            "GetPersonsResult:ArrayOfPersonItem",
            "Persons (contacts and employees) matching every given search field.",
            header="Authentication",
        ),
    ],
    header_elements={"Authentication": "Authentication"},
    # The legacy header is a .NET SoapHeader subclass, whose type ASMX opens to any attribute.
    any_attribute=("Authentication",),
)
