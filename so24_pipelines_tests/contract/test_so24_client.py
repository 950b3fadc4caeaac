"""The 24SO connector against the sandbox over real HTTP."""

from __future__ import annotations

import pytest

from so24_pipelines.connectors.errors import AuthError, TransientError
from so24_pipelines.connectors.so24 import reads
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.flows.so24.tables import PRODUCTS

pytestmark = pytest.mark.contract


def _client(sandbox, **kw) -> So24Client:
    c = sandbox.control("GET", "24so/credentials").json()
    kw.setdefault("backoff_base", 0.01)
    return So24Client(
        base_url=f"{sandbox.url}/24so",
        credentials=So24Credentials(c["application_id"], c["username"], c["password"]),
        **kw,
    )


def _logins(sandbox) -> int:
    return sandbox.control("GET", "24so/stats").json()["logins"]


def test_one_login_is_reused_and_renewed_only_when_the_session_is_gone(sandbox):
    client = _client(sandbox)
    for _ in range(3):
        assert reads.products(client, PRODUCTS.shape())["id"]
    assert client.logins == 1 and _logins(sandbox) == 1
    sandbox.reset()  # the sandbox forgets every session, as 24SO does when one expires
    assert reads.products(client, PRODUCTS.shape())["id"]
    assert client.logins == 2


def test_bad_password_fails_early_naming_the_keys_without_the_secret(sandbox):
    c = sandbox.control("GET", "24so/credentials").json()
    client = So24Client(
        base_url=f"{sandbox.url}/24so",
        credentials=So24Credentials(c["application_id"], c["username"], "not-the-password-xyz"),
    )
    with pytest.raises(AuthError) as info:
        client.ensure_session()
    assert "SO24_PASSWORD" in str(info.value) and "not-the-password-xyz" not in str(info.value)
    assert "not-the-password-xyz" not in repr(client._credentials)


def test_identities_switch_the_company_and_its_data(sandbox):
    client = _client(sandbox)
    idents = reads.identities(client)
    assert len(idents) == 2 and sum(i["is_current"] for i in idents) == 1
    first = set(reads.products(client, PRODUCTS.shape())["id"])
    other = next(i for i in idents if not i["is_current"])
    reads.use_identity(client, other["id"])
    second = set(reads.products(client, PRODUCTS.shape())["id"])
    assert first and second and first.isdisjoint(second)


def test_the_limit_fault_is_waited_out_not_failed(sandbox):
    client = _client(sandbox)
    client.ensure_session()
    sandbox.control("POST", "24so/faults", json={"next": "limit", "count": 2})
    assert reads.products(client, PRODUCTS.shape())["id"]
    assert sandbox.control("GET", "24so/faults").json()["injected"]["limit"] == 2


@pytest.mark.parametrize(("kind", "text"), [("5xx", "server fault"), ("html", "HTML page"), ("malformed", "malformed")])
def test_each_bad_answer_gives_an_error_that_names_the_call(sandbox, kind, text):
    client = _client(sandbox, max_retries=1)
    client.ensure_session()
    sandbox.control("POST", "24so/faults", json={"next": kind, "count": 5})
    with pytest.raises(TransientError) as info:
        reads.products(client, PRODUCTS.shape())
    assert "ProductService.GetProducts" in str(info.value) and text in str(info.value)


def test_transient_faults_are_retried_until_the_answer_comes(sandbox):
    client = _client(sandbox, max_retries=6)
    expected = reads.products(client, PRODUCTS.shape())
    sandbox.control("POST", "24so/faults", json={"rate": 0.3, "seed": 5})
    assert reads.products(client, PRODUCTS.shape()) == expected


def test_more_than_1000_ids_is_refused_before_sending(sandbox):
    client = _client(sandbox)
    with pytest.raises(ValueError, match="at most 1000"):
        reads.products(client, PRODUCTS.shape(), ids=list(range(1001)))
