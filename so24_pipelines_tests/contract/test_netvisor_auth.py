"""Netvisor authentication against the sandbox: the MAC, TransactionIds and Netvisor's own status texts."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from so24_pipelines.connectors.errors import AuthError
from so24_pipelines.connectors.netvisor.auth import NetvisorAuth
from so24_pipelines.connectors.netvisor.errors import (
    NetvisorAuthenticationFailed,
    NetvisorInvalidData,
    NetvisorRequestNotUnique,
)
from so24_pipelines.connectors.netvisor.transport import NetvisorSession
from so24_pipelines_tests.contract.test_netvisor_client import SECOND, credentials_of, make_client

pytestmark = pytest.mark.contract


class CountingSession(NetvisorSession):
    """The client's own session, counting the HTTP answers it gets (retries included)."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []
        self.hooks["response"].insert(0, lambda r, *a, **k: self.statuses.append(r.status_code))


@pytest.fixture
def creds(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "netvisor/credentials").json()


def customer_names(sandbox) -> list[str]:
    return [c["name"] for c in sandbox.control("GET", "netvisor/customers").json()["customers"]]


def test_a_reused_transaction_id_is_refused_and_nothing_is_written(creds, tmp_path, sandbox):
    session = CountingSession()
    client = make_client(creds, tmp_path, transaction_ids=lambda: "5f0c-reused", session=session)
    client.add_customer({"customerbaseinformation": {"name": "Ensimmäinen Oy"}})
    with pytest.raises(NetvisorRequestNotUnique) as info:
        client.add_customer({"customerbaseinformation": {"name": "Toinen Oy"}})
    assert info.value.code == "REQUEST_NOT_UNIQUE"
    assert (
        info.value.status_text
        == "REQUEST_NOT_UNIQUE :: The transaction identifier has already been used: 5f0c-reused"
    )
    assert info.value.call == "netvisor POST /customer.nv"
    assert "Ensimmäinen Oy" in customer_names(sandbox) and "Toinen Oy" not in customer_names(sandbox)
    assert len(session.statuses) == 2  # refused once, not retried


def test_a_captured_request_cannot_be_replayed(creds):
    auth = NetvisorAuth(credentials_of(creds), sender="replay-test")
    prepared = requests.Request(
        "GET", f"{creds['baseUrl']}/getcustomer.nv", params={"id": "101"}, auth=auth
    ).prepare()
    with requests.Session() as http:
        first = http.send(prepared, timeout=10)
        again = http.send(prepared, timeout=10)
    assert b"<Status>OK</Status>" in first.content
    assert b"<Status>FAILED</Status><Status>REQUEST_NOT_UNIQUE :: " in again.content


def test_a_wrong_key_is_a_bad_mac_with_netvisors_text_never_the_key(creds, tmp_path):
    session = CountingSession()
    wrong = credentials_of(creds, customer_key="0123456789abcdef0123456789abcdef")
    client = make_client(creds, tmp_path, credentials=wrong, session=session)
    with pytest.raises(NetvisorAuthenticationFailed) as info:
        client.list_customers()
    assert isinstance(info.value, AuthError)
    assert info.value.status_text == "AUTHENTICATION_FAILED :: The MAC is invalid"
    assert "0123456789abcdef" not in f"{info.value} {client!r}" and creds["partnerKey"] not in str(info.value)
    assert len(session.statuses) == 1


def test_a_query_string_changed_after_signing_breaks_the_mac(creds):
    auth = NetvisorAuth(credentials_of(creds), sender="tamper-test")
    prepared = requests.Request(
        "GET", f"{creds['baseUrl']}/getcustomer.nv", params={"id": "101"}, auth=auth
    ).prepare()
    prepared.url = str(prepared.url).replace("id=101", "id=102")
    answer = requests.Session().send(prepared, timeout=10)
    assert b"AUTHENTICATION_FAILED :: The MAC is invalid" in answer.content


def test_an_unknown_partner_gets_netvisors_finnish_text(creds, tmp_path):
    stranger = credentials_of(creds, partner_id="someone_else")
    with pytest.raises(NetvisorAuthenticationFailed) as info:
        make_client(creds, tmp_path, credentials=stranger, language="FI").list_products()
    assert (
        info.value.status_text
        == "AUTHENTICATION_FAILED :: Integraatiokumppania ei löydy, katso dokumentaatio"
    )


def test_a_user_reaches_only_the_companies_it_was_granted(creds, tmp_path):
    main_user_other_company = credentials_of(creds, organisation_id=SECOND)
    with pytest.raises(NetvisorAuthenticationFailed, match=SECOND):
        make_client(creds, tmp_path, credentials=main_user_other_company).list_customers()
    assert (
        make_client(creds, tmp_path, organisation=SECOND).list_customers()[0]["Name"] == "Toisen Asiakas Oy"
    )


def test_the_older_sha256_scheme_works_unless_the_company_refuses_it(creds, tmp_path, sandbox):
    client = make_client(creds, tmp_path, mac_algorithm="SHA256")
    assert client.get_customer(101)["CustomerBaseInformation"]["InternalIdentifier"] == "10001"
    sandbox.control("POST", "netvisor/behaviour", json={"accepted_algorithms": ["HMACSHA256"]})
    with pytest.raises(NetvisorAuthenticationFailed, match="SHA256 is not supported"):
        client.get_customer(101)


def test_with_http_status_codes_the_xml_status_still_names_the_error(creds, tmp_path):
    session = CountingSession()
    wrong = credentials_of(creds, partner_key="f" * 32)
    with pytest.raises(NetvisorAuthenticationFailed, match="The MAC is invalid"):
        make_client(
            creds, tmp_path, credentials=wrong, use_http_status_codes=True, session=session
        ).list_customers()
    assert session.statuses == [401]
    client = make_client(creds, tmp_path, use_http_status_codes=True, session=session)
    with pytest.raises(NetvisorInvalidData, match="Customer not found with Netvisor identifier: 4"):
        client.get_customer(4)
    assert session.statuses[-1] == 400
    assert client.get_customer(101)["CustomerBaseInformation"]["NetvisorKey"] == 101
