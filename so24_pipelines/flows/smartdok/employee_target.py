"""S1's loader target: 24SO employees as Smartdok users, matched by EmployeeNo = 24SO contact id.

Match before create (seed 004: "New employees (unmatched contact IDs from 24SevenOffice) will be
created"). `create` first looks the contact id up in the Smartdok register (register.py):
- one user carries it: that user is the employee. It is linked as it is, or, when its Name is not
  the one 24SO gives, adopted with the Name written (the sync log says `resolved` and which);
- two or more carry it: held with both named (Smartdok does not promise unique numbers), never
  picked;
- none: the employee is created, unless the same person is already a Smartdok user under another
  number (a user no 24SO employee claims with the employee's e-mail: 24SO's employee number typed
  instead of the contact id, or no number at all). Then it is held with what to change in
  Smartdok, because a second user for one person splits their hours. An employee without an
  e-mail in 24SO is held too: Smartdok cannot make a user without one.
A hold is a RecordRejected: the loader keeps the record failed with the reason, writes nothing,
and looks again on every tick, so a renumbered Smartdok user is linked on the next one.

Field ownership (mapping/specs/smartdok_employees.yaml): S1 writes EmployeeNo and Name, nothing
else; `update_user` reads the user and PUTs every other field back as read (Smartdok replaces the
whole user), so Role, phone, department or an ended user's state survive. On a create only, it
adds what Smartdok requires and E7 does not stage: the Primary e-mail (also the UserName, the
login, which cannot change later) and the Mobile number from 24SO's PersonService, read once per
run through `contacts`, and a random password nobody is told (the administrator gives the user
access from Smartdok).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.flows.smartdok.register import Record, Register
from so24_pipelines.sync.records import Found, MappedRecord

NAME_LIMIT = 50  # UserInput.Name
PREFIX_LIMIT, PHONE_LIMIT = 4, 16  # UserInput.PhonePrefix, PhoneNumber
Contacts = Mapping[int, Mapping[str, str | None]]


def user_name(payload: Mapping[str, Any]) -> str:
    """Smartdok's one Name from the mapped first and last name, cut to its 50 characters."""
    parts = [str(payload[k]).strip() for k in ("FirstName", "LastName") if payload.get(k)]
    return " ".join(p for p in parts if p)[:NAME_LIMIT].strip()


def phone_fields(phone: str | None) -> dict[str, str]:
    """24SO's "+47 40000000" as Smartdok's PhonePrefix and PhoneNumber; nothing that does not fit."""
    text = (phone or "").strip()
    prefix, _, number = text.partition(" ") if text.startswith("+") else ("", "", text)
    number = number.replace(" ", "")
    if not number or len(number) > PHONE_LIMIT or len(prefix) > PREFIX_LIMIT:
        return {}
    return {"PhonePrefix": prefix, "PhoneNumber": number} if prefix else {"PhoneNumber": number}


class SmartdokUsers:
    """Smartdok users as the loader writes them for S1 (thread-safe)."""

    system = "smartdok"
    entity = "users"

    def __init__(
        self, client: SmartdokClient, register: Register, claimed: Collection[str], contacts: Callable[[], Contacts]
    ) -> None:  # fmt: skip
        self.client = client
        self.register = register
        self.claimed = frozenset(claimed)
        self._read_contacts = contacts
        self._contacts: Contacts | None = None
        self._lock = threading.Lock()

    def _contact(self, contact_id: str) -> Mapping[str, str | None]:
        with self._lock:
            if self._contacts is None:
                self._contacts = self._read_contacts()
            return self._contacts.get(int(contact_id)) or {}

    def _held(self, number: str, name: str, why: str) -> RecordRejected:
        return RecordRejected(f"held: 24SO employee {number} ({name}): {why}")

    def create(self, record: MappedRecord) -> str | Found:
        number, name = str(record.payload["EmployeeNo"]), user_name(record.payload)
        found = self.register.matches(number)
        if len(found) > 1:
            named = "; ".join(self.register.describe(u) for u in found)
            raise self._held(number, name, f"{len(found)} Smartdok users carry this EmployeeNo ({named}); "
                                           "give all but one another number in Smartdok")  # fmt: skip
        if found:
            return self._link(found[0], number, name)
        email = (self._contact(number).get("email") or "").strip()
        if not email:
            raise self._held(number, name, "no e-mail address in 24SO, and Smartdok needs one to create a user: "
                                           "add it to the person in 24SO")  # fmt: skip
        twins = self.register.twins("Email", email, self.claimed)
        if twins:
            for twin in twins:
                self.register.hint(
                    twin, f"the e-mail of 24SO employee {number} ({name}): set its EmployeeNo to {number}"
                )
            named = "; ".join(self.register.describe(u) for u in twins)
            raise self._held(number, name, f"{named} has the same e-mail ({email}) and is the same person under "
                                           f"another number: set its EmployeeNo (Ansattnummer) to {number} in Smartdok "
                                           "(Firmaopplysninger > Brukeroversikt); S1 then links it instead of "
                                           "creating a second user")  # fmt: skip
        body = {
            "UserName": email, "Name": name, "Email": email, "EmployeeNo": number,
            "Password": secrets.token_urlsafe(24), **phone_fields(self._contact(number).get("phone")),
        }  # fmt: skip
        created = self.client.create_user(body)
        self.register.add(created)
        return str(created["Id"])

    def _link(self, user: Record, number: str, name: str) -> Found:
        if (user.get("Name") or "") == name:
            return Found(
                str(user["Id"]),
                f"linked to Smartdok user {user['Id']}, found by EmployeeNo {number}; nothing written",
            )
        self.client.update_user(str(user["Id"]), {"Name": name, "EmployeeNo": number})
        return Found(
            str(user["Id"]),
            f"adopted Smartdok user {user['Id']}, found by EmployeeNo {number}; Name {user.get('Name')!r} -> {name!r}",
        )

    def update(self, target_key: str, record: MappedRecord) -> None:
        self.client.update_user(
            target_key, {"Name": user_name(record.payload), "EmployeeNo": str(record.payload["EmployeeNo"])}
        )

    def find_by_business_key(self, business_key: str) -> str | None:
        found = self.client.find_users_by_employee_no(business_key)
        if len(found) > 1:
            raise RecordRejected(f"held: {len(found)} Smartdok users carry EmployeeNo {business_key}; "
                                 "give all but one another number in Smartdok")  # fmt: skip
        return str(found[0]["Id"]) if found else None
