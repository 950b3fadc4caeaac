"""Every answer the connector gets from the Smartdok sandbox validates against the vendor's OpenAPI file.

The vendor's own description (../shared/reference/smartdok/openapi.json, OpenAPI 3.0.3) is read
at test time, never copied into the project. The test drives every call of `SmartdokClient`
through a session that records each answer, finds the spec's operation for its method and path,
and validates the body against that operation's response schema (for a 201 create, the spec's
documented 200 body: the spec lists only 200 while its prose promises 201). Schemas are used as
the vendor wrote them: `$ref`s resolved against the whole document, `additionalProperties: false`
enforced, OpenAPI's `nullable` turned into JSON Schema's `null` type, and the formats the spec
uses (uuid, date-time without offset as .NET writes it, date, date-span, int32) checked.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any

import jsonschema
import pytest
import requests

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.smartdok import SmartdokClient, SmartdokRefused
from so24_pipelines_tests.conftest import REPO_ROOT

pytestmark = pytest.mark.contract

OPENAPI = REPO_ROOT.parent / "shared" / "reference" / "smartdok" / "openapi.json"
FAST_RETRY = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05)
SEED_FIRST, SEED_LAST = date(2025, 12, 1), date(2026, 5, 31)

# Every operation SmartdokClient calls, as (method, spec path). The test fails if one goes untried.
CONNECTOR_OPERATIONS = {
    ("post", "/Authorize/ApiToken"),
    ("get", "/Users"),
    ("get", "/Users/current"),
    ("get", "/Users/{id}"),
    ("post", "/Users"),
    ("put", "/Users/{id}"),
    ("get", "/Projects"),
    ("get", "/Projects/{id}"),
    ("post", "/Projects"),
    ("put", "/v3/Projects/{id}"),
    ("get", "/WorkDescriptions"),
    ("get", "/Wages"),
    ("get", "/WorkHours"),
    ("get", "/WorkHours/v2"),
    ("get", "/WorkHours/{id}"),
    ("post", "/WorkHours/SetExportedExternal"),
    ("post", "/WorkHours/UnmarkExportedExternal"),
    ("post", "/WorkHours/MarkAsExported"),
}

if not OPENAPI.exists():
    pytest.fail(f"the vendor's OpenAPI file is missing at {OPENAPI}", pytrace=False)


# ---- the spec as JSON Schema ---------------------------------------------------------------------


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` -> a JSON Schema that also admits null, recursively."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "$ref" in out:
            return {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def spec() -> dict[str, Any]:
    return _nullable(json.loads(OPENAPI.read_text(encoding="utf-8")))


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPAN = re.compile(r"^-?(\d+\.)?\d{2}:\d{2}:\d{2}(\.\d{1,7})?$")
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE_TIME.match(value))


@FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    return not isinstance(value, str) or (bool(_DATE.match(value)) and bool(date.fromisoformat(value)))


@FORMATS.checks("date-span")
def _date_span(value: object) -> bool:
    return not isinstance(value, str) or bool(_SPAN.match(value))


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


def response_schema(method: str, template: str, status: int) -> dict[str, Any] | None:
    """The JSON schema of the documented answer, or None when the spec documents no body."""
    responses = spec()["paths"][template][method]["responses"]
    documented = responses.get(str(status)) or (responses.get("200") if status in (200, 201) else None)
    assert documented is not None, f"{method.upper()} {template} does not document status {status}"
    content = documented.get("content") or {}
    body = content.get("application/json")
    return None if body is None else body["schema"]


def validate(method: str, template: str, status: int, body: Any) -> None:
    """Raise jsonschema.ValidationError when `body` is not what the spec documents."""
    schema = response_schema(method, template, status)
    if schema is None:
        assert body in (None, b"", ""), f"{method.upper()} {template} documents no body but got one"
        return
    root = {"components": spec()["components"], "allOf": [schema]}
    jsonschema.Draft7Validator(root, format_checker=FORMATS).validate(body)


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Spec paths as regexes, literal paths first so /Users/current beats /Users/{id}."""
    paths = sorted(spec()["paths"], key=lambda p: (p.count("{"), -len(p)))
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$", re.IGNORECASE), p) for p in paths]


def template_of(path: str, method: str) -> str:
    for pattern, template in _templates():
        if pattern.match(path) and method in spec()["paths"][template]:
            return template
    raise AssertionError(f"{method.upper()} {path} is not an operation of the vendor's spec")


# ---- recording what the connector gets -----------------------------------------------------------


class Recorder:
    """Captures every answer of a requests.Session: (method, spec path, status, decoded body)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.seen: list[tuple[str, str, int, Any]] = []

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        method = (response.request.method or "GET").lower()
        path = requests.utils.urlparse(response.url).path.removeprefix(self.prefix)
        text = response.text
        body: Any = None
        if text.strip():
            body = json.loads(text)
        self.seen.append((method, template_of(path, method), response.status_code, body))
        return response


@pytest.fixture
def recorded(sandbox) -> Iterator[tuple[SmartdokClient, Recorder]]:
    creds = sandbox.control("GET", "smartdok/credentials").json()
    session = requests.Session()
    recorder = Recorder(prefix="/smartdok")
    session.hooks["response"].append(recorder)
    client = SmartdokClient(creds["baseUrl"], creds["apiToken"], retry=FAST_RETRY, session=session,
                            requests_per_minute=60_000, burst=100)  # fmt: skip
    yield client, recorder
    client.close()


def _exercise_every_call(client: SmartdokClient) -> None:
    users = client.list_users()
    client.list_users(include_ended=False)
    client.get_user(users[1]["Id"])
    client.current_user()
    client.find_users_by_employee_no("5001")
    created = client.create_user(
        {"UserName": "spec.check", "Name": "Spec Check", "Email": "spec@check.example.no", "EmployeeNo": "5010",
         "Password": "Sandbox-pw-1", "PhonePrefix": "+47", "PhoneNumber": "40000009"}
    )  # fmt: skip
    client.update_user(created["Id"], {"Name": "Spec Checked"})
    projects = client.list_projects(include_orders=True)
    client.list_projects(include_inactive=False)
    client.get_project(projects[0]["Id"])
    client.find_projects_by_number("1")
    project = client.create_project({"ProjectName": "Spec project", "ProjectNumber": "99999", "IsActive": True})
    client.update_project(project["Id"], {"ProjectName": "Spec project renamed"})
    client.list_activities()
    client.list_wages()
    rows = list(client.iter_work_hours(SEED_FIRST, SEED_LAST, only_attested=False, include_exported=True,
                                       include_wages_marked_no_export=True))  # fmt: skip
    approved = list(client.iter_approved_hours(SEED_FIRST, SEED_LAST))
    list(client.iter_work_hours_v2(page_size=50))
    client.get_work_hour(rows[0]["WorkHourID"])
    ids = [r["WorkHourID"] for r in approved[:3]]
    client.mark_exported_external(ids, "SPEC-BATCH")
    list(client.iter_exported_batch(SEED_FIRST, SEED_LAST, "SPEC-BATCH"))
    client.unmark_exported_external(ids[:1])
    client.unmark_batch("SPEC-BATCH")
    client.mark_exported_payroll(ids)


def test_every_connector_call_is_answered_as_the_vendor_spec_says(recorded) -> None:
    client, recorder = recorded
    _exercise_every_call(client)
    problems = []
    for method, template, status, body in recorder.seen:
        assert 200 <= status < 300, f"{method.upper()} {template} answered {status}"
        try:
            validate(method, template, status, body)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            problems.append(f"{method.upper()} {template} at {where or '<root>'}: {exc.message}")
    assert not problems, "\n".join(problems[:20])
    assert {(m, t) for m, t, _, _ in recorder.seen} == CONNECTOR_OPERATIONS


def test_v2_refusal_is_the_documented_problem_details(recorded) -> None:
    client, recorder = recorded
    with pytest.raises(SmartdokRefused) as refused:
        client.items("WorkHours/v2", {"count": 101})
    assert "count" in refused.value.field_errors
    method, template, status, body = recorder.seen[-1]
    assert (method, template, status) == ("get", "/WorkHours/v2", 400)
    validate(method, template, status, body)


def test_the_check_rejects_what_the_spec_forbids() -> None:
    """The validator is not a rubber stamp: an unknown field, a null where none is allowed, a
    missing envelope and a bad format each fail."""
    good = {"Id": 1, "Name": "Montasje", "Number": "1", "IsActive": True, "Price": 0.0, "InternalRate": 0.0}
    validate("get", "/WorkDescriptions", 200, [good])
    for bad in (
        [{**good, "Colour": "red"}],
        [{**good, "Number": None}],
        {"Items": [good]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate("get", "/WorkDescriptions", 200, bad)
    with pytest.raises(jsonschema.ValidationError):
        validate("get", "/WorkHours/{id}", 200, {"Id": 1, "TimeFrom": "7.5"})
    with pytest.raises(jsonschema.ValidationError):
        validate("get", "/Users/current", 200, {"UserName": "x", "GroupName": "", "LanguageCode": "nb",
                                                 "Role": "User", "Id": "not-a-uuid"})  # fmt: skip


def test_sandbox_paths_are_vendor_paths() -> None:
    """Each route the Smartdok emulator serves is an operation of the vendor's spec, same spelling."""
    from so24_sandbox.smartdok.system import SmartdokSystem

    served = []
    for route in SmartdokSystem().routes():
        path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path)
        for method in sorted(route.methods - {"HEAD"}):
            served.append((method.lower(), path))
    missing = [(m, p) for m, p in served if p not in spec()["paths"] or m not in spec()["paths"][p]]
    assert not missing, missing
    assert CONNECTOR_OPERATIONS <= set(served)

