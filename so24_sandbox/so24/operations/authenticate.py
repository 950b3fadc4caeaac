"""Authenticate handlers: Login, HasSession, GetIdentities, SetIdentityById.

Login answers an empty string (not a fault) for wrong credentials, as 24SO does; the session id it
returns is also set as the ASP.NET_SessionId cookie. An IdentityId the user does not have gives an
empty string too. Only Login and HasSession work without a session.
"""

from __future__ import annotations

from so24_sandbox.so24 import credentials
from so24_sandbox.so24.operations.common import Answer, Call

PUBLIC = frozenset({"Login", "HasSession"})


def login(call: Call, args: dict) -> Answer:
    cred = args.get("credential") or {}
    ok = (
        cred.get("ApplicationId", "").lower() == credentials.APPLICATION_ID
        and cred.get("Username", "").strip().lower() == credentials.USERNAME
        and cred.get("Password") == credentials.PASSWORD
    )
    identity = (
        credentials.identity_by_id(cred["IdentityId"])
        if "IdentityId" in cred
        else credentials.DEFAULT_IDENTITY
    )
    if not ok or identity is None:
        return Answer("")
    session = call.store.sessions.create(credentials.USERNAME, identity.id)
    call.store.stats.logins += 1
    call.new_session = session
    return Answer(session.id)


def has_session(call: Call, _args: dict) -> Answer:
    return Answer(call.session is not None)


def get_identities(call: Call, _args: dict) -> Answer:
    current = call.dataset.identity.id
    out = []
    for ident in credentials.IDENTITIES:
        ds = call.store.dataset(ident.id)
        me = ds.persons.get(ds.user_contact_id, {})
        out.append(
            {
                "Id": ident.id,
                "User": {
                    "ContactId": ds.user_contact_id,
                    "Id": credentials.USER_GUID,
                    "Name": credentials.USER_NAME,
                    "EmployeeId": me.get("EmployeeId"),
                },
                "Client": {"Id": ident.client_id, "Name": ident.name},
                "IsCurrent": ident.id == current,
                "IsDefault": ident.id == credentials.DEFAULT_IDENTITY.id,
                "IsProtected": False,
                "Servers": [{"Id": 1, "Type": 1}],
                "IsDisabled": False,
            }
        )
    return Answer(out)


def set_identity_by_id(call: Call, args: dict) -> Answer:
    identity = credentials.identity_by_id(args.get("identityId"))
    session = call.session
    if identity is None or session is None:
        return Answer(False)
    session.identity_id = identity.id
    return Answer(True)


HANDLERS = {
    "Login": login,
    "HasSession": has_session,
    "GetIdentities": get_identities,
    "SetIdentityById": set_identity_by_id,
}
