"""Users (employees): `/Users` list, one, current, create and replace.

- Ids are UUIDs the server makes; the key the hub matches on is `EmployeeNo` ("Ansattnummer"),
  which S1 sets to the 24SO contact id. `EmployeeNo` is required on every write (UserInput).
- `GET /Users` answers the collection envelope `{Count, Offset, TotalCount, Items}`, active users
  (not ended) by default; `all=true` adds ended ones, `all=false&active=false` gives only those.
- `POST /Users` needs `Password` and answers 201 (or 200, see behaviour.py) with `Location`.
- `PUT /Users/{id}` replaces the user: an optional field left out is *cleared* (PhoneNumber,
  DepartmentId, ...), `Role` falls back to "User", as ASP.NET binds a missing property to its
  default. Exceptions where the input model itself says so: `UserName` cannot change (ignored
  since 1 Sep 2025), `Password` and `IsEnded` (nullable) left out keep theirs. `AccessibleProjects`
  has no output counterpart, so nobody could PUT it back: left out, it is kept (an assumption).
- Uniqueness: `UserName` always; `EmployeeNo` while `unique_employee_no` is on (undocumented).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from so24_sandbox.smartdok import times, validation
from so24_sandbox.smartdok.answers import bad_request, invalid, not_found
from so24_sandbox.smartdok.behaviour import Behaviour
from so24_sandbox.smartdok.store import COMPANY_ID, SmartdokStore, public

ROLES = ("User", "Guest", "Foreman", "ProjectAdministrator", "Administrator", "EmployeeWithoutAccess", "SubContractor")
GROUPS = {1: "Ansatte", 2: "Funksjonærer", 3: "Underentreprenører"}
DEPARTMENTS = {1: "Montasje", 2: "Service"}
DEFAULT_GROUP = 1
DEFAULT_LANGUAGE = "nb"
_NAMESPACE = uuid.UUID("5d0c24a1-5ea7-4b8e-9d24-000000000004")
NEXT_OF_KIN = (
    ("NextOfKinName", 100), ("NextOfKinPhonePrivate", 50), ("NextOfKinPhoneWork", 50), ("NextOfKinRelation", 50),
    ("NextOfKin2Name", 100), ("NextOfKin2PhonePrivate", 50), ("NextOfKin2PhoneWork", 50), ("NextOfKin2Relation", 50),
)  # fmt: skip


def user_id(key: str) -> str:
    """A deterministic UUID for seeded users (fresh ones get uuid4)."""
    return str(uuid.uuid5(_NAMESPACE, key))


def access_level(role: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"access-level:{role}"))


def render(record: dict[str, Any]) -> dict[str, Any]:
    """UserOutput: every documented field, times in .NET form."""
    out = public(record)
    for key in ("LastActivityTime", "CreatedDate"):
        out[key] = times.write(record[key])
    return out


def new_record(store: SmartdokStore, fields: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
    """A complete stored user from validated `fields` (the seed and POST both come through here)."""
    now = fields.pop("_at", None) or store.now()
    role = fields.get("Role") or "User"
    group = fields.get("GroupId") or DEFAULT_GROUP
    department = fields.get("DepartmentId")
    record: dict[str, Any] = {
        "Id": user_id(key) if key else str(uuid.uuid4()),
        "UserName": fields["UserName"],
        "Name": fields.get("Name"),
        "Email": fields.get("Email"),
        "PhonePrefix": fields.get("PhonePrefix"),
        "PhoneNumber": fields.get("PhoneNumber"),
        "BirthDate": fields.get("BirthDate"),
        "Role": role,
        "AccessLevelId": access_level(role),
        "IsEnded": bool(fields.get("IsEnded")),
        "CompanyId": COMPANY_ID,
        "DepartmentId": department,
        "EmployeeNo": fields.get("EmployeeNo"),
        "ExternalEmployeeNo": fields.get("ExternalEmployeeNo"),
        "GroupId": group,
        "GroupName": GROUPS.get(group, ""),
        "LanguageCode": fields.get("LanguageCode") or DEFAULT_LANGUAGE,
        **{name: fields.get(name) for name, _ in NEXT_OF_KIN},
        "ResourceType": None,
        "DepartmentName": DEPARTMENTS.get(department) if department is not None else None,
        "Expertise": None,
        "IsLockedOut": bool(fields.get("IsLockedOut")),
        "IsDeleted": False,
        "IsContactPerson": False,
        "EmployeeCost": None,
        "LastActivityTime": now,
        "CreatedDate": now,
        "_password_set": bool(fields.get("Password")),
    }
    return record


def _birth_date(body: dict[str, Any]) -> str | None:
    value = body.get("BirthDate")
    if value is None:
        return None
    try:
        datetime.strptime(str(value), "%d.%m.%Y")
    except ValueError:
        raise invalid("BirthDate", "must be written dd.MM.yyyy") from None
    return str(value)


def read_input(store: SmartdokStore, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The UserInput fields of `body`, checked; unknown properties are ignored (see validation.py)."""
    fields: dict[str, Any] = {
        "UserName": validation.text(body, "UserName", 256, needed=True),
        "Password": validation.text(body, "Password", 256, needed=creating),
        "Name": validation.text(body, "Name", 50, needed=True),
        "Email": validation.text(body, "Email", 256, needed=True, email=True),
        "EmployeeNo": validation.text(body, "EmployeeNo", 50, needed=True),
        "PhonePrefix": validation.text(body, "PhonePrefix", 4),
        "PhoneNumber": validation.text(body, "PhoneNumber", 16),
        "LanguageCode": validation.text(body, "LanguageCode", 50),
        "ExternalEmployeeNo": validation.text(body, "ExternalEmployeeNo", 50),
        "Role": validation.choice(body, "Role", ROLES, "User"),
        "DepartmentId": validation.integer(body, "DepartmentId"),
        "GroupId": validation.integer(body, "GroupId"),
        "BirthDate": _birth_date(body),
        "IsEnded": validation.flag(body, "IsEnded"),
        "IsLockedOut": validation.flag(body, "IsLockedOut"),
        "AccessibleProjects": validation.int_list(body, "AccessibleProjects"),
        **{name: validation.text(body, name, limit) for name, limit in NEXT_OF_KIN},
    }
    if fields["DepartmentId"] is not None and fields["DepartmentId"] not in DEPARTMENTS:
        raise invalid("DepartmentId", "is not a department of the company")
    if fields["GroupId"] is not None and fields["GroupId"] not in GROUPS:
        raise invalid("GroupId", "is not a user group of the company")
    unknown = [p for p in fields["AccessibleProjects"] or () if p not in store.projects]
    if unknown:
        raise invalid("AccessibleProjects", f"names unknown project id(s) {unknown}")
    return fields


def _check_unique(store: SmartdokStore, behaviour: Behaviour, fields: dict[str, Any], self_id: str | None) -> None:
    wanted = fields["UserName"].strip().lower()
    for other in store.users.values():
        if other["Id"] == self_id:
            continue
        if self_id is None and other["UserName"].strip().lower() == wanted:
            raise bad_request("UserNameAlreadyExists", f"The user name {fields['UserName']!r} is taken.")
        if (
            behaviour["unique_employee_no"]
            and fields["EmployeeNo"]
            and other.get("EmployeeNo") == fields["EmployeeNo"]
            and not other["IsDeleted"]
        ):
            raise bad_request(
                "EmployeeNoAlreadyExists", f"Another user has employee number {fields['EmployeeNo']!r}."
            )


def _set_projects(store: SmartdokStore, user: str, project_ids: list[int] | None) -> None:
    if project_ids is None:
        return
    wanted = set(project_ids)
    for pid, project in store.projects.items():
        members = [u for u in project["UserIds"] if u != user]
        if pid in wanted:
            members.append(user)
        project["UserIds"] = members


def listing(store: SmartdokStore, *, include_all: bool, active: bool) -> list[dict[str, Any]]:
    with store.lock:
        users = [u for u in store.users.values() if not u["IsDeleted"]]
        if not include_all:
            users = [u for u in users if (not u["IsEnded"]) == active]
        return [render(u) for u in users]


def get(store: SmartdokStore, user_key: str) -> dict[str, Any]:
    with store.lock:
        record = store.users.get(user_key.lower())
        if record is None or record["IsDeleted"]:
            raise not_found()
        return render(record)


def create(store: SmartdokStore, behaviour: Behaviour, body: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        fields = read_input(store, body, creating=True)
        _check_unique(store, behaviour, fields, None)
        record = new_record(store, dict(fields))
        store.users[record["Id"]] = record
        _set_projects(store, record["Id"], fields["AccessibleProjects"])
        return render(record)


def replace(store: SmartdokStore, behaviour: Behaviour, user_key: str, body: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        record = store.users.get(user_key.lower())
        if record is None or record["IsDeleted"]:
            raise not_found()
        fields = read_input(store, body, creating=False)
        fields["UserName"] = record["UserName"]  # cannot change since 1 Sep 2025: ignored
        _check_unique(store, behaviour, fields, record["Id"])
        group = fields["GroupId"] or DEFAULT_GROUP
        department = fields["DepartmentId"]
        record.update(
            {
                "Name": fields["Name"],
                "Email": fields["Email"],
                "EmployeeNo": fields["EmployeeNo"],
                "PhonePrefix": fields["PhonePrefix"],
                "PhoneNumber": fields["PhoneNumber"],
                "LanguageCode": fields["LanguageCode"] or DEFAULT_LANGUAGE,
                "ExternalEmployeeNo": fields["ExternalEmployeeNo"],
                "Role": fields["Role"],
                "AccessLevelId": access_level(fields["Role"]),
                "DepartmentId": department,
                "DepartmentName": DEPARTMENTS.get(department) if department is not None else None,
                "GroupId": group,
                "GroupName": GROUPS[group],
                "BirthDate": fields["BirthDate"],
                **{name: fields[name] for name, _ in NEXT_OF_KIN},
            }
        )
        if fields["IsEnded"] is not None:
            record["IsEnded"] = fields["IsEnded"]
        if fields["IsLockedOut"] is not None:
            record["IsLockedOut"] = fields["IsLockedOut"]
        if fields["Password"]:
            record["_password_set"] = True
        _set_projects(store, record["Id"], fields["AccessibleProjects"])
        return render(record)
