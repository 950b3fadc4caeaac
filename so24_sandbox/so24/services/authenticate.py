"""Authenticate service: log in, check the session, pick the company (identity) a session works on."""

from __future__ import annotations

from so24_sandbox.so24.types import build_service, op

SCHEMA = build_service(
    name="Authenticate",
    path="/authenticate/v001/authenticate.asmx",
    doc="Sandbox emulation of 24SevenOffice authentication: the session id from Login travels as "
    "the ASP.NET_SessionId cookie on every later call to every service.",
    types={
        "Credential": "ApplicationId:guid! IdentityId:guid~ Password:string Username:string",
        "ArrayOfIdentity": "Identity:Identity*?",
        "Identity": "Id:guid! User:User Client:Client IsCurrent:boolean! IsDefault:boolean! "
        "IsProtected:boolean! Servers:ArrayOfServer IsDisabled:boolean=false",
        "User": "ContactId:int~ Id:guid~ Name:string~ EmployeeId:int~",
        "Client": "Id:long! Name:string",
        "ArrayOfServer": "Server:Server*?",
        "Server": "Id:int! Type:int!",
    },
    enums={},
    operations=[
        op(
            "Login",
            "credential:Credential",
            "LoginResult:string",
            "Returns the session id for the ASP.NET_SessionId cookie, or an empty string.",
        ),
        op("HasSession", "", "HasSessionResult:boolean!", "Whether the cookie's session is logged in."),
        op(
            "GetIdentities",
            "",
            "GetIdentitiesResult:ArrayOfIdentity",
            "Identities (companies) the logged-in user may work on.",
        ),
        op(
            "SetIdentityById",
            "identityId:guid!",
            "SetIdentityByIdResult:boolean!",
            "Switch the session to another identity; false when the user has no such identity.",
        ),
    ],
)
