"""S1/S2 targets and the Smartdok register, one rule at a time, against an in-memory Smartdok.

The fake client below keeps users and projects as Smartdok would and records every write, so each
test states what was sent (or that nothing was) for one case of seed 004's matching.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.flows.smartdok.employee_target import SmartdokUsers, phone_fields, user_name
from so24_pipelines.flows.smartdok.employees import user_register
from so24_pipelines.flows.smartdok.project_target import SmartdokProjects, local_day
from so24_pipelines.flows.smartdok.projects import project_register
from so24_pipelines.mapping import load_spec
from so24_pipelines.sync.records import Found, MappedRecord


class FakeSmartdok:
    """Users and projects as Smartdok holds them; `writes` lists (method, what, body) in order."""

    tz = ZoneInfo("Europe/Oslo")

    def __init__(self, users: list[dict[str, Any]] = (), projects: list[dict[str, Any]] = ()) -> None:
        self.users = {u["Id"]: dict(u) for u in users}
        self.projects = {p["Id"]: dict(p) for p in projects}
        self.writes: list[tuple[str, str, dict[str, Any]]] = []
        self.reads = 0

    def list_users(self, *, include_ended: bool = True) -> list[dict[str, Any]]:
        self.reads += 1
        return [dict(u) for u in self.users.values()]

    def find_users_by_employee_no(self, number: str) -> list[dict[str, Any]]:
        return [dict(u) for u in self.users.values() if u.get("EmployeeNo") == number]

    def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(("POST", "user", dict(body)))
        user = {**body, "Id": f"u-{len(self.users) + 1}"}
        self.users[user["Id"]] = user
        return dict(user)

    def update_user(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(("PUT", user_id, dict(changes)))
        self.users[user_id].update(changes)
        return dict(self.users[user_id])

    def list_projects(self, **_: Any) -> list[dict[str, Any]]:
        self.reads += 1
        return [dict(p) for p in self.projects.values()]

    def find_projects_by_number(self, number: str) -> list[dict[str, Any]]:
        return [dict(p) for p in self.projects.values() if p.get("ProjectNumber") == number]

    def create_project(self, body: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(("POST", "project", dict(body)))
        project = {**body, "Id": 9000 + len(self.projects)}
        self.projects[project["Id"]] = project
        return dict(project)

    def update_project(self, project_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(("PUT", str(project_id), dict(changes)))
        self.projects[project_id].update(changes)
        return dict(self.projects[project_id])


def employee(contact_id: int, first: str = "Ola", last: str = "Hansen") -> MappedRecord:
    payload = {"EmployeeNo": str(contact_id), "FirstName": first, "LastName": last}
    return MappedRecord(str(contact_id), payload, business_key=str(contact_id))


def users_target(
    client: FakeSmartdok, claimed: set[str], contacts: dict[int, dict[str, str | None]]
) -> tuple[SmartdokUsers, list[int]]:
    asked: list[int] = []

    def read() -> dict[int, dict[str, str | None]]:
        asked.append(1)
        return contacts

    return SmartdokUsers(client, user_register(client), claimed, read), asked  # type: ignore[arg-type]


# ---- S1 ------------------------------------------------------------------------------------------


def test_a_user_carrying_the_contact_id_is_linked_without_a_write_and_24so_is_not_asked_for_e_mails():
    client = FakeSmartdok([{"Id": "a", "EmployeeNo": "5001", "Name": "Ola Hansen", "Role": "Foreman"}])
    target, asked = users_target(client, {"5001"}, {})
    answer = target.create(employee(5001))
    assert isinstance(answer, Found) and answer.target_key == "a" and "nothing written" in answer.how
    assert client.writes == [] and asked == []


def test_a_matched_user_with_another_name_gets_the_owned_fields_only():
    client = FakeSmartdok([{"Id": "a", "EmployeeNo": "5004", "Name": "Ingrid H.", "Role": "Foreman"}])
    target, _ = users_target(client, {"5004"}, {})
    answer = target.create(employee(5004, "Ingrid", "Haugen"))
    assert isinstance(answer, Found) and "'Ingrid H.' -> 'Ingrid Haugen'" in answer.how
    assert client.writes == [("PUT", "a", {"Name": "Ingrid Haugen", "EmployeeNo": "5004"})]
    target.update("a", employee(5004, "Inga", "Haugen"))
    assert client.writes[-1] == ("PUT", "a", {"Name": "Inga Haugen", "EmployeeNo": "5004"})


def test_an_unmatched_employee_is_created_with_what_smartdok_requires_and_found_by_the_next_record():
    client = FakeSmartdok()
    contacts = {5010: {"email": "ida.dahl@nordlys.example.no", "phone": "+47 40000009"}}
    target, asked = users_target(client, {"5010"}, contacts)
    key = target.create(employee(5010, "Ida", "Dahl"))
    [(method, what, body)] = client.writes
    assert (method, what) == ("POST", "user") and key == "u-1"
    password = body.pop("Password")
    assert len(password) >= 24
    assert body == {"UserName": "ida.dahl@nordlys.example.no", "Name": "Ida Dahl", "Email": "ida.dahl@nordlys.example.no",
                    "EmployeeNo": "5010", "PhonePrefix": "+47", "PhoneNumber": "40000009"}  # fmt: skip
    again = target.create(employee(5010, "Ida", "Dahl"))
    assert isinstance(again, Found) and again.target_key == "u-1" and len(client.writes) == 1
    assert asked == [1], "24SO's e-mails are read once per run"


def test_the_same_person_under_another_number_is_held_not_created_twice():
    twin = {
        "Id": "t",
        "EmployeeNo": "8",
        "Name": "Emma Johansen",
        "Email": "Emma.Johansen@nordlys.example.no",
    }
    client = FakeSmartdok([twin])
    target, _ = users_target(
        client, {"5008"}, {5008: {"email": "emma.johansen@nordlys.example.no", "phone": None}}
    )
    with pytest.raises(
        RecordRejected,
        match=r"held: 24SO employee 5008 .*EmployeeNo '8'.* set its EmployeeNo \(Ansattnummer\) to 5008",
    ):
        target.create(employee(5008, "Emma", "Johansen"))
    assert client.writes == []
    report = target.register.report({"5008"})
    assert report["smartdok_only"] == 1 and "the e-mail of 24SO employee 5008" in report["smartdok_only_list"]


def test_a_user_whose_number_a_24so_employee_claims_is_no_twin_even_with_the_same_e_mail():
    other = {"Id": "o", "EmployeeNo": "5001", "Name": "Felles", "Email": "post@nordlys.example.no"}
    client = FakeSmartdok([other])
    target, _ = users_target(
        client, {"5001", "5002"}, {5002: {"email": "post@nordlys.example.no", "phone": None}}
    )
    assert target.create(employee(5002)) == "u-2" and client.writes[0][0] == "POST"


def test_no_e_mail_in_24so_or_two_users_with_the_number_hold_the_employee():
    client = FakeSmartdok([{"Id": "a", "EmployeeNo": "5003"}, {"Id": "b", "EmployeeNo": "5003"}])
    target, _ = users_target(client, {"5003", "5005"}, {5005: {"email": None, "phone": "+47 1"}})
    with pytest.raises(RecordRejected, match="2 Smartdok users carry this EmployeeNo"):
        target.create(employee(5003))
    with pytest.raises(RecordRejected, match="no e-mail address in 24SO"):
        target.create(employee(5005))
    with pytest.raises(RecordRejected, match="2 Smartdok users carry EmployeeNo 5003"):
        target.find_by_business_key("5003")
    assert client.writes == [] and target.find_by_business_key("5005") is None


def test_names_and_phones_fit_smartdoks_fields():
    assert user_name({"FirstName": " Ola ", "LastName": "Nordmann"}) == "Ola Nordmann"
    assert user_name({"LastName": "Nordmann"}) == "Nordmann"
    assert len(user_name({"FirstName": "A" * 40, "LastName": "B" * 40})) == 50
    assert phone_fields("+47 400 00 009") == {"PhonePrefix": "+47", "PhoneNumber": "40000009"}
    assert phone_fields("40000009") == {"PhoneNumber": "40000009"}
    assert phone_fields("+47") == {} and phone_fields(None) == {} and phone_fields("+4712 1") == {}


# ---- S2 ------------------------------------------------------------------------------------------


def project(
    pid: int, name: str = "Montering Lie", start: str | None = "2025-06-30T22:39:49", **extra: Any
) -> MappedRecord:
    payload = {"ProjectNumber": str(pid), "ProjectName": name, "StartDate": start, "IsActive": True,
               "DescriptionText": "Prosjekt 1", "ClientCompanyName": "Lie", **extra}  # fmt: skip
    return MappedRecord(str(pid), {k: v for k, v in payload.items() if v is not None}, business_key=str(pid))


def projects_target(client: FakeSmartdok, claimed: set[str]) -> SmartdokProjects:
    create_only = load_spec("smartdok_projects").create_only_fields
    return SmartdokProjects(client, project_register(client), claimed, create_only)  # type: ignore[arg-type]


def test_dates_are_days_in_smartdoks_zone():
    oslo = ZoneInfo("Europe/Oslo")
    assert local_day("2025-06-30T22:39:49", oslo) == "2025-07-01T00:00:00"  # summer: UTC+2
    assert local_day("2025-12-31T22:59:59", oslo) == "2025-12-31T00:00:00"  # winter: UTC+1
    assert local_day("2025-12-31T23:00:00", oslo) == "2026-01-01T00:00:00"


def test_a_new_project_gets_the_spec_fields_only_no_tasks_or_sub_projects():
    client = FakeSmartdok()
    target = projects_target(client, {"5"})
    assert target.create(project(5)) == "9000"
    [(_, _, body)] = client.writes
    assert body == {"ProjectNumber": "5", "ProjectName": "Montering Lie", "StartDate": "2025-07-01T00:00:00",
                    "IsActive": True, "DescriptionText": "Prosjekt 1", "ClientCompanyName": "Lie"}  # fmt: skip
    assert set(body) <= set(load_spec("smartdok_projects").owned_fields)


def test_a_matched_project_is_linked_when_its_day_agrees_and_written_when_not_create_only_never():
    same_day = {"Id": 1, "ProjectNumber": "1", "ProjectName": "Montering Lie", "StartDate": "2025-07-01T09:00:00",
                "DescriptionText": "Smartdok's own", "UserIds": ["u"]}  # fmt: skip
    client = FakeSmartdok(projects=[same_day])
    target = projects_target(client, {"1"})
    linked = target.create(project(1))
    assert isinstance(linked, Found) and "nothing written" in linked.how and client.writes == []
    adopted = target.create(project(1, name="Montering Lie 2"))
    assert isinstance(adopted, Found) and "written: ProjectName" in adopted.how
    assert client.writes == [
        (
            "PUT",
            "1",
            {"ProjectNumber": "1", "ProjectName": "Montering Lie 2", "StartDate": "2025-07-01T00:00:00"},
        )
    ]
    assert client.projects[1]["DescriptionText"] == "Smartdok's own" and client.projects[1]["UserIds"] == [
        "u"
    ]
    target.update("1", project(1, name="Montering Lie 3"))
    assert "DescriptionText" not in client.writes[-1][2] and "IsActive" not in client.writes[-1][2]


def test_an_order_with_the_number_or_a_namesake_under_another_number_holds_the_project():
    order = {"Id": 2, "ProjectNumber": "2", "ProjectName": "Serviceordre", "IsOrder": True}
    namesake = {"Id": 3, "ProjectNumber": "P-3", "ProjectName": "Rehab Berg", "IsOrder": False}
    client = FakeSmartdok(projects=[order, namesake])
    target = projects_target(client, {"2", "3"})
    with pytest.raises(RecordRejected, match="'Serviceordre' .* is an order"):
        target.create(project(2))
    with pytest.raises(RecordRejected, match=r"ProjectNumber 'P-3'.* set its number \(Nummer\) to 3"):
        target.create(project(3, name="Rehab Berg"))
    assert client.writes == [] and target.find_by_business_key("2") is None


def test_the_register_is_read_once_and_reports_what_no_24so_record_claims():
    client = FakeSmartdok([{"Id": "a", "EmployeeNo": "5001", "Name": "Ola"}, {"Id": "b", "EmployeeNo": None, "Name": "API"},
                           {"Id": "c", "EmployeeNo": "UE-01", "Name": "UE"}])  # fmt: skip
    register = user_register(client)  # type: ignore[arg-type]
    assert register.carried({"5001", "5002"}) == 1
    assert [u["Id"] for u in register.matches(" 5001 ")] == ["a"] and register.matches("") == []
    report = register.report({"5001"}, lambda u: "ended" if u["Id"] == "c" else "")
    assert client.reads == 1
    assert report["smartdok_only"] == 2
    assert (
        "| API | (none) |  |" in report["smartdok_only_list"]
        and "| UE | UE-01 | ended |" in report["smartdok_only_list"]
    )
    assert user_register(FakeSmartdok()).report(set())["smartdok_only_list"] == "none"  # type: ignore[arg-type]
