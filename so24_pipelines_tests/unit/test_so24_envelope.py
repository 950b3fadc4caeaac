from datetime import UTC, datetime, timedelta

import pytest

from so24_pipelines.connectors.errors import AuthError, ConnectorError, RateLimited, TransientError
from so24_pipelines.connectors.so24.envelope import SessionExpired, check_answer, classify_fault

ENV = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}</soap:Body></soap:Envelope>'
)


def _fault(code: str, text: str) -> bytes:
    return ENV.format(f"<soap:Fault><faultcode>{code}</faultcode><faultstring>{text}</faultstring></soap:Fault>").encode()


def test_limit_fault_waits_until_quarantine_end():
    ends = (datetime.now(UTC) + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%S")
    err = classify_fault("soap:Server", f"Limit exceeded by 3. Request is blocked. Quarantine ends at {ends}", call="X.Y")
    assert isinstance(err, RateLimited)
    assert 60 < err.retry_after <= 91
    assert str(err).startswith("X.Y:")


def test_not_authenticated_fault_means_session_expired():
    with pytest.raises(SessionExpired):
        check_answer(500, "text/xml", _fault("soap:Server", "Client is not authenticated on this identity"), call="A.B")


def test_blocked_identity_is_an_auth_error_not_transient():
    err = classify_fault("soap:Server", "The provided IdentityId is blocked", call="Authenticate.Login")
    assert isinstance(err, AuthError) and not isinstance(err, TransientError)


def test_client_fault_is_permanent_server_fault_transient():
    assert not isinstance(classify_fault("soap:Client", "bad", call="c"), TransientError)
    assert isinstance(classify_fault("soap:Server", "Server was unable to process request.", call="c"), TransientError)


@pytest.mark.parametrize(
    ("status", "ctype", "body", "text"),
    [
        (503, "text/html", b"<html><body>Service Unavailable</body></html>", "HTML page"),
        (200, "text/xml", b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Bo", "malformed"),
        (200, "text/xml", b"", "empty answer"),
    ],
)
def test_bad_answers_are_transient_and_name_the_call(status, ctype, body, text):
    with pytest.raises(TransientError) as info:
        check_answer(status, ctype, body, call="InvoiceService.GetInvoices")
    assert "InvoiceService.GetInvoices" in str(info.value) and text in str(info.value)


def test_dtd_and_entities_are_refused():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&e;</soap:Body></soap:Envelope>'
    )
    with pytest.raises(ConnectorError) as info:
        check_answer(200, "text/xml", body, call="P.Q")
    assert "DTD" in str(info.value)
