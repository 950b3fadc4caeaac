"""The Smartdok connector against the sandbox's Smartdok emulator over real HTTP.

Every route the connector calls, the session token's life (reuse, renewal before expiry, a real
expiry answered 401, sessions ended early), the 93-day window split, v2 paging, idempotent
export marking, faults retried, and the emulator's v1 filters checked against its own state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from so24_pipelines.connectors.errors import AuthError, TransientError
from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.smartdok import SmartdokClient, SmartdokRefused, is_attested

pytestmark = pytest.mark.contract

FAST_RETRY = RetryPolicy(attempts=6, backoff_base=0.01, backoff_max=0.05)
SEED_FIRST, SEED_LAST = date(2025, 12, 1), date(2026, 5, 31)
OSLO = ZoneInfo("Europe/Oslo")


class Recorder:
    """Every request the client's session sent: (method, path, query, status)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, list[str]], int]] = []

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(response.url)
        path = parts.path.split("/smartdok/", 1)[-1]
        self.calls.append((response.request.method or "", path, parse_qs(parts.query), response.status_code))
        return response

    def to(self, method: str, path: str) -> list[tuple[str, str, dict[str, list[str]], int]]:
        return [c for c in self.calls if c[0] == method and c[1] == path]


def _creds(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "smartdok/credentials").json()


def _client(sandbox, *, token: str | None = None, recorder: Recorder | None = None, **kw: Any) -> SmartdokClient:
    creds = _creds(sandbox)
    session = requests.Session()
    if recorder is not None:
        session.hooks["response"].append(recorder)
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("requests_per_minute", 60_000)
    kw.setdefault("burst", 200)
    return SmartdokClient(creds["baseUrl"], token or creds["apiToken"], session=session, **kw)


@pytest.fixture
def sd(sandbox) -> Iterator[SmartdokClient]:
    client = _client(sandbox)
    yield client
    client.close()


def _sessions(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "smartdok/sessions").json()


def _behaviour(sandbox, **switches: Any) -> None:
    sandbox.control("POST", "smartdok/behaviour", json=switches)


def _hours(sandbox) -> list[dict[str, Any]]:
    return sandbox.control("GET", "smartdok/hours").json()


def _faults(sandbox, **spec: Any) -> dict[str, Any]:
    return sandbox.control("POST", "smartdok/faults", json=spec).json()


@pytest.fixture
def clock() -> Callable[[float], None]:
    """A monotonic clock for the session cache that a test moves by hand."""
    state = {"now": 10_000.0}

    def advance(seconds: float) -> None:
        state["now"] += seconds

    advance.now = lambda: state["now"]  # type: ignore[attr-defined]
    return advance


# ---- session -------------------------------------------------------------------------------------


def test_one_session_serves_many_calls(sandbox, sd) -> None:
    sd.list_users()
    sd.list_projects()
    sd.list_activities()
    sd.list_wages()
    stats = _sessions(sandbox)
    assert (stats["issued"], stats["unauthorized_calls"]) == (1, 0)


def test_a_wrong_api_token_fails_the_first_call_naming_the_env_var(sandbox) -> None:
    with _client(sandbox, token="not-the-token") as bad, pytest.raises(AuthError) as failure:
        bad.list_users()
    assert "SMARTDOK_API_TOKEN" in str(failure.value) and "not-the-token" not in str(failure.value)
    stats = _sessions(sandbox)
    assert (stats["refused_api_tokens"], stats["issued"], stats["unauthorized_calls"]) == (1, 0, 0)


def test_the_session_is_renewed_before_it_expires(sandbox, clock) -> None:
    with _client(sandbox, token_clock=clock.now) as client:
        client.list_users()
        clock(3600 - 60 - 1)
        client.list_users()
        assert _sessions(sandbox)["issued"] == 1
        clock(2)
        client.list_users()
    stats = _sessions(sandbox)
    assert (stats["issued"], stats["unauthorized_calls"]) == (2, 0)


def test_the_session_lifetime_is_read_from_the_token(sandbox, clock) -> None:
    """The sandbox's sessions last 4 s; the client learns it from the JWT's exp, not its 1 h guess."""
    _behaviour(sandbox, session_ttl_seconds=4)
    with _client(sandbox, token_clock=clock.now) as client:
        client.list_users()
        clock(2.5)
        client.list_users()
    stats = _sessions(sandbox)
    assert (stats["issued"], stats["unauthorized_calls"]) == (2, 0)


def test_a_real_expiry_is_answered_401_and_the_call_repeated_with_a_new_session(sandbox, clock) -> None:
    _behaviour(sandbox, session_ttl_seconds=1)
    with _client(sandbox, token_clock=clock.now) as client:
        client.list_users()
        time.sleep(1.2)  # the server's clock runs out; the client's (frozen) does not know
        assert client.list_users()
    stats = _sessions(sandbox)
    assert (stats["issued"], stats["unauthorized_calls"]) == (2, 1)


def test_sessions_ended_early_are_renewed_once(sandbox, sd) -> None:
    sd.list_users()
    sandbox.control("POST", "smartdok/sessions/expire")
    assert sd.list_projects()
    stats = _sessions(sandbox)
    assert (stats["issued"], stats["unauthorized_calls"]) == (2, 1)


# ---- users ---------------------------------------------------------------------------------------


def test_users_are_listed_found_and_read(sandbox, sd) -> None:
    everyone = sandbox.control("GET", "smartdok/users").json()
    assert {u["Id"] for u in sd.list_users()} == {u["Id"] for u in everyone}
    assert {u["Id"] for u in sd.list_users(include_ended=False)} == {u["Id"] for u in everyone if not u["IsEnded"]}
    (found,) = sd.find_users_by_employee_no("5001")
    assert sd.get_user(found["Id"]) == found
    assert sd.get_user("00000000-0000-0000-0000-000000000000") is None
    me = sd.current_user()
    assert me["Role"] == "Administrator" and me["EmployeeNo"] is None


def test_a_user_is_created_with_201_and_its_location(sandbox) -> None:
    recorder = Recorder()
    with _client(sandbox, recorder=recorder) as client:
        created = client.create_user({"UserName": "mona.lie", "Name": "Mona Lie", "Email": "mona@lie.example.no",
                                      "EmployeeNo": "5010", "Password": "Sandbox-pw-1"})  # fmt: skip
        assert client.get_user(created["Id"])["EmployeeNo"] == "5010"
    assert recorder.to("POST", "Users")[0][3] == 201
    _behaviour(sandbox, create_status=200)  # what the spec's operation list says instead
    with _client(sandbox) as client:
        assert client.create_user({"UserName": "ola.lie", "Name": "Ola Lie", "Email": "ola@lie.example.no",
                                   "EmployeeNo": "5011", "Password": "Sandbox-pw-1"})["Id"]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"EmployeeNo": "5001"}, "EmployeeNoAlreadyExists"),
        ({"UserName": "API.Integrasjon"}, "UserNameAlreadyExists"),
        ({"Password": None}, "PasswordIsRequired"),
        ({"Email": "not-an-address"}, "EmailIsInvalid"),
        ({"Name": "x" * 51}, "NameIsTooLong"),
        ({"Role": "Boss"}, "RoleIsInvalid"),
    ],
)
def test_a_refused_create_names_smartdok_s_error_and_creates_nothing(sandbox, sd, change, error) -> None:
    before = len(sandbox.control("GET", "smartdok/users").json())
    payload = {"UserName": "ny.bruker", "Name": "Ny Bruker", "Email": "ny@bruker.example.no", "EmployeeNo": "5010",
               "Password": "Sandbox-pw-1", **change}  # fmt: skip
    with pytest.raises(SmartdokRefused) as refused:
        sd.create_user(payload)
    assert refused.value.error == error
    assert len(sandbox.control("GET", "smartdok/users").json()) == before


def test_update_user_changes_only_what_it_is_given(sd) -> None:
    (foreman,) = sd.find_users_by_employee_no("5003")
    updated = sd.update_user(foreman["Id"], {"Name": "Henrik N. Nilsen"})
    assert updated["Name"] == "Henrik N. Nilsen"
    unchanged = {k: v for k, v in foreman.items() if k != "Name"}
    assert {k: updated[k] for k in unchanged} == unchanged


def test_a_bare_put_would_clear_what_it_leaves_out(sd) -> None:
    """Why update_user reads first: Smartdok's PUT replaces the user."""
    (foreman,) = sd.find_users_by_employee_no("5003")
    bare = {k: foreman[k] for k in ("UserName", "Name", "Email", "EmployeeNo")}
    replaced = sd.request("PUT", f"Users/{foreman['Id']}", json_body=bare)
    assert foreman["PhoneNumber"] and replaced["PhoneNumber"] is None
    assert (foreman["Role"], replaced["Role"]) == ("Foreman", "User")
    assert foreman["DepartmentId"] is not None and replaced["DepartmentId"] is None


def test_user_names_cannot_change_through_the_api(sd) -> None:
    (user,) = sd.find_users_by_employee_no("5001")
    with pytest.raises(ValueError, match="UserName"):
        sd.update_user(user["Id"], {"UserName": "someone.else"})


# ---- projects ------------------------------------------------------------------------------------


def test_projects_are_listed_and_found_by_number(sandbox, sd) -> None:
    everything = sandbox.control("GET", "smartdok/projects").json()
    assert {p["Id"] for p in sd.list_projects()} == {p["Id"] for p in everything if not p["IsOrder"]}
    assert {p["Id"] for p in sd.list_projects(include_orders=True)} == {p["Id"] for p in everything}
    active = {p["Id"] for p in sd.list_projects(include_inactive=False)}
    assert active == {p["Id"] for p in everything if p["IsActive"] and not p["IsOrder"]}
    (one,) = sd.find_projects_by_number("1")
    assert sd.get_project(one["Id"]) == one and one["Id"] != 1
    assert [p["ProjectNumber"] for p in sd.find_projects_by_number("O-1001")] == ["O-1001"]
    assert sd.find_projects_by_number("404") == [] and sd.get_project(404) is None


def test_project_create_and_update_keep_fields_the_hub_does_not_own(sd) -> None:
    created = sd.create_project({"ProjectName": "Ny hall", "ProjectNumber": "20", "IsActive": True,
                                 "Location": "Bergen", "ClientCompanyName": "Fjordbygg AS"})  # fmt: skip
    updated = sd.update_project(created["Id"], {"ProjectName": "Ny hall, trinn 2"})
    assert (updated["ProjectName"], updated["Location"], updated["ClientCompanyName"]) == (
        "Ny hall, trinn 2", "Bergen", "Fjordbygg AS",
    )  # fmt: skip
    assert updated["Created"] == created["Created"]
    with pytest.raises(SmartdokRefused) as refused:
        sd.create_project({"ProjectName": "Dobbel", "ProjectNumber": "20", "IsActive": True})
    assert refused.value.error == "ProjectNumberAlreadyExists"
    bare = sd.request("PUT", f"v3/Projects/{created['Id']}", json_body={"ProjectName": "x", "ProjectNumber": "20",
                                                                         "IsActive": True})  # fmt: skip
    assert bare["Location"] == "" and bare["ClientCompanyName"] == ""


def test_an_order_keeps_its_order_type_on_update(sd) -> None:
    (order,) = sd.find_projects_by_number("O-1001")
    assert sd.update_project(order["Id"], {"ProjectName": "Serviceordre"})["OrderTypeId"] == 1
    with pytest.raises(SmartdokRefused) as refused:
        sd.request("PUT", f"v3/Projects/{order['Id']}", json_body={"ProjectName": "x", "ProjectNumber": "O-1001",
                                                                    "IsActive": True})  # fmt: skip
    assert refused.value.error == "OrderTypeIdIsRequired"


# ---- codes ---------------------------------------------------------------------------------------


def test_activities_and_wages_are_every_code_inactive_included(sandbox, sd) -> None:
    assert sd.list_activities() == sandbox.control("GET", "smartdok/activities").json()
    wages = sd.list_wages()
    assert wages == sandbox.control("GET", "smartdok/wages").json()
    assert any(a["Number"] == "" for a in sd.list_activities())
    assert {w["Number"]: w["Export"] for w in wages}["900"] is False


# ---- hours: v1 -----------------------------------------------------------------------------------


def _window(first: date, days: int) -> dict[str, str]:
    return {"fromDate": f"{first.isoformat()}T00:00:00", "toDate": f"{(first + timedelta(days=days)).isoformat()}T00:00:00"}


def test_v1_refuses_more_than_93_days(sd) -> None:
    first = date(2026, 1, 1)
    assert sd.items("WorkHours", _window(first, 93))[0] is not None
    with pytest.raises(SmartdokRefused) as refused:
        sd.items("WorkHours", _window(first, 94))
    assert refused.value.error == "DateRangeTooLarge"
    with pytest.raises(SmartdokRefused) as missing:
        sd.items("WorkHours", {"fromDate": "2026-01-01"})
    assert missing.value.error == "ToDateIsRequired"


@pytest.mark.parametrize(("max_days", "windows"), [(93, 2), (30, 7)])
def test_the_connector_splits_long_periods_into_windows(sandbox, max_days: int, windows: int) -> None:
    recorder = Recorder()
    with _client(sandbox, recorder=recorder, max_window_days=max_days) as client:
        rows = list(client.iter_work_hours(SEED_FIRST, SEED_LAST, only_attested=False, include_exported=True,
                                           include_wages_marked_no_export=True))  # fmt: skip
    calls = recorder.to("GET", "WorkHours")
    assert len(calls) == windows and all(c[3] == 200 for c in calls)
    for _, _, query, _ in calls:
        apart = datetime.fromisoformat(query["toDate"][0]) - datetime.fromisoformat(query["fromDate"][0])
        assert apart < timedelta(days=max_days)
    assert sorted(r["WorkHourID"] for r in rows) == sorted(h["WorkHourID"] for h in _hours(sandbox))


def _in(row: dict[str, Any], first: date, last: date) -> bool:
    return first <= date.fromisoformat(row["Date"][:10]) <= last


V1_CASES: list[tuple[str, dict[str, str], Callable[[dict[str, Any], dict[int, dict]], bool]]] = [
    ("defaults", {}, lambda r, w: r["AdminAttested"] is True and not r["Exported"] and w[r["WageId"]]["Export"]),
    ("everything", {"onlyAttested": "false", "includeExported": "true", "includeWagesMarkedNoExport": "true"},
     lambda r, w: True),
    ("not exported externally", {"onlyAttested": "false", "includeExported": "true", "exportedExternal": "false"},
     lambda r, w: not r["ExportedExternal"] and w[r["WageId"]]["Export"]),
    ("exported externally", {"onlyAttested": "false", "includeExported": "true", "exportedExternal": "true"},
     lambda r, w: r["ExportedExternal"] and w[r["WageId"]]["Export"]),
    ("by tag", {"onlyAttested": "false", "includeExported": "true", "exportedExternal": "true",
                "exportedExternalId": "SEED-PREVIOUS-1"}, lambda r, w: r["ExportedExternalId"] == "SEED-PREVIOUS-1"
     and w[r["WageId"]]["Export"]),
    ("absence only", {"onlyAttested": "false", "includeWagesMarkedNoExport": "true", "absence": "true"},
     lambda r, w: not r["Exported"] and (r["ProjectNumber"] == "FRAVÆR" or w[r["WageId"]]["IsAbsence"])),
    ("no absence", {"onlyAttested": "false", "includeExported": "true", "includeWagesMarkedNoExport": "true",
                    "absence": "false"}, lambda r, w: r["ProjectNumber"] != "FRAVÆR"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "params", "expected"), V1_CASES, ids=[c[0] for c in V1_CASES])
def test_v1_filters_as_documented(sandbox, sd, name, params, expected) -> None:
    first, last = date(2026, 2, 1), date(2026, 5, 3)
    wages = {w["Id"]: w for w in sd.list_wages()}
    query = {"fromDate": first.isoformat(), "toDate": last.isoformat(), **params}
    got = sorted(r["WorkHourID"] for r in sd.items("WorkHours", query)[0])
    want = sorted(r["WorkHourID"] for r in _hours(sandbox) if _in(r, first, last) and expected(r, wages))
    assert got == want and want


@pytest.mark.parametrize("level", ["foreman", "project_admin", "admin"])
def test_only_attested_follows_the_sandbox_s_attestation_level(sandbox, sd, level) -> None:
    _behaviour(sandbox, attested_level=level)
    first, last = date(2026, 2, 1), date(2026, 5, 3)
    query = {"fromDate": first.isoformat(), "toDate": last.isoformat(), "includeExported": "true",
             "includeWagesMarkedNoExport": "true"}  # fmt: skip
    got = sorted(r["WorkHourID"] for r in sd.items("WorkHours", query)[0])
    want = sorted(r["WorkHourID"] for r in _hours(sandbox) if _in(r, first, last) and is_attested(r, level))
    assert got == want


def test_v1_last_updated_is_strictly_after_and_project_filters(sandbox, sd) -> None:
    rows = [r for r in _hours(sandbox) if _in(r, date(2026, 3, 1), date(2026, 5, 31))]
    pivot = sorted(r["LastUpdated"] for r in rows)[len(rows) // 2]
    base = {"fromDate": "2026-03-01", "toDate": "2026-05-31", "onlyAttested": "false", "includeExported": "true",
            "includeWagesMarkedNoExport": "true"}  # fmt: skip
    got = {r["WorkHourID"] for r in sd.items("WorkHours", {**base, "lastUpdated": pivot})[0]}
    assert got == {r["WorkHourID"] for r in rows if r["LastUpdated"] > pivot}
    project = rows[0]["ProjectID"]
    got = {r["WorkHourID"] for r in sd.items("WorkHours", {**base, "projectId": str(project)})[0]}
    assert got == {r["WorkHourID"] for r in rows if r["ProjectID"] == project}
    with pytest.raises(SmartdokRefused) as refused:
        sd.items("WorkHours", {**base, "exportedExternalId": "SEED-PREVIOUS-1"})
    assert refused.value.error == "ExportedExternalMustBeTrue"
    with pytest.raises(ValueError, match="exported_external=True"):
        list(sd.iter_work_hours(SEED_FIRST, SEED_LAST, exported_external_id="SEED-PREVIOUS-1"))


@pytest.mark.parametrize("level", ["foreman", "admin"])
def test_approved_hours_are_decided_by_the_hub_s_level(sandbox, sd, level) -> None:
    wages = {w["Id"]: w for w in sd.list_wages()}
    got = sorted(r["WorkHourID"] for r in sd.iter_approved_hours(SEED_FIRST, SEED_LAST, level=level))
    want = sorted(
        r["WorkHourID"] for r in _hours(sandbox)
        if is_attested(r, level) and not r["ExportedExternal"] and wages[r["WageId"]]["Export"]
    )  # fmt: skip
    assert got == want
    assert any(r["Exported"] for r in _hours(sandbox) if r["WorkHourID"] in set(got))  # payroll's flag does not hide


# ---- hours: v2 -----------------------------------------------------------------------------------


def test_v2_pages_through_every_registration(sandbox) -> None:
    recorder = Recorder()
    total = len(_hours(sandbox))
    with _client(sandbox, recorder=recorder) as client:
        rows = list(client.iter_work_hours_v2(page_size=7))
        one = client.get_work_hour(rows[0]["Id"])
        assert client.get_work_hour(1) is None
    assert len(rows) == len({r["Id"] for r in rows}) == total
    offsets = [int(q["offset"][0]) for _, _, q, _ in recorder.to("GET", "WorkHours/v2")]
    assert offsets == list(range(0, 7 * math.ceil(total / 7), 7))
    assert one == rows[0] and set(one) >= {"Id", "UserId", "Date", "TimeFrom", "TimeTo", "ActivityId", "WageId"}


def test_v2_filters_approved_and_days(sandbox, sd) -> None:
    approved = {r["Id"] for r in sd.iter_work_hours_v2(approved=True, first_day=date(2026, 3, 1))}
    want = {r["WorkHourID"] for r in _hours(sandbox) if r["AdminAttested"] and r["Date"] >= "2026-03-01"}
    assert approved == want and want


# ---- export marking ------------------------------------------------------------------------------


def test_marking_exported_external_is_idempotent(sandbox, sd) -> None:
    pending = list(sd.iter_approved_hours(SEED_FIRST, SEED_LAST))
    ids = [r["WorkHourID"] for r in pending[:5]]
    assert sd.mark_exported_external(ids, "HUB-1") == 5
    first = {h["WorkHourID"]: h for h in _hours(sandbox) if h["WorkHourID"] in ids}
    assert sd.mark_exported_external(reversed(ids), "HUB-1") == 5
    again = {h["WorkHourID"]: h for h in _hours(sandbox) if h["WorkHourID"] in ids}
    assert again == first and all(h["ExportedExternalId"] == "HUB-1" for h in again.values())
    assert not set(ids) & {r["WorkHourID"] for r in sd.iter_approved_hours(SEED_FIRST, SEED_LAST)}
    assert sorted(r["WorkHourID"] for r in sd.iter_exported_batch(SEED_FIRST, SEED_LAST, "HUB-1")) == sorted(ids)


def test_a_mark_whose_answer_is_dropped_is_sent_again(sandbox, sd) -> None:
    ids = [r["WorkHourID"] for r in list(sd.iter_approved_hours(SEED_FIRST, SEED_LAST))[:3]]
    _faults(sandbox, next="drop", count=1)
    sd.mark_exported_external(ids, "HUB-2")
    assert sandbox.control("GET", "smartdok/faults").json()["injected"] == {"drop": 1}
    assert {h["ExportedExternalId"] for h in _hours(sandbox) if h["WorkHourID"] in ids} == {"HUB-2"}


def test_marks_go_in_batches(sandbox) -> None:
    recorder = Recorder()
    with _client(sandbox, recorder=recorder, mark_batch_size=3) as client:
        ids = [r["WorkHourID"] for r in list(client.iter_approved_hours(SEED_FIRST, SEED_LAST))[:7]]
        client.mark_exported_external(ids + ids[:2], "HUB-3")
    posts = recorder.to("POST", "WorkHours/SetExportedExternal")
    assert len(posts) == 3 and all(q == {"exportedExternalId": ["HUB-3"], "setAsExportedExternal": ["true"]}
                                   for _, _, q, _ in posts)  # fmt: skip


def test_marks_are_undone_by_id_and_by_batch(sandbox, sd) -> None:
    ids = [r["WorkHourID"] for r in list(sd.iter_approved_hours(SEED_FIRST, SEED_LAST))[:4]]
    sd.mark_exported_external(ids, "HUB-4")
    sd.unmark_exported_external(ids[:1])
    assert sorted(r["WorkHourID"] for r in sd.iter_exported_batch(SEED_FIRST, SEED_LAST, "HUB-4")) == sorted(ids[1:])
    sd.unmark_batch("HUB-4")
    sd.unmark_batch("HUB-4")
    assert list(sd.iter_exported_batch(SEED_FIRST, SEED_LAST, "HUB-4")) == []
    with pytest.raises(ValueError, match="batch id"):
        sd.mark_exported_external(ids, "  ")


def test_payroll_marking_hides_hours_from_v1_by_default(sandbox, sd) -> None:
    default = {"fromDate": "2026-03-01", "toDate": "2026-05-31"}
    visible = [r["WorkHourID"] for r in sd.items("WorkHours", default)[0]]
    sd.mark_exported_payroll(visible[:2])
    sd.mark_exported_payroll(visible[:2])
    assert [r["WorkHourID"] for r in sd.items("WorkHours", default)[0]] == visible[2:]
    assert {h["WorkHourID"] for h in _hours(sandbox) if h["Exported"]} >= set(visible[:2])


# ---- faults --------------------------------------------------------------------------------------


def _read_everything(client: SmartdokClient) -> tuple:
    return (
        client.list_users(), client.list_projects(include_orders=True), client.list_activities(),
        client.list_wages(), list(client.iter_work_hours(SEED_FIRST, SEED_LAST, only_attested=False)),
        list(client.iter_work_hours_v2(page_size=20)),
    )  # fmt: skip


def test_reads_survive_faults_unchanged(sandbox, sd) -> None:
    clean = _read_everything(sd)
    injector = _faults(sandbox, rate=0.3, kinds=["5xx", "html", "drop", "malformed", "latency"], latency_ms=20, seed=7)
    assert injector["rate"] == 0.3
    with _client(sandbox) as fresh:
        assert _read_everything(fresh) == clean
    assert sum(sandbox.control("GET", "smartdok/faults").json()["injected"].values()) >= 3


def test_429_is_waited_out_for_its_retry_after(sandbox) -> None:
    slept: list[float] = []
    with _client(sandbox, sleep=slept.append) as client:
        client.authenticate()
        _faults(sandbox, next="limit", count=1)
        assert client.list_wages()
    assert any(s >= 1.0 for s in slept)


def test_a_failing_session_call_is_retried(sandbox) -> None:
    _faults(sandbox, next="5xx", count=2)
    with _client(sandbox) as client:
        client.authenticate()
    assert _sessions(sandbox)["issued"] == 1


def test_a_create_whose_answer_is_dropped_is_not_repeated_blindly(sandbox, sd) -> None:
    """A POST create may have happened: the client reports it; the caller looks it up."""
    sd.authenticate()
    _faults(sandbox, next="drop", count=1)
    with pytest.raises(TransientError):
        sd.create_user({"UserName": "kari.moe", "Name": "Kari Moe", "Email": "kari@moe.example.no",
                        "EmployeeNo": "5010", "Password": "Sandbox-pw-1"})  # fmt: skip
    assert [u["UserName"] for u in sd.find_users_by_employee_no("5010")] == ["kari.moe"]


# ---- the foreman's day (control API) -------------------------------------------------------------


def test_a_foreman_registers_attests_and_edits_an_hour_after_transfer(sandbox, sd) -> None:
    today = datetime.now(OSLO).date()
    hour = sandbox.control("POST", "smartdok/hours", json={
        "employeeNo": "5001", "projectNumber": "1", "activityNumber": "2", "wageNumber": "1",
        "from": "07:00", "to": "15:00", "break": "00:30", "comment": "Montering av vinduer",
    }).json()  # fmt: skip
    hid = hour["WorkHourID"]
    assert (hour["EmployeeNo"], hour["ProjectNumber"], hour["WorkDescriptionCode"], hour["NetHours"]) == (
        "5001", "1", "2", 7.5,
    )  # fmt: skip

    def approved(level: str) -> set[int]:
        return {r["WorkHourID"] for r in sd.iter_approved_hours(today, today, level=level)}

    assert hid not in approved("foreman")
    sandbox.control("POST", f"smartdok/hours/{hid}/attest", json={"levels": ["foreman"]})
    assert hid in approved("foreman") and hid not in approved("admin")
    sandbox.control("POST", f"smartdok/hours/{hid}/attest", json={"levels": ["admin"]})
    assert hid in approved("admin")
    sd.mark_exported_external([hid], "HUB-5")
    assert hid not in approved("admin")

    watermark = datetime.now(UTC) - timedelta(seconds=1)
    other = next(h for h in _hours(sandbox) if h["WorkHourID"] != hid)
    edited = sandbox.control("POST", f"smartdok/hours/{hid}/edit", json={"to": "16:00"}).json()
    assert (edited["NetHours"], edited["AdminAttested"], edited["ExportedExternalId"]) == (8.5, True, "HUB-5")
    late = {r["WorkHourID"]: r for r in sd.iter_work_hours(today, today, only_attested=False, include_exported=True,
                                                           exported_external=True, last_updated=watermark)}  # fmt: skip
    assert late[hid]["NetHours"] == 8.5 and other["WorkHourID"] not in late


def test_the_control_api_refuses_unknown_codes(sandbox) -> None:
    answer = requests.post(f"{sandbox.url}/_sandbox/smartdok/hours", json={
        "employeeNo": "nobody", "projectNumber": "1", "activityNumber": "1", "wageNumber": "1"}, timeout=10)  # fmt: skip
    assert answer.status_code == 400 and answer.json()["Error"] == "employeeNoIsInvalid"
