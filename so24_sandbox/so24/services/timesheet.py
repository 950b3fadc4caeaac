"""TimeService (the 2018 WSDL's shape): work types, salary types and registered hours."""

from __future__ import annotations

from so24_sandbox.so24.types import build_service, op

HOUR = (
    "Id:long~ TypeOfWorkId:int~ StartTime:dateTime~ StopTime:dateTime~ TotalHours:double=0 "
    "TotalHoursInvoice:double=0 ContactId:int~ ProjectId:int~ Description:string~ Locked:TriState=none "
    "Approved:TriState=none ApprovedBy:int~ ProjectTaskId:int~ Costs:ArrayOfCost "
    "NeedApproval:boolean=false SalaryTypeId:int~ CustomerId:int~ OrderId:int~ Price:decimal~"
)

SCHEMA = build_service(
    name="TimeService",
    path="/timesheet/v001/timeservice.asmx",
    doc="Sandbox emulation of the 24SevenOffice time service (2018 contract: no ChangedAfter on hours).",
    types={
        "WorkTypeSearch": "Active:TriState=none ProjectId:int~",
        "ArrayOfWorkType": "WorkType:WorkType*?",
        "WorkType": "Id:int! Name:string Description:string Invoiceable:boolean! Price:decimal~ "
        "ProductId:int~",
        "ArrayOfSalaryType": "SalaryType:SalaryType*?",
        "SalaryType": "Id:int! Name:string",
        "HourSearch": "Status:HourStatus=none ContactId:int! ProjectId:int! IncludeSalaryType:boolean=false "
        "StartTime:dateTime~ StopTime:dateTime~",
        "ArrayOfHour": "Hour:Hour*?",
        "Hour": HOUR,
        "ArrayOfCost": "Cost:Cost*?",
        "Cost": "Id:int~ DateRegistered:dateTime!? ProductId:int!? SupplierCompanyId:int!? "
        "Quantity:double!? InPrice:decimal!? Description:string ProjectId:int!? Price:decimal~ "
        "CustomerId:int~ ContactId:int~",
    },
    enums={
        "TriState": "unknown none True False",
        "HourStatus": "none Registered Locked Approved Rejected",
    },
    operations=[
        op(
            "GetWorkTypeList",
            "Wts:WorkTypeSearch",
            "GetWorkTypeListResult:ArrayOfWorkType",
            "Work types (type of work); Active none = all, or a project's own work types.",
        ),
        op("GetSalaryTypes", "", "GetSalaryTypesResult:ArrayOfSalaryType", "All salary types."),
        op(
            "GetHours",
            "hs:HourSearch",
            "GetHoursResult:ArrayOfHour",
            "Hours of a contact and/or project (0 = any) within StartTime..StopTime.",
        ),
        op(
            "SaveHour",
            "Hour:Hour",
            "SaveHourResult:long!",
            "Adds (or updates by Id) one hour; returns its id.",
        ),
    ],
)
