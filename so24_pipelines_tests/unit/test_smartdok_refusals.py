"""Smartdok's two refusal shapes read into a message and its error name; other bodies left alone."""

from __future__ import annotations

import json

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.connectors.smartdok.refusals import SmartdokRefused, details, refused


def test_code_error_message_body() -> None:
    body = {"Code": 1102, "Error": "EmployeeNoAlreadyExists", "Message": "Another user has it."}
    message, fields = details(json.dumps(body)) or ("", {})
    assert message == "EmployeeNoAlreadyExists (code 1102): Another user has it."
    lifted = refused(RecordRejected(message, call="smartdok POST /Users", field_errors=fields))
    assert isinstance(lifted, SmartdokRefused)
    assert lifted.error == "EmployeeNoAlreadyExists"
    assert lifted.field_errors == {}
    assert str(lifted) == f"smartdok POST /Users: {message}"


def test_problem_details_body() -> None:
    body = {"Type": "x", "Title": "One or more validation errors occurred.", "Status": 400,
            "Detail": "count: too big", "Errors": {"count": ["too big"]}}  # fmt: skip
    message, fields = details(json.dumps(body)) or ("", {})
    assert message == "One or more validation errors occurred. count: too big"
    assert fields == {"count": ["too big"]}
    assert refused(RecordRejected(message, field_errors=fields)).error is None


def test_other_bodies_are_not_ours() -> None:
    assert details("") is None
    assert details("<html>Service Unavailable</html>") is None
    assert details('{"message": "laravel"}') is None
    assert details("[1, 2]") is None
