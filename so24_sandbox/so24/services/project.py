"""ProjectService: projects (the current Project type; TimeService has an older one of its own)."""

from __future__ import annotations

from so24_sandbox.so24.services.common import ARRAY_OF_INT, TRISTATE
from so24_sandbox.so24.types import build_service, op

PROJECT = (
    "Id:int~ Enabled:boolean=false Name:string~ RawName:string~ NameDisplay:ProjectNameType! "
    "QuickListed:boolean=true DateChanged:dateTime~ DateStart:dateTime~ DateStop:dateTime~ "
    "DateRegistered:dateTime~ CustomerId:int~ CustomerName:string~ InvoiceTemplateId:string~ "
    "OrderReferenceNumber:string~ DepartmentId:int? CustomerReference:string~ Owner:int~ Pipeline:int~ "
    "TypeId:int~ TypeName:string~ StatusId:int~ StatusName:string~ NeedApproval:TriState=none "
    "MultiCustomer:boolean=false Description:string~ WorkTypeId:int~ WorkTypeName:string~ "
    "TimeReg:TimeRegType! Version:short~ IsFoldersAdded:TriState=none OverrideWorkTypeTask:TriState=none "
    "Participants:ArrayOfInt BudgetHourCost:decimal? BudgetHour:decimal? FixedPrice:boolean? Budget:int? "
    "UseProjectOwnerAsOurReference:boolean?"
)

SCHEMA = build_service(
    name="ProjectService",
    path="/Project/V001/ProjectService.asmx",
    doc="Sandbox emulation of the 24SevenOffice project service.",
    types={
        "ProjectSearch": "ProjectIds:ArrayOfInt MyProjects:boolean=false AllOpenProjects:boolean=false "
        "CustomerId:int~ Search:string~ ChangedAfter:dateTime~ StartedAfter:dateTime~ "
        "StartedBefore:dateTime~",
        "ArrayOfInt": ARRAY_OF_INT,
        "ArrayOfProject": "Project:Project*?",
        "Project": PROJECT,
    },
    enums={
        "ProjectNameType": "Plain Company_Project Project_Company",
        "TriState": TRISTATE,
        "TimeRegType": "WorkType Task",
    },
    operations=[
        op(
            "GetProjectList",
            "Ps:ProjectSearch",
            "GetProjectListResult:ArrayOfProject",
            "Active projects matching every given search field.",
        ),
        op(
            "SaveProject",
            "project:Project",
            "SaveProjectResult:int!",
            "Creates or updates a project and returns its id.",
        ),
    ],
)
